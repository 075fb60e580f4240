"""The time-cues stage: where each utterance, sentence and chapter is heard in the MP3.

Each chapter's piece decodes to a whole number of frames with the encoder delay (measured) at
its start and padding at its end: every time is placed by the exact decoded length of the
pieces before it plus that delay. A chapter job finds where each of its utterances is heard
within its piece (``heard``); the MP3 job, which knows the pieces' lengths, places them
(``timed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from polyedition.narration.script import Script, Utterance
from polyedition.narration.sentences import cue_id, written_sentences
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


@dataclass(frozen=True, slots=True)
class Heard:
    """Where one utterance is heard within its chapter's piece: what the MP3 needs of it to
    place its cues once the pieces before its chapter are known."""

    engine: str
    origin: int
    """The decoded sample of the piece at which its first sample is heard (encoder delay
    included)."""
    offsets: tuple[float, ...]
    """Joined-rate samples from ``origin`` to its start of speech, its end of speech, and each
    of its sentences' start."""
    sentences: tuple[str, ...]
    """Each sentence's text as written."""


def heard(spoken: list[Spoken], slots: list[Slot], delay: int, *, opening: bool) -> list[Heard]:
    """Where each utterance of one chapter is heard in its piece, whose PCM starts at its first
    utterance's speech (at 0 for the ``opening`` chapter) and is heard ``delay`` samples late."""
    pcm_start = 0 if opening else slots[0].start
    found = []
    for item, slot in zip(spoken, slots, strict=True):
        samples = [0, item.timing.samples]
        samples += [item.timing.sample_at(offset) for offset, _ in item.sentences]
        utterance = item.utterance
        texts = tuple(text for _, text in item.sentences)
        if utterance.written:  # the captions show what the page shows
            texts = written_sentences(utterance.written, utterance.text, texts)
        found.append(
            Heard(
                item.engine,
                delay + slot.start - pcm_start,
                tuple(slot.offset(sample) for sample in samples),
                texts,
            )
        )
    return found


def timed(
    utterances: Sequence[Utterance],
    heard: Sequence[Heard],
    piece_starts: Sequence[int],
    rate: int,
    lang: str,
) -> tuple[list[Placed], list[Cue]]:
    """Each utterance's place and each sentence's cue, in seconds of the decoded MP3: its
    chapter's piece starts after the whole frames of the pieces before it (``piece_starts``:
    the decoded sample it starts at, for each utterance)."""
    placed = []
    cues = []
    for utterance, item, piece_start in zip(utterances, heard, piece_starts, strict=True):
        origin = piece_start + item.origin
        start, end, *times = ((origin + offset) / rate for offset in item.offsets)
        placed.append(Placed(utterance, start, end, item.engine))
        ends = [*times[1:], end]
        for number, (text, cue_start, cue_end) in enumerate(
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
