"""Media Overlays: the narration's caption cues as SMIL clips, one ``<par>`` per sentence."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from polyedition.errors import RenderError

logger = logging.getLogger(__name__)

_TIMING = re.compile(
    r"^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3}) --> (?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})(?: .*)?$"
)


@dataclass(frozen=True, slots=True)
class Clip:
    """One sentence of the narration: its cue id (the sentence's element id) and its clip,
    in whole milliseconds of the MP3, as the WebVTT states them."""

    id: str
    begin_ms: int
    end_ms: int


def _millis(hours: str | None, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def read_cues(vtt: str, source: str) -> list[Clip]:
    """The cues of a WebVTT file (as ``render.audio.vtt.webvtt`` writes them), in file order.

    Raises RenderError naming ``source`` and the line of a cue without an id or a timing.

    >>> read_cues("WEBVTT\\n\\ntitle.1\\n00:00:00.050 --> 00:00:02.500\\nBelarus.\\n", "a.vtt")
    [Clip(id='title.1', begin_ms=50, end_ms=2500)]
    """
    lines = vtt.splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise RenderError("not a WebVTT file", path=source, line=1)
    clips = []
    number = 1
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        timing = _TIMING.match(lines[number + 1]) if number + 1 < len(lines) else None
        if timing is None or "-->" in lines[number]:
            raise RenderError(
                "a caption cue needs an id line, then its timing",
                path=source,
                line=number + 1,
                hint="rebuild the narration (--format mp3)",
            )
        parts = timing.groups()
        clips.append(Clip(lines[number].strip(), _millis(*parts[:4]), _millis(*parts[4:])))
        number += 2
        while number < len(lines) and lines[number].strip():
            number += 1
    return clips


def clock(millis: int) -> str:
    """A SMIL full clock value (``media:duration``, ``clipBegin``, ``clipEnd``).

    >>> clock(3725042), clock(50)
    ('1:02:05.042', '0:00:00.050')
    """
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, rest = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{rest:03d}"


def overlay_duration(clips: list[Clip]) -> int:
    """What a reading system plays of an overlay: the sum of its clips, in milliseconds."""
    return sum(clip.end_ms - clip.begin_ms for clip in clips)
