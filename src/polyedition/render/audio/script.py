"""The speech script: what a listener hears of an Edition, in order, with pauses and chapters."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date

from polyedition.model import Edition, FaqItem, LocalizedText, Paragraph, Section, Table
from polyedition.render.inline import plain_text
from polyedition.site import Site
from polyedition.speech.text import normalize

logger = logging.getLogger(__name__)

BYLINE_TEMPLATE = "narration/byline.txt"
BYLINE_ID = "byline"
"""The element id the spoken byline points at (the page's byline paragraph)."""

# Seconds of silence after each kind of utterance: a heading is followed by a clear pause,
# a table row by a short one; a section ends with the longest.
PAUSE_TITLE = 0.9
PAUSE_BYLINE = 1.2
PAUSE_HEADING = 0.8
PAUSE_PARAGRAPH = 0.6
PAUSE_QUESTION = 0.5
PAUSE_CAPTION = 0.6
PAUSE_LABEL = 0.15
PAUSE_ROW = 0.45
PAUSE_SECTION = 1.3

_PHONEME_BRACKETS = re.compile(r"\[\[|\]\]")
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


def speakable(source: str) -> str:
    """Inline Markdown as words to speak: no markup, normalized, no phoneme brackets.

    >>> speakable("The **US** lifted [sanctions](https://x.org) on [[potash]].")
    'The US lifted sanctions on potash.'
    """
    return normalize(_PHONEME_BRACKETS.sub("", plain_text(source)))


def narration_script(site: Site, edition: Edition) -> Script:
    """Headline, byline and date, then each section: heading, paragraphs, questions and answers,
    the table row by row ("label: details"). The standfirst and interface labels are not read.
    """
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
    utterances = [
        _utterance(edition.title, PAUSE_TITLE, first),
        _byline(site, edition, first),
    ]
    for section in sections:
        spoken = list(_section(edition, section))
        if spoken:
            spoken[-1] = _with_pause(spoken[-1], PAUSE_SECTION)
        utterances.extend(spoken)
    return Script(edition.lang, chapters, tuple(u for u in utterances if u.text))


def _utterance(text: LocalizedText, pause: float, chapter: str, suffix: str = "") -> Utterance:
    return Utterance(text.id, speakable(text.text) + suffix, text.lang, pause, chapter)


def _with_pause(utterance: Utterance, pause: float) -> Utterance:
    return Utterance(utterance.id, utterance.text, utterance.lang, pause, utterance.chapter)


def _section(edition: Edition, section: Section) -> Iterator[Utterance]:
    chapter = section.id
    if section.heading is not None:
        yield _utterance(edition.text(section.heading.segment), PAUSE_HEADING, chapter)
    for block in section.blocks:
        match block:
            case Paragraph(segment=segment):
                yield _utterance(edition.text(segment), PAUSE_PARAGRAPH, chapter)
            case FaqItem(question=question, answer=answer):
                yield _utterance(edition.text(question), PAUSE_QUESTION, chapter)
                for part in answer:
                    yield _utterance(edition.text(part), PAUSE_PARAGRAPH, chapter)
            case Table():
                yield from _table(edition, block, chapter)


def _table(edition: Edition, table: Table, chapter: str) -> Iterator[Utterance]:
    """The caption, then each row as "label: details" (the header row is not read)."""
    yield _utterance(edition.text(table.caption), PAUSE_CAPTION, chapter)
    for row in table.rows:
        label, *details = row
        if not details:
            yield _utterance(edition.text(label), PAUSE_ROW, chapter)
            continue
        label_text = edition.text(label)
        colon = "" if speakable(label_text.text)[-1:] in {":", ".", "?", "!"} else ":"
        yield _utterance(label_text, PAUSE_LABEL, chapter, suffix=colon)
        for cell in details[:-1]:
            yield _utterance(edition.text(cell), PAUSE_LABEL, chapter)
        yield _utterance(edition.text(details[-1]), PAUSE_ROW, chapter)


def _byline(site: Site, edition: Edition, chapter: str) -> Utterance:
    """ "By <author>. Published on <date>." from the ``ui`` catalog, in the edition's language
    when it is translated, else in the source language (and read with its voice)."""
    from polyedition.render.html.pages import render_localized

    lang, source_lang = edition.lang, site.settings.source_language
    translations = site.ui(lang)
    translated: list[bool] = []

    def gettext(message: str, /, **variables: Any) -> str:
        text: str = translations.gettext(message)
        translated.append(text is not message)
        return text % variables

    def render(date_lang: str) -> str:
        meta = edition.article.meta
        date = format_date(meta.date, format="long", locale=date_lang)
        text = render_localized(
            site, lang, BYLINE_TEMPLATE, author=meta.author, date=date, _=gettext, gettext=gettext
        )
        return _DOUBLE_STOP.sub(".", normalize(text))

    text = render(lang)
    if lang != source_lang and not (translated and all(translated)):
        return Utterance(BYLINE_ID, render(source_lang), source_lang, PAUSE_BYLINE, chapter)
    return Utterance(BYLINE_ID, text, lang, PAUSE_BYLINE, chapter)
