"""What a review shows: a row per catalog message of an article, and the filters over rows."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

logger = logging.getLogger(__name__)

_DIFF_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


class State(StrEnum):
    TRANSLATED = "translated"
    FUZZY = "fuzzy"
    UNTRANSLATED = "untranslated"


class Filter(StrEnum):
    """The rows a desk can ask for; several narrow the rows together (each must hold)."""

    FUZZY = "fuzzy"
    UNTRANSLATED = "untranslated"
    FINDINGS = "findings"
    """With a ``check`` finding other than fuzzy or untranslated (those have their own)."""
    SPOKEN = "spoken"
    """Said differently from how it is written: numbers, abbreviations, lexicon respellings
    (stress alone does not count)."""
    CHANGED = "changed"
    """Its PO lines changed since ``--since`` (a date or a git revision)."""


@dataclass(frozen=True, slots=True)
class DiffPart:
    """A piece of a word diff: ``equal``, ``delete`` (only in the old text) or ``insert``."""

    op: str
    text: str


@dataclass(frozen=True, slots=True)
class Spoken:
    """A segment as the narration says it."""

    text: str
    """The front end's words (numbers, dates and abbreviations read out), with the stress the
    voice gives each word of two or more syllables marked (U+0301) when it is known."""
    lang: str
    """The language of the voice (the source language when the segment falls back)."""
    written: str
    """The segment's text as written, without markup."""
    differs: bool
    """Whether the words said differ from the words written (stress aside)."""
    stressed: bool
    """Whether ``text`` carries stress marks."""
    lexicon: tuple[tuple[str, str], ...]
    """Lexicon entries that change how a word is said beyond its stress: (word, say)."""


@dataclass(frozen=True, slots=True)
class AudioSpan:
    """Where a segment is heard in its edition's MP3, from its caption cues."""

    start: float
    end: float
    current: bool
    """False when the cues' text is not the segment's text now: the MP3 needs a rebuild."""


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    message: str


@dataclass(frozen=True, slots=True)
class Row:
    """One message of an article's catalog, as the desk reviews it."""

    anchor: str
    """A unique HTML id for the row."""
    id: str
    """The segment id (msgctxt); ``keyword`` for the article's tags."""
    comment: str
    path: Path
    line: int
    source: str
    translation: str
    state: State
    previous_source: str | None
    diff: tuple[DiffPart, ...]
    """For a fuzzy message, the previous English against the current one, word by word."""
    spoken: Spoken | None
    """None for what the narration does not read (the description, the tags)."""
    audio: AudioSpan | None
    findings: tuple[Finding, ...]
    changed: bool | None
    """Whether its PO lines changed since the review's ``since``; None without one."""

    def matches(self, wanted: Filter) -> bool:
        match wanted:
            case Filter.FUZZY:
                return self.state is State.FUZZY
            case Filter.UNTRANSLATED:
                return self.state is State.UNTRANSLATED
            case Filter.FINDINGS:
                return any(f.check not in {"fuzzy", "untranslated"} for f in self.findings)
            case Filter.SPOKEN:
                return self.spoken is not None and self.spoken.differs
            case Filter.CHANGED:
                return bool(self.changed)

    @property
    def kinds(self) -> tuple[Filter, ...]:
        """Every filter this row passes (the page filters on them)."""
        return tuple(kind for kind in Filter if self.matches(kind))


@dataclass(frozen=True, slots=True)
class ArticleReview:
    slug: str
    title: str
    path: Path
    """The article's PO file."""
    mp3: Path | None
    """The built narration, when there is one."""
    audio_note: str
    """Why rows have no audio, when they have none (empty otherwise)."""
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Review:
    lang: str
    language_name: str
    project: Path
    since: str | None
    stress_source: str
    """Where the stress marks come from, or why there are none."""
    articles: tuple[ArticleReview, ...]

    def filtered(self, wanted: tuple[Filter, ...]) -> Review:
        """The review with only the rows that pass every filter in ``wanted``."""
        articles = tuple(
            ArticleReview(
                article.slug,
                article.title,
                article.path,
                article.mp3,
                article.audio_note,
                tuple(row for row in article.rows if all(row.matches(w) for w in wanted)),
            )
            for article in self.articles
        )
        return Review(
            self.lang,
            self.language_name,
            self.project,
            self.since,
            self.stress_source,
            articles,
        )


def word_diff(old: str, new: str) -> tuple[DiffPart, ...]:
    """``old`` against ``new`` word by word (spaces kept), as a translator reads a change.

    >>> [(p.op, p.text) for p in word_diff("a compelling story", "a moving story")]
    [('equal', 'a '), ('delete', 'compelling'), ('insert', 'moving'), ('equal', ' story')]
    """
    before, after = _DIFF_TOKEN.findall(old), _DIFF_TOKEN.findall(new)
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, first, last, start, end in matcher.get_opcodes():
        if op in {"delete", "replace"}:
            parts.append(DiffPart("delete", "".join(before[first:last])))
        if op in {"insert", "replace"}:
            parts.append(DiffPart("insert", "".join(after[start:end])))
        if op == "equal":
            parts.append(DiffPart("equal", "".join(before[first:last])))
    return tuple(parts)
