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
from dataclasses import dataclass

from polyedition.cache import ChapterRecipe, SpeechCache, content_key
from polyedition.render.audio.codec import (
    BITRATE_KBPS,
    LAME_QUALITY,
    encode_mp3,
    lameenc_version,
    load_miniaudio,
)
from polyedition.render.audio.mastering import (
    PUBLISHED_CEILING_DBTP,
    PacedInfo,
    pcm_of,
    samples_of,
    true_peak_dbtp,
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


def chapter_spans(spoken: list[Spoken]) -> list[tuple[int, int]]:
    """The utterances of each chapter, as ranges of their indexes."""
    firsts = [
        index
        for index, item in enumerate(spoken)
        if not index or item.utterance.chapter != spoken[index - 1].utterance.chapter
    ]
    return list(zip(firsts, [*firsts[1:], len(spoken)], strict=True))


def encode_chapters(
    spoken: list[Spoken],
    layouts: Layouts,
    silences: list[int],
    cache: SpeechCache,
    counts: EncodeCounts,
) -> list[bytes] | StaleLayout:
    """Each chapter's MPEG frames, in order; or the first stale layout met, if any."""
    pieces = []
    for span in chapter_spans(spoken):
        piece = encode_chapter(span, layouts, silences, cache=cache, counts=counts)
        if isinstance(piece, StaleLayout):
            return piece
        pieces.append(piece)
    return pieces


def chapter_key(
    span: tuple[int, int], items: list[Layout], silences: list[int], rate: int
) -> tuple[str, int, tuple[str, int] | None]:
    """The key of the chapter ``span`` in the cache; the samples of its first utterance's
    lead it skips; the digest and length of the next utterance's lead it ends with."""
    first, end = span
    skip = items[first].info.lead if first else 0
    tail = (items[end].lead_digest, items[end].info.lead) if end < len(items) else None
    key = content_key(
        ChapterRecipe(
            utterances=tuple((items[i].key, silences[i]) for i in range(first, end)),
            skip=skip,
            tail=tail,
            sample_rate=rate,
            bitrate=BITRATE_KBPS,
            quality=LAME_QUALITY,
            encoder=f"lameenc {lameenc_version()}, under {PUBLISHED_CEILING_DBTP} dBTP",
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
) -> bytes | StaleLayout:
    """One chapter's MPEG frames, from the cache or encoded on their own."""
    first, end = span
    key, skip, tail = chapter_key(span, layouts.items, silences, layouts.rate)
    frames = cache.chapter(key)
    if frames is not None:
        counts.reused += 1
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
    layouts.release(range(first, end))
    frames = encode_under_ceiling(b"".join(parts), layouts.rate)
    cache.put_chapter(key, frames)
    counts.encoded += 1
    return frames


def encode_under_ceiling(pcm: bytes, rate: int) -> bytes:
    """The chapter encoded, and encoded again a little quieter while its decoded true peak is
    over ``PUBLISHED_CEILING_DBTP`` (the encoder's low-pass and quantization raise the peaks
    of limited speech by up to 2.5 dB; this takes back a few tenths of a decibel at most)."""
    frames = encode_mp3(pcm, rate)
    miniaudio = load_miniaudio()
    for _ in range(3):
        decoded = miniaudio.decode(
            frames, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
        )
        peak = true_peak_dbtp(samples_of(bytes(decoded.samples)))
        if peak <= PUBLISHED_CEILING_DBTP:
            break
        logger.debug("chapter peaks at %.2f dBTP once encoded; lowering it", peak)
        pcm = pcm_of(samples_of(pcm) * 10 ** ((PUBLISHED_CEILING_DBTP - 0.05 - peak) / 20))
        frames = encode_mp3(pcm, rate)
    return frames
