"""The narration's chapters as a Podcasting 2.0 JSON chapters file (``podcast:chapters``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from polyedition.render.audio.id3 import ChapterMark

logger = logging.getLogger(__name__)

CHAPTERS_VERSION = "1.2.0"
"""The version of the JSON chapters format (github.com/Podcastindex-org/podcast-namespace,
``docs/examples/chapters/jsonChapters.md``)."""


def chapters_json(title: str, chapters: Sequence[ChapterMark]) -> str:
    """The chapters with the same start and end times (whole milliseconds) as the MP3's CHAP
    frames, in seconds; the same chapters give the same text.

    >>> print(chapters_json("News", [ChapterMark("c1", "Lead", 0, 1500)]), end="")
    {
      "version": "1.2.0",
      "title": "News",
      "chapters": [
        {
          "startTime": 0,
          "endTime": 1.5,
          "title": "Lead"
        }
      ]
    }
    """
    data = {
        "version": CHAPTERS_VERSION,
        "title": title,
        "chapters": [
            {
                "startTime": _seconds(chapter.start_ms),
                "endTime": _seconds(chapter.end_ms),
                "title": chapter.title,
            }
            for chapter in chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _seconds(milliseconds: int) -> int | float:
    """Seconds, as an integer when whole (``0`` rather than ``0.0``)."""
    whole, rest = divmod(milliseconds, 1000)
    return whole if rest == 0 else milliseconds / 1000
