"""WebVTT: the read-along captions (a cue per sentence, named by ``narration.sentences.cue_id``)
and chapters."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cue:
    """A timed piece of text; ``lang`` is set when it differs from the track's language."""

    id: str
    start: float
    end: float
    text: str
    lang: str | None = None


def timestamp(seconds: float) -> str:
    """WebVTT time, to the millisecond.

    >>> timestamp(3725.0416)
    '01:02:05.042'
    """
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}.{millis:03d}"


def escape(text: str) -> str:
    """Cue text is a little markup language: ``&``, ``<`` and ``>`` must be escaped.

    >>> escape("US <-> EU & more -->")
    'US &lt;-&gt; EU &amp; more --&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Iterable[Cue]) -> str:
    """A WebVTT file of ``cues`` (in the order given; they must not overlap).

    >>> print(webvtt([Cue("lead-p1.1", 0.05, 2.5, "Belarus freed 123 prisoners.", "en")]), end="")
    WEBVTT
    <BLANKLINE>
    lead-p1.1
    00:00:00.050 --> 00:00:02.500
    <lang en>Belarus freed 123 prisoners.</lang>
    """
    blocks = ["WEBVTT\n"]
    for cue in cues:
        text = escape(cue.text)
        if cue.lang is not None:
            text = f"<lang {cue.lang}>{text}</lang>"
        blocks.append(f"{cue.id}\n{timestamp(cue.start)} --> {timestamp(cue.end)}\n{text}\n")
    return "\n".join(blocks)
