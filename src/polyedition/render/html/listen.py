"""What the "Listen to this article" block states about the narration, in the page's language."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from babel.numbers import format_decimal
from babel.units import format_unit

from polyedition.site import AudioInfo

logger = logging.getLogger(__name__)

SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
"""Playback speeds the player offers."""


@dataclass(frozen=True, slots=True)
class ListenFacts:
    minutes: int
    """The length in whole minutes (at least 1), for the "%(num)d min listen" phrase."""
    duration_iso: str
    """``PT16M16S``, for ``<time datetime>``."""
    size: str
    """``5.6 MB``, ``5,6 МБ``."""
    speeds: str
    """The speeds, space-separated, for the player (``0.75 1 1.25 …``)."""
    speed_labels: str
    """Their labels in the page's language, ``|``-separated (``0,75×|1×|…``): browsers lack
    number formats for some languages (Chromium has none for Belarusian)."""


def listen_facts(audio: AudioInfo, lang: str) -> ListenFacts:
    """The narration's duration and file size, formatted by Babel for ``lang``.

    >>> facts = listen_facts(AudioInfo(976.4, 5_857_898, "a.mp3", "a.vtt", "a.ch.vtt"), "be")
    >>> facts.minutes, facts.duration_iso, facts.size
    (16, 'PT16M16S', '5,9 МБ')
    >>> facts.speeds, facts.speed_labels
    ('0.75 1 1.25 1.5 1.75 2', '0,75×|1×|1,25×|1,5×|1,75×|2×')
    >>> listen_facts(AudioInfo(42.0, 420_000, "a.mp3", "a.vtt", "a.ch.vtt"), "en").minutes
    1
    """
    seconds = round(audio.duration_seconds)
    minutes = max(1, round(seconds / 60))
    megabytes = round(audio.size_bytes / 1_000_000, 1)
    size = format_unit(megabytes, "digital-megabyte", length="short", locale=lang)
    speeds = " ".join(f"{speed:g}" for speed in SPEEDS)
    labels = "|".join(format_decimal(speed, locale=lang) + "×" for speed in SPEEDS)
    return ListenFacts(minutes, iso_duration(seconds), size, speeds, labels)


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration of whole seconds.

    >>> iso_duration(976), iso_duration(3725), iso_duration(0)
    ('PT16M16S', 'PT1H2M5S', 'PT0S')
    """
    hours, rest = divmod(seconds, 3600)
    minutes, whole = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if whole or text == "PT":
        text += f"{whole}S"
    return text
