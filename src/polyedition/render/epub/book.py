"""EPUB 3 editions: the article as XHTML with a nav, a cover, embedded fonts and, when the
edition is narrated, its MP3 with a Media Overlay that highlights each sentence as it is read.

The content document has the structure of the web page (``templates/epub/``); every spoken
sentence is a span whose id is its caption cue id, made as the page makes it
(``narration.sentences``), so that the overlay's clips come straight from the narration's WebVTT.
"""

from __future__ import annotations

import html
import logging
import re
import textwrap
import uuid
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from polyedition.errors import RenderError
from polyedition.model import Edition
from polyedition.narration.script import BYLINE_ID, narration_script
from polyedition.narration.sentences import plain_sentence_html
from polyedition.render.epub.container import ocf_zip
from polyedition.render.epub.fonts import (
    EPUB_FACES,
    font_face_rules,
    font_file_name,
    subset_font,
)
from polyedition.render.epub.overlay import Clip, clock, overlay_duration, read_cues
from polyedition.render.inline import plain_text
from polyedition.site import Site, html_path
from polyedition.theme.fontfaces import describe_characters, missing_font_files, uncovered

logger = logging.getLogger(__name__)

ROOT = "EPUB"
"""The folder of the publication's files inside the container."""
CONTENT = "article.xhtml"
NAV = "nav.xhtml"
COVER = "cover.xhtml"
COVER_IMAGE = "cover.svg"
STYLESHEET = "style.css"
OVERLAY = "article.smil"
OVERLAY_ID = "article-overlay"
ACTIVE_CLASS = "-epub-media-overlay-active"
"""The class a reading system gives the sentence being read (styled in style.css)."""
TEMPLATES = "epub"

_ID = re.compile(r'\sid="([^"]+)"')
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class NarrationFiles:
    """The edition's narration as the mp3 job wrote it."""

    mp3: bytes
    captions_vtt: str
    source: str
    """Where the captions came from, for messages (``output/be/…/….be.vtt``)."""
    audio_name: str
    """The MP3's file name (``<slug>.<lang>.mp3``)."""


@dataclass(frozen=True, slots=True)
class Item:
    """A manifest entry of the package document."""

    id: str
    href: str
    media_type: str
    properties: str = ""
    overlay: str = ""


@dataclass(frozen=True, slots=True)
class Overlay:
    id: str
    duration: str
    active_class: str


@dataclass(frozen=True, slots=True)
class Byline:
    html: Markup
    lang: str


def render_epub(site: Site, edition: Edition, narration: NarrationFiles | None) -> bytes:
    """The EPUB of ``edition``, with a Media Overlay when ``narration`` is given; writes nothing.

    Raises RenderError naming the edition when a font is missing or lacks a character of the
    text, and naming the captions file when a cue has no sentence in the text (the narration is
    older than the text: build the mp3 again).
    """
    label = f"{edition.lang}/{edition.slug}"
    lang = edition.lang
    theme = site.theme
    missing = missing_font_files(EPUB_FACES)
    if missing:
        raise RenderError(
            f"{label}: EPUB: font file {missing[0].path} is missing",
            lang=lang,
            hint="reinstall polyedition: its fonts ship inside the package",
        )
    title_text = plain_text(edition.title.text)
    common: dict[str, Any] = {
        "edition": edition,
        "article": edition.article,
        "title_text": title_text,
        "description_text": plain_text(edition.description.text),
        "content": CONTENT,
        "cover": COVER,
        "cover_image": COVER_IMAGE,
        "xhtml": True,
        "lang_span": lambda text: _lang_span(text, lang),
    }

    def render(template: str, **context: Any) -> str:
        return theme.render(lang, f"{TEMPLATES}/{template}", **common, **context)

    content = render("content.xhtml", byline=_byline(site, edition))
    documents = {
        CONTENT: content,
        NAV: render(NAV),
        COVER: render(COVER),
        COVER_IMAGE: render(COVER_IMAGE, **_cover_layout(site, edition, title_text)),
    }
    text = [_text_of(document) for document in documents.values()]
    lacking = uncovered([(label, chunk) for chunk in text], EPUB_FACES)
    if lacking:
        raise RenderError(
            f"{label}: EPUB: the fonts lack {describe_characters(lacking)}",
            lang=lang,
            hint="change the text, or add a font that has these characters",
        )
    files: dict[str, bytes] = {name: data.encode("utf-8") for name, data in documents.items()}
    css = font_face_rules(EPUB_FACES) + "\n" + theme.text(f"{TEMPLATES}/{STYLESHEET}")
    files[STYLESHEET] = css.encode("utf-8")
    for face in EPUB_FACES:
        files[font_file_name(face)] = subset_font(face, text)
    items = [
        Item("nav", NAV, "application/xhtml+xml", "nav"),
        Item("cover", COVER, "application/xhtml+xml"),
        Item("cover-image", COVER_IMAGE, "image/svg+xml", "cover-image"),
        Item("style", STYLESHEET, "text/css"),
        *(
            Item(f"font-{index}", font_file_name(face), "font/ttf")
            for index, face in enumerate(EPUB_FACES, start=1)
        ),
    ]
    overlay = None
    if narration is None:
        items.append(Item("article", CONTENT, "application/xhtml+xml"))
    else:
        clips = _clips(narration, content)
        audio = f"audio/{narration.audio_name}"
        files[OVERLAY] = render("overlay.smil", clips=clips, audio=audio, clock=clock).encode(
            "utf-8"
        )
        files[audio] = narration.mp3
        overlay = Overlay(OVERLAY_ID, clock(overlay_duration(clips)), ACTIVE_CLASS)
        items += [
            Item("article", CONTENT, "application/xhtml+xml", overlay=OVERLAY_ID),
            Item(OVERLAY_ID, OVERLAY, "application/smil+xml"),
            Item("narration", audio, "audio/mpeg"),
        ]
    package = render(
        "package.opf",
        identifier=_identifier(site, edition),
        modified=f"{edition.article.meta.date.isoformat()}T00:00:00Z",
        overlay=overlay,
        items=items,
        spine=["cover", "nav", "article"],
    )
    files["package.opf"] = package.encode("utf-8")
    container = theme.render(lang, f"{TEMPLATES}/container.xml", package=f"{ROOT}/package.opf")
    entries = {f"{ROOT}/{name}": data for name, data in files.items()}
    entries["META-INF/container.xml"] = container.encode("utf-8")
    return ocf_zip(entries, edition.article.meta.date)


def _lang_span(text: Any, lang: str) -> Any:
    """Interface text in a span with ``lang`` and ``xml:lang`` when it is not in ``lang``."""
    text_lang = getattr(text, "lang", None)
    if text_lang is None or text_lang == lang:
        return text
    return Markup('<span lang="{0}" xml:lang="{0}">{1}</span>').format(text_lang, text)


def _byline(site: Site, edition: Edition) -> Byline | None:
    """The byline as the narration speaks it ("By …. Published on …."), so that the overlay
    highlights it sentence by sentence like the rest of the text."""
    script = narration_script(site, edition)
    for utterance in script.utterances:
        if utterance.id == BYLINE_ID:
            return Byline(
                plain_sentence_html(utterance.text, BYLINE_ID, xhtml=True), utterance.lang
            )
    return None


def _clips(narration: NarrationFiles, content: str) -> list[Clip]:
    clips = read_cues(narration.captions_vtt, narration.source)
    ids = set(_ID.findall(content))
    for clip in clips:
        if clip.id not in ids:
            raise RenderError(
                f"cue {clip.id!r} has no sentence of that id in the text",
                path=narration.source,
                hint="the narration is older than the text: build it again (--format mp3)",
            )
    return clips


def _text_of(document: str) -> str:
    """The characters a document shows (its markup and entities resolved)."""
    return html.unescape(_TAG.sub(" ", document))


def _identifier(site: Site, edition: Edition) -> str:
    """A stable ``urn:uuid`` derived from the edition's web address."""
    url = site.url(html_path(edition.lang, edition.slug))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def _cover_layout(site: Site, edition: Edition, title: str) -> dict[str, Any]:
    """The title's lines and size on the cover: the largest size at which it fits."""
    meta = edition.article.meta
    for size in (44, 38, 33, 28, 24):
        width = int(500 / (0.56 * size))
        lines = textwrap.wrap(title, width) or [title]
        leading = round(size * 1.22)
        if len(lines) * leading <= 480:
            break
    return {
        "publisher_upper": meta.publisher.upper(),
        "title_lines": lines,
        "title_size": size,
        "title_leading": leading,
        "title_top": 210 + size,
        "title_lang": edition.title.lang,
        "autonym": site.profile(edition.lang).autonym,
        "published": format_date(meta.date, format="long", locale=edition.lang),
    }
