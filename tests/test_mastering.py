"""Mastering's arithmetic against what it stands in for: pyloudnorm's K-weighting and SciPy's
filtering of it, SciPy's interpolator and its 4× resampler for true peaks, and the whole signal
oversampled where only blocks near a limit are; on random signals and on real eSpeak utterances
of the article. (Mastering itself imports neither SciPy nor pyloudnorm: see test_imports.)"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from polyedition.render.audio import mastering
from polyedition.render.audio.mastering import (
    CEILING_DBTP,
    CHECK_BLOCK,
    UTTERANCE_LUFS,
    BlockPeaks,
    gated_loudness,
    k_response,
    k_weighted,
    k_weighting,
    master,
    peak_bounds,
    samples_of,
    speech_bounds,
    true_peak_dbtp,
    true_peak_over,
)
from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site
from polyedition.speech.base import Synthesis
from polyedition.speech.registry import Engines
from projectkit import SLUG

Samples = NDArray[np.float64]
RATE = 22050
BLOCK = round(mastering.LIMITER_BLOCK * RATE)


def random_signals() -> dict[str, Samples]:
    """Signals that test a peak bound: noise, a tone near Nyquist (whose peaks fall between
    samples), full-scale alternating signs (the interpolator's worst case), speech-like bursts
    between silences, and audio shorter than a block."""
    rng = np.random.default_rng(2026)
    seconds = np.arange(RATE) / RATE
    bursts = rng.standard_normal(3 * RATE) * np.repeat(rng.uniform(0, 0.4, 30) ** 2, RATE // 10)
    return {
        "noise": 0.25 * rng.standard_normal(RATE).clip(-4, 4),
        "tone near Nyquist": 0.9 * np.sin(2 * np.pi * 0.45 * RATE * seconds + 0.3),
        "alternating": 0.99 * np.resize([1.0, -1.0, -1.0, 1.0], RATE // 2),
        "bursts": bursts.clip(-1, 1),
        "short": 0.5 * rng.standard_normal(BLOCK // 3),
    }


@pytest.fixture(scope="module")
def utterances(real_site: Site) -> list[Synthesis]:
    """The first five utterances of each edition, as eSpeak says them (not mastered)."""
    engines = Engines(voices_dir=real_site.settings.voices_dir)
    made = []
    for lang in real_site.settings.languages:
        edition = real_site.edition(SLUG, lang)
        for utterance, spoken in spoken_script(real_site, edition, engines=engines)[:5]:
            choice = engines.choices(real_site.settings, utterance.lang)[0]
            made.append(
                choice.engine.synthesize(spoken.text, utterance.lang, choice.voice, choice.rate)
            )
    return made


def oversampled_block_peaks(samples: Samples, block: int) -> Samples:
    """Each block's true peak the plain way: the whole signal upsampled 4× by scipy."""
    from scipy.signal import resample_poly

    upsampled = np.abs(
        resample_poly(samples.astype(np.float32), 4, 1, window=mastering._interpolator())
    )
    return np.asarray(mastering._blocks(upsampled, 4 * block).max(axis=1), dtype=np.float64)


@pytest.fixture(scope="module")
def cases(utterances: list[Synthesis]) -> list[tuple[Samples, Samples]]:
    """Random signals and real utterances, each with its blocks' true peaks."""
    every = [*random_signals().values(), *(samples_of(made.pcm) for made in utterances)]
    return [(samples, oversampled_block_peaks(samples, BLOCK)) for samples in every]


def test_block_peaks_are_those_of_the_whole_signal_oversampled(
    cases: list[tuple[Samples, Samples]],
) -> None:
    for samples, truth in cases:
        peaks = BlockPeaks(samples, BLOCK)
        exact = peaks.resolved(np.ones(len(peaks.bounds), dtype=np.bool_))
        assert exact == pytest.approx(truth, abs=1e-6)


def test_the_peak_bound_is_never_under_a_blocks_true_peak(
    cases: list[tuple[Samples, Samples]],
) -> None:
    for samples, truth in cases:
        assert np.all(peak_bounds(samples, BLOCK) >= truth)


@pytest.mark.parametrize("limit_dbtp", [-12.0, -6.0, CEILING_DBTP, -1.2, 0.0])
def test_blocks_left_to_their_bound_are_under_the_limit(
    cases: list[tuple[Samples, Samples]], limit_dbtp: float
) -> None:
    """Oversampling only the blocks whose bound reaches a limit finds every block over it,
    with its true peak; the others, never oversampled, are truly under the limit."""
    limit = 10 ** (limit_dbtp / 20)
    skipped = 0
    for samples, truth in cases:
        peaks = BlockPeaks(samples, BLOCK)
        asked = peaks.bounds > limit
        values = peaks.resolved(asked)
        assert np.all(truth[~asked] <= limit)
        assert values[asked] == pytest.approx(truth[asked], abs=1e-6)
        skipped += int(np.sum(~asked))
    assert skipped  # the bound spares some blocks at every limit


@pytest.mark.parametrize("ceiling_dbtp", [-9.0, -3.0, -1.2, 1.0])
def test_a_signal_is_over_a_ceiling_when_its_true_peak_is(
    cases: list[tuple[Samples, Samples]], ceiling_dbtp: float
) -> None:
    for samples, _ in cases:
        peak = true_peak_dbtp(samples)
        over = true_peak_over(samples, ceiling_dbtp)
        assert over == (pytest.approx(peak, abs=1e-4) if peak > ceiling_dbtp else None)


def test_true_peak_of_a_long_signal_is_the_whole_signal_oversampled() -> None:
    samples = random_signals()["bursts"]
    assert 10 ** (true_peak_dbtp(samples) / 20) == pytest.approx(
        oversampled_block_peaks(samples, len(samples)).max(), abs=1e-6
    )
    assert len(samples) > 10 * CHECK_BLOCK


RATES = [16000, 22050, 24000, 44100, 48000]
"""eSpeak NG's, Piper's and gTTS's rates, and the two of music."""


@pytest.mark.parametrize("rate", RATES)
def test_k_weighting_is_designed_as_pyloudnorms_meter_designs_it(rate: int) -> None:
    import pyloudnorm  # type: ignore[import-untyped]

    stages = pyloudnorm.Meter(rate)._filters
    expected = [[*stages[name].b, *stages[name].a] for name in ("high_shelf", "high_pass")]
    assert np.max(np.abs(k_weighting(rate) - np.array(expected))) < 1e-12


@pytest.mark.parametrize("rate", RATES)
def test_the_k_weightings_impulse_response_leaves_out_less_than_rounding(rate: int) -> None:
    """The response is the filter's (``sosfilt`` of an impulse) to where what follows adds
    up to less than a sample's rounding: the 38 Hz high-pass decays for about 0.19 s."""
    from scipy.signal import sosfilt

    kept = k_response(rate)
    impulse = np.zeros(4 * len(kept))
    impulse[0] = 1.0
    response = sosfilt(k_weighting(rate), impulse)
    assert np.max(np.abs(kept - response[: len(kept)])) < 1e-15
    assert np.sum(np.abs(response[len(kept) :])) < 1e-15
    assert 0.12 < len(kept) / rate < 0.2


@pytest.mark.parametrize("rate", RATES)
def test_k_weighting_by_fft_is_sosfilts_and_pyloudnorms_meters(
    rate: int, cases: list[tuple[Samples, Samples]]
) -> None:
    """The K-weighting as a convolution gives what SciPy's ``sosfilt`` gives with the same
    sections (within 1e-9; about 1e-13 is seen), and what pyloudnorm's ``Meter`` gives with
    its two ``lfilter`` stages, on audio shorter and longer than the FFT's blocks."""
    import pyloudnorm
    from scipy.signal import sosfilt

    meter = pyloudnorm.Meter(rate)
    for samples, _ in cases:
        weighted = k_weighted(samples, rate)
        assert np.max(np.abs(weighted - sosfilt(k_weighting(rate), samples))) < 1e-9
        expected = samples
        for stage in meter._filters.values():
            expected = stage.apply_filter(expected)
        assert np.max(np.abs(weighted - expected)) < 1e-9
    lengths = {len(samples) for samples, _ in cases}
    assert min(lengths) < len(k_response(rate)) < 8 * len(k_response(rate)) < max(lengths)


def test_the_interpolator_is_scipys_kaiser_windowed_low_pass() -> None:
    from scipy.signal import firwin

    taps = firwin(mastering.INTERPOLATOR_TAPS, 1 / mastering.OVERSAMPLING, window=("kaiser", 5.0))
    interpolator = mastering._interpolator()
    assert interpolator.dtype == np.float32
    assert np.max(np.abs(interpolator - taps.astype(np.float32))) <= 1e-9


def test_mastered_utterances_are_at_the_target_loudness_under_the_ceiling(
    utterances: list[Synthesis],
) -> None:
    """Each utterance's speech within 0.1 LU of ``UTTERANCE_LUFS`` (measured as mastering
    does, and within 0.5 LU by pyloudnorm when it is long enough for its gating), its true
    peak at most ``CEILING_DBTP`` (and 16-bit rounding)."""
    import pyloudnorm

    for made in utterances:
        mastered = samples_of(master(made).pcm)
        rate = made.sample_rate
        first, end = speech_bounds(mastered, rate)
        speech = slice(first // BLOCK, -(-end // BLOCK))
        blocks = mastering._blocks(k_weighted(mastered, rate), BLOCK)
        energy = np.sum(blocks * blocks, axis=1)[speech]
        assert gated_loudness(energy, BLOCK, rate) == pytest.approx(UTTERANCE_LUFS, abs=0.1)
        if end - first > 3 * rate:
            measured = pyloudnorm.Meter(rate).integrated_loudness(mastered[first:end])
            assert measured == pytest.approx(UTTERANCE_LUFS, abs=0.5)
        assert true_peak_dbtp(mastered) <= CEILING_DBTP + 0.001


def test_the_bound_changes_no_mastered_sample(
    utterances: list[Synthesis], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block the bound keeps under the ceiling gets the limiter's gain 1, as it would with
    its true peak: mastering with every block oversampled gives the same bytes."""
    cheap = [master(made).pcm for made in utterances]
    resolved = BlockPeaks.resolved

    def everywhere(self: BlockPeaks, where: NDArray[np.bool_]) -> Samples:
        return resolved(self, np.ones_like(where))

    monkeypatch.setattr(BlockPeaks, "resolved", everywhere)
    assert [master(made).pcm for made in utterances] == cheap
