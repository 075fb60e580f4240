"""Belarusian number words: num2words spells the nominative; the cases are declined here."""

from __future__ import annotations

import logging

from num2words import num2words  # type: ignore[import-untyped]

from polyedition.speech.frontend.grammar import Grammar, inflect_words, slavic_plural

logger = logging.getLogger(__name__)

# (genitive, dative, instrumental, locative) of each word num2words writes in a cardinal.
_CARDINAL: dict[str, tuple[str, ...]] = {
    "адзін": ("аднаго", "аднаму", "адным", "адным"),
    "адна": ("адной", "адной", "адной", "адной"),
    "два": ("двух", "двум", "двума", "двух"),
    "дзве": ("двух", "двум", "двума", "двух"),
    "тры": ("трох", "тром", "трыма", "трох"),
    "чатыры": ("чатырох", "чатыром", "чатырма", "чатырох"),
    "пяць": ("пяці", "пяці", "пяццю", "пяці"),
    "шэсць": ("шасці", "шасці", "шасцю", "шасці"),
    "сем": ("сямі", "сямі", "сямю", "сямі"),
    "восем": ("васьмі", "васьмі", "васьмю", "васьмі"),
    "дзевяць": ("дзевяці", "дзевяці", "дзевяццю", "дзевяці"),
    "дзесяць": ("дзесяці", "дзесяці", "дзесяццю", "дзесяці"),
    "сорак": ("сарака", "сарака", "сарака", "сарака"),
    "пяцьдзясят": ("пяцідзесяці", "пяцідзесяці", "пяццюдзесяццю", "пяцідзесяці"),
    "шэсцьдзясят": ("шасцідзесяці", "шасцідзесяці", "шасцюдзесяццю", "шасцідзесяці"),
    "семдзесят": ("сямідзесяці", "сямідзесяці", "сямюдзесяццю", "сямідзесяці"),
    "восемдзесят": ("васьмідзесяці", "васьмідзесяці", "васьмюдзесяццю", "васьмідзесяці"),
    "дзевяноста": ("дзевяноста", "дзевяноста", "дзевяноста", "дзевяноста"),
    "сто": ("ста", "ста", "ста", "ста"),
    "дзвесце": ("двухсот", "двумстам", "двумастамі", "двухстах"),
    "трыста": ("трохсот", "тромстам", "трымастамі", "трохстах"),
    "чатырыста": ("чатырохсот", "чатыромстам", "чатырмастамі", "чатырохстах"),
    "пяцьсот": ("пяцісот", "пяцістам", "пяццюстамі", "пяцістах"),
    "шэсцьсот": ("шасцісот", "шасцістам", "шасцюстамі", "шасцістах"),
    "семсот": ("сямісот", "сямістам", "сямюстамі", "сямістах"),
    "восемсот": ("васьмісот", "васьмістам", "васьмюстамі", "васьмістах"),
    "дзевяцьсот": ("дзевяцісот", "дзевяцістам", "дзевяццюстамі", "дзевяцістах"),
    "тысяча": ("тысячы", "тысячы", "тысячай", "тысячы"),
    "тысячы": ("тысяч", "тысячам", "тысячамі", "тысячах"),
    "тысяч": ("тысяч", "тысячам", "тысячамі", "тысячах"),
}
# -наццаць and -дзесяць words (адзінаццаць … дзевятнаццаць, дваццаць, трыццаць) decline alike.
_CARDINAL.update(
    {
        word: (word[:-1] + "і", word[:-1] + "і", word[:-1] + "цю", word[:-1] + "і")
        for word in (
            "адзінаццаць",
            "дванаццаць",
            "трынаццаць",
            "чатырнаццаць",
            "пятнаццаць",
            "шаснаццаць",
            "сямнаццаць",
            "васямнаццаць",
            "дзевятнаццаць",
            "дваццаць",
            "трыццаць",
        )
    }
)

# Adjective endings of an ordinal by declension: nominative, then genitive, dative,
# accusative (inanimate), instrumental, locative; for the masculine, neuter and feminine.
_ENDINGS: dict[str, dict[str, tuple[str, ...]]] = {
    # unstressed hard stem: дваццаты, пяты, першы
    "hard": {
        "m": ("ы", "ага", "аму", "ы", "ым", "ым"),
        "n": ("ае", "ага", "аму", "ае", "ым", "ым"),
        "f": ("ая", "ай", "ай", "ую", "ай", "ай"),
        "pl": ("ыя", "ых", "ым", "ыя", "ымі", "ых"),
    },
    # stressed ending: саракавы́ (unstressed о becomes а only off the stress)
    "stressed": {
        "m": ("ы", "ога", "ому", "ы", "ым", "ым"),
        "n": ("ое", "ога", "ому", "ое", "ым", "ым"),
        "f": ("ая", "ой", "ой", "ую", "ой", "ой"),
        "pl": ("ыя", "ых", "ым", "ыя", "ымі", "ых"),
    },
    # velar stem, stressed ending: другі́
    "velar": {
        "m": ("і", "ога", "ому", "і", "ім", "ім"),
        "n": ("ое", "ога", "ому", "ое", "ім", "ім"),
        "f": ("ая", "ой", "ой", "ую", "ой", "ой"),
        "pl": ("ія", "іх", "ім", "ія", "імі", "іх"),
    },
    # soft stem: трэці
    "soft": {
        "m": ("і", "яга", "яму", "і", "ім", "ім"),
        "n": ("яе", "яга", "яму", "яе", "ім", "ім"),
        "f": ("яя", "яй", "яй", "юю", "яй", "яй"),
        "pl": ("ія", "іх", "ім", "ія", "імі", "іх"),
    },
}
_STRESSED_ENDING = frozenset({"саракавы"})
_CASE_INDEX = {"nom": 0, "gen": 1, "dat": 2, "acc": 3, "ins": 4, "loc": 5}


def cardinal(number: int, case: str) -> str:
    """Spelled in words.

    >>> cardinal(123, "gen"), cardinal(2020, "loc")
    ('ста дваццаці трох', 'двух тысячах дваццаці')
    """
    return inflect_words(_spell(number, "cardinal"), case, _CARDINAL)


def ordinal(number: int, case: str, gender: str) -> str:
    """Only the last word of a Belarusian ordinal is an adjective ("дзве тысячы дваццатым").

    >>> ordinal(2020, "loc", "m"), ordinal(2025, "gen", "m"), ordinal(13, "gen", "n")
    ('дзве тысячы дваццатым', 'дзве тысячы дваццаць пятага', 'трынаццатага')
    >>> ordinal(3, "loc", "m"), ordinal(2, "gen", "f"), ordinal(1990, "nom", "m")
    ('трэцім', 'другой', 'тысяча дзевяцьсот дзевяносты')
    """
    *head, last = _spell(number, "ordinal").split()
    if last == "дзевяноста":  # num2words writes the cardinal for 90
        last = "дзевяносты"
    if last == "трэці":
        stem, declension = "трэц", "soft"
    elif last[-2:] in ("гі", "кі", "хі"):
        stem, declension = last[:-1], "velar"
    else:
        stem = last[:-1]
        declension = "stressed" if last in _STRESSED_ENDING else "hard"
    ending = _ENDINGS[declension][gender][_CASE_INDEX[case]]
    return " ".join([*head, stem + ending])


def _spell(number: int, to: str) -> str:
    """num2words' words, without the "адна" a newsreader does not say before "тысяча"."""
    words = str(num2words(number, lang="be", to=to))
    return words.removeprefix("адна ") if words.startswith("адна тысяча") else words


def year(number: int, case: str) -> str:
    return ordinal(number, case, "m")


GRAMMAR = Grammar(cardinal, ordinal, slavic_plural, year, day_gender="n")
