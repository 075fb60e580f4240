"""Every real edition's narration, decoded and checked without listening: level, peaks, pauses."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from polyedition.cache import SpeechCache
from polyedition.render.audio import Narration, narrate
from polyedition.render.audio.mastering import PUBLISHED_CEILING_DBTP, true_peak_dbtp
from polyedition.site import Site
from projectkit import SLUG, warm_speech_cache

pytestmark = pytest.mark.slow

SPEECH_FLOOR = 32768 * 10 ** (-45 / 20)
"""RMS of a 5 ms frame that counts as sound (−45 dBFS: speech at −16 LUFS is 25 dB above)."""
SECONDS_PER_LETTER = 0.040
"""The least speech a letter can take: 25 letters a second is about 300 words a minute, faster
than any newsreader (150–180) or eSpeak's default (175); a segment quicker than that has lost
words."""


@dataclass(frozen=True)
class Heard:
    narration: Narration
    samples: NDArray[np.float64]
    """The decoded MP3 as a player hears it, as 16-bit values."""

    def window(self, start: float, end: float) -> NDArray[np.float64]:
        rate = self.narration.sample_rate
        return self.samples[max(0, round(start * rate)) : max(0, round(end * rate))]


@pytest.fixture(scope="module")
def heard(real_site: Site) -> dict[str, Heard]:
    """The five narrations of the real article (from the session's speech cache), decoded."""
    import miniaudio  # type: ignore[import-untyped]

    cache = SpeechCache(warm_speech_cache())
    editions = {}
    for lang in real_site.settings.languages:
        narration = narrate(real_site, real_site.edition(SLUG, lang), cache)
        decoded = miniaudio.decode(
            narration.mp3,
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=narration.sample_rate,
        )
        samples = np.frombuffer(bytes(decoded.samples), dtype="<i2").astype(np.float64)
        editions[lang] = Heard(narration, samples)
    return editions


def rms(samples: NDArray[np.float64]) -> float:
    return math.sqrt(float(np.mean(samples * samples))) if len(samples) else 0.0


def sounding_frames(samples: NDArray[np.float64], rate: int) -> NDArray[np.bool_]:
    size = round(0.005 * rate)
    frames = samples[: len(samples) // size * size].reshape(-1, size)
    return np.asarray(np.sqrt(np.mean(frames * frames, axis=1)) > SPEECH_FLOOR)


LANGS = ("en", "be", "ru", "pl", "lt")


@pytest.mark.parametrize("lang", LANGS)
def test_each_edition_is_at_minus_16_lufs(heard: dict[str, Heard], lang: str) -> None:
    """Integrated loudness (ITU-R BS.1770-4, pyloudnorm) of the decoded MP3: −16 ±1 LUFS as
    podcast apps ask, and in fact within 0.25 LU (no chapter encoded again quieter pulls an
    edition down)."""
    import pyloudnorm  # type: ignore[import-untyped]

    edition = heard[lang]
    meter = pyloudnorm.Meter(edition.narration.sample_rate)
    assert meter.integrated_loudness(edition.samples / 32768) == pytest.approx(-16.0, abs=0.25)


def test_editions_are_equally_loud(heard: dict[str, Heard]) -> None:
    """A listener switching language does not touch the volume: within 0.5 LU of each other."""
    import pyloudnorm

    levels = [
        pyloudnorm.Meter(h.narration.sample_rate).integrated_loudness(h.samples / 32768)
        for h in heard.values()
    ]
    assert max(levels) - min(levels) < 0.5


@pytest.mark.parametrize("lang", LANGS)
def test_true_peak_is_at_most_minus_1_dbtp(heard: dict[str, Heard], lang: str) -> None:
    """The decoded MP3 upsampled 4× (scipy's polyphase resampler) peaks at −1 dBTP or lower."""
    from scipy.signal import resample_poly

    peak = float(np.max(np.abs(resample_poly(heard[lang].samples / 32768, 4, 1))))
    assert 20 * math.log10(peak) <= -1.0


@pytest.mark.parametrize("lang", LANGS)
def test_true_peak_by_masterings_own_meter_is_under_the_published_ceiling(
    heard: dict[str, Heard], lang: str
) -> None:
    """What each chapter's check after its encode promised, on the whole decoded MP3:
    ``PUBLISHED_CEILING_DBTP`` (−1.2 dBTP) by mastering's own 4× interpolator."""
    assert true_peak_dbtp(heard[lang].samples / 32768) <= PUBLISHED_CEILING_DBTP


@pytest.mark.parametrize("lang", LANGS)
def test_no_chapter_is_silent(heard: dict[str, Heard], lang: str) -> None:
    edition = heard[lang]
    for chapter in edition.narration.chapters:
        level = rms(edition.window(chapter.start_ms / 1000, chapter.end_ms / 1000))
        assert 20 * math.log10(max(level, 1) / 32768) > -30, chapter.id


@pytest.mark.parametrize("lang", LANGS)
def test_no_segment_is_shorter_than_its_text_allows(heard: dict[str, Heard], lang: str) -> None:
    for item in heard[lang].narration.placed:
        letters = sum(character.isalpha() for character in item.utterance.text)
        assert item.end - item.start >= letters * SECONDS_PER_LETTER, item.utterance.id


@pytest.mark.parametrize("lang", LANGS)
def test_a_long_paragraph_ends_on_its_last_word(heard: dict[str, Heard], lang: str) -> None:
    """Sound in the last 300 ms before each long paragraph's pause: trimming or a cut-off
    synthesis would leave silence there."""
    edition = heard[lang]
    long = [item for item in edition.narration.placed if len(item.utterance.text) >= 200]
    assert len(long) >= 10
    for item in long:
        tail = edition.window(item.end - 0.3, item.end)
        assert sounding_frames(tail, edition.narration.sample_rate).any(), item.utterance.id
        assert rms(tail) > SPEECH_FLOOR, item.utterance.id


@pytest.mark.parametrize("lang", LANGS)
def test_pauses_at_seams_are_the_configured_length(heard: dict[str, Heard], lang: str) -> None:
    """From the last sound of one utterance to the first of the next, measured on the decoded
    MP3 in 5 ms frames: the configured pause ±20 ms, whatever the engine's own silences."""
    edition = heard[lang]
    rate = edition.narration.sample_rate
    errors = []
    for item, following in itertools.pairwise(edition.narration.placed):
        if item.utterance.chapter != following.utterance.chapter:
            continue  # a chapter's encode pads its last frame: its seam is longer by design
        start, end = item.end - 0.2, following.start + 0.2
        frames = sounding_frames(edition.window(start, end), rate)
        runs = _merged(_silent_runs(frames))
        assert runs, f"no pause after {item.utterance.id}"
        first, last = max(runs, key=lambda run: run[1] - run[0])
        errors.append((last - first) * 0.005 - item.utterance.pause)
    assert errors
    assert max(map(abs, errors)) <= 0.020 + 1e-9  # four 5 ms frames


def _merged(runs: list[tuple[int, int]], blip: int = 2) -> list[tuple[int, int]]:
    """Silent runs parted by at most ``blip`` sounding frames (10 ms) are one pause: the decaying
    tail of a last fricative flickers around the floor, it is not a word."""
    merged: list[tuple[int, int]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] <= blip:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _silent_runs(frames: NDArray[np.bool_]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, sounding in enumerate([*frames.tolist(), True]):
        if not sounding and start is None:
            start = index
        elif sounding and start is not None:
            runs.append((start, index))
            start = None
    return runs
