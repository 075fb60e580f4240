"""The document model: Article (English source), its Segments, and a localized Edition. No I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

_WORD = re.compile(r"\w+(?:[’'\-]\w+)*")


NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, so no edition can carry them (EPUB, PDF metadata, feeds): C0
controls but tab and line ends, surrogates, and the noncharacters U+FFFE and U+FFFF."""


def not_xml(text: str) -> list[str]:
    """The characters of ``text`` that XML cannot carry, each once, as U+ codes.

    >>> not_xml("ok\tfine\x01 and \ufffe")
    ['U+0001', 'U+FFFE']
    """
    return [f"U+{ord(char):04X}" for char in dict.fromkeys(NOT_XML.findall(text))]


def count_words(text: str) -> int:
    """Count words the way a reader would: runs of letters/digits, joined by apostrophes or hyphens.

    >>> count_words("Kolesnikova’s release, in 2020 — a US-Belarus thaw.")
    7
    """
    return len(_WORD.findall(text))


class Role(StrEnum):
    """What a segment is in the article; renderers and narration treat each role differently."""

    TITLE = "title"
    DESCRIPTION = "description"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    QUESTION = "question"
    ANSWER = "answer"
    CAPTION = "caption"
    TABLE_HEADER = "table-header"
    TABLE_CELL = "table-cell"
    KEYWORD = "keyword"
    """A tag of the article: translated for metadata, never shown as text or narrated."""
    CREDIT = "credit"
    """The author or the publisher: a name in the byline, which a desk may translate."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One translatable piece of text: one gettext message, one HTML element, one narration unit.

    ``id`` is stable across edits of the text (it comes from the article's structure) and is
    used as the message context in catalogs and as the element id in HTML.
    ``text`` is CommonMark inline source.
    """

    id: str
    role: Role
    text: str
    line: int
    comment: str


@dataclass(frozen=True, slots=True)
class Heading:
    segment: Segment
    level: int


@dataclass(frozen=True, slots=True)
class Paragraph:
    segment: Segment


@dataclass(frozen=True, slots=True)
class FaqItem:
    question: Segment
    answer: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    caption: Segment
    header: tuple[Segment, ...]
    rows: tuple[tuple[Segment, ...], ...]


Block = Paragraph | FaqItem | Table


@dataclass(frozen=True, slots=True)
class Section:
    """A run of blocks under one ``##`` heading; the lead before the first heading has none."""

    id: str
    heading: Heading | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """Front matter that is not translated."""

    slug: str
    language: str
    date: dt.date
    author: str
    publisher: str
    tags: tuple[str, ...]


AUTHOR_ID = "byline-author"
PUBLISHER_ID = "byline-publisher"


@dataclass(frozen=True, slots=True)
class Article:
    """The English source article: metadata, title, description and sections in reading order."""

    meta: ArticleMeta
    title: Segment
    description: Segment
    sections: tuple[Section, ...]
    path: str
    keywords: tuple[Segment, ...] = ()
    """The front matter's ``tags``, one message each (context ``keyword``), for metadata."""
    credits: tuple[Segment, ...] = ()
    """The front matter's ``author`` and ``publisher`` as messages for the byline (contexts
    ``AUTHOR_ID``, ``PUBLISHER_ID``); a desk may translate them, the English is the default."""

    @property
    def slug(self) -> str:
        return self.meta.slug

    def segments(self) -> Iterator[Segment]:
        """Every translatable segment, in document order."""
        yield self.title
        yield self.description
        for section in self.sections:
            yield from section_segments(section)


def section_segments(section: Section) -> Iterator[Segment]:
    """The segments of one section in reading order."""
    if section.heading is not None:
        yield section.heading.segment
    for block in section.blocks:
        yield from block_segments(block)


def block_segments(block: Block) -> Iterator[Segment]:
    """The segments of one block in reading order (a table: caption, header, then row by row)."""
    match block:
        case Paragraph(segment=segment):
            yield segment
        case FaqItem(question=question, answer=answer):
            yield question
            yield from answer
        case Table(caption=caption, header=header, rows=rows):
            yield caption
            yield from header
            for row in rows:
                yield from row


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """A segment's text as an edition shows it.

    ``lang`` is the language the text is actually in: the edition's language when translated,
    the source language when the segment fell back (``fallback`` is then True).
    """

    segment: Segment
    text: str
    lang: str
    fallback: bool

    @property
    def id(self) -> str:
        return self.segment.id

    @property
    def role(self) -> Role:
        return self.segment.role


@dataclass(frozen=True, slots=True)
class TranslationStats:
    """How much of an edition is in its own language."""

    translated_segments: int
    fallback_segments: int
    translated_words: int
    fallback_words: int

    @property
    def total_segments(self) -> int:
        return self.translated_segments + self.fallback_segments

    @property
    def total_words(self) -> int:
        return self.translated_words + self.fallback_words

    @property
    def percent(self) -> float:
        """Share of source words translated, 0–100 (words weigh long paragraphs properly)."""
        if self.total_words == 0:
            return 100.0
        return 100.0 * self.translated_words / self.total_words

    @property
    def complete(self) -> bool:
        return self.fallback_segments == 0


@dataclass(frozen=True, slots=True)
class Edition:
    """An Article in one language: every segment resolved to its text and language."""

    article: Article
    lang: str
    source_lang: str
    texts: tuple[LocalizedText, ...]
    keywords: tuple[LocalizedText, ...] = ()
    """The article's tags in this edition's language (a missing translation keeps the tag)."""
    credits: tuple[LocalizedText, ...] = ()
    """The author and the publisher as the byline names them (see ``author``)."""
    _by_id: dict[str, LocalizedText] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once so that renderers look segments up by id in O(1).
        object.__setattr__(self, "_by_id", {text.id: text for text in self.texts})

    def text(self, segment: Segment | str) -> LocalizedText:
        """The localized text of a segment (or of a segment id)."""
        return self._by_id[segment if isinstance(segment, str) else segment.id]

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def title(self) -> LocalizedText:
        return self.text(self.article.title)

    @property
    def description(self) -> LocalizedText:
        return self.text(self.article.description)

    @property
    def author(self) -> LocalizedText:
        """The author as this edition's byline names it: the desk's translation, else the
        source's name, in the source language (so that its voice says it)."""
        return self._credit(AUTHOR_ID, self.article.meta.author)

    @property
    def publisher(self) -> LocalizedText:
        """The publisher as this edition's byline names it (see ``author``)."""
        return self._credit(PUBLISHER_ID, self.article.meta.publisher)

    def _credit(self, credit_id: str, name: str) -> LocalizedText:
        for credit in self.credits:
            if credit.id == credit_id:
                return credit
        return LocalizedText(
            Segment(credit_id, Role.CREDIT, name, 0, ""), name, self.source_lang, False
        )

    @property
    def fallbacks(self) -> tuple[LocalizedText, ...]:
        return tuple(text for text in self.texts if text.fallback)

    @property
    def stats(self) -> TranslationStats:
        translated = [t for t in self.texts if not t.fallback]
        fallback = [t for t in self.texts if t.fallback]
        return TranslationStats(
            translated_segments=len(translated),
            fallback_segments=len(fallback),
            translated_words=sum(count_words(t.segment.text) for t in translated),
            fallback_words=sum(count_words(t.segment.text) for t in fallback),
        )

    @property
    def word_count(self) -> int:
        """Words a reader of this edition reads (in the edition's own text)."""
        return sum(count_words(t.text) for t in self.texts)


READING_WORDS_PER_MINUTE = 238
"""Silent reading of non-fiction (Brysbaert 2019, a meta-analysis of 190 studies)."""


def reading_minutes(words: int) -> int:
    """Minutes a reader needs for ``words`` words, at least one (what the pages state, and so
    what the front pages' key holds: the planner need not import the renderer).

    >>> reading_minutes(2424), reading_minutes(12)
    (10, 1)
    """
    return max(1, round(words / READING_WORDS_PER_MINUTE))
