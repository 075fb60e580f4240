"""One-occurrence speech fixes: ``locales/<lang>/speech-fixes.tsv``, edited by the language desk.

One fix per line, four fields separated by TABs (``#`` starts a comment): the segment id as
``polyedition script`` prints it, the word as that listing prints it (capitals, ё and е do not
matter), which occurrence of the word in the segment (1 for the first), and how to say it (a
respelling with U+0301 after the stressed vowel, or eSpeak phonemes in ``[[…]]``, as in
``lexicon.tsv``)::

    lead-p2<TAB>стороны<TAB>1<TAB>сто́роны

The lexicon says a word the same way wherever it stands; a fix says one occurrence of a word
in one segment: a homograph the model read wrongly in one sentence (``сто́роны`` here,
``стороны́`` there), a name said otherwise in a quotation. The displayed text and the captions
keep the word as written; only the voice changes. A fix wins over the accent stage and the
lexicon.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from polyedition.errors import SpeechError
from polyedition.speech.lexicon import SPOKEN_WORD, check_say
from polyedition.speech.stress import plain
from polyedition.speech.text import normalize
from polyedition.speech.tsv import read_tsv, rows

logger = logging.getLogger(__name__)

FIXES_FILE = "speech-fixes.tsv"


@dataclass(frozen=True, slots=True)
class Fix:
    segment: str
    word: str
    occurrence: int
    say: str
    line: int


@dataclass(frozen=True, slots=True)
class Fixes:
    """The fixes of one language."""

    lang: str
    fixes: tuple[Fix, ...] = ()
    path: Path | None = None

    def of(self, segment: str) -> tuple[Fix, ...]:
        """The fixes of one segment."""
        return tuple(fix for fix in self.fixes if fix.segment == segment)


def fixes_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / FIXES_FILE


def parse_fixes(lines: Iterable[str], lang: str, path: Path) -> Fixes:
    """Read fix lines; a malformed line is a SpeechError naming the file and line.

    >>> parse_fixes(["# c", "lead-p2\\tстороны\\t1\\tсто́роны"], "ru", Path("f.tsv")).fixes
    (Fix(segment='lead-p2', word='стороны', occurrence=1, say='сто́роны', line=2),)
    >>> parse_fixes(["lead-p2\\tстороны\\tfirst\\tсто́роны"], "ru", Path("f.tsv"))
    Traceback (most recent call last):
    polyedition.errors.SpeechError: f.tsv:1: the occurrence must be a number from 1 ('first') \
(write the segment, the word, which occurrence, and how to say it, separated by tabs)
    """
    hint = "write the segment, the word, which occurrence, and how to say it, separated by tabs"
    found: dict[tuple[str, str, int], Fix] = {}
    for number, raw_fields in rows(lines):
        fields = [normalize(field) for field in raw_fields]
        if len(fields) != 4 or not all(fields):
            raise SpeechError(
                f"a fix has 4 fields separated by tabs, not {len(fields)}",
                path=path,
                line=number,
                hint=hint,
            )
        segment, word, occurrence, say = fields
        if not occurrence.isdigit() or int(occurrence) < 1:
            raise SpeechError(
                f"the occurrence must be a number from 1 ({occurrence!r})",
                path=path,
                line=number,
                hint=hint,
            )
        if SPOKEN_WORD.fullmatch(word) is None:
            raise SpeechError(f"{word!r} is not a single word", path=path, line=number, hint=hint)
        check_say(word, say, path, number)
        key = (segment, _fold(word), int(occurrence))
        if key in found:
            raise SpeechError(
                f"occurrence {occurrence} of {word!r} in {segment!r} is fixed twice "
                f"(first on line {found[key].line})",
                path=path,
                line=number,
                hint="keep one fix per occurrence",
            )
        found[key] = Fix(segment, word, int(occurrence), say, number)
    return Fixes(lang, tuple(found.values()), path)


def load_fixes(locales_dir: Path, lang: str) -> Fixes:
    """The fixes of ``lang``; a language without the file has none."""
    path = fixes_path(locales_dir, lang)
    return read_tsv(
        path, lambda lines: parse_fixes(lines, lang, path), Fixes(lang), "speech fixes are"
    )


def place(sentences: Sequence[str], fixes: Sequence[Fix]) -> tuple[list[dict[int, str]], list[Fix]]:
    """Where each fix of a segment applies: per sentence of the accent stage's text, the
    offset of the fixed word and how to say it; and the fixes that match no word.

    >>> place(["Обе стороны.", "Все стороны света."], [Fix("s", "стороны", 2, "сто́роны", 1)])
    ([{}, {4: 'сто́роны'}], [])
    """
    seen: dict[str, int] = {}
    wanted = {(_fold(fix.word), fix.occurrence): fix for fix in fixes}
    placed: list[dict[int, str]] = []
    used: set[Fix] = set()
    for sentence in sentences:
        here: dict[int, str] = {}
        for match in SPOKEN_WORD.finditer(sentence):
            key = _fold(plain(match.group(0)))
            seen[key] = seen.get(key, 0) + 1
            fix = wanted.get((key, seen[key]))
            if fix is not None:
                capital = match.group(0)[:1].isupper() and fix.say[:1].islower()
                here[match.start()] = fix.say[:1].upper() + fix.say[1:] if capital else fix.say
                used.add(fix)
        placed.append(here)
    return placed, [fix for fix in fixes if fix not in used]


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е").replace("’", "'")
