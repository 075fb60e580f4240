"""Russian number words: num2words declines cardinals and ordinals by case and gender."""

from __future__ import annotations

import logging

from num2words import num2words  # type: ignore[import-untyped]

from polyedition.speech.frontend.grammar import Grammar, slavic_plural

logger = logging.getLogger(__name__)

_CASE = {
    "nom": "nominative",
    "gen": "genitive",
    "dat": "dative",
    "acc": "nominative",
    "ins": "instrumental",
    "loc": "prepositional",
}
"""The accusative of a compound numeral is its nominative ("освободила сто двадцать три
заключённых"), and so is that of an inanimate ordinal ("за 2020 год")."""


def cardinal(number: int, case: str) -> str:
    """Spelled in words.

    >>> cardinal(123, "gen")
    'ста двадцати трёх'
    """
    return str(num2words(number, lang="ru", case=_CASE[case]))


def ordinal(number: int, case: str, gender: str) -> str:
    """Spelled in words.

    >>> ordinal(2020, "loc", "m"), ordinal(13, "gen", "n")
    ('две тысячи двадцатом', 'тринадцатого')
    """
    gender = "m" if gender == "pl" else gender
    words = num2words(number, lang="ru", to="ordinal", case=_CASE[case], gender=gender)
    return str(words)


def year(number: int, case: str) -> str:
    return ordinal(number, case, "m")


GRAMMAR = Grammar(cardinal, ordinal, slavic_plural, year, day_gender="n")
