"""The engine protocol: text in one language becomes mono 16-bit PCM plus timing marks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from polyedition.errors import SpeechError
from polyedition.speech.text import sentence_starts

logger = logging.getLogger(__name__)

SAMPLE_WIDTH = 2
"""Bytes per sample: every engine delivers signed 16-bit little-endian mono PCM."""
LICENCE_UNKNOWN = "unknown — check before publishing"
"""What ``polyedition voices`` says of a voice whose licence nobody has stated."""


@dataclass(frozen=True, slots=True)
class Mark:
    """The moment the engine starts speaking the text at ``offset`` (a character index)."""

    offset: int
    sample: int


@dataclass(frozen=True, slots=True)
class Timing:
    """When a synthesis says what: its rate, its marks and its length, without its PCM."""

    sample_rate: int
    marks: tuple[Mark, ...]
    text_length: int
    samples: int

    def sample_at(self, offset: int) -> int:
        """The sample where speech of the text at ``offset`` starts.

        A mark at ``offset`` is exact; otherwise the time is interpolated by character position
        between the surrounding marks (the end of the text being the end of the audio).
        """
        before = Mark(0, 0)
        after = Mark(self.text_length, self.samples)
        for mark in self.marks:
            if mark.offset == offset:
                return mark.sample
            if mark.offset < offset:
                before = mark
            else:
                after = mark
                break
        if after.offset <= before.offset:
            return before.sample
        share = (offset - before.offset) / (after.offset - before.offset)
        return before.sample + round(share * (after.sample - before.sample))


@dataclass(frozen=True, slots=True)
class Synthesis:
    """What an engine made of one text: PCM, its sample rate, and marks in text order.

    ``marks`` are sorted by offset and by sample; they cover at least offset 0. Between two
    marks, or after the last one, a text position's time is interpolated (``sample_at``).
    """

    pcm: bytes
    sample_rate: int
    marks: tuple[Mark, ...]
    text_length: int

    @property
    def samples(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    @property
    def timing(self) -> Timing:
        return Timing(self.sample_rate, self.marks, self.text_length, self.samples)

    def sample_at(self, offset: int) -> int:
        """The sample where speech of the text at ``offset`` starts (see ``Timing``)."""
        return self.timing.sample_at(offset)


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice an engine offers for a language; ``name`` is what ``voice = …`` takes."""

    name: str
    lang: str
    description: str
    quality: str = ""
    """How it is made, as ``polyedition voices`` shows it (``formant``, a Piper quality)."""
    sample_rate: int | None = None
    source: str = ""
    """Where it comes from: a package and its version, or a folder."""
    licence: str = ""
    """Its licence as its model card states it, and whether that clears it for publishing."""


class EngineUnavailable(SpeechError):
    """The engine cannot be used right now (no network, endpoint refusing): try the next one."""


class Engine(Protocol):
    """A speech engine. Implementations load heavy libraries lazily, on first synthesis."""

    name: str
    accepts_phonemes: bool
    """True when ``[[…]]`` in the text is read as the engine's phoneme notation (eSpeak)."""
    reproducible: bool
    """True when saying a text again is cheap and gives the same PCM, byte for byte (eSpeak):
    the speech cache then keeps its timing, not its audio, and a chapter encoded again says
    it again. False for an engine that samples noise (Piper) or asks a server (gTTS)."""

    def version(self) -> str:
        """Identifies the engine's output: a new version invalidates cached speech."""
        ...

    def languages(self) -> frozenset[str]:
        """The polyedition language codes the engine can speak."""
        ...

    def voices(self, lang: str) -> tuple[Voice, ...]:
        """The voices offered for ``lang``, the default first."""
        ...

    def voice_id(self, lang: str, voice: str) -> str:
        """Identifies the voice's output in the speech cache (a model file's digest, say)."""
        ...

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        """Speak ``text`` (plain text, one or more sentences) in ``lang`` with ``voice``.

        ``rate`` is words per minute, None for the engine's default. Raises SpeechError, or
        EngineUnavailable when another engine should be tried.
        """
        ...


def said_by_sentence(
    text: str, sample_rate: int, gap: bytes, say: Callable[[str], Iterable[bytes]]
) -> Synthesis:
    """``text`` said one sentence at a time by ``say`` (the PCM chunks of one sentence), with
    ``gap`` (PCM silence) between sentences and a mark where each sentence starts: how the
    engines without marks of their own (Piper, gTTS) time what they say."""
    starts = sentence_starts(text)
    ends = [*starts[1:], len(text)]
    pcm = bytearray()
    marks: list[Mark] = []
    for start, end in zip(starts, ends, strict=True):
        sentence = text[start:end].strip()
        if not sentence:
            continue
        if pcm:
            pcm += gap
        marks.append(Mark(start, len(pcm) // SAMPLE_WIDTH))
        for chunk in say(sentence):
            pcm += chunk
    return Synthesis(bytes(pcm), sample_rate, tuple(marks), len(text))
