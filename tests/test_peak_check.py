"""The published true-peak ceiling, once a chapter is encoded: where the decoded chapter is over
it, the granules that make that sound are made a step quieter in the MPEG frames themselves
(their global gain, as mp3gain does), not the chapter encoded again. Checked on the real
article's speech, made a little too loud, against the decoder (miniaudio), SciPy's 4×
resampler and pyloudnorm."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from polyedition.render.audio import mastering
from polyedition.render.audio.assemble import encode_under_ceiling
from polyedition.render.audio.codec import (
    GAIN_STEP_DB,
    GRANULE,
    GRANULE_REACH,
    decode_mp3,
    encode_mp3,
    granule_gains,
    quieter,
    resample,
)
from polyedition.render.audio.mastering import PUBLISHED_CEILING_DBTP, master
from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site
from polyedition.speech.registry import Engines
from projectkit import SLUG

RATE = 22050


def heard(frames: bytes, rate: int = RATE) -> NDArray[np.float64]:
    """What a player plays, as floats."""
    return np.array(decode_mp3(frames, rate), dtype=np.float64) / 32768


def true_peak_dbtp(samples: NDArray[np.float64]) -> float:
    """The true peak the plain way: SciPy's 4× polyphase resampler with BS.1770's kind of
    interpolator (not mastering's block-wise meter)."""
    from scipy.signal import resample_poly

    upsampled = resample_poly(samples, 4, 1, window=mastering._interpolator().astype(np.float64))
    return 20 * math.log10(float(np.max(np.abs(upsampled))))


def loudness(samples: NDArray[np.float64]) -> float:
    import pyloudnorm  # type: ignore[import-untyped]

    return float(pyloudnorm.Meter(RATE).integrated_loudness(samples))


@pytest.fixture(scope="module")
def too_loud(real_site: Site) -> bytes:
    """A chapter of the real Polish narration's first utterances, mastered, then raised so
    that its encoded true peak is over the published ceiling (by about a decibel: LAME's
    overshoot is not the same at another level)."""
    engines = Engines(voices_dir=real_site.settings.voices_dir)
    edition = real_site.edition(SLUG, "pl")
    pieces = []
    for utterance, spoken in spoken_script(real_site, edition, engines=engines)[:6]:
        choice = engines.choices(real_site.settings, utterance.lang)[0]
        said = choice.engine.synthesize(spoken.text, utterance.lang, choice.voice, choice.rate)
        assert said.sample_rate == RATE
        pieces += [master(said).pcm, bytes(2 * RATE // 2)]
    pcm = b"".join(pieces)
    over = PUBLISHED_CEILING_DBTP + 1.0 - true_peak_dbtp(heard(encode_mp3(pcm, RATE)))
    return mastering.scaled_pcm(pcm, 10 ** (over / 20))


@pytest.mark.parametrize("rate", [RATE, 44100], ids=["MPEG-2", "MPEG-1"])
def test_a_granule_a_step_quieter_is_heard_quieter_by_the_step_where_it_reaches(
    too_loud: bytes, rate: int
) -> None:
    """At 22.05 kHz a frame holds one granule (MPEG-2), at 44.1 kHz two (MPEG-1)."""
    frames = encode_mp3(resample(too_loud, RATE, rate), rate)
    gains = granule_gains(frames)
    before = heard(frames, rate)
    assert len(gains) * GRANULE == len(before)
    loudest = int(np.argmax(np.abs(before))) // GRANULE  # a granule of speech
    block = slice(loudest * GRANULE, (loudest + 1) * GRANULE)

    reaching = range(loudest - GRANULE_REACH, loudest + 1)
    lowered = quieter(frames, gains, reaching)
    assert lowered is not None and len(lowered) == len(frames)
    step = 10 ** (-GAIN_STEP_DB / 20)
    assert np.max(np.abs(heard(lowered, rate)[block] - step * before[block])) <= 1.5 / 32768

    others = [loudest - GRANULE_REACH - 1, loudest + 1]
    untouched = quieter(frames, gains, others)
    assert untouched is not None
    assert np.array_equal(heard(untouched, rate)[block], before[block])


def test_a_chapter_over_the_ceiling_once_encoded_is_brought_under_it_without_encoding_it_again(
    too_loud: bytes,
) -> None:
    plain = encode_mp3(too_loud, RATE)
    assert true_peak_dbtp(heard(plain)) > PUBLISHED_CEILING_DBTP

    checked = encode_under_ceiling(too_loud, RATE)

    assert true_peak_dbtp(heard(checked)) <= PUBLISHED_CEILING_DBTP
    # The same frames, but for some granules' global gains: LAME did not run again.
    gains = granule_gains(plain)
    assert len(checked) == len(plain)
    differing = np.flatnonzero(np.frombuffer(plain, np.uint8) != np.frombuffer(checked, np.uint8))
    gain_bytes = {at // 8 for at in gains} | {at // 8 + 1 for at in gains}
    changed = {int(at) for at in differing}
    assert changed and changed <= gain_bytes
    # A dip at a few peaks, not a quieter chapter.
    assert abs(loudness(heard(checked)) - loudness(heard(plain))) < 0.1
