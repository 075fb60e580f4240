"""Polish number words: num2words spells the nominative; the cases are declined here."""

from __future__ import annotations

import logging

from num2words import num2words  # type: ignore[import-untyped]

from polyedition.speech.frontend.grammar import Grammar, inflect_words, slavic_plural

logger = logging.getLogger(__name__)

# (genitive, dative, instrumental, locative) of each word num2words writes in a cardinal.
# Compound numerals take the "-u" forms in the instrumental too ("z dwudziestu pięcioma").
_CARDINAL: dict[str, tuple[str, ...]] = {
    "jeden": ("jednego", "jednemu", "jednym", "jednym"),
    "dwa": ("dwóch", "dwóm", "dwoma", "dwóch"),
    "trzy": ("trzech", "trzem", "trzema", "trzech"),
    "cztery": ("czterech", "czterem", "czterema", "czterech"),
    "tysiąc": ("tysiąca", "tysiącowi", "tysiącem", "tysiącu"),
    "tysiące": ("tysięcy", "tysiącom", "tysiącami", "tysiącach"),
    "tysięcy": ("tysięcy", "tysiącom", "tysiącami", "tysiącach"),
}
_OBLIQUE = {
    "pięć": "pięciu",
    "sześć": "sześciu",
    "siedem": "siedmiu",
    "osiem": "ośmiu",
    "dziewięć": "dziewięciu",
    "dziesięć": "dziesięciu",
    "jedenaście": "jedenastu",
    "dwanaście": "dwunastu",
    "trzynaście": "trzynastu",
    "czternaście": "czternastu",
    "piętnaście": "piętnastu",
    "szesnaście": "szesnastu",
    "siedemnaście": "siedemnastu",
    "osiemnaście": "osiemnastu",
    "dziewiętnaście": "dziewiętnastu",
    "dwadzieścia": "dwudziestu",
    "trzydzieści": "trzydziestu",
    "czterdzieści": "czterdziestu",
    "pięćdziesiąt": "pięćdziesięciu",
    "sześćdziesiąt": "sześćdziesięciu",
    "siedemdziesiąt": "siedemdziesięciu",
    "osiemdziesiąt": "osiemdziesięciu",
    "dziewięćdziesiąt": "dziewięćdziesięciu",
    "sto": "stu",
    "dwieście": "dwustu",
    "trzysta": "trzystu",
    "czterysta": "czterystu",
    "pięćset": "pięciuset",
    "sześćset": "sześciuset",
    "siedemset": "siedmiuset",
    "osiemset": "ośmiuset",
    "dziewięćset": "dziewięciuset",
}
_CARDINAL.update({word: (form,) * 4 for word, form in _OBLIQUE.items()})

# Ordinal adjective endings: nominative, genitive, dative, accusative (inanimate),
# instrumental, locative; "-y" stems (dwudziesty) and "-i" stems (trzeci, drugi).
_ENDINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "y": {
        "m": ("y", "ego", "emu", "y", "ym", "ym"),
        "n": ("e", "ego", "emu", "e", "ym", "ym"),
        "f": ("a", "ej", "ej", "ą", "ą", "ej"),
        "pl": ("e", "ych", "ym", "e", "ymi", "ych"),
    },
    "i": {
        "m": ("i", "iego", "iemu", "i", "im", "im"),
        "n": ("ie", "iego", "iemu", "ie", "im", "im"),
        "f": ("ia", "iej", "iej", "ią", "ią", "iej"),
        "pl": ("ie", "ich", "im", "ie", "imi", "ich"),
    },
}
_CASE_INDEX = {"nom": 0, "gen": 1, "dat": 2, "acc": 3, "ins": 4, "loc": 5}


def cardinal(number: int, case: str) -> str:
    """Spelled in words; a masculine-personal count ("123 więźniów") takes the genitive.

    >>> cardinal(123, "gen"), cardinal(2025, "loc")
    ('stu dwudziestu trzech', 'dwóch tysiącach dwudziestu pięciu')
    """
    return inflect_words(str(num2words(number, lang="pl")), case, _CARDINAL)


def ordinal(number: int, case: str, gender: str) -> str:
    """Every ordinal word of a Polish compound declines ("dwudziestego piątego"); the
    thousands before it stay cardinal ("dwa tysiące").

    >>> ordinal(2020, "loc", "m"), ordinal(2025, "gen", "m"), ordinal(13, "gen", "m")
    ('dwa tysiące dwudziestym', 'dwa tysiące dwudziestego piątego', 'trzynastego')
    >>> ordinal(2023, "loc", "m"), ordinal(2, "nom", "f")
    ('dwa tysiące dwudziestym trzecim', 'druga')
    """
    cardinal_words = str(num2words(number, lang="pl")).split()
    ordinal_words = str(num2words(number, lang="pl", to="ordinal")).split()
    shared = 0
    while (
        shared < min(len(cardinal_words), len(ordinal_words)) - 1
        and cardinal_words[shared] == ordinal_words[shared]
    ):
        shared += 1
    declined = [_decline(word, case, gender) for word in ordinal_words[shared:]]
    return " ".join([*ordinal_words[:shared], *declined])


def _decline(word: str, case: str, gender: str) -> str:
    ending = _ENDINGS[word[-1]][gender][_CASE_INDEX[case]]
    if word[-2] in "kg" and ending in ("ia", "ią"):
        ending = ending[1:]  # druga, drugą: no softening "i" after k and g before a, ą
    return word[:-1] + ending


def plural(number: int) -> str:
    """Polish "one" is 1 alone (21 is "dwadzieścia jeden procent", not "procent" singular).

    >>> [plural(n) for n in (1, 2, 5, 21, 22, 123)]
    ['one', 'few', 'many', 'many', 'few', 'few']
    """
    return (
        "one"
        if number == 1
        else "many"
        if slavic_plural(number) == "one"
        else (slavic_plural(number))
    )


def year(number: int, case: str) -> str:
    return ordinal(number, case, "m")


GRAMMAR = Grammar(cardinal, ordinal, plural, year, day_gender="m")
