"""The time-cues stage: where each utterance, sentence and chapter is heard in the MP3.

Each chapter's piece decodes to a whole number of frames with the encoder delay (measured) at
its start and padding at its end: every time is placed by the exact decoded length of the
pieces before it plus that delay.
"""

from __future__ import annotations

from dataclasses import dataclass

from polyedition.narration.script import Script, Utterance
from polyedition.narration.sentences import cue_id
from polyedition.render.audio.assemble import Slot
from polyedition.render.audio.id3 import ChapterMark
from polyedition.render.audio.speak import Spoken
from polyedition.render.audio.vtt import Cue


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one utterance sits in the MP3, in seconds of decoded audio."""

    utterance: Utterance
    start: float
    end: float
    """The end of its speech (its pause follows)."""
    engine: str


def origins(spoken: list[Spoken], slots: list[Slot], lengths: list[int], delay: int) -> list[int]:
    """The decoded sample at which each utterance's first sample is heard.

    A chapter's piece starts after the whole frames of the pieces before it (``lengths``:
    the samples each piece decodes to); within it, its PCM is heard ``delay`` samples late.
    """
    found = []
    piece = -1
    piece_start = pcm_start = 0
    for index, (item, slot) in enumerate(zip(spoken, slots, strict=True)):
        if not index or item.utterance.chapter != spoken[index - 1].utterance.chapter:
            if piece >= 0:
                piece_start += lengths[piece]
            piece += 1
            pcm_start = slot.start if index else 0
        found.append(piece_start + delay + slot.start - pcm_start)
    return found


def timed(
    spoken: list[Spoken], slots: list[Slot], starts: list[int], rate: int, lang: str
) -> tuple[list[Placed], list[Cue]]:
    """Each utterance's place and each sentence's cue, in seconds of the decoded MP3, from the
    decoded sample each utterance starts at (``origins``)."""
    placed = []
    cues = []
    for item, slot, origin in zip(spoken, slots, starts, strict=True):

        def seconds(sample: float, slot: Slot = slot, origin: int = origin) -> float:
            return (origin + slot.offset(sample)) / rate

        utterance = item.utterance
        start, end = seconds(0), seconds(item.timing.samples)
        placed.append(Placed(utterance, start, end, item.engine))
        times = [seconds(item.timing.sample_at(offset)) for offset, _ in item.sentences]
        ends = [*times[1:], end]
        for number, ((_, text), cue_start, cue_end) in enumerate(
            zip(item.sentences, times, ends, strict=True), start=1
        ):
            cues.append(
                Cue(
                    cue_id(utterance.id, number),
                    cue_start,
                    max(cue_end, cue_start + 0.001),
                    text,
                    utterance.lang if utterance.lang != lang else None,
                )
            )
    return placed, cues


def chapter_marks(script: Script, placed: list[Placed], duration: float) -> tuple[ChapterMark, ...]:
    """A chapter per section, from its first utterance to the next chapter (the first from 0)."""
    starts: dict[str, float] = {}
    for item in placed:
        starts.setdefault(item.utterance.chapter, item.start)
    present = [chapter for chapter in script.chapters if chapter.id in starts]
    millis = [0, *(round(starts[chapter.id] * 1000) for chapter in present[1:])]
    ends = [*millis[1:], round(duration * 1000)]
    return tuple(
        ChapterMark(chapter.id, chapter.title, start, end)
        for chapter, start, end in zip(present, millis, ends, strict=True)
    )
