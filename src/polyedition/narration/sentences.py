"""The sentence model: a segment's spoken text, its sentences, their cue ids, and its HTML with
each sentence in a span named by its cue.

The narration splits each segment's speakable text into sentences
(:func:`~polyedition.speech.text.sentence_starts`) and names the caption cue of the n-th one
``<element id>.<n>``. Wrapping the same sentences of the rendered text in spans with those ids
lets the page's read-along and the EPUB's Media Overlays highlight exactly the sentence being
spoken; both use :func:`sentence_html`, so the two agree span for span.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token
from markupsafe import Markup, escape

from polyedition.render.inline import (
    inline_tokens,
    plain_text,
    render_tokens,
    token_text,
)
from polyedition.speech.text import normalize, sentence_starts

logger = logging.getLogger(__name__)

CUE_ID_SEPARATOR = "."
"""A caption cue's id is ``<element id>.<sentence number>``: element ids have no dots."""

_PHONEME_BRACKETS = re.compile(r"\[\[|\]\]")


def cue_id(element_id: str, sentence: int) -> str:
    """The caption cue id (and sentence span id) of an element's ``sentence``-th sentence
    (from 1).

    >>> cue_id("lead-p1", 2)
    'lead-p1.2'
    """
    return f"{element_id}{CUE_ID_SEPARATOR}{sentence}"


def speakable(source: str) -> str:
    """Inline Markdown as words to speak: no markup, normalized, no phoneme brackets.

    >>> speakable("The **US** lifted [sanctions](https://x.org) on [[potash]].")
    'The US lifted sanctions on potash.'
    """
    return normalize(_PHONEME_BRACKETS.sub("", plain_text(source)))


def readable(source: str) -> str:
    """Inline Markdown as a caption shows it: as ``speakable``, but with the double brackets
    the voice is not given (they would be read as phonemes) kept, as the page shows them.

    >>> readable("Arrays like a[b[0]] hold [[x]].")
    'Arrays like a[b[0]] hold [[x]].'
    """
    return normalize(plain_text(source))


def written_sentences(written: str, spoken: str, sentences: Sequence[str]) -> tuple[str, ...]:
    """Each of ``sentences``, consecutive pieces of ``spoken`` (``written`` without its double
    brackets), as ``written`` has it; ``sentences`` unchanged if ``spoken`` is not that. Brackets
    at a sentence's start or end are its own.

    >>> written_sentences("It is a[b[0]]. [[Yes]].", "It is a[b[0. Yes.", ["It is a[b[0.", "Yes."])
    ('It is a[b[0]].', '[[Yes]].')
    """
    removed = []  # where each pair of brackets was in ``spoken``, and its length
    gone = 0
    for match in _PHONEME_BRACKETS.finditer(written):
        removed.append((match.start() - gone, len(match.group())))
        gone += len(match.group())
    if _PHONEME_BRACKETS.sub("", written) != spoken:
        return tuple(sentences)

    def at(offset: int, *, inclusive: bool) -> int:
        return offset + sum(
            length for where, length in removed if where < offset or (inclusive and where == offset)
        )

    found = []
    cursor = 0
    for sentence in sentences:
        start = spoken.find(sentence, cursor)
        if start < 0:
            return tuple(sentences)
        cursor = start + len(sentence)
        found.append(written[at(start, inclusive=False) : at(cursor, inclusive=True)])
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Mark:
    at: int
    """Offset in the segment's plain text."""
    opens: int
    """The sentence number (from 1) this mark opens, or 0 for the end of a sentence."""


def sentence_html(source: str, element_id: str, *, xhtml: bool = False) -> Markup:
    """Inline Markdown as HTML, each sentence in ``<span id="<element id>.<n>">``.

    The sentences are the caption cues' (:func:`~polyedition.speech.text.sentence_starts` of
    the narrated text), so each cue names its span. Markup that crosses a sentence boundary is
    closed before it and opened again after it; the space between sentences stays outside.
    ``xhtml`` writes void elements self-closed (``<br />``), for the EPUB.

    >>> str(sentence_html("It *ended. Then* it [began](https://x.org).", "p1"))
    '<span id="p1.1">It <em>ended.</em></span> <span id="p1.2"><em>Then</em> it <a href="https://x.org">began</a>.</span>'
    """
    tokens = [_composed(token) for token in inline_tokens(source)]
    return _sentence_markup(tokens, speakable(source), element_id, xhtml=xhtml)


def plain_sentence_html(text: str, element_id: str, *, xhtml: bool = False) -> Markup:
    """Plain text (not Markdown: the spoken byline) as escaped HTML with sentence spans, as
    :func:`sentence_html` wraps a segment.

    >>> str(plain_sentence_html("By *Ann* & Bo. Published.", "byline"))
    '<span id="byline.1">By *Ann* &amp; Bo.</span> <span id="byline.2">Published.</span>'
    """
    composed = unicodedata.normalize("NFC", text)
    tokens = [Token("text", "", 0, content=composed)]
    return _sentence_markup(tokens, normalize(composed), element_id, xhtml=xhtml)


def _sentence_markup(
    tokens: list[Token],
    spoken: str,
    element_id: str,
    *,
    xhtml: bool,
) -> Markup:
    plain = "".join(token_text(token) for token in tokens)
    origins = _align(spoken, plain)
    if origins is None:
        # Cannot happen for text speakable() derives from; the page then highlights whole
        # passages, as it does for an element without sentence spans.
        logger.warning("read-along: cannot find the spoken text of %r in its markup", element_id)
        return render_tokens(tokens, xhtml=xhtml)
    starts = sentence_starts(spoken) if spoken else []
    ends = [*starts[1:], len(spoken)] if spoken else []
    marks = []
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        last = start + len(spoken[start:end].rstrip()) - 1
        marks += [_Mark(origins[start], number), _Mark(origins[last] + 1, 0)]
    return render_tokens(_wrapped(tokens, marks, element_id), xhtml=xhtml)


def _composed(token: Token) -> Token:
    """The token with its text in NFC, as :func:`speakable` composes it."""
    if not token.content or token.nesting:
        return token
    return token.copy(content=unicodedata.normalize("NFC", token.content))


def _align(spoken: str, plain: str) -> list[int] | None:
    """For each character of ``spoken``, its offset in ``plain``.

    ``spoken`` is ``plain`` less phoneme brackets, with each run of white space made one
    space; so its characters are found in order.

    >>> _align("a b.", "[[a]]\\n  b.")
    [2, 5, 8, 9]
    """
    origins = []
    at = 0
    for char in spoken:
        while at < len(plain) and not (plain[at] == char or (char == " " and plain[at].isspace())):
            at += 1
        if at == len(plain):
            return None
        origins.append(at)
        at += 1
    return origins


def _wrapped(tokens: list[Token], marks: list[_Mark], element_id: str) -> list[Token]:
    """``tokens`` with a span around each sentence: inline elements open at a sentence's end
    are closed before ``</span>`` and opened again inside the next sentence's span."""
    out: list[Token] = []
    open_elements: list[Token] = []
    in_sentence = False
    pending = list(reversed(marks))

    def place_marks(upto: int) -> None:
        nonlocal in_sentence
        while pending and pending[-1].at <= upto:
            mark = pending.pop()
            if mark.opens:
                span = Markup('<span id="{}">').format(escape(cue_id(element_id, mark.opens)))
                out.append(_html(span))
                out.extend(open_elements)
            else:
                out.extend(_closing(opening) for opening in reversed(open_elements))
                out.append(_html(Markup("</span>")))
            in_sentence = bool(mark.opens)

    offset = 0
    for token in tokens:
        place_marks(offset)
        text = token_text(token)
        if token.nesting:
            if token.nesting > 0:
                open_elements.append(token)
            else:
                open_elements.pop()
            if in_sentence:
                out.append(token)
            continue
        cut = 0
        while pending and pending[-1].at < offset + len(text) and token.content == text:
            place = pending[-1].at - offset
            if place > cut:
                out.append(token.copy(content=text[cut:place]))
                cut = place
            place_marks(offset + cut)
        out.append(token.copy(content=text[cut:]) if cut else token)
        offset += len(text)
    place_marks(offset)
    return out


def _html(markup: Markup) -> Token:
    return Token("html_inline", "", 0, content=str(markup))


def _closing(opening: Token) -> Token:
    return Token(opening.type.removesuffix("_open") + "_close", opening.tag, -1)
