"""Lithuanian number words: num2words spells cardinals; cases and ordinals are made here."""

from __future__ import annotations

import logging

from num2words import num2words  # type: ignore[import-untyped]

from polyedition.speech.frontend.grammar import Grammar

logger = logging.getLogger(__name__)

# (genitive, dative, accusative, instrumental, locative) of each declinable cardinal word;
# the tens (dvidešimt …) do not decline inside a compound.
_CARDINAL: dict[str, tuple[str, ...]] = {
    "vienas": ("vieno", "vienam", "vieną", "vienu", "viename"),
    "du": ("dviejų", "dviem", "du", "dviem", "dviejuose"),
    "trys": ("trijų", "trims", "tris", "trimis", "trijuose"),
    "keturi": ("keturių", "keturiems", "keturis", "keturiais", "keturiuose"),
    "šimtas": ("šimto", "šimtui", "šimtą", "šimtu", "šimte"),
    "šimtai": ("šimtų", "šimtams", "šimtus", "šimtais", "šimtuose"),
    "tūkstantis": ("tūkstančio", "tūkstančiui", "tūkstantį", "tūkstančiu", "tūkstantyje"),
    "tūkstančiai": ("tūkstančių", "tūkstančiams", "tūkstančius", "tūkstančiais", "tūkstančiuose"),
}
for _stem in ("penk", "šeš", "septyn", "aštuon", "devyn"):
    _CARDINAL[_stem + "i"] = tuple(
        _stem + ending for ending in ("ių", "iems", "is", "iais", "iuose")
    )
for _stem in (
    "vienuo",
    "dvy",
    "try",
    "keturiol",
    "penkiol",
    "šešiol",
    "septyniol",
    "aštuoniol",
    "devyniol",
):
    _CARDINAL[_stem + "lika"] = tuple(
        _stem + ending for ending in ("likos", "likai", "liką", "lika", "likoje")
    )
_COLUMN = {"gen": 0, "dat": 1, "acc": 2, "ins": 3, "loc": 4}

# The stem of the ordinal made from a cardinal word.
_ORDINAL_STEM = {
    "vienas": "pirm",
    "du": "antr",
    "trys": "treči",
    "keturi": "ketvirt",
    "penki": "penkt",
    "šeši": "šešt",
    "septyni": "septint",
    "aštuoni": "aštunt",
    "devyni": "devint",
    "šimtas": "šimt",
    "šimtai": "šimt",
    "tūkstantis": "tūkstant",
    "tūkstančiai": "tūkstant",
}

# Definite (pronominal) endings, the forms dates and years take: nominative, genitive,
# dative, accusative, instrumental, locative.
_ENDINGS = {
    "m": ("asis", "ojo", "ajam", "ąjį", "uoju", "ajame"),
    "f": ("oji", "osios", "ajai", "ąją", "ąja", "ojoje"),
    "pl": ("ieji", "ųjų", "iesiems", "uosius", "aisiais", "uosiuose"),
}
_ENDINGS["n"] = _ENDINGS["m"]
_CASE_INDEX = {"nom": 0, "gen": 1, "dat": 2, "acc": 3, "ins": 4, "loc": 5}


def _words(number: int) -> list[str]:
    """num2words' words without the "vienas" a newsreader does not say before "šimtas"."""
    words = str(num2words(number, lang="lt")).split()
    return words[1:] if words[0] == "vienas" and len(words) > 1 else words


def cardinal(number: int, case: str) -> str:
    """Spelled in words, every declinable word in ``case``.

    >>> cardinal(123, "nom"), cardinal(123, "acc"), cardinal(123, "gen")
    ('šimtas dvidešimt trys', 'šimtą dvidešimt tris', 'šimto dvidešimt trijų')
    """
    if case == "nom":
        return " ".join(_words(number))
    column = _COLUMN[case]
    return " ".join(_CARDINAL[w][column] if w in _CARDINAL else w for w in _words(number))


def ordinal(number: int, case: str, gender: str) -> str:
    """The definite ordinal, as in dates: the words before the last stay cardinal.

    >>> ordinal(2020, "ins", "pl"), ordinal(2025, "gen", "pl"), ordinal(13, "acc", "f")
    ('du tūkstančiai dvidešimtaisiais', 'du tūkstančiai dvidešimt penktųjų', 'tryliktąją')
    >>> ordinal(2023, "nom", "pl"), ordinal(2000, "nom", "pl"), ordinal(1, "nom", "m")
    ('du tūkstančiai dvidešimt tretieji', 'dutūkstantieji', 'pirmasis')
    """
    *head, last = _words(number)
    if last.endswith("lika"):
        stem = last[:-1] + "t"
    elif last.endswith("dešimt"):
        stem = last
    else:
        stem = _ORDINAL_STEM[last]
        if last in ("šimtai", "tūkstančiai") and head:
            # 200th, 2000th: one word, "dušimtasis", "dutūkstantasis"
            stem = head.pop() + stem
    ending = _ENDINGS[gender][_CASE_INDEX[case]]
    if stem == "treči" and ending.startswith("ie"):
        stem = "tret"
    return " ".join([*head, stem + ending])


def plural(number: int) -> str:
    """Lithuanian counting forms: 1, 21 → one; 2–9, 22 → few; 10–20, 30 → many.

    >>> [plural(n) for n in (1, 2, 10, 11, 21, 123, 120)]
    ['one', 'few', 'many', 'many', 'one', 'few', 'many']
    """
    if 11 <= number % 100 <= 19 or number % 10 == 0:
        return "many"
    return "one" if number % 10 == 1 else "few"


def year(number: int, case: str) -> str:
    return ordinal(number, case, "pl")


GRAMMAR = Grammar(
    cardinal,
    ordinal,
    plural,
    year,
    day_gender="f",
    count_genitive_is_nominative=True,
)
