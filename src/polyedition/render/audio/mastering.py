"""Mastering: each utterance at the target loudness under a true-peak ceiling, paced by silences.

Two steps, both deterministic (same PCM in, same bytes out):

- ``master`` runs once per synthesized utterance, before it is cached: a gain brings the
  utterance's speech to ``UTTERANCE_LUFS`` (ITU-R BS.1770-4 integrated loudness, as pyloudnorm
  measures it) and a look-ahead limiter keeps its 4× oversampled peak under ``CEILING_DBTP``.
  Every utterance of every engine and language comes out at the same loudness, so the joined
  edition does too, and a changed paragraph is mastered alone. Its filters are NumPy's
  arithmetic: SciPy, which pyloudnorm imports, takes a second to import, more than the rest
  of a changed paragraph's narration.
- ``pace`` runs when an edition is joined: it finds where speech starts and ends (frames above
  ``SPEECH_FLOOR_DBFS``), keeps a short guard of quieter sound on either side so that no soft
  onset or final consonant is cut, and sets the silence between sentences to the configured
  length whatever the engine's own habit was. The joiner does the same at every seam.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from polyedition.speech.base import Synthesis

logger = logging.getLogger(__name__)

Samples = NDArray[np.float64]
"""Mono audio as floats in [-1, 1)."""
Pcm16 = NDArray[np.int16]
"""Mono audio as 16-bit samples, read in place from PCM (``np.frombuffer``)."""
PCM16_FULL_SCALE = 32768.0
"""What a 16-bit sample is divided by to give its float."""
_Scalar = TypeVar("_Scalar", bound=np.generic)

TARGET_LUFS = -16.0
"""What podcast apps and spoken-word platforms expect (Apple: −16 ±1; AES TD1004: −16 to −20)."""
UTTERANCE_LUFS = -15.5
"""Each utterance's own target: the 48 kbps MP3 encode's low-pass takes some treble, which the
K-weighting counts (about −0.4 LU), and gating blocks that straddle a pause about −0.1 LU."""
CEILING_DBTP = -3.5
"""The limiter's ceiling, 2.5 dB under the published −1 dBTP: the 48 kbps MP3 encode adds 1 to
2.5 dB to the peaks. Each encoded chapter is checked too (``PUBLISHED_CEILING_DBTP``) and its
granules over it made quieter (``assemble.encode_under_ceiling``): at −3 dBTP that was 15 of the
real article's 65 chapters, at −3.5 it is 2, at no cost in loudness (the gain makes up for the
limiter)."""
PUBLISHED_CEILING_DBTP = -1.2
"""The most a decoded chapter may peak: −1 dBTP, less 0.2 dB for a different decoder."""
OVERSAMPLING = 4
"""True peak per ITU-R BS.1770-4 annex 2: the peak of the signal upsampled 4×."""
INTERPOLATOR_TAPS = 49
"""The upsampling low-pass filter's length: 12 taps a phase, as the annex's 48-tap filter."""
LIMITER_BLOCK = 0.010
"""Seconds over which the limiter's gain falls before a peak and recovers after it."""
MASTERING_ROUNDS = 8
"""Gain corrections at most (three or four are enough for eSpeak's peaky voices)."""
MAX_GAIN_DB = 30.0
"""No utterance is raised more than this (a near-silent one is left near silent)."""
RECIPE = f"{UTTERANCE_LUFS} LUFS, {CEILING_DBTP} dBTP, x{OVERSAMPLING}, {LIMITER_BLOCK} s, 5"

FRAME = 0.005
"""Seconds per frame when looking for speech."""
SPEECH_FLOOR_DBFS = -45.0
"""A frame is speech when its RMS is above this (speech frames sit near −20 dBFS once mastered)."""
LEAD_GUARD = 0.015
"""Seconds kept before the first speech frame: a soft onset (h, f, s) starts under the floor."""
TRAIL_GUARD = 0.040
"""Seconds kept after the last speech frame: final consonants and releases decay under it."""
FADE = 0.005
"""Seconds of fade at each cut, inside the guards: no click where audio meets silence."""
SENTENCE_GAP_MIN = 0.100
"""A silence shorter than this near a sentence boundary is a consonant's closure, not a pause."""
SENTENCE_GAP_SEARCH = (0.8, 0.25)
"""Seconds before and after a sentence's mark in which its pause is looked for."""
PACING = (
    f"pace 1: {FRAME}, {SPEECH_FLOOR_DBFS}, {LEAD_GUARD}, {TRAIL_GUARD}, {FADE}, "
    f"{SENTENCE_GAP_MIN}, {SENTENCE_GAP_SEARCH}"
)
"""What ``pace`` is: part of the cache key of every paced utterance's layout. Raise its number
whenever ``pace`` itself would place a sample differently."""


@cache
def recipe() -> str:
    """The mastering settings and the library that computes them: part of every speech cache
    key, so that a different recipe or library masters every utterance again."""
    return f"{RECIPE}; numpy {version('numpy')}"


def samples_of(pcm: bytes) -> Samples:
    """16-bit little-endian mono PCM as floats."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    samples /= PCM16_FULL_SCALE  # in place: one copy of the PCM as floats, not two at once
    return samples


def pcm_of(samples: Samples) -> bytes:
    """Floats as 16-bit little-endian mono PCM (rounded, clipped)."""
    return _rounded(samples).tobytes()


SCALING_BLOCK = 1 << 16
"""Samples scaled at a time by ``scaled_pcm``: half a megabyte of floats."""


def scaled_pcm(pcm: bytes, gain: float) -> bytes:
    """``pcm_of(samples_of(pcm) * gain)``, a block at a time: the same samples, without a
    copy of the whole PCM as floats (a chapter's is four times its size)."""
    scaled = np.empty(len(pcm) // 2, dtype="<i2")
    for first in range(0, len(scaled), SCALING_BLOCK):
        part = samples_of(pcm[2 * first : 2 * (first + SCALING_BLOCK)])
        part *= gain
        scaled[first : first + SCALING_BLOCK] = _rounded(part)
    return scaled.tobytes()


K_SHELF = (4.0, 1 / math.sqrt(2), 1500.0)
"""The K-weighting's first stage, for the head: a high shelf of +4 dB, Q 1/√2, at 1500 Hz."""
K_HIGH_PASS = (0.5, 38.0)
"""Its second stage, for hearing: a high-pass, Q 0.5, at 38 Hz."""
K_RESPONSE_FLOOR = 1e-16
"""The K-weighting's impulse response ends where a stretch of ``K_RESPONSE_CHUNK`` samples adds
up to less than this: what it leaves out is under double precision's rounding of a sample."""
K_RESPONSE_CHUNK = 256


@cache
def k_weighting(rate: int) -> NDArray[np.float64]:
    """The K-weighting of ITU-R BS.1770-4 at ``rate``: two second-order sections, rows of
    ``b0, b1, b2, 1, a1, a2``, designed as pyloudnorm's ``Meter`` designs them (the RBJ audio
    EQ cookbook's high shelf and high-pass, ``K_SHELF`` and ``K_HIGH_PASS``)."""
    gain, q, centre = K_SHELF
    level = 10 ** (gain / 40.0)  # the cookbook's A
    w0 = 2.0 * math.pi * (centre / rate)
    cos, alpha = math.cos(w0), math.sin(w0) / (2.0 * q)
    rise = 2 * math.sqrt(level) * alpha
    shelf = (
        level * ((level + 1) + (level - 1) * cos + rise),
        -2 * level * ((level - 1) + (level + 1) * cos),
        level * ((level + 1) + (level - 1) * cos - rise),
        (level + 1) - (level - 1) * cos + rise,
        2 * ((level - 1) - (level + 1) * cos),
        (level + 1) - (level - 1) * cos - rise,
    )
    q, centre = K_HIGH_PASS
    w0 = 2.0 * math.pi * (centre / rate)
    cos, alpha = math.cos(w0), math.sin(w0) / (2.0 * q)
    high_pass = ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha)
    return np.array([[c / section[3] for c in section] for section in (shelf, high_pass)])


@cache
def k_response(rate: int) -> Samples:
    """The K-weighting's impulse response at ``rate``, to where it has died away
    (``K_RESPONSE_FLOOR``): about 0.19 s, the 38 Hz high-pass's double pole being the slowest
    to decay. Run once per rate, sample by sample (a few milliseconds)."""
    sections = [tuple(float(c) for c in row) for row in k_weighting(rate)]
    states = [[0.0, 0.0] for _ in sections]
    response: list[float] = []
    impulse = 1.0
    while True:
        chunk = []
        for _ in range(K_RESPONSE_CHUNK):
            value, impulse = impulse, 0.0
            for (b0, b1, b2, _, a1, a2), state in zip(sections, states, strict=True):
                # Direct form II transposed, as scipy's lfilter and sosfilt.
                out = b0 * value + state[0]
                state[0] = b1 * value - a1 * out + state[1]
                state[1] = b2 * value - a2 * out
                value = out
            chunk.append(value)
        response += chunk
        if math.fsum(abs(value) for value in chunk) < K_RESPONSE_FLOOR:
            return np.array(response, dtype=np.float64)


@cache
def _k_spectrum(rate: int, size: int) -> NDArray[np.complex128]:
    return np.fft.rfft(k_response(rate), size)


def k_weighted(samples: Samples, rate: int) -> Samples:
    """``samples`` through the K-weighting: what pyloudnorm's ``Meter`` measures, within
    rounding (about 1e-13). Its impulse response (``k_response``) convolved with the samples by
    FFT, block by block (overlap-add): blocks of FFTs about four times the response are the
    fastest, half again the CPU of SciPy's ``sosfilt``, without importing SciPy (a second)."""
    reach = len(k_response(rate))
    whole = max(len(samples) + reach - 1, 2 * reach)  # the whole convolution, in one block
    size = 1 << (min(whole, 3 * reach) - 1).bit_length()
    step = size - reach + 1  # at least the reach: a block's tail overlaps the next block only
    count = -(-len(samples) // step)
    blocks = np.zeros((count, size))  # each block of samples padded to the FFT's size
    whole_rows = len(samples) // step
    blocks[:whole_rows, :step] = samples[: whole_rows * step].reshape(-1, step)
    if whole_rows < count:
        blocks[whole_rows, : len(samples) - whole_rows * step] = samples[whole_rows * step :]
    spectra = np.fft.rfft(blocks, size)
    del blocks
    spectra *= _k_spectrum(rate, size)
    convolved = np.fft.irfft(spectra, size)
    del spectra
    convolved[1:, : reach - 1] += convolved[:-1, step:]  # overlap-add (step >= reach)
    return np.asarray(convolved[:, :step].reshape(-1)[: len(samples)])


def _blocks(values: NDArray[_Scalar], size: int) -> NDArray[_Scalar]:
    """``values`` as rows of ``size`` (the last one padded with zeros)."""
    return np.pad(values, (0, -len(values) % size)).reshape(-1, size)


def gated_loudness(energy: Samples, block: int, rate: int) -> float:
    """Integrated loudness in LUFS from the K-weighted energy of consecutive blocks of ``block``
    samples: 400 ms gating blocks every 100 ms, gated at −70 LUFS and then 10 LU under their
    mean, as BS.1770-4 and pyloudnorm's ``Meter`` (but on whole blocks and vectorized: mastering
    measures each utterance several times). Shorter audio is one gating block; silence −inf.
    """
    if not len(energy) or not np.any(energy):
        return -math.inf
    span = min(len(energy), max(1, round(0.4 * rate / block)))
    hop = max(1, round(0.1 * rate / block))
    total = np.concatenate(([0.0], np.cumsum(energy)))
    starts = np.arange(0, len(energy) - span + 1, hop)
    power = (total[starts + span] - total[starts]) / (span * block)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(power)
    audible = levels > -70.0
    relative = -0.691 + 10 * math.log10(float(np.mean(power[audible]))) - 10.0
    return -0.691 + 10 * math.log10(float(np.mean(power[audible & (levels > relative)])))


@cache
def _interpolator() -> NDArray[np.float32]:
    """The upsampling low-pass filter: a sinc cut at the input's Nyquist frequency, under a
    Kaiser window (β 5), scaled to a gain of 1 at 0 Hz; SciPy's ``firwin(INTERPOLATOR_TAPS,
    1 / OVERSAMPLING, window=("kaiser", 5.0))``."""
    cutoff = 1 / OVERSAMPLING  # of the upsampled signal's Nyquist frequency
    centred = np.arange(INTERPOLATOR_TAPS) - (INTERPOLATOR_TAPS - 1) / 2
    taps = cutoff * np.sinc(cutoff * centred) * np.kaiser(INTERPOLATOR_TAPS, 5.0)
    return np.asarray(taps / taps.sum(), dtype=np.float32)


INTERPOLATOR_REACH = -(-((INTERPOLATOR_TAPS - 1) // 2) // OVERSAMPLING)
"""Input samples on either side of an upsampled sample that it is made of (6)."""


@cache
def _polyphase() -> NDArray[np.float32]:
    """The interpolator as a matrix: row ``j``, column ``p`` is what input sample
    ``n - INTERPOLATOR_REACH + j`` weighs in upsampled sample ``4n + p``; the same taps and
    alignment as ``resample_poly(x, 4, 1, window=taps)``, which scales its taps by 4."""
    taps = OVERSAMPLING * _interpolator()
    half = (INTERPOLATOR_TAPS - 1) // 2
    matrix = np.zeros((2 * INTERPOLATOR_REACH + 1, OVERSAMPLING), dtype=np.float32)
    for index, tap in enumerate(taps):
        phase = (index - half) % OVERSAMPLING
        matrix[INTERPOLATOR_REACH + (phase + half - index) // OVERSAMPLING, phase] = tap
    return matrix


SAMPLES_PER_ROW = 16
"""At most this many input samples per row of the upsampling product (``_polyphase_rows``):
with 32, OpenBLAS takes four times the CPU for the same work."""


@cache
def _polyphase_rows(count: int) -> NDArray[np.float32]:
    """``_polyphase`` for ``count`` consecutive samples at once: row ``j``, column ``4i + p``
    is what input sample ``j - INTERPOLATOR_REACH`` (counted from the first of them) weighs in
    upsampled sample ``4i + p``. One row of the input then holds ``count + 12`` samples, not
    13 for each sample: the copy that feeds the product, not the product, is what costs."""
    single = _polyphase()
    matrix = np.zeros((count + 2 * INTERPOLATOR_REACH, OVERSAMPLING * count), dtype=np.float32)
    for index in range(count):
        matrix[index : index + len(single), OVERSAMPLING * index : OVERSAMPLING * (index + 1)] = (
            single
        )
    return matrix


@cache
def interpolator_gain() -> float:
    """The most the 4× interpolator can raise a peak: an upsampled sample is one phase's taps
    times input samples, so it is at most that phase's sum of |taps| times the largest
    |sample| it is made of. The largest sum over the phases (1.92: a loose bound, but one that
    costs no oversampling), and a margin for single-precision rounding."""
    sums = np.abs(_polyphase().astype(np.float64)).sum(axis=0)
    return float(sums.max()) * (1 + 1e-5)


def peak_bounds(samples: Samples | Pcm16, block: int, full_scale: float = 1.0) -> Samples:
    """For each block of ``block`` samples (at least ``INTERPOLATOR_REACH``), a bound on its
    true peak: ``interpolator_gain`` times the largest |sample| in the block and the
    ``INTERPOLATOR_REACH`` samples on either side of it, over ``full_scale`` (32768 for 16-bit
    samples, read as they are: no copy of them as floats)."""
    reach = INTERPOLATOR_REACH
    if block < reach:
        raise ValueError(f"blocks of {block} samples are shorter than the interpolator's reach")
    rows = _blocks(samples, block)
    # Per block or per column of a few: small arrays, as floats (|-32768| fits in them).
    highest, lowest = rows.max(axis=1).astype(np.float64), rows.min(axis=1).astype(np.float64)
    reached = np.maximum(highest, -lowest)
    heads = np.abs(rows[:, :reach].astype(np.float64))
    tails = np.abs(rows[:, block - reach :].astype(np.float64))
    heads_max, tails_max = heads[:, 0].copy(), tails[:, 0].copy()
    for column in range(1, reach):  # a few columns: faster than a reduction along rows
        np.maximum(heads_max, heads[:, column], out=heads_max)
        np.maximum(tails_max, tails[:, column], out=tails_max)
    np.maximum(reached[1:], tails_max[:-1], out=reached[1:])
    np.maximum(reached[:-1], heads_max[1:], out=reached[:-1])
    if full_scale != 1.0:
        reached /= full_scale  # exact: a 16-bit sample over 2**15 is a float64 exactly
    return np.asarray(interpolator_gain() * reached, dtype=np.float64)


PRODUCT_ROWS = 256
"""Rows of samples upsampled by one matrix product: small products, which BLAS runs fastest
(from a few thousand rows OpenBLAS goes multi-threaded and takes several times the CPU)."""


class BlockPeaks:
    """The true peak of each block of ``block`` samples, computed only where asked: until
    then, its bound (``peak_bounds``).

    A true peak is the largest magnitude of the 4× upsampled signal (ITU-R BS.1770-4 annex
    2), computed in single precision (plenty for 16-bit audio) as a matrix product of rows of
    samples and ``_polyphase_rows``: the same values as ``resample_poly`` with the same taps,
    within rounding, several times faster.
    """

    def __init__(self, samples: Samples | Pcm16, block: int, full_scale: float = 1.0) -> None:
        self.length, self.block = len(samples), block
        self.bounds = peak_bounds(samples, block, full_scale)
        self._samples, self._full_scale = samples, full_scale
        self._rows: NDArray[np.float32] | None = None
        self._values = self.bounds.copy()
        self._exact = np.zeros(len(self.bounds), dtype=np.bool_)

    def resolved(self, where: NDArray[np.bool_]) -> Samples:
        """Each block's true peak where ``where`` holds, and elsewhere what is known (its
        true peak, or its bound): ask for the blocks whose bound reaches a limit, and every
        block over the limit is found with its true peak."""
        todo = np.flatnonzero(where & ~self._exact)
        if len(todo):
            self._values[todo] = self._exact_peaks(todo)
            self._exact[todo] = True
        return self._values

    def _exact_peaks(self, chosen: NDArray[np.intp]) -> Samples:
        from numpy.lib.stride_tricks import as_strided

        reach, block = INTERPOLATOR_REACH, self.block
        count = max(n for n in range(1, SAMPLES_PER_ROW + 1) if block % n == 0)
        if self._rows is None:
            padded = np.zeros(len(self.bounds) * block + 2 * reach, dtype=np.float32)
            padded[reach : reach + self.length] = self._samples
            if self._full_scale != 1.0:  # exact for 16-bit samples, as from float64 ones
                padded *= np.float32(1 / self._full_scale)
            # Row r: samples r*count - 6 … (r+1)*count + 5, read in place (rows overlap).
            shape = (len(self.bounds) * block // count, count + 2 * reach)
            self._rows = as_strided(padded, shape, (count * 4, 4), writeable=False)
        rows, peaks = self._rows, np.empty(len(chosen), dtype=np.float64)
        per_block = block // count
        step = max(1, PRODUCT_ROWS // per_block)
        offsets = np.arange(per_block)
        for first in range(0, len(chosen), step):
            blocks = chosen[first : first + step]
            upsampled = rows[(blocks[:, None] * per_block + offsets).reshape(-1)]
            upsampled = upsampled @ _polyphase_rows(count)  # one row of 4 x count per row
            np.abs(upsampled, out=upsampled)
            upsampled = upsampled.reshape(len(blocks), -1)
            if blocks[-1] == len(self.bounds) - 1:  # past the end of the audio
                upsampled[-1, OVERSAMPLING * (self.length - int(blocks[-1]) * block) :] = 0.0
            peaks[first : first + step] = upsampled.max(axis=1)
        return peaks


CHECK_BLOCK = 256
"""Samples per block when a long signal's true peak is found or checked against a ceiling."""


def true_peak_dbtp(samples: Samples) -> float:
    """The true peak of ``samples`` in dBTP (−inf for silence)."""
    peaks = BlockPeaks(samples, CHECK_BLOCK)
    peak = float(peaks.resolved(np.ones(len(peaks.bounds), dtype=np.bool_)).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def true_peak_over(
    samples: Samples | Pcm16, ceiling_dbtp: float, full_scale: float = 1.0
) -> float | None:
    """The true peak of ``samples`` (over ``full_scale``) in dBTP if it is over
    ``ceiling_dbtp``, else None; only the blocks whose bound reaches the ceiling are
    oversampled (as floats: 4 bytes a sample then, 16-bit samples are read as they are)."""
    limit = 10 ** (ceiling_dbtp / 20)
    peaks = BlockPeaks(samples, CHECK_BLOCK, full_scale)
    top = float(peaks.resolved(peaks.bounds > limit).max(initial=0.0))
    return 20 * math.log10(top) if top > limit else None


def limiter_knots(peaks: Samples, ceiling_dbtp: float = CEILING_DBTP) -> Samples:
    """The limiter's gain at the start of each block, given each block's true peak.

    Each knot is the least gain its block or either neighbour needs; the gain moves linearly
    from one block's knot to the next, so every sample's gain lies between two knots that are
    at most what its block needs: no block goes over the ceiling, and the gain falls over one
    block before a peak and recovers over one block after it.
    """
    needed = np.minimum(1.0, 10 ** (ceiling_dbtp / 20) / np.maximum(peaks, 1e-12))
    padded = np.concatenate(([needed[0]], needed, [needed[-1]]))
    return np.asarray(np.minimum(np.minimum(padded[:-2], padded[1:-1]), padded[2:]))


def _energy_moments(weighted: Samples, block: int) -> NDArray[np.float64]:
    """For each block, the sums of its K-weighted samples' energy weighted by 1, by ``s`` and
    by ``s²``, where ``s`` is how far into the block a sample is (0 to 1, as in ``_ramps``):
    under a gain ramp ``k + r·s`` the block's energy is ``k²·m0 + 2kr·m1 + r²·m2``, exactly."""
    share = np.arange(block) / block
    powers = np.stack((np.ones(block), share, share * share), axis=1)
    rows = _blocks(weighted, block)
    moments = np.empty((len(rows), 3), dtype=np.float64)
    for first in range(0, len(rows), PRODUCT_ROWS):  # small products (see PRODUCT_ROWS)
        part = rows[first : first + PRODUCT_ROWS]
        np.matmul(part * part, powers, out=moments[first : first + PRODUCT_ROWS])
    return moments


def _ramps(knots: Samples, block: int, length: int) -> Samples:
    """A gain per sample, linear from each block's knot to the next block's."""
    following = np.concatenate((knots[1:], knots[-1:]))
    share = np.arange(block) / block
    gains = np.multiply.outer(following - knots, share)
    gains += knots[:, None]  # one array of a gain per sample, no temporary of its size
    return np.asarray(gains.reshape(-1)[:length])


def master(synthesis: Synthesis) -> Synthesis:
    """One utterance at ``UTTERANCE_LUFS`` with its true peak under ``CEILING_DBTP``.

    The loudness is measured on the speech (the blocks from the first speech frame to the
    last); the limiter takes a little of it back, so the gain is corrected and the limiter
    made again until the utterance is within 0.05 LU of the target (``MASTERING_ROUNDS``).
    Both filters are linear, so each runs once: a block's true peak scales with the gain, and
    its K-weighted energy under a linear ramp of gain is a sum of three moments of its
    samples' energy, taken once (``_energy_moments``).
    """
    rate = synthesis.sample_rate
    samples = samples_of(synthesis.pcm)
    block = max(1, round(LIMITER_BLOCK * rate))
    first, end = speech_bounds(samples, rate)
    speech = slice(first // block, -(-end // block))
    moments = _energy_moments(k_weighted(samples, rate), block)
    measured = gated_loudness(moments[:, 0][speech], block, rate)
    if not math.isfinite(measured):
        return synthesis
    peaks = BlockPeaks(samples, block)
    ceiling = 10 ** (CEILING_DBTP / 20)
    gain_db, previous = min(UTTERANCE_LUFS - measured, MAX_GAIN_DB), None
    for _ in range(MASTERING_ROUNDS):
        gain = 10 ** (gain_db / 20)
        # A block whose bound stays under the ceiling needs no oversampling: its gain is 1.
        knots = gain * limiter_knots(gain * peaks.resolved(gain * peaks.bounds > ceiling))
        rises = np.concatenate((knots[1:], knots[-1:])) - knots
        energy = (
            moments[:, 0] * knots * knots
            + moments[:, 1] * 2 * knots * rises
            + moments[:, 2] * rises * rises
        )
        reached = gated_loudness(energy[speech], block, rate)
        error = UTTERANCE_LUFS - reached
        if abs(error) < 0.05 or gain_db >= MAX_GAIN_DB:
            break
        # The limiter gives back part of each added decibel: step by the slope seen so far.
        slope = 1.0 if previous is None else (reached - previous[1]) / (gain_db - previous[0])
        previous = (gain_db, reached)
        gain_db = min(gain_db + error / min(1.0, max(slope, 0.2)), MAX_GAIN_DB)
    # pcm_of(samples * gains), worked in the gains' array: no other array of floats is made.
    mastered = _ramps(knots, block, len(samples))
    mastered *= samples
    mastered *= PCM16_FULL_SCALE
    pcm = _scaled_to_pcm16(mastered).tobytes()
    return Synthesis(pcm, rate, synthesis.marks, synthesis.text_length)


def speech_frames(samples: Samples, rate: int) -> NDArray[np.bool_]:
    """For each ``FRAME`` of audio: is its RMS above ``SPEECH_FLOOR_DBFS``?"""
    frames = SpeechFrames(samples, rate)
    chunks = [frames.chunk(first) for first in range(0, frames.count, FRAMES_AT_A_TIME)]
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.bool_)


SPEECH_FLOOR_POWER = 10 ** (SPEECH_FLOOR_DBFS / 10)
FRAMES_AT_A_TIME = 64
"""Frames whose power ``SpeechFrames`` computes at once (a third of a second)."""


class SpeechFrames:
    """Whether each ``FRAME`` of audio is speech (its RMS above ``SPEECH_FLOOR_DBFS``; the last
    frame padded with silence), worked out ``FRAMES_AT_A_TIME`` at a time where asked: finding
    where speech starts and ends, or the pause at a sentence's mark, reads a few frames of an
    utterance, not all of them. Each frame's figure is the same whichever frames are asked
    with it. ``samples`` are floats, or 16-bit samples over ``full_scale`` (read as they are).
    """

    def __init__(self, samples: Samples | Pcm16, rate: int, full_scale: float = 1.0) -> None:
        self.size = max(1, round(FRAME * rate))
        self.count = -(-len(samples) // self.size)
        self._samples, self._full_scale = samples, full_scale
        self._chunks: dict[int, NDArray[np.bool_]] = {}

    def __getitem__(self, index: int) -> bool:
        return bool(self.chunk(index)[index % FRAMES_AT_A_TIME])

    def chunk(self, index: int) -> NDArray[np.bool_]:
        """The ``FRAMES_AT_A_TIME`` frames (fewer at the end) that hold frame ``index``."""
        chunk = self._chunks.get(index // FRAMES_AT_A_TIME)
        if chunk is None:
            chunk = self._chunks[index // FRAMES_AT_A_TIME] = self._speech(index)
        return chunk

    def _speech(self, index: int) -> NDArray[np.bool_]:
        size, first = self.size, index // FRAMES_AT_A_TIME * FRAMES_AT_A_TIME
        part = self._samples[first * size : (first + FRAMES_AT_A_TIME) * size]
        floats = part.astype(np.float64)
        if self._full_scale != 1.0:
            floats /= self._full_scale  # exact for 16-bit samples, as ``samples_of``
        whole = len(floats) // size
        frames = floats[: whole * size].reshape(-1, size)
        power = np.mean(frames * frames, axis=1)
        if whole * size < len(floats):  # the last frame, padded with silence
            last = np.pad(floats[whole * size :], (0, size - len(floats) + whole * size))
            last = last.reshape(1, size)
            power = np.append(power, np.mean(last * last, axis=1))
        return np.asarray(power > SPEECH_FLOOR_POWER, dtype=np.bool_)

    def bounds(self) -> tuple[int, int]:
        """The first sample of the first speech frame and the end of the last one (the whole
        audio when no frame is speech)."""
        length = len(self._samples)
        first = next((index for index in range(self.count) if self[index]), None)
        if first is None:
            return 0, length
        last = next(index for index in range(self.count - 1, first - 1, -1) if self[index])
        return first * self.size, min(length, (last + 1) * self.size)


def speech_bounds(samples: Samples, rate: int) -> tuple[int, int]:
    """The first sample of the first speech frame and the end of the last one (the whole audio
    when no frame is speech)."""
    return SpeechFrames(samples, rate).bounds()


@dataclass(frozen=True, slots=True)
class PacedInfo:
    """Where an utterance's speech lies once paced, without its PCM (see ``Paced``)."""

    lead: int
    """Samples of guard before the speech starts."""
    trail: int
    """Samples of guard after the speech ends."""
    kept: tuple[tuple[int, int, int], ...]
    """(first, end, output position) of each kept run of input samples."""
    length: int
    """Samples of the paced utterance."""

    @property
    def speech(self) -> int:
        """Samples from the first speech frame to the end of the last."""
        return self.length - self.lead - self.trail

    def position(self, sample: float) -> float:
        """Where input ``sample`` is heard, counted from the start of speech; a sample that
        was cut (silence, guard) is placed at the speech that follows it."""
        for first, end, at in self.kept:
            if sample < end:
                offset = at + max(0.0, sample - first) - self.lead
                return min(max(offset, 0.0), float(self.speech))
        return float(self.speech)


@dataclass(frozen=True, slots=True)
class Paced:
    """An utterance trimmed to its speech and guards, its sentence pauses set."""

    pcm: bytes
    info: PacedInfo


def pace(pcm: bytes, rate: int, boundaries: list[int], sentence_pause: float) -> Paced:
    """Trim the 16-bit PCM to speech plus guards and make each pause at a sentence boundary
    (input samples, the engine's mark of each sentence after the first) ``sentence_pause``
    seconds from the end of one sentence's speech to the start of the next one's.

    The kept samples are copied as they are; only the few at each fade are computed."""
    ints = np.frombuffer(pcm, dtype="<i2")
    lead, trail = round(LEAD_GUARD * rate), round(TRAIL_GUARD * rate)
    speech = SpeechFrames(ints, rate, PCM16_FULL_SCALE)
    size = speech.size
    first, end = speech.bounds()
    start, stop = max(0, first - lead), min(len(ints), end + trail)
    runs: list[tuple[int, int]] = []
    window = (first // size, end // size)
    gaps = [_sentence_gap(speech, size, boundary, window) for boundary in boundaries]
    for gap in sorted({gap for gap in gaps if gap is not None}):
        runs.append((start, gap[0] + trail))
        start = gap[1] - lead
    runs.append((start, stop))
    silence = np.zeros(max(0, round(sentence_pause * rate) - lead - trail), dtype="<i2")
    pieces: list[NDArray[np.int16]] = []
    kept = []
    at = 0
    for number, (run_first, run_end) in enumerate(runs):
        if number:
            pieces.append(silence)
            at += len(silence)
        pieces.append(_faded(ints, run_first, run_end, rate))
        kept.append((run_first, run_end, at))
        at += run_end - run_first
    pcm = np.concatenate(pieces).astype("<i2").tobytes()
    info = PacedInfo(first - max(0, first - lead), stop - end, tuple(kept), len(pcm) // 2)
    return Paced(pcm, info)


def _sentence_gap(
    speech: SpeechFrames, size: int, boundary: int, window: tuple[int, int]
) -> tuple[int, int] | None:
    """The longest silence of frames near ``boundary`` inside ``window`` (the speech's first and
    last frame), as (end of speech, start of the next speech) in samples, or None when the
    engine made no pause there."""
    before, after = (round(seconds / FRAME) for seconds in SENTENCE_GAP_SEARCH)
    low = max(window[0], boundary // size - before)
    high = min(window[1], boundary // size + after)
    best: tuple[int, int] | None = None
    run_start: int | None = None
    for index in range(low, high + 1):
        silent = index < high and not speech[index]
        if silent and run_start is None:
            run_start = index
        elif not silent and run_start is not None:
            if best is None or index - run_start > best[1] - best[0]:
                best = (run_start, index)
            run_start = None
    if best is None:
        return None
    gap_first, gap_end = best
    while gap_first > window[0] and not speech[gap_first - 1]:
        gap_first -= 1
    while gap_end < window[1] and not speech[gap_end]:
        gap_end += 1
    if (gap_end - gap_first) * FRAME < SENTENCE_GAP_MIN:
        return None
    return gap_first * size, gap_end * size


def _faded(ints: Pcm16, first: int, end: int, rate: int) -> Pcm16:
    """Samples ``first:end`` faded in and out over ``FADE`` (raised cosine): a copy of the
    16-bit samples, the faded ones computed from their floats."""
    run = ints[first:end].copy()
    length = min(round(FADE * rate), len(run) // 2)
    if length < 1:
        return run
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(length) + 0.5) / length)
    head, tail = run[:length], run[len(run) - length :]
    run[:length] = _rounded(head.astype(np.float64) / PCM16_FULL_SCALE * ramp)
    run[len(run) - length :] = _rounded(tail.astype(np.float64) / PCM16_FULL_SCALE * ramp[::-1])
    return run


def _rounded(samples: Samples) -> NDArray[np.int16]:
    """Floats as 16-bit samples, rounded and clipped (one float temporary, worked in place)."""
    return _scaled_to_pcm16(samples * PCM16_FULL_SCALE)


def _scaled_to_pcm16(scaled: Samples) -> NDArray[np.int16]:
    """Floats already scaled to 16-bit full scale as 16-bit samples, rounded and clipped in
    place (``scaled`` is changed)."""
    np.round(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype("<i2")
