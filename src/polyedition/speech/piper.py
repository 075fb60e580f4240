"""Piper: offline neural voices (ONNX models run by onnxruntime), one model loaded per process.

Each sentence is synthesized on its own, so every sentence start is an exact mark; within a
sentence times are interpolated. Piper samples noise inside the model (onnxruntime offers no
per-run seed), so the same text gives slightly different PCM from run to run: a build is
reproducible through the segment cache, which keys each synthesis by the voice file's digest.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from polyedition.errors import SpeechError
from polyedition.speech.base import Synthesis, Voice, said_by_sentence
from polyedition.speech.piper_voices import VoiceFile, find_voices

if TYPE_CHECKING:
    from piper import PiperVoice

logger = logging.getLogger(__name__)

VOLUME = 0.89
"""Each sentence is scaled to this peak (about -1 dBFS), leaving headroom for the MP3 encoder."""
SENTENCE_GAP = 0.2
"""Seconds of silence between two sentences of one segment (the model trims its own)."""
NATURAL_WPM = 150
"""Words per minute of Piper's joe voice at its own length scale, sentence gaps included
(measured on the English article); a configured ``rate`` scales the voice's length scale."""
_QUALITY_ORDER = {"x_low": 0, "low": 1, "medium": 2, "high": 3}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Loaded:
    voice: PiperVoice
    length_scale: float


@cache
def _load(model: Path, config: Path) -> _Loaded:
    """The model in onnxruntime, once per process and file (about 0.3 s for a medium voice)."""
    from piper import PiperVoice

    for path in (model, config):
        if not path.is_file():
            raise SpeechError("Piper voice file is missing", path=path)
    try:
        voice = PiperVoice.load(model, config_path=config)
    except Exception as exc:  # onnxruntime raises its own RuntimeError subclasses
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpeechError(
            f"Piper cannot load the voice: {first_line}",
            path=model,
            hint="the file is damaged or not a Piper model: copy it again",
        ) from exc
    return _Loaded(voice, float(voice.config.length_scale))


@cache
def file_digest(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file, remembered per size and modification time (a model is ~60 MB)."""
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def voice_digest(voice: VoiceFile) -> str:
    parts = []
    for path in (voice.model, voice.config):
        try:
            stat = path.stat()
        except OSError as exc:
            raise SpeechError("Piper voice file is missing", path=path) from exc
        parts.append(file_digest(path, stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256("".join(parts).encode()).hexdigest()[:16]


class PiperEngine:
    """Piper voices from packages and the voices folder; sentence marks."""

    name = "piper"
    reproducible = False  # the model samples noise: each synthesis differs
    accepts_phonemes = False
    """Piper reads ``[[…]]`` as IPA, not eSpeak mnemonics: lexicon phoneme entries don't apply."""

    def __init__(self, voices_dir: Path | None = None) -> None:
        self.voices_dir = voices_dir

    def found(self, lang: str | None = None) -> tuple[VoiceFile, ...]:
        """The voices for ``lang`` (all when None): publishable first, then best quality."""
        voices = [v for v in find_voices(self.voices_dir) if lang is None or v.lang == lang]
        voices.sort(
            key=lambda v: (
                not v.licence.publishable,
                -_QUALITY_ORDER.get(v.quality, 0),
                v.name,
            )
        )
        return tuple(voices)

    def version(self) -> str:
        return (
            f"piper-tts {_version('piper-tts')} (onnxruntime {_version('onnxruntime')}), "
            f"volume {VOLUME}, sentence gap {SENTENCE_GAP}, {NATURAL_WPM} wpm"
        )

    def languages(self) -> frozenset[str]:
        return frozenset(voice.lang for voice in self.found())

    def voices(self, lang: str) -> tuple[Voice, ...]:
        return tuple(
            Voice(
                voice.name,
                lang,
                f"{voice.locale}, {voice.quality}",
                quality=voice.quality,
                sample_rate=voice.sample_rate,
                source=voice.origin,
                licence=voice.licence.summary,
            )
            for voice in self.found(lang)
        )

    def voice_id(self, lang: str, voice: str) -> str:
        return f"{voice} sha256:{voice_digest(self._voice(lang, voice))}"

    def _voice(self, lang: str, name: str) -> VoiceFile:
        for voice in self.found(lang):
            if voice.name.lower() == name.lower():
                return voice
        raise SpeechError(
            f"no Piper voice {name!r} is installed",
            lang=lang,
            hint="run 'polyedition voices' to list the voices",
        )

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        from piper import SynthesisConfig

        found = self._voice(lang, voice)
        loaded = _load(found.model, found.config)
        config = SynthesisConfig(
            length_scale=loaded.length_scale * NATURAL_WPM / rate if rate else None,
            volume=VOLUME,
        )

        def say(sentence: str) -> Iterator[bytes]:
            # One onnxruntime session per voice; its runs are not thread-safe with Piper's
            # shared phonemizer, so one synthesis at a time.
            with _LOCK:
                chunks = [
                    chunk.audio_int16_bytes for chunk in loaded.voice.synthesize(sentence, config)
                ]
            yield from chunks

        gap = bytes(2 * round(SENTENCE_GAP * found.sample_rate))
        return said_by_sentence(text, found.sample_rate, gap, say)


@cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"
