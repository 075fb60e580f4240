"""Gathering a language's review: catalogs, ``check``, the narration script and the built cues.

Everything comes from the machinery the other commands use: the catalogs as ``check`` reads
them, the editions as ``build`` localizes them, the narration as ``polyedition script`` prints
it, and each segment's place in the MP3 from the caption cues the build wrote (a cue per
sentence, ``<segment id>.<n>``).
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from polyedition.catalogs import load_articles, load_catalog, po_path, ui_catalog_files
from polyedition.checks import check_catalog
from polyedition.config import Settings
from polyedition.errors import CatalogError
from polyedition.glossary import Term, load_glossary
from polyedition.languages import profile
from polyedition.narration.script import BYLINE_ID, BYLINE_TEMPLATE, Utterance
from polyedition.narration.sentences import CUE_ID_SEPARATOR
from polyedition.pofile import message_key, read_catalog
from polyedition.render.audio.narrate import spoken_script
from polyedition.review.changes import changed_lines
from polyedition.review.model import (
    ArticleReview,
    AudioSpan,
    Finding,
    Review,
    Row,
    Spoken,
    State,
    word_diff,
)
from polyedition.site import Site, load_editions, mp3_path, vtt_path
from polyedition.speech.base import EngineUnavailable
from polyedition.speech.lexicon import load_lexicon
from polyedition.speech.proof import proof
from polyedition.speech.registry import Engines
from polyedition.speech.spoken import SpokenText
from polyedition.speech.stress import plain
from polyedition.theme import UI_DOMAIN

logger = logging.getLogger(__name__)

StressMarker = Callable[[SpokenText], str]
"""A segment's spoken text with the stressed vowel of each word marked (U+0301)."""

_CUE = re.compile(
    r"^(\S+)\n(\d+):(\d\d):(\d\d\.\d+) --> (\d+):(\d\d):(\d\d\.\d+)[^\n]*\n(.*?)(?:\n\n|\n?\Z)",
    re.MULTILINE | re.DOTALL,
)
_CUE_LANG = re.compile(r"</?lang[^>]*>")


def collect_review(settings: Settings, lang: str, *, since: str | None = None) -> Review:
    """The review of every article of the project in ``lang``; ``since`` (a date or a git
    revision) marks the messages whose PO lines changed after it."""
    lang = settings.require_language(lang)
    editions = load_editions(settings, [lang])
    site = Site(settings, {(edition.slug, edition.lang): edition for edition in editions})
    engines = Engines(voices_dir=settings.voices_dir)
    marker, stress_source = stress_marker(settings, lang, engines)
    glossary = load_glossary(settings.locales_dir, settings.source_language)
    byline = _byline_message(settings, lang, glossary, since)
    articles = []
    for article, edition in zip(load_articles(settings), editions, strict=True):
        path = po_path(settings, lang, article.slug)
        catalog = load_catalog(settings, lang, article.slug)
        if catalog is None:
            raise CatalogError(
                f"no {article.slug} catalog for {lang}",
                path=path,
                hint=f"run 'polyedition update --lang {lang}'",
            )
        findings: dict[int, list[Finding]] = {}
        for finding in check_catalog(path, catalog, lang, settings.source_language, glossary):
            findings.setdefault(finding.line, []).append(Finding(finding.check, finding.message))
        narration = {
            utterance.id: (utterance, spoken)
            for utterance, spoken in spoken_script(site, edition, engines=engines)
        }
        mp3 = settings.output_dir / mp3_path(lang, article.slug)
        vtt = settings.output_dir / vtt_path(lang, article.slug)
        cues = _cues(vtt.read_text(encoding="utf-8")) if vtt.is_file() and mp3.is_file() else {}
        note = "" if cues else f"no narration built yet: run 'polyedition build --lang {lang}'"
        changed = _changed_messages(path, catalog, since) if since else None
        rows = tuple(
            _row(
                message,
                slug=article.slug,
                number=number,
                path=path,
                narrated=narration.get(str(message.context)),
                cues=cues,
                findings=findings.get(int(message.lineno or 1), []),
                changed=changed,
                marker=marker,
                lang=lang,
                source_lang=settings.source_language,
            )
            for number, message in enumerate(m for m in catalog if m.id)
        )
        if byline is not None and BYLINE_ID in narration:
            spoken_byline = _row(
                byline.message,
                slug=article.slug,
                number=0,
                path=byline.path,
                narrated=narration[BYLINE_ID],
                cues=cues,
                findings=list(byline.findings),
                changed=byline.changed,
                marker=marker,
                lang=lang,
                source_lang=settings.source_language,
                segment_id=BYLINE_ID,
            )
            rows = _after_title(rows, spoken_byline)
        title = edition.title.text
        articles.append(ArticleReview(article.slug, title, path, mp3 if cues else None, note, rows))
    return Review(
        lang,
        profile(lang).english_name,
        settings.project_dir,
        since,
        stress_source,
        tuple(articles),
    )


def stress_marker(
    settings: Settings, lang: str, engines: Engines
) -> tuple[StressMarker | None, str]:
    """How the review marks stress in a spoken text, and where the marks come from: where
    eSpeak puts the stress once the stress model, the lexicon and the desk's one-occurrence
    fixes have applied (what ``polyedition script --stress`` prints), for an edition eSpeak
    narrates."""
    from polyedition.speech.espeak import EspeakEngine

    choice = engines.choices(settings, lang)[0]
    if choice.engine.name != "espeak":
        return None, f"none, {choice.label} narrates and does not report its stress"
    try:
        espeak = EspeakEngine()
    except EngineUnavailable as error:
        return None, f"none, {error}"
    lexicon = load_lexicon(settings.locales_dir, lang)

    def mark(said: SpokenText) -> str:
        return proof(said, lang, lexicon, espeak).text

    return mark, (
        "where eSpeak stresses each word after the stress model, the lexicon and the "
        "one-occurrence fixes, as script --stress shows"
    )


def _row(
    message: Message,
    *,
    slug: str,
    number: int,
    path: Path,
    narrated: tuple[Utterance, SpokenText] | None,
    cues: dict[str, list[tuple[float, float, str]]],
    findings: list[Finding],
    changed: frozenset[int] | None,
    marker: StressMarker | None,
    lang: str,
    source_lang: str,
    segment_id: str | None = None,
) -> Row:
    context = segment_id or str(message.context or "")
    source = message_key(message)
    string = message.string
    translation = string if isinstance(string, str) else " | ".join(string or ())
    if lang == source_lang and not translation:
        translation = source  # an empty msgstr in the source language means "as written"
    state = (
        State.FUZZY if message.fuzzy else State.TRANSLATED if translation else State.UNTRANSLATED
    )
    previous = message.previous_id[0] if message.fuzzy and message.previous_id else None
    anchor = f"{slug}--{context}" if context != "keyword" else f"{slug}--keyword-{number}"
    spoken = audio = None
    if narrated is not None:
        utterance, said = narrated
        spoken = _spoken(utterance, said, marker if utterance.lang == lang else None)
        audio = _span(cues.get(utterance.id, []), said)
    line = int(message.lineno or 1)
    return Row(
        anchor=anchor,
        id=context,
        comment=" ".join(message.auto_comments),
        path=path,
        line=line,
        source=source,
        translation=translation,
        state=state,
        previous_source=previous,
        diff=word_diff(previous, source) if previous is not None else (),
        spoken=spoken,
        audio=audio,
        findings=tuple(findings),
        changed=None if changed is None else line in changed,
    )


@dataclass(frozen=True, slots=True)
class _UiMessage:
    path: Path
    message: Message
    findings: tuple[Finding, ...]
    changed: frozenset[int] | None


def _byline_message(
    settings: Settings, lang: str, glossary: list[Term], since: str | None
) -> _UiMessage | None:
    """The interface message the spoken byline is made of (``narration/byline.txt``), from the
    catalog whose translation the narration uses: the project's own ``ui.po`` before the
    theme's."""
    found = None
    for path in ui_catalog_files(settings, lang):  # the theme's first, the project's last
        catalog = read_catalog(path, locale=lang, domain=UI_DOMAIN)
        for message in catalog:
            locations = [where for where, _ in message.locations]
            if not message.id or not any(w.endswith(BYLINE_TEMPLATE) for w in locations):
                continue
            if found is None or (message.string and not message.fuzzy):
                line = int(message.lineno or 1)
                findings = tuple(
                    Finding(f.check, f.message)
                    for f in check_catalog(path, catalog, lang, settings.source_language, glossary)
                    if f.line == line
                )
                # The theme's catalog of an installed polyedition is not the project's to date.
                ours = path.resolve().is_relative_to(settings.project_dir)
                changed = _changed_messages(path, catalog, since) if since and ours else None
                found = _UiMessage(path, message, findings, changed)
            break
    return found


def _after_title(rows: tuple[Row, ...], row: Row) -> tuple[Row, ...]:
    """``rows`` with ``row`` after the headline's, where the narration says the byline."""
    after = next((n + 1 for n, r in enumerate(rows) if r.id == "title"), 0)
    return (*rows[:after], row, *rows[after:])


def _spoken(utterance: Utterance, said: SpokenText, marker: StressMarker | None) -> Spoken:
    respelled = tuple(
        (entry.word, entry.say)
        for entry in said.entries
        if entry.phonemes or plain(entry.say) != entry.word
    )
    text = marker(said) if marker is not None else said.normalized
    return Spoken(
        text=text,
        lang=utterance.lang,
        written=said.written,
        differs=_words(said.normalized) != _words(said.written) or bool(respelled),
        stressed=marker is not None,
        lexicon=respelled,
    )


def _words(text: str) -> list[str]:
    """The words of a text, case folded: punctuation the front end drops does not count."""
    return re.findall(r"\w+", text.casefold())


def _span(cues: list[tuple[float, float, str]], said: SpokenText) -> AudioSpan | None:
    if not cues:
        return None
    current = [text for _, _, text in cues] == [written for _, written in said.sentences]
    return AudioSpan(min(c[0] for c in cues), max(c[1] for c in cues), current)


def _cues(vtt: str) -> dict[str, list[tuple[float, float, str]]]:
    """Caption cues by the segment id they belong to: (start, end, text as written)."""
    cues: dict[str, list[tuple[float, float, str]]] = {}
    for match in _CUE.finditer(vtt.replace("\r\n", "\n")):
        cue_id, *times, text = match.groups()
        segment = cue_id.rpartition(CUE_ID_SEPARATOR)[0]
        if not segment:
            continue
        hours, minutes, seconds, end_hours, end_minutes, end_seconds = times
        start = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        end = int(end_hours) * 3600 + int(end_minutes) * 60 + float(end_seconds)
        cues.setdefault(segment, []).append((start, end, html.unescape(_CUE_LANG.sub("", text))))
    return cues


def _changed_messages(path: Path, catalog: Catalog, since: str) -> frozenset[int]:
    """The msgid lines of the messages that changed since ``since``: any of their own lines
    (flags, translator comments, ``#|``, msgctxt, msgid, msgstr), not the extracted comments
    and references, which move whenever the article does."""
    lines = changed_lines(path, since)
    text = path.read_text(encoding="utf-8").splitlines()
    changed = set()
    for message in catalog:
        if not message.id or not message.lineno:
            continue
        first = last = int(message.lineno)
        while first > 1 and text[first - 2].strip():
            first -= 1
        while last < len(text) and text[last].strip():
            last += 1
        own = [
            number
            for number in range(first, last + 1)
            if not text[number - 1].startswith(("#.", "#:"))
        ]
        if lines is None or any(number in lines for number in own):
            changed.add(int(message.lineno))
    return frozenset(changed)


def relative_url(target: Path, start: Path) -> str:
    """A relative URL from a page in folder ``start`` to ``target`` (works from disk).

    >>> relative_url(Path("/p/output/be/a/a.be.mp3"), Path("/p/.cache/review"))
    '../../output/be/a/a.be.mp3'
    """
    from urllib.parse import quote

    return quote(Path(os.path.relpath(target, start)).as_posix())
