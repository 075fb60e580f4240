"""gTTS: Google Translate's speech endpoint, for machines with a network (no Belarusian).

gTTS itself prepares the requests (its tokenizer cuts text into chunks of at most 100
characters); this module sends them, with a throttle, a timeout, retries with backoff on 429
and 5xx, and an error that names the language when the endpoint cannot be reached. It never
writes a file: a failed text leaves nothing behind.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from polyedition.errors import SpeechError
from polyedition.languages import PROFILES, profile
from polyedition.speech.base import (
    LICENCE_UNKNOWN,
    EngineUnavailable,
    Synthesis,
    Voice,
    said_by_sentence,
)

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

ENDPOINT = "https://translate.google.{tld}/_/TranslateWebserverUi/data/batchexecute"
SAMPLE_RATE = 24000
"""The endpoint's MP3s are 24 kHz mono; they are decoded at that rate."""
SLOW_BELOW_WPM = 130
"""The endpoint has two speeds: a configured rate below this many words per minute is 'slow'."""
CHUNK_GAP = 0.12
SENTENCE_GAP = 0.3
SILENCE_LEVEL = 64
"""Samples quieter than this (of 32767) at the ends of a chunk are trimmed as silence."""

_AUDIO = re.compile(r'jQ1olc","\[\\"(.*?)\\"]')
_ACCENTS = {
    "en": (
        ("com", "English (United States)"),
        ("co.uk", "English (United Kingdom)"),
        ("com.au", "English (Australia)"),
        ("ca", "English (Canada)"),
        ("co.in", "English (India)"),
        ("ie", "English (Ireland)"),
        ("co.za", "English (South Africa)"),
    ),
}
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class GttsOptions:
    """How the engine talks to the endpoint; tests point ``endpoint`` at a local stand-in."""

    endpoint: str = ENDPOINT
    """URL template; ``{tld}`` takes the voice (the Google domain that gives the accent)."""
    timeout: float = 10.0
    """Seconds to connect, and seconds of silence from the server, before a try fails."""
    attempts: int = 4
    """Tries per request before giving up (429, 5xx, timeouts and connection errors retry)."""
    backoff: float = 2.0
    """Seconds before the second try, doubled for each further one (or the server's
    Retry-After, up to ``max_backoff``)."""
    max_backoff: float = 60.0
    interval: float = 0.3
    """The throttle: at least this many seconds between two requests."""


class GttsEngine:
    """gTTS voices for en, ru, pl and lt; sentence marks only (the endpoint gives no events)."""

    name = "gtts"
    reproducible = False  # a server's answer, over the network
    accepts_phonemes = False

    def __init__(
        self,
        options: GttsOptions | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or GttsOptions()
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self._session: requests.Session | None = None

    def version(self) -> str:
        return f"gTTS {metadata.version('gTTS')}"

    def languages(self) -> frozenset[str]:
        return frozenset(code for code, lang in PROFILES.items() if lang.gtts_lang is not None)

    def voices(self, lang: str) -> tuple[Voice, ...]:
        if lang not in self.languages():
            return ()
        accents = _ACCENTS.get(lang, (("com", profile(lang).english_name),))
        return tuple(
            Voice(
                tld,
                lang,
                description,
                quality="online",
                sample_rate=SAMPLE_RATE,
                source=f"translate.google.{tld}",
                licence=f"{LICENCE_UNKNOWN}: Google's terms of service govern the audio",
            )
            for tld, description in accents
        )

    def voice_id(self, lang: str, voice: str) -> str:
        return voice

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        gtts_lang = profile(lang).gtts_lang
        if gtts_lang is None:
            raise SpeechError(
                f"gTTS has no {profile(lang).english_name} voice",
                lang=lang,
                hint=f"use engines = ['espeak'] in [tool.polyedition.narration.{lang}]",
            )
        slow = rate is not None and rate < SLOW_BELOW_WPM

        def say(sentence: str) -> Iterator[bytes]:
            for number, body in enumerate(_bodies(sentence, gtts_lang, slow)):
                if number:
                    yield _silence(CHUNK_GAP).tobytes()
                yield _trim(_decode(self._post(body, voice, lang), lang)).tobytes()

        return said_by_sentence(text, SAMPLE_RATE, _silence(SENTENCE_GAP).tobytes(), say)

    def _post(self, body: str, voice: str, lang: str) -> bytes:
        """One chunk's MP3, with throttle and retries; EngineUnavailable when all tries fail."""
        import requests

        url = self.options.endpoint.format(tld=voice)
        if self._session is None:
            self._session = requests.Session()
        problem = ""
        for attempt in range(1, self.options.attempts + 1):
            self._throttle()
            try:
                response = self._session.post(
                    url,
                    data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                    timeout=self.options.timeout,
                )
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}: {exc}"
                wait = self._backoff(attempt, None)
            else:
                if response.status_code == 200:
                    return _audio(response.text, lang)
                problem = f"HTTP {response.status_code} {response.reason}"
                if response.status_code not in _RETRY_STATUS:
                    break
                wait = self._backoff(attempt, response.headers.get("Retry-After"))
            logger.debug("gTTS try %d of %d failed: %s", attempt, self.options.attempts, problem)
            if attempt < self.options.attempts:
                self._sleep(wait)
        raise EngineUnavailable(
            f"the gTTS endpoint failed after {attempt} tries ({problem})",
            lang=lang,
            hint="gTTS needs a network; list 'espeak' after 'gtts' in "
            f"[tool.polyedition.narration.{lang}] engines to fall back to offline speech",
        )

    def _throttle(self) -> None:
        if self._last_request is not None:
            wait = self._last_request + self.options.interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request = self._clock()

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wait: float = self.options.backoff * 2.0 ** (attempt - 1)
        if retry_after is not None and retry_after.strip().isdigit():
            wait = float(retry_after)
        return min(wait, self.options.max_backoff)


def _bodies(sentence: str, gtts_lang: str, slow: bool) -> list[str]:
    """gTTS's request bodies for one sentence (its tokenizer, its 100-character chunks)."""
    from gtts import gTTS  # type: ignore[import-untyped]

    tts = gTTS(sentence, lang=gtts_lang, slow=slow, lang_check=False)
    bodies: list[str] = tts.get_bodies()
    return bodies


def _audio(response: str, lang: str) -> bytes:
    """The MP3 in a batchexecute response (base64 inside JSON inside a length-prefixed stream)."""
    chunks = [base64.b64decode(match.group(1)) for match in _AUDIO.finditer(response)]
    if not chunks or not all(chunks):
        raise SpeechError(
            "the gTTS endpoint answered without audio",
            lang=lang,
            hint="the endpoint's format may have changed: upgrade gTTS, or use espeak",
        )
    return b"".join(chunks)


def _decode(mp3: bytes, lang: str) -> array[int]:
    import miniaudio  # type: ignore[import-untyped]

    try:
        decoded = miniaudio.decode(
            mp3,
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=SAMPLE_RATE,
        )
    except miniaudio.DecodeError as exc:
        raise SpeechError(
            f"the gTTS endpoint sent audio that is not MP3: {exc}", lang=lang
        ) from exc
    samples: array[int] = decoded.samples
    return samples


def _trim(samples: array[int]) -> array[int]:
    """Cut the silence (and the MP3 encoder's delay) from both ends of a chunk."""
    first = next((i for i, value in enumerate(samples) if abs(value) > SILENCE_LEVEL), None)
    if first is None:
        return array("h")
    last = next(i for i in reversed(range(len(samples))) if abs(samples[i]) > SILENCE_LEVEL)
    return samples[first : last + 1]


def _silence(seconds: float) -> array[int]:
    return array("h", bytes(2 * round(seconds * SAMPLE_RATE)))
