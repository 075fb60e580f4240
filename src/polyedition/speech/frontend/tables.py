"""The speech tables of a language: ``locales/<lang>/speech.tsv``, edited by the language desk.

One rule per line, fields separated by TABs; ``#`` starts a comment line::

    abbr   WRITTEN  SPOKEN         an abbreviation as listeners hear it ("США  сэ-шэ-а́"), the
                                   stressed vowel marked with U+0301 where eSpeak would miss it
    case   WORD     CASES          a word before a number that governs its case ("в  acc loc")
    year   WORD     CASES          a form of "year" after a year number and the cases it can be
                                   ("году  dat loc"); an abbreviation's first case is its default
    day    WORD     CASES          a form of "day" after a day number (Lithuanian "d.")
    noun   WORD     CASES          a counted noun that fixes its number's case ("więźniów  gen")
    month  WORD                    a month name as dates write it ("декабря")
    unit   SIGN     ONE FEW MANY [FRACTION]   a sign or unit after a number, in its counting forms
    word   NAME     SPOKEN         a word the rules say: "range" (between two numbers), "point"

CASES are nom, gen, dat, acc, ins, loc. A bad line is a SpeechError naming the file and line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from polyedition.errors import SpeechError
from polyedition.speech.frontend.grammar import CASES
from polyedition.speech.stress import accented_vowel, accents_apart
from polyedition.speech.text import normalize
from polyedition.speech.tsv import read_tsv, rows

logger = logging.getLogger(__name__)

SPEECH_FILE = "speech.tsv"
WORDS = ("range", "point")
"""The names a ``word`` line may give."""


@dataclass(frozen=True, slots=True)
class Unit:
    one: str
    few: str
    many: str
    fraction: str


@dataclass(frozen=True, slots=True)
class Tables:
    """The rules of one language, keyed as the front end looks them up."""

    lang: str
    abbreviations: dict[str, str] = field(default_factory=dict)
    governs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Lower-case word before a number → the cases it allows."""
    years: dict[str, tuple[str, ...]] = field(default_factory=dict)
    days: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nouns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    months: frozenset[str] = frozenset()
    units: dict[str, Unit] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)

    def word(self, name: str, default: str) -> str:
        return self.words.get(name, default)


_FIELDS = {"abbr": 3, "case": 3, "year": 3, "day": 3, "noun": 3, "month": 2, "word": 3}


def speech_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / SPEECH_FILE


def parse_tables(lines: Iterable[str], lang: str, path: Path) -> Tables:
    """Read speech table lines; a malformed line is a SpeechError naming the file and line.

    >>> tables = parse_tables(["abbr\\tUS\\tU S", "case\\tв\\tacc loc"], "x", Path("s.tsv"))
    >>> tables.abbreviations, tables.governs
    ({'US': 'U S'}, {'в': ('acc', 'loc')})
    >>> parse_tables(["case\\tв\\tprepositional"], "x", Path("s.tsv"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    polyedition.errors.SpeechError: s.tsv:1: unknown case 'prepositional' (cases are: nom, ...)
    """
    tables = Tables(lang)
    seen: dict[tuple[str, str], int] = {}
    months: set[str] = set()
    for number, raw_fields in rows(lines):
        fields = [normalize(part) for part in raw_fields]

        def fail(message: str, hint: str | None = None, number: int = number) -> SpeechError:
            return SpeechError(message, path=path, line=number, hint=hint)

        kind = fields[0]
        if kind == "unit":
            if len(fields) not in (5, 6):
                raise fail(
                    "a unit line is: unit, the sign, then its one, few and many forms",
                    "e.g. 'unit<TAB>%<TAB>процент<TAB>процента<TAB>процентов'",
                )
        elif kind not in _FIELDS:
            raise fail(f"unknown kind {kind!r}", f"kinds are: {', '.join([*_FIELDS, 'unit'])}")
        elif len(fields) != _FIELDS[kind]:
            raise fail(
                f"a {kind} line has {_FIELDS[kind]} fields separated by tabs, not {len(fields)}"
            )
        if not all(fields):
            raise fail("a field is empty")
        key = fields[1]
        if (kind, key) in seen:
            raise fail(f"{kind} {key!r} is listed twice (first on line {seen[kind, key]})")
        seen[kind, key] = number
        if kind in ("case", "year", "day", "noun"):
            cases = tuple(fields[2].split())
            for case in cases:
                if case not in CASES:
                    raise fail(f"unknown case {case!r} (cases are: {', '.join(CASES)})")
            target = {
                "case": tables.governs,
                "year": tables.years,
                "day": tables.days,
                "noun": tables.nouns,
            }[kind]
            target[key.lower() if kind == "case" else key] = cases
        elif kind == "abbr":
            spoken = accents_apart(fields[2], lang)
            try:
                for word in spoken.split():
                    accented_vowel(word)
            except ValueError as exc:
                raise fail(str(exc), "write U+0301 once, right after the stressed vowel") from None
            tables.abbreviations[key] = spoken
        elif kind == "month":
            months.add(key)
        elif kind == "unit":
            one, few, many, *fraction = fields[2:]
            tables.units[key] = Unit(one, few, many, fraction[0] if fraction else few)
        elif kind == "word":
            if key not in WORDS:
                raise fail(f"unknown word name {key!r}", f"names are: {', '.join(WORDS)}")
            tables.words[key] = fields[2]
    return Tables(
        lang,
        tables.abbreviations,
        tables.governs,
        tables.years,
        tables.days,
        tables.nouns,
        frozenset(months),
        tables.units,
        tables.words,
    )


def load_tables(locales_dir: Path, lang: str) -> Tables:
    """The speech tables of ``lang``; a language without the file has none."""
    path = speech_path(locales_dir, lang)
    return read_tsv(
        path, lambda lines: parse_tables(lines, lang, path), Tables(lang), "speech table is"
    )
