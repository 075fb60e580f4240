"""The audio edition: an Edition narrated into one MP3 with ID3 chapters, captions and chapters.

A pipeline of small stages, each a module of this package and testable alone:

1. script (``script``): the utterances to say, each with its language, pause and chapter;
2. speak (``speak``): each utterance through the front end, the accent stage, the lexicon and
   the desk's fixes to its engine, or found in the speech cache by its timing alone;
3. master (``mastering.master``): a fresh synthesis at the target loudness, before it is cached;
4. pace (``pace``): each utterance at the joined rate, trimmed to its speech, its sentences'
   silences set; where its speech then lies is cached (its layout);
5. assemble (``assemble``): the utterances joined with their pauses and cut into chapters,
   each encoded on its own or found in the cache by what its samples are made of;
6. time cues (``cues``): each utterance, sentence and chapter placed by the exact decoded
   length of the pieces before it plus the measured encoder delay (``codec``);
7. package (``package``): the ID3 tag and the frames, the WebVTT captions and chapters, the
   JSON chapters.

Every cache layer (speech with its timing, layouts, encoded chapters) is a namespace of the one
content-addressed store under ``.cache/speech`` (``cache.SpeechCache``), each entry named by
``cache.content_key`` of what made it. An unchanged chapter is found without reading any
audio; a changed paragraph reads, paces and encodes its chapter alone.
"""

from __future__ import annotations

import logging
import time

from polyedition.cache import SpeechCache
from polyedition.model import Edition
from polyedition.narration.script import narration_script
from polyedition.render.audio.assemble import EncodeCounts, encode_chapters, join
from polyedition.render.audio.codec import (
    BITRATE_KBPS,
    LAME_QUALITY,
    decode_mp3,
    encode_mp3,
    encoder_delay,
    mp3_samples,
    resample,
)
from polyedition.render.audio.cues import Placed, chapter_marks, origins, timed
from polyedition.render.audio.pace import Layouts, StaleLayout
from polyedition.render.audio.package import Narration, package, tags, write_narration
from polyedition.render.audio.speak import (
    FRESH_BUDGET_BYTES,
    LONGEST_SPOKEN_WORD,
    Budget,
    SpeechCounts,
    Spoken,
    speak_script,
    spoken_script,
    without_overlong_words,
)
from polyedition.site import Site
from polyedition.speech.registry import Engines

__all__ = [
    "BITRATE_KBPS",
    "FRESH_BUDGET_BYTES",
    "LAME_QUALITY",
    "LONGEST_SPOKEN_WORD",
    "Narration",
    "Placed",
    "decode_mp3",
    "encode_mp3",
    "encoder_delay",
    "mp3_samples",
    "narrate",
    "resample",
    "spoken_script",
    "without_overlong_words",
    "write_narration",
]

logger = logging.getLogger(__name__)


def narrate(
    site: Site, edition: Edition, cache: SpeechCache, *, engines: Engines | None = None
) -> Narration:
    """Narrate ``edition``; writes nothing but cache entries.

    Raises SpeechError naming the language and the segment when no configured engine can say
    a segment, and ConfigError when the settings ask for an engine that lacks the language.
    """
    engines = engines or Engines(voices_dir=site.settings.voices_dir)
    script = narration_script(site, edition)
    counts = SpeechCounts()
    spoken = speak_script(site, script, cache, engines, counts)
    rate = max(item.timing.sample_rate for item in spoken)
    pause = site.settings.pauses.sentence
    encoding = EncodeCounts()
    started = time.perf_counter()
    layouts = Layouts(spoken, rate, pause, cache)
    pieces = _encoded(spoken, layouts, cache, encoding)
    if isinstance(pieces, StaleLayout):
        # Another library paces differently, or a damaged segment was synthesized again by
        # an engine that never says a text the same way twice: every segment is read (its
        # timing too) and paced again.
        logger.warning(
            "%s: the cached layout %s does not match its audio; pacing every segment again",
            edition.lang,
            pieces.key,
        )
        counts.cached = 0
        counts.budget = Budget()  # what the first attempt held is let go
        spoken = speak_script(site, script, cache, engines, counts)
        layouts = Layouts(spoken, rate, pause, cache, trust_cache=False)
        pieces = _encoded(spoken, layouts, cache, encoding)
        if isinstance(pieces, StaleLayout):
            raise RuntimeError(f"pacing the audio of {pieces.key} twice gave two layouts")
    encode_seconds = time.perf_counter() - started
    slots, _ = join(spoken, layouts.items, rate)
    lengths = [mp3_samples(piece) for piece in pieces]
    delay = encoder_delay(rate)
    duration = sum(lengths) / rate
    placed, cues = timed(spoken, slots, origins(spoken, slots, lengths, delay), rate, edition.lang)
    tagged = tags(site, edition, chapter_marks(script, placed, duration))
    files = package(tagged, pieces, cues)
    del pieces  # one copy of the frames, not two
    return Narration(
        mp3=files.mp3,
        captions_vtt=files.captions_vtt,
        chapters_vtt=files.chapters_vtt,
        chapters_json=files.chapters_json,
        duration_seconds=duration,
        synthesized=counts.synthesized,
        cached=counts.cached,
        sample_rate=rate,
        placed=tuple(placed),
        chapters=tagged.chapters,
        encoder_delay_samples=delay,
        encoded_chapters=encoding.encoded,
        reused_chapters=encoding.reused,
        synthesis_seconds=counts.seconds,
        encode_seconds=encode_seconds,
    )


def _encoded(
    spoken: list[Spoken], layouts: Layouts, cache: SpeechCache, counts: EncodeCounts
) -> list[bytes] | StaleLayout:
    """Each chapter's MPEG frames (assemble), or the stale layout that stopped them."""
    _, silences = join(spoken, layouts.items, layouts.rate)
    return encode_chapters(spoken, layouts, silences, cache, counts)
