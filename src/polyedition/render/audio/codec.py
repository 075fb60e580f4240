"""The MP3 codec the narration is encoded with: LAME through lameenc, miniaudio to decode and
resample, the frame walk that gives a piece's decoded length, and the measured encoder delay.

Nothing here knows about utterances or chapters: 16-bit mono PCM in, MPEG frames out.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from functools import cache
from importlib.metadata import version
from typing import Any

logger = logging.getLogger(__name__)

BITRATE_KBPS = 48
"""Mono speech: 48 kbps at 22.05 or 24 kHz is clear and about 21 MB per hour."""
LAME_QUALITY = 5
"""LAME's own default trade-off: -q 2 takes twice as long for no audible gain in mono speech."""


@cache
def lameenc_version() -> str:
    """The encoder's version: part of each encoded chapter's key."""
    return version("lameenc")


@cache
def miniaudio_version() -> str:
    """The resampler's version: part of each layout's key (it sets a resampled length)."""
    return version("miniaudio")


def load_miniaudio() -> Any:
    """miniaudio (untyped cffi bindings), imported when audio is first decoded or resampled."""
    import miniaudio  # type: ignore[import-untyped]

    return miniaudio


def resample(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    """16-bit mono PCM at another sample rate (miniaudio's resampler); unchanged if equal."""
    if source_rate == target_rate:
        return pcm
    lib = load_miniaudio()
    fmt = lib.SampleFormat.SIGNED16
    return bytes(lib.convert_frames(fmt, 1, source_rate, pcm, fmt, 1, target_rate))


def encode_mp3(pcm: bytes, rate: int) -> bytes:
    """One LAME encode of 16-bit mono PCM: constant bitrate, no Xing/LAME header frame."""
    import lameenc  # type: ignore[import-not-found]

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    return bytes(encoder.encode(pcm) + encoder.flush())


_LAYER3_KBPS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
"""Layer III bitrates by header index, for MPEG-1 (True) and MPEG-2 and 2.5 (False)."""
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""Sample rates by header version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and index."""


def mp3_samples(frames: bytes) -> int:
    """Samples a decoder outputs for ``frames`` (Layer III, no tag): each frame header is read
    and the frames walked, 1152 samples a frame in MPEG-1, 576 in MPEG-2 and 2.5.

    A chapter's frames have a few distinct headers (a constant bitrate, with and without the
    padding byte): each is decoded once, and the walk is a lookup per frame.

    >>> mp3_samples(encode_mp3(bytes(2 * 22050), 22050)) % 576
    0
    """
    known: dict[bytes, tuple[int, int]] = {}
    total = 0
    position = 0
    while position < len(frames):
        header = frames[position : position + 4]
        frame = known.get(header)
        if frame is None:
            frame = known[header] = _frame(header, position)
        position += frame[0]
        total += frame[1]
    if position != len(frames):
        raise ValueError(f"the last MPEG frame is cut short at byte {len(frames)}")
    return total


def _frame(header_bytes: bytes, position: int) -> tuple[int, int]:
    """The bytes and samples of the layer III frame whose header is ``header_bytes``;
    ValueError naming ``position`` if it is not such a header."""
    header = int.from_bytes(header_bytes, "big")
    mpeg = (header >> 19) & 3
    bitrate_index = (header >> 12) & 15
    rate_index = (header >> 10) & 3
    if (
        len(header_bytes) < 4
        or header >> 21 != 0x7FF
        or mpeg == 1
        or (header >> 17) & 3 != 1
        or bitrate_index in (0, 15)
        or rate_index == 3
    ):
        raise ValueError(f"no MPEG layer III frame header at byte {position}")
    per_frame = 1152 if mpeg == 3 else 576
    bitrate = 1000 * _LAYER3_KBPS[mpeg == 3][bitrate_index]
    return per_frame // 8 * bitrate // _RATES[mpeg][rate_index] + ((header >> 9) & 1), per_frame


GRANULE = 576
"""Samples of a Layer III granule: a frame holds two in MPEG-1, one in MPEG-2 and 2.5."""
GRANULE_REACH = 2
"""Decoded samples ``GRANULE * g`` to ``GRANULE * (g + 1)`` are made of granules ``g -
GRANULE_REACH`` to ``g``: the decoder's delay (529 samples) and the overlap of its transforms
put each granule's sound in the next two and a half granules of its output."""
GAIN_STEP_DB = 20 * math.log10(2**0.25)
"""What a step of a granule's global gain is worth: its spectrum times 2^(1/4), 1.505 dB."""


def granule_gains(frames: bytes) -> list[int]:
    """Where each granule's 8-bit global gain is in ``frames`` (Layer III, mono, no tag), as
    bit offsets, in the order the granules are heard; ValueError for frames that are not
    such (stereo, or with a CRC that a changed gain would break).

    >>> len(granule_gains(encode_mp3(bytes(2 * 22050), 22050))) * GRANULE == mp3_samples(
    ...     encode_mp3(bytes(2 * 22050), 22050)
    ... )
    True
    """
    gains: list[int] = []
    position = 0
    while position < len(frames):
        size, samples = _frame(frames[position : position + 4], position)
        header = int.from_bytes(frames[position : position + 4], "big")
        if (header >> 6) & 3 != 3 or not (header >> 16) & 1:
            raise ValueError(f"the MPEG frame at byte {position} is not mono without a CRC")
        side = 8 * (position + 4)  # the side information follows the header
        # Mono side information: main_data_begin, private bits (and in MPEG-1 scfsi), then
        # each granule's part2_3_length (12 bits), big_values (9) and global_gain (8), ...
        if samples == 2 * GRANULE:  # MPEG-1: 9 + 5 + 4 bits, then two granules of 59
            gains += [side + 18 + 21, side + 18 + 59 + 21]
        else:  # MPEG-2 and 2.5: 8 + 1 bits, then one granule
            gains.append(side + 9 + 21)
        position += size
    if position != len(frames):
        raise ValueError(f"the last MPEG frame is cut short at byte {len(frames)}")
    return gains


def quieter(frames: bytes, gains: list[int], granules: Iterable[int]) -> bytes | None:
    """``frames`` with each of ``granules`` a step (``GAIN_STEP_DB``) quieter: its global
    gain (at ``gains[granule]``, see ``granule_gains``) one less. Nothing else changes, not a
    byte's position: this is how mp3gain makes a file quieter without encoding it again. None
    if a granule's gain is 0 already."""
    changed = bytearray(frames)
    for granule in granules:
        at, shift = gains[granule] // 8, 8 - gains[granule] % 8
        word = int.from_bytes(changed[at : at + 2], "big")
        gain = (word >> shift) & 0xFF
        if not gain:
            return None
        word = word & ~(0xFF << shift) | (gain - 1) << shift
        changed[at : at + 2] = word.to_bytes(2, "big")
    return bytes(changed)


def decode_mp3(mp3: bytes, rate: int) -> list[int]:
    """The samples a player hears (miniaudio), as 16-bit mono at ``rate``."""
    lib = load_miniaudio()
    decoded = lib.decode(
        mp3, output_format=lib.SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
    )
    return list(decoded.samples)


_PROBE_AT = 4096
_PROBE_LENGTH = 240


def _probe(rate: int) -> list[int]:
    """A short 1 kHz burst under a Hann window: sharp in time, easy for MP3 to keep."""
    import math

    return [
        round(
            12000
            * math.sin(2 * math.pi * 1000 * i / rate)
            * math.sin(math.pi * i / _PROBE_LENGTH) ** 2
        )
        for i in range(_PROBE_LENGTH)
    ]


@cache
def encoder_delay(rate: int) -> int:
    """Samples of silence the encode-then-decode round trip puts before the audio.

    Measured, not assumed: a burst is encoded with the same settings, decoded with miniaudio,
    and found again by cross-correlation. Every time in the captions, chapters and ID3 tags
    adds this delay, so that they point at what a player actually plays.
    """
    import numpy as np

    burst = np.array(_probe(rate), dtype=np.int64)
    signal = np.zeros(_PROBE_AT + len(burst) + rate // 4, dtype="<i2")
    signal[_PROBE_AT : _PROBE_AT + len(burst)] = burst
    decoded = np.array(decode_mp3(encode_mp3(signal.tobytes(), rate), rate), dtype=np.int64)[
        _PROBE_AT:
    ]
    window = np.zeros(4 * 1152 + len(burst), dtype=np.int64)
    window[: min(len(window), len(decoded))] = decoded[: len(window)]
    correlations = np.correlate(window, burst, mode="valid")[: 4 * 1152]
    best = int(np.argmax(correlations))  # the first of equal ones, as max() would
    logger.debug("MP3 encoder delay at %d Hz: %d samples", rate, best)
    return best
