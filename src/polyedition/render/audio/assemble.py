"""The assemble stage: the paced utterances joined, each followed by its pause, cut into
chapters (one per section), each chapter encoded on its own under the published true-peak
ceiling, or found in the cache by what its samples are made of.

A chapter's PCM runs from its first utterance's speech (the first chapter's from 0) to the
next chapter's, so that it ends with its last pause and the next one's lead guard; its key
names exactly that (each utterance's layout key and silence, the skip, the tail's digest), so
that an unchanged chapter is found without its PCM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from polyedition.cache import ChapterRecipe, SpeechCache, content_key
from polyedition.render.audio.codec import (
    BITRATE_KBPS,
    GRANULE,
    GRANULE_REACH,
    LAME_QUALITY,
    encode_mp3,
    granule_gains,
    lameenc_version,
    load_miniaudio,
    quieter,
)
from polyedition.render.audio.mastering import (
    PCM16_FULL_SCALE,
    PUBLISHED_CEILING_DBTP,
    BlockPeaks,
    PacedInfo,
    Pcm16,
    scaled_pcm,
    true_peak_over,
)
from polyedition.render.audio.pace import Layout, Layouts, StaleLayout
from polyedition.render.audio.speak import Spoken
from polyedition.speech.base import SAMPLE_WIDTH

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one utterance's speech lies in the joined PCM."""

    start: int
    """The utterance's first sample of speech in the joined PCM."""
    scale: float
    """Joined-rate samples per engine sample (1.0 unless resampled)."""
    paced: PacedInfo

    @property
    def samples(self) -> int:
        return self.paced.speech

    def offset(self, sample: float) -> float:
        """Joined-rate samples from the start of speech to the engine's ``sample``."""
        return self.paced.position(sample * self.scale)


@dataclass
class EncodeCounts:
    encoded: int = 0
    """Chapters encoded (not found in the cache)."""
    reused: int = 0
    """Chapters whose MPEG frames came from the cache."""
    keys: list[str] = field(default_factory=list)
    """Each chapter's key in the cache, in order."""


def join(spoken: list[Spoken], layouts: list[Layout], rate: int) -> tuple[list[Slot], list[int]]:
    """Where each utterance's speech starts when all are joined at ``rate`` (from the end of one
    utterance's speech to the start of the next one's, exactly its pause; the guards kept
    around speech count in it), and the samples of silence after each."""
    slots = []
    silences = []
    position = 0
    for index, (item, layout) in enumerate(zip(spoken, layouts, strict=True)):
        slots.append(Slot(position + layout.info.lead, layout.scale, layout.info))
        position += layout.info.length
        following = layouts[index + 1].info.lead if index + 1 < len(layouts) else 0
        silence = max(0, round(item.utterance.pause * rate) - layout.info.trail - following)
        silences.append(silence)
        position += silence
    return slots, silences


def chapter_key(
    span: tuple[int, int], items: list[Layout], silences: list[int], rate: int, *, opening: bool
) -> tuple[str, int, tuple[str, int] | None]:
    """The key of the chapter ``span`` in the cache; the samples of its first utterance's
    lead it skips (all of it, unless it is the ``opening`` chapter, which starts at 0); the
    digest and length of the next utterance's lead it ends with."""
    first, end = span
    skip = 0 if opening else items[first].info.lead
    tail = (items[end].lead_digest, items[end].info.lead) if end < len(items) else None
    key = content_key(
        ChapterRecipe(
            utterances=tuple((items[i].key, silences[i]) for i in range(first, end)),
            skip=skip,
            tail=tail,
            sample_rate=rate,
            bitrate=BITRATE_KBPS,
            quality=LAME_QUALITY,
            encoder=f"lameenc {lameenc_version()}, under {PUBLISHED_CEILING_DBTP} dBTP {CHECK}",
        )
    )
    return key, skip, tail


def encode_chapter(
    span: tuple[int, int],
    layouts: Layouts,
    silences: list[int],
    *,
    cache: SpeechCache,
    counts: EncodeCounts,
    opening: bool,
) -> bytes | StaleLayout:
    """One chapter's MPEG frames, from the cache or encoded on their own (``layouts`` hold the
    utterances of ``span`` and the next one's, if any; its lead ends the chapter)."""
    first, end = span
    key, skip, tail = chapter_key(span, layouts.items, silences, layouts.rate, opening=opening)
    frames = cache.chapter(key)
    if frames is not None:
        counts.reused += 1
        counts.keys.append(key)
        return frames
    parts = []
    for index in range(first, end):
        pcm = layouts.pcm(index)
        if isinstance(pcm, StaleLayout):
            return pcm
        parts += [pcm[SAMPLE_WIDTH * skip :] if index == first else pcm]
        parts.append(bytes(SAMPLE_WIDTH * silences[index]))
    if tail is not None:
        following = layouts.pcm(end)
        if isinstance(following, StaleLayout):
            return following
        parts.append(following[: SAMPLE_WIDTH * tail[1]])
        layouts.hand_on(end, following)
    layouts.release(range(first, end))
    pcm = b"".join(parts)
    del parts  # the chapter is held once while it is encoded and checked, not twice
    frames = encode_under_ceiling(pcm, layouts.rate)
    cache.put_chapter(key, frames)
    counts.encoded += 1
    counts.keys.append(key)
    return frames


CHECK = "by granule gains"
"""How an encoded chapter is kept under the ceiling (part of its key): see
``encode_under_ceiling``."""
GAIN_ROUNDS = 3
"""Steps a granule may be made quieter before the chapter is encoded again instead."""


def encode_under_ceiling(pcm: bytes, rate: int) -> bytes:
    """The chapter encoded, its decoded true peak under ``PUBLISHED_CEILING_DBTP`` (the
    encoder's low-pass and quantization raise the peaks of limited speech by up to 2.5 dB).

    The decoded chapter is checked a granule at a time. Where one is over, the granules it is
    made of (``GRANULE_REACH``) are made a step quieter in the frames themselves (their global
    gain, 1.5 dB: ``codec.quieter``), and checked again: a dip of a tenth of a second at a
    peak, where encoding the chapter again a little quieter took as long as its first encode
    and lowered all of it. The chapter is still encoded again a little quieter if a granule
    would go more than ``GAIN_ROUNDS`` steps down, or its gain is at 0.

    The decoded samples are checked as they are (16-bit, read in place) and the chapter lowered
    a block at a time: a chapter's worth of floats (four times its PCM) is never made.
    """
    frames = encode_mp3(pcm, rate)
    try:
        gains = granule_gains(frames)
    except ValueError as error:  # not frames whose gains can be changed in place
        logger.debug("the chapter's granules cannot be made quieter: %s", error)
        gains = []
    for _ in range(GAIN_ROUNDS if gains else 0):
        over = _granules_over(frames, rate)
        if not len(over):
            return frames
        logger.debug("chapter over the ceiling in %d granules; lowering them", len(over))
        granules = {g - back for g in over for back in range(GRANULE_REACH + 1) if g >= back}
        made = quieter(frames, gains, sorted(g for g in granules if g < len(gains)))
        if made is None:
            break
        frames = made
    for _ in range(3):
        peak = true_peak_over(_decoded(frames, rate), PUBLISHED_CEILING_DBTP, PCM16_FULL_SCALE)
        if peak is None:
            break
        logger.debug("chapter peaks at %.2f dBTP once encoded; lowering it", peak)
        pcm = scaled_pcm(pcm, 10 ** ((PUBLISHED_CEILING_DBTP - 0.05 - peak) / 20))
        frames = encode_mp3(pcm, rate)
    return frames


def _decoded(frames: bytes, rate: int) -> Pcm16:
    """What a player hears of ``frames``: 16-bit samples, read in place."""
    import numpy as np

    miniaudio = load_miniaudio()
    decoded = miniaudio.decode(
        frames, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
    )
    return np.frombuffer(decoded.samples, dtype=np.int16)


def _granules_over(frames: bytes, rate: int) -> list[int]:
    """The granules of decoded output whose true peak is over the published ceiling."""
    import numpy as np

    limit = 10 ** (PUBLISHED_CEILING_DBTP / 20)
    peaks = BlockPeaks(_decoded(frames, rate), GRANULE, PCM16_FULL_SCALE)
    return [int(g) for g in np.flatnonzero(peaks.resolved(peaks.bounds > limit) > limit)]
