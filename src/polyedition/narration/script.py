"""The speech script: what a listener hears of an Edition, in order, with pauses and chapters.

The narration speaks it; the page and the EPUB read it to know which elements are narrated and
how the byline is spoken."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from babel.dates import format_date

from polyedition.config import Pauses
from polyedition.model import Edition, FaqItem, LocalizedText, Paragraph, Section, Table
from polyedition.narration.sentences import readable, speakable
from polyedition.site import Site
from polyedition.speech.text import normalize

logger = logging.getLogger(__name__)

BYLINE_TEMPLATE = "narration/byline.txt"
BYLINE_ID = "byline"
"""The element id the spoken byline points at (the page's byline paragraph)."""

_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
"""A full stop after an abbreviation's own (``2025 г..``); an ellipsis stays."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One piece of speech: the text of one HTML element, in the language it is written in."""

    id: str
    """The id of the element it reads (a segment id, or the byline's)."""
    text: str
    lang: str
    pause: float
    """Seconds of silence after it."""
    chapter: str
    foreign: tuple[tuple[str, str], ...] = ()
    """Phrases of the text in another language, each with its language (the English author
    of a translated byline), for the voice of that language to say."""
    written: str = ""
    """Its text as the page shows it, where that differs from ``text``: with the double
    brackets the voice is not given (``narration.sentences.readable``); the captions show it."""


@dataclass(frozen=True, slots=True)
class Chapter:
    """A section of the article, as a chapter of the audio (titled in the edition's language)."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Script:
    lang: str
    chapters: tuple[Chapter, ...]
    utterances: tuple[Utterance, ...]

    @property
    def spans(self) -> tuple[tuple[str, int, int], ...]:
        """Each chapter that has utterances: its id and the range of its utterances."""
        utterances = self.utterances
        firsts = [
            index
            for index, utterance in enumerate(utterances)
            if not index or utterance.chapter != utterances[index - 1].chapter
        ]
        ends = [*firsts[1:], len(utterances)]
        return tuple(
            (utterances[first].chapter, first, end) for first, end in zip(firsts, ends, strict=True)
        )

    def as_json(self) -> dict[str, Any]:
        """The script as JSON values (``from_json`` gives it back equal)."""
        return {
            "lang": self.lang,
            "chapters": [[chapter.id, chapter.title] for chapter in self.chapters],
            "utterances": [
                [u.id, u.text, u.lang, u.pause, u.chapter, [list(f) for f in u.foreign], u.written]
                for u in self.utterances
            ],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Script:
        """The script ``as_json`` gave; KeyError, TypeError or ValueError if it is not one."""
        return cls(
            str(value["lang"]),
            tuple(Chapter(str(id_), str(title)) for id_, title in value["chapters"]),
            tuple(
                Utterance(
                    str(id_),
                    str(text),
                    str(lang),
                    float(pause),
                    str(chapter),
                    tuple((str(phrase), str(code)) for phrase, code in foreign),
                    str(written),
                )
                for id_, text, lang, pause, chapter, foreign, written in value["utterances"]
            ),
        )


def narration_script(site: Site, edition: Edition) -> Script:
    """Headline, byline and date, then each section: heading, paragraphs, questions and answers,
    the table row by row ("label: details"). The standfirst and interface labels are not read.

    A script the build planned with is in ``site.scripts``, and is taken from there for the
    site's own edition.
    """
    ident = (edition.slug, edition.lang)
    planned = site.scripts.get(ident)
    if isinstance(planned, Script) and site.editions.get(ident) is edition:
        return planned
    sections = edition.article.sections
    chapters = tuple(
        Chapter(
            section.id,
            speakable(
                edition.text(section.heading.segment).text
                if section.heading is not None
                else edition.title.text
            ),
        )
        for section in sections
    )
    first = sections[0].id
    pauses = site.settings.pauses
    utterances = [
        _utterance(edition.title, pauses.title, first),
        _byline(site, edition, first),
    ]
    for section in sections:
        spoken = list(_section(edition, section, pauses))
        if spoken:
            spoken[-1] = _with_pause(spoken[-1], pauses.section)
        utterances.extend(spoken)
    return Script(edition.lang, chapters, tuple(u for u in utterances if u.text))


def _utterance(text: LocalizedText, pause: float, chapter: str, suffix: str = "") -> Utterance:
    said, shown = speakable(text.text) + suffix, readable(text.text) + suffix
    written = shown if shown != said else ""
    return Utterance(text.id, said, text.lang, pause, chapter, written=written)


def _with_pause(utterance: Utterance, pause: float) -> Utterance:
    return replace(utterance, pause=pause)


def _section(edition: Edition, section: Section, pauses: Pauses) -> Iterator[Utterance]:
    chapter = section.id
    if section.heading is not None:
        yield _utterance(edition.text(section.heading.segment), pauses.heading, chapter)
    for block in section.blocks:
        match block:
            case Paragraph(segment=segment):
                yield _utterance(edition.text(segment), pauses.paragraph, chapter)
            case FaqItem(question=question, answer=answer):
                yield _utterance(edition.text(question), pauses.question, chapter)
                for part in answer:
                    yield _utterance(edition.text(part), pauses.paragraph, chapter)
            case Table():
                yield from _table(edition, block, chapter, pauses)


def _table(edition: Edition, table: Table, chapter: str, pauses: Pauses) -> Iterator[Utterance]:
    """The caption, then each row as "label: details" (the header row is not read)."""
    yield _utterance(edition.text(table.caption), pauses.caption, chapter)
    for row in table.rows:
        label, *details = row
        if not details:
            yield _utterance(edition.text(label), pauses.row, chapter)
            continue
        label_text = edition.text(label)
        colon = "" if speakable(label_text.text)[-1:] in {":", ".", "?", "!"} else ":"
        yield _utterance(label_text, pauses.label, chapter, suffix=colon)
        for cell in details[:-1]:
            yield _utterance(edition.text(cell), pauses.label, chapter)
        yield _utterance(edition.text(details[-1]), pauses.row, chapter)


def _byline(site: Site, edition: Edition, chapter: str) -> Utterance:
    """ "By <author>. Published on <date>." from the ``ui`` catalog, in the edition's language
    when it is translated, else in the source language (and read with its voice)."""
    lang, source_lang = edition.lang, site.settings.source_language
    author = edition.author
    translations = site.theme.ui(lang)
    translated: list[bool] = []

    def gettext(message: str, /, **variables: Any) -> str:
        text: str = translations.gettext(message)
        translated.append(text is not message)
        return text % variables

    def render(date_lang: str, name: str) -> str:
        date = format_date(edition.article.meta.date, format="long", locale=date_lang)
        text = site.theme.render(
            lang, BYLINE_TEMPLATE, author=name, date=date, _=gettext, gettext=gettext
        )
        return _DOUBLE_STOP.sub(".", normalize(text))

    text = render(lang, author.text)
    if lang != source_lang and not (translated and all(translated)):
        english = render(source_lang, edition.article.meta.author)
        return Utterance(BYLINE_ID, english, source_lang, site.settings.pauses.byline, chapter)
    # A name the desk has not translated stays in its language, and that language's voice says it.
    foreign = ((author.text, author.lang),) if author.lang != lang else ()
    return Utterance(BYLINE_ID, text, lang, site.settings.pauses.byline, chapter, foreign)
