"""What every language module of the speech front end provides: number words by case and gender."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CASES = ("nom", "gen", "dat", "acc", "ins", "loc")
"""Grammatical cases as the tables name them (``loc`` is the Russian prepositional)."""
GENDERS = ("m", "f", "n", "pl")
"""Genders of the noun an ordinal agrees with (``pl`` for plural-only nouns such as ``metai``)."""


@dataclass(frozen=True, slots=True)
class Grammar:
    """Number words of one language.

    ``cardinal(number, case)`` and ``ordinal(number, case, gender)`` spell whole numbers;
    ``plural(number)`` is the CLDR plural category (``one``, ``few`` or ``many``) that picks
    the form of a counted noun or unit; ``year(number, case)`` reads a year.
    """

    cardinal: Callable[[int, str], str]
    ordinal: Callable[[int, str, str], str]
    plural: Callable[[int], str]
    year: Callable[[int, str], str]
    day_gender: str
    count_genitive_is_nominative: bool = False
    """A genitive plural noun after a "many" number is only its counting form, not a case
    the number must take (Lithuanian "20 kalinių": "dvidešimt", not a genitive)."""


def slavic_plural(number: int) -> str:
    """Russian, Belarusian and Polish counting forms (Polish "one" is 1 only, see ``pl``).

    >>> [slavic_plural(n) for n in (1, 3, 5, 11, 21, 22, 112, 123)]
    ['one', 'few', 'many', 'many', 'one', 'few', 'many', 'few']
    """
    if number % 10 == 1 and number % 100 != 11:
        return "one"
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return "few"
    return "many"


def inflect_words(words: str, case: str, table: dict[str, tuple[str, ...]]) -> str:
    """Each word of a cardinal in ``case`` (gen, dat, ins, loc) from ``table`` of
    ``word: (gen, dat, ins, loc)``; words not in the table (and nom/acc) stay."""
    if case in ("nom", "acc"):
        return words
    column = ("gen", "dat", "ins", "loc").index(case)
    return " ".join(table[w][column] if w in table else w for w in words.split())
