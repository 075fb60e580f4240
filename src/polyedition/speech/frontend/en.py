"""English number words: no cases; years are read in pairs ("twenty twenty")."""

from __future__ import annotations

import logging

from num2words import num2words  # type: ignore[import-untyped]

from polyedition.speech.frontend.grammar import Grammar

logger = logging.getLogger(__name__)


def cardinal(number: int, case: str) -> str:
    """Spelled in words.

    >>> cardinal(123, "nom")
    'one hundred and twenty-three'
    """
    return str(num2words(number, lang="en"))


def ordinal(number: int, case: str, gender: str) -> str:
    """Spelled in words.

    >>> ordinal(13, "nom", "m")
    'thirteenth'
    """
    return str(num2words(number, lang="en", to="ordinal"))


def plural(number: int) -> str:
    return "one" if number == 1 else "many"


def year(number: int, case: str) -> str:
    """Spelled in words.

    >>> year(2020, "nom"), year(2005, "nom"), year(1999, "nom")
    ('twenty twenty', 'two thousand and five', 'nineteen ninety-nine')
    """
    return str(num2words(number, lang="en", to="year"))


GRAMMAR = Grammar(cardinal, ordinal, plural, year, day_gender="m")
