"""The HTML a PDF is printed from: the article page plus PDF-only parts, and what it will show.

Reading the page back gives the text that will be drawn (for the glyph check) and the passages
in another language than the page (for ``/Lang`` in the PDF's structure tree).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from polyedition.narration.sentences import CUE_ID_SEPARATOR
from polyedition.render.pdf.ua import LangPassage

logger = logging.getLogger(__name__)

HIDDEN_CLASSES = frozenset({"screen-only"})
"""Classes the print stylesheet hides (``display: none``); keep in step with print.css."""
_HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "noscript"})
_VOID_TAGS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_MAIN_OPEN = re.compile(r"<main\b[^>]*>", re.IGNORECASE)
_HEADER_CLOSE = re.compile(r"</header\s*>", re.IGNORECASE)
_MAIN_CLOSE = re.compile(r"</main\s*>", re.IGNORECASE)


def insert_print_parts(html: str, *, body_start: str, title_end: str, main_end: str) -> str:
    """Put the PDF-only parts into an article page.

    ``body_start`` goes right after ``<body>`` (a running element must come before the content
    it runs beside), ``title_end`` at the end of the article's title block (the first
    ``<header>`` inside ``<main>``, else the start of ``<main>``), ``main_end`` last in ``<main>``.

    >>> insert_print_parts(
    ...     "<body><header>s</header><main><header><h1>t</h1></header><p>a</p></main></body>",
    ...     body_start="<i>f</i>", title_end="<b>l</b>", main_end="<u>n</u>")
    '<body><i>f</i><header>s</header><main><header><h1>t</h1><b>l</b></header><p>a</p><u>n</u></main></body>'
    """
    body = _BODY_OPEN.search(html)
    main = _MAIN_OPEN.search(html, body.end()) if body else None
    main_close = _MAIN_CLOSE.search(html, main.end()) if main else None
    if body is None or main is None or main_close is None:
        raise ValueError("the page has no <body> with a <main> element")
    header = _HEADER_CLOSE.search(html, main.end(), main_close.start())
    title_at = header.start() if header else main.end()
    return "".join(
        (
            html[: body.end()],
            body_start,
            html[body.end() : title_at],
            title_end,
            html[title_at : main_close.start()],
            main_end,
            html[main_close.start() :],
        )
    )


@dataclass(frozen=True, slots=True)
class PrintedText:
    """What a page will show in print."""

    runs: list[tuple[str, str]]
    """(place, text): every drawn text node with the id of its nearest element that has one
    (a sentence span's segment: ``lead-p1``, not ``lead-p1.2``)."""
    passages: list[LangPassage]
    """Elements whose language differs from their parent's, in document order."""


@dataclass(slots=True)
class _Open:
    tag: str
    place: str
    lang: str
    hidden: bool
    decorative: bool
    passage: int | None = None
    parts: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [_Open("#document", "document", lang, hidden=False, decorative=False)]
        self.runs: list[tuple[str, str]] = []
        self.passages: list[tuple[str, str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        parent = self.stack[-1]
        hidden = (
            parent.hidden
            or tag in _HIDDEN_TAGS
            or "hidden" in attributes
            or bool(HIDDEN_CLASSES & set(attributes.get("class", "").split()))
        )
        decorative = parent.decorative or attributes.get("aria-hidden") == "true"
        lang = attributes.get("lang", parent.lang).strip() or parent.lang
        place = attributes.get("id") or parent.place
        if place.startswith(parent.place + CUE_ID_SEPARATOR):
            place = parent.place  # a read-along sentence is named by its segment
        opened = _Open(tag, place, lang, hidden, decorative)
        if not hidden and not decorative and lang.lower() != parent.lang.lower():
            opened.passage = len(self.passages)
            self.passages.append((lang, tag, place, opened.parts))
        if tag not in _VOID_TAGS:
            self.stack.append(opened)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if all(opened.tag != tag for opened in self.stack[1:]):
            return  # a stray end tag closes nothing
        while self.stack[-1].tag != tag:
            self.stack.pop()
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        current = self.stack[-1]
        if current.hidden or not data:
            return
        self.runs.append((current.place, data))
        for opened in self.stack:
            if opened.passage is not None:
                opened.parts.append(data)


def printed_text(html: str, lang: str) -> PrintedText:
    """Read ``html`` (a page in ``lang``) as print will show it."""
    reader = _Reader(lang)
    reader.feed(html)
    reader.close()
    passages = [
        LangPassage(lang=passage_lang, text="".join(parts), tag=tag, place=place)
        for passage_lang, tag, place, parts in reader.passages
    ]
    return PrintedText(reader.runs, passages)
