"""The pace stage: each spoken utterance resampled to the joined rate and paced
(``mastering.pace``: trimmed to its speech, the silence between its sentences set).

Where its speech lies once paced (its layout) is cached, a small JSON entry, so that an
unchanged chapter is found without reading any audio. The paced PCM is made only for chapters
that are encoded again, and held while ``FRESH_BUDGET_BYTES`` allows; beyond it, it is paced
again when its chapter needs it. A cached layout that pacing its audio again no longer gives
(another library paces differently, or the audio read or said again has another timing) is
reported as a ``StaleLayout``, not raised: the caller decides to pace every utterance again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from polyedition.cache import LayoutRecipe, SpeechCache, content_key
from polyedition.render.audio.codec import miniaudio_version, resample
from polyedition.render.audio.mastering import PACING, Paced, PacedInfo, pace
from polyedition.render.audio.speak import Budget, Spoken
from polyedition.speech.base import SAMPLE_WIDTH, Timing

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where one utterance's speech lies once paced at the joined rate."""

    key: str
    """Its key in the cache: the synthesis, the joined rate, the sentences, the pause, pacing."""
    scale: float
    """Joined-rate samples per engine sample (1.0 unless resampled)."""
    info: PacedInfo
    lead_digest: str
    """SHA-256 of its lead guard's samples, which end the chapter before it."""


@dataclass(frozen=True, slots=True)
class StaleLayout:
    """A cached layout that pacing its synthesis again does not give (a library changed), or
    whose synthesis no longer has the timing the narration was planned with."""

    key: str


def layout_key(item: Spoken, rate: int, pause: float) -> str:
    """The key of ``item``'s layout at ``rate`` with sentence pauses of ``pause`` seconds."""
    return content_key(
        LayoutRecipe(
            speech=item.key,
            rate=rate,
            sentences=tuple(offset for offset, _ in item.sentences[1:]),
            pause=pause,
            pacing=f"{PACING}; miniaudio {miniaudio_version()}",
        )
    )


def paced(item: Spoken, rate: int, pause: float) -> tuple[Paced, float, Timing]:
    """``item``'s synthesis at ``rate``, paced; the resampling's scale; the synthesis's timing
    (the one ``item`` holds, unless its audio was made again otherwise)."""
    synthesis = item.load()
    audio = resample(synthesis.pcm, synthesis.sample_rate, rate)
    scale = len(audio) / SAMPLE_WIDTH / synthesis.samples
    boundaries = [round(synthesis.sample_at(offset) * scale) for offset, _ in item.sentences[1:]]
    return pace(audio, rate, boundaries, pause), scale, synthesis.timing


@dataclass(frozen=True, slots=True)
class _Handed:
    """A chapter's following utterance as it was paced for that chapter's end."""

    key: str
    info: PacedInfo
    timing: Timing
    pcm: bytes


_handed: list[_Handed] = []
"""The following utterance of the last chapter encoded in this process, paced: the next
chapter, when it is encoded here too (a build sends an edition's chapters one after another),
starts with it rather than saying and pacing it again. One utterance at most is held."""


class Layouts:
    """Each utterance's layout once paced at the joined rate: from the cache (no PCM read),
    or paced now (``trust_cache=False``: always); the paced PCM is made only for the chapters
    that are encoded again."""

    def __init__(
        self,
        spoken: list[Spoken],
        rate: int,
        pause: float,
        cache: SpeechCache,
        *,
        trust_cache: bool = True,
        budget: Budget | None = None,
    ) -> None:
        self.spoken, self.rate, self.pause, self.cache = spoken, rate, pause, cache
        self._pcm: dict[int, bytes] = {}
        self._budget = budget or Budget()
        self.items = [self._layout(index, trust_cache) for index in range(len(spoken))]

    def _layout(self, index: int, trust_cache: bool) -> Layout:
        key = layout_key(self.spoken[index], self.rate, self.pause)
        stored = self.cache.layout(key) if trust_cache else None
        if stored is not None:
            try:
                return layout_of(key, stored)
            except (KeyError, TypeError, ValueError):
                self.cache.store.discard("paced", key)
        made, scale, _ = paced(self.spoken[index], self.rate, self.pause)
        self._keep(index, made.pcm)
        info = made.info
        lead_digest = hashlib.sha256(made.pcm[: SAMPLE_WIDTH * info.lead]).hexdigest()
        self.cache.put_layout(
            key,
            {
                "scale": scale,
                "lead": info.lead,
                "trail": info.trail,
                "kept": [list(run) for run in info.kept],
                "length": info.length,
                "lead_digest": lead_digest,
            },
        )
        return Layout(key, scale, info, lead_digest)

    def _keep(self, index: int, pcm: bytes) -> None:
        """Hold an utterance's paced PCM for its chapter while the budget allows (else it is
        paced again when its chapter is encoded): memory stays bounded however long the
        narration."""
        if self._budget.admit(len(pcm)):
            self._pcm[index] = pcm

    def release(self, indexes: range) -> None:
        """Forget the paced PCM of utterances whose chapter is encoded (chapters go in order)."""
        for index in indexes:
            self._budget.release(len(self._pcm.pop(index, b"")))

    def hand_on(self, index: int, pcm: bytes) -> None:
        """Keep utterance ``index``, paced as ``pcm`` (the next chapter's first), for the next
        chapter encoded in this process, in place of the one kept before."""
        _handed.clear()
        _handed.append(
            _Handed(self.items[index].key, self.items[index].info, self.spoken[index].timing, pcm)
        )

    def pcm(self, index: int) -> bytes | StaleLayout:
        """Utterance ``index`` paced (its synthesis read or said and paced again if need be),
        or ``StaleLayout`` when that no longer gives its cached layout or its timing."""
        if index in self._pcm:
            return self._pcm[index]
        handed = _handed.pop() if _handed else None
        if (
            handed is not None
            and handed.key == self.items[index].key
            and handed.info == self.items[index].info
            and handed.timing == self.spoken[index].timing
        ):
            return handed.pcm
        again, _, timing = paced(self.spoken[index], self.rate, self.pause)
        if again.info != self.items[index].info or timing != self.spoken[index].timing:
            return StaleLayout(self.items[index].key)
        return again.pcm


def layout_of(key: str, stored: dict[str, Any]) -> Layout:
    """A layout as the cache holds it (JSON); KeyError, TypeError or ValueError if it is not."""
    kept = tuple((int(first), int(end), int(at)) for first, end, at in stored["kept"])
    info = PacedInfo(int(stored["lead"]), int(stored["trail"]), kept, int(stored["length"]))
    return Layout(key, float(stored["scale"]), info, str(stored["lead_digest"]))
