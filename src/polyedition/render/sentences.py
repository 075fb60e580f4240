"""Sentence spans: a segment's inline HTML with each spoken sentence in ``<span id="<id>.<n>">``.

The narration splits each segment's speakable text into sentences (``speech.text.sentences``)
and names the caption cue of the n-th one ``<element id>.<n>`` (``render.audio.vtt.cue_id``).
Wrapping the same sentences of the rendered HTML in spans with those ids lets a reading system
(EPUB Media Overlays) or a page's read-along highlight exactly the sentence being spoken.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata

from markupsafe import Markup, escape

from polyedition.render.audio.vtt import cue_id
from polyedition.speech.text import sentence_starts

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]*>")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
_VOID = frozenset({"br", "hr", "img", "wbr"})
_PHONEME_BRACKETS = re.compile(r"\[\[|\]\]")
"""Lexicon brackets (``[[word]]``) are not spoken as characters: ``script.speakable`` drops them."""


def _spoken_positions(raw: str) -> tuple[str, list[int]]:
    """The text as the narration speaks it (``speakable``: no phoneme brackets, one space
    between words, no space at either end) and, for each of its characters, its offset in
    ``raw``."""
    dropped = {i for match in _PHONEME_BRACKETS.finditer(raw) for i in range(*match.span())}
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(raw):
        if index in dropped:
            continue
        if char.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                positions.append(index)
            continue
        chars.append(char)
        positions.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        positions.pop()
    return "".join(chars), positions


def sentence_boundaries(raw: str) -> list[int]:
    """Offsets in ``raw`` (plain text, NFC) where its second, third, … spoken sentence starts.

    >>> text = "Belarus freed 123 prisoners.  J. Coale said so.\\nThey left."
    >>> [text[i:i + 4] for i in sentence_boundaries(text)]
    ['J. C', 'They']
    """
    spoken, positions = _spoken_positions(raw)
    return [positions[start] for start in sentence_starts(spoken)[1:]]


def sentence_spans(inline: str, element_id: str) -> Markup:
    """``inline`` (HTML from ``render.inline.inline_html``) with each sentence in a span whose
    id is the sentence's caption cue id.

    A sentence that starts inside an inline element (a link, emphasis) closes that element
    before its span and reopens it inside the next, so the result stays well-formed. Void
    elements are written self-closed, so that the result is also XHTML.

    >>> def show(spans: str) -> None:
    ...     for part in str(spans).split("</span>")[:-1]:
    ...         print(part + "</span>")
    >>> show(sentence_spans("One. <em>Two</em> and three! Four", "p1"))
    <span id="p1.1">One. </span>
    <span id="p1.2"><em>Two</em> and three! </span>
    <span id="p1.3">Four</span>
    >>> show(sentence_spans('See <a href="x">the list. It grows</a>.', "p2"))
    <span id="p2.1">See <a href="x">the list. </a></span>
    <span id="p2.2"><a href="x">It grows</a>.</span>
    """
    pieces: list[tuple[bool, str]] = []
    last = 0
    for match in _TAG.finditer(inline):
        if match.start() > last:
            pieces.append(
                (False, unicodedata.normalize("NFC", html.unescape(inline[last : match.start()])))
            )
        pieces.append((True, match.group(0)))
        last = match.end()
    if last < len(inline):
        pieces.append((False, unicodedata.normalize("NFC", html.unescape(inline[last:]))))
    raw = "".join(text for is_tag, text in pieces if not is_tag)
    boundaries = sentence_boundaries(raw)
    out: list[str] = [f'<span id="{cue_id(element_id, 1)}">']
    open_tags: list[str] = []
    offset = 0
    number = 1

    def switch() -> None:
        nonlocal number
        number += 1
        out.extend(f"</{_name(tag)}>" for tag in reversed(open_tags))
        out.append(f'</span><span id="{cue_id(element_id, number)}">')
        out.extend(open_tags)

    for is_tag, text in pieces:
        if is_tag:
            name = _name(text)
            if text.startswith("</"):
                if open_tags and _name(open_tags[-1]) == name:
                    open_tags.pop()
                out.append(text)
                continue
            if boundaries and boundaries[0] == offset:
                boundaries.pop(0)
                switch()
            if name in _VOID:
                out.append(text.rstrip("/> ").rstrip() + " />")
            else:
                open_tags.append(text)
                out.append(text)
            continue
        start = 0
        while boundaries and boundaries[0] < offset + len(text):
            cut = boundaries.pop(0) - offset
            out.append(str(escape(text[start:cut])))
            switch()
            start = cut
        out.append(str(escape(text[start:])))
        offset += len(text)
    out.append("</span>")
    return Markup("".join(out))


def _name(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""
