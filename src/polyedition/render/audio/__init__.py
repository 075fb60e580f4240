"""Audio: the narration of an edition as one MP3 with chapters, WebVTT captions and chapters."""

from __future__ import annotations

from polyedition.render.audio.narrate import Narration, narrate

__all__ = ["Narration", "narrate"]
