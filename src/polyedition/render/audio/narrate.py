"""The audio edition: an Edition narrated into one MP3 with ID3 chapters, captions and chapters.

Each utterance of the speech script is synthesized on its own and cached by everything that
determines it, once mastered to the target loudness (``mastering``); the utterances are joined
(resampled to one rate when engines differ), each trimmed to its speech and followed by its
configured pause, and cut into chapters, one per section. Each chapter is encoded on its own
and its MPEG frames cached by what its samples are made of (its utterances, their layouts and
the silences between them) and the encoder settings; the chapters' frames are concatenated.
Where each utterance's speech lies once paced is cached too (a small entry, like each
synthesis's timing), so that an unchanged chapter is found without reading any audio, and a
changed paragraph reads, paces and encodes its chapter alone. Each piece decodes to a whole
number of frames with the encoder delay (measured) at its start and padding at its end: every
time is placed by the exact decoded length of the pieces before it plus that delay.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from polyedition.cache import EncodedChapterCache, SpeechCache
from polyedition.errors import SpeechError
from polyedition.fsutil import write_if_changed
from polyedition.model import Edition
from polyedition.narration.script import Script, Utterance, narration_script
from polyedition.narration.sentences import cue_id, speakable
from polyedition.render.audio.chapters import chapters_json
from polyedition.render.audio.id3 import ChapterMark, Tags, id3_tag
from polyedition.render.audio.mastering import (
    PACING,
    PUBLISHED_CEILING_DBTP,
    Paced,
    PacedInfo,
    master,
    pace,
    pcm_of,
    recipe,
    samples_of,
    true_peak_dbtp,
)
from polyedition.render.audio.vtt import Cue, webvtt
from polyedition.site import AudioInfo, Site, chapters_path, html_path, mp3_path, vtt_path
from polyedition.speech.base import SAMPLE_WIDTH, EngineUnavailable, Synthesis, Timing
from polyedition.speech.fixes import Fixes, load_fixes
from polyedition.speech.frontend import Frontend, load_frontend
from polyedition.speech.lexicon import Lexicon, load_lexicon
from polyedition.speech.registry import Engines, VoiceChoice
from polyedition.speech.spoken import SpokenText, prepare, spoken_text

logger = logging.getLogger(__name__)

BITRATE_KBPS = 48
"""Mono speech: 48 kbps at 22.05 or 24 kHz is clear and about 21 MB per hour."""
LAME_QUALITY = 5
"""LAME's own default trade-off: -q 2 takes twice as long for no audible gain in mono speech."""


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one utterance sits in the MP3, in seconds of decoded audio."""

    utterance: Utterance
    start: float
    end: float
    """The end of its speech (its pause follows)."""
    engine: str


@dataclass(frozen=True, slots=True)
class Narration:
    """An edition's narration, ready to be written next to its page."""

    mp3: bytes
    captions_vtt: str
    chapters_vtt: str
    chapters_json: str
    """The chapters for podcast apps (``podcast:chapters``), same times as the CHAP frames."""
    duration_seconds: float
    synthesized: int
    """Utterances synthesized by this call (not found in the cache)."""
    cached: int
    """Utterances served from the cache."""
    sample_rate: int
    placed: tuple[Placed, ...]
    chapters: tuple[ChapterMark, ...]
    encoder_delay_samples: int
    """Decoded samples before each chapter's first sample (its encode's delay)."""
    encoded_chapters: int
    """Chapters encoded by this call (not found in the cache)."""
    reused_chapters: int
    """Chapters whose MPEG frames came from the cache."""
    synthesis_seconds: float
    """Time spent in the engines (a benchmark figure; not part of the output)."""
    encode_seconds: float
    """Time spent encoding chapters or finding them in the cache (a benchmark figure)."""


@dataclass(frozen=True, slots=True)
class _Spoken:
    utterance: Utterance
    timing: Timing
    sentences: tuple[tuple[int, str], ...]
    """Each sentence: its offset in the text the engine read, and its text as written."""
    engine: str
    key: str
    """The synthesis's key in the speech cache."""
    load: Callable[[], Synthesis]
    """The synthesis with its PCM: from the cache, or made again if the entry went bad."""


FRESH_BUDGET_BYTES = 64 * 1024 * 1024
"""How much freshly made audio a narration keeps in memory for its chapters, for each of the
synthesized and the paced PCM (about 25 minutes at 22 kHz each); beyond it, a chapter reads
its segments back from the speech cache and paces them again, so memory stays bounded however
long the article."""


@dataclass
class _Counts:
    synthesized: int = 0
    cached: int = 0
    seconds: float = 0.0
    encoded: int = 0
    reused: int = 0
    fresh_bytes: int = 0
    """Bytes of PCM held for chapters not yet encoded (at most ``FRESH_BUDGET_BYTES``)."""


def narrate(
    site: Site, edition: Edition, cache: SpeechCache, *, engines: Engines | None = None
) -> Narration:
    """Narrate ``edition``; writes nothing but cache entries.

    Raises SpeechError naming the language and the segment when no configured engine can say
    a segment, and ConfigError when the settings ask for an engine that lacks the language.
    """
    engines = engines or Engines(voices_dir=site.settings.voices_dir)
    script = narration_script(site, edition)
    counts = _Counts()
    spoken = _speak_script(site, script, cache, engines, counts)
    rate = max(item.timing.sample_rate for item in spoken)
    pause = site.settings.pauses.sentence
    delay = encoder_delay(rate)
    started = time.perf_counter()
    try:
        timeline, pieces = _encode(
            spoken, _Layouts(spoken, rate, pause, cache), rate, cache, counts
        )
    except _StaleLayout as stale:
        # Another library paces differently, or a damaged segment was synthesized again by
        # an engine that never says a text the same way twice: every segment is read (its
        # timing too) and paced again.
        logger.warning(
            "%s: the cached layout %s does not match its audio; pacing every segment again",
            edition.lang,
            stale,
        )
        counts.cached = 0
        spoken = _speak_script(site, script, cache, engines, counts)
        layouts = _Layouts(spoken, rate, pause, cache, trust_cache=False)
        timeline, pieces = _encode(spoken, layouts, rate, cache, counts)
    encode_seconds = time.perf_counter() - started
    lengths = [mp3_samples(piece) for piece in pieces]
    origins = _origins(spoken, timeline, lengths, delay)
    duration = sum(lengths) / rate
    placed, cues = _timed(spoken, timeline, origins, rate, edition.lang)
    chapters = _chapters(script, placed, duration)
    tags = Tags(
        title=speakable(edition.title.text),
        artist=edition.article.meta.author,
        album=edition.article.meta.publisher,
        language=site.profile(edition.lang).iso639_2,
        date=edition.article.meta.date.isoformat(),
        url=site.url(html_path(edition.lang, edition.slug)),
        chapters=chapters,
    )
    chapter_cues = [
        Cue(chapter.id, chapter.start_ms / 1000, chapter.end_ms / 1000, chapter.title)
        for chapter in chapters
    ]
    mp3 = b"".join([id3_tag(tags), *pieces])  # one copy of the frames, not two
    del pieces
    return Narration(
        mp3=mp3,
        captions_vtt=webvtt(cues),
        chapters_vtt=webvtt(chapter_cues),
        chapters_json=chapters_json(tags.title, chapters),
        duration_seconds=duration,
        synthesized=counts.synthesized,
        cached=counts.cached,
        sample_rate=rate,
        placed=tuple(placed),
        chapters=chapters,
        encoder_delay_samples=delay,
        encoded_chapters=counts.encoded,
        reused_chapters=counts.reused,
        synthesis_seconds=counts.seconds,
        encode_seconds=encode_seconds,
    )


def _speak_script(
    site: Site, script: Script, cache: SpeechCache, engines: Engines, counts: _Counts
) -> list[_Spoken]:
    """Every utterance spoken, each language by its first engine that is available."""
    by_lang: dict[str, list[int]] = {}
    for index, utterance in enumerate(script.utterances):
        by_lang.setdefault(utterance.lang, []).append(index)
    spoken: dict[int, _Spoken] = {}
    for lang, indexes in by_lang.items():
        lexicon = load_lexicon(site.settings.locales_dir, lang, site.settings.source_language)
        fixes = load_fixes(site.settings.locales_dir, lang)
        frontend = load_frontend(site.settings.locales_dir, lang)
        prepare([script.utterances[index].text for index in indexes], frontend, lexicon)
        choices = engines.choices(site.settings, lang)
        for number, choice in enumerate(choices, start=1):
            try:
                for index in indexes:
                    spoken[index] = _speak(
                        script.utterances[index],
                        choice,
                        frontend=frontend,
                        lexicon=lexicon,
                        fixes=fixes,
                        cache=cache,
                        counts=counts,
                    )
                break
            except EngineUnavailable as exc:
                utterance = script.utterances[index]
                if number == len(choices):
                    raise SpeechError(
                        f"cannot narrate segment {utterance.id!r}: "
                        f"{choice.engine.name}: {exc.message}",
                        lang=lang,
                        hint=exc.hint,
                    ) from exc
                logger.warning(
                    "%s: %s unavailable at segment %r (%s); narrating %s with %s",
                    lang,
                    choice.engine.name,
                    utterance.id,
                    exc.message,
                    lang,
                    choices[number].label,
                )
    return [spoken[index] for index in range(len(script.utterances))]


def spoken_script(
    site: Site, edition: Edition, *, engines: Engines | None = None
) -> tuple[tuple[Utterance, SpokenText], ...]:
    """Every utterance of the edition's narration with the text its engine will read: after
    the front end, the accent stage, the lexicon and the desk's one-occurrence fixes (phonemes
    only where the engine in use reads them)."""
    engines = engines or Engines()
    script = narration_script(site, edition)
    speakers: dict[str, tuple[Frontend, Lexicon, Fixes, bool]] = {}
    for lang in dict.fromkeys(utterance.lang for utterance in script.utterances):
        frontend = load_frontend(site.settings.locales_dir, lang)
        lexicon = load_lexicon(site.settings.locales_dir, lang, site.settings.source_language)
        phonemes = engines.choices(site.settings, lang)[0].engine.accepts_phonemes
        if phonemes:
            texts = [utterance.text for utterance in script.utterances if utterance.lang == lang]
            prepare(texts, frontend, lexicon)
        speakers[lang] = (
            frontend,
            lexicon,
            load_fixes(site.settings.locales_dir, lang),
            phonemes,
        )
    spoken = []
    for utterance in script.utterances:
        frontend, lexicon, fixes, phonemes = speakers[utterance.lang]
        text = spoken_text(
            utterance.text,
            frontend,
            lexicon,
            phonemes=phonemes,
            fixes=fixes.of(utterance.id),
            foreign=utterance.foreign,
        )
        spoken.append((utterance, text))
    return tuple(spoken)


def _speak(
    utterance: Utterance,
    choice: VoiceChoice,
    *,
    frontend: Frontend,
    lexicon: Lexicon,
    fixes: Fixes,
    cache: SpeechCache,
    counts: _Counts,
) -> _Spoken:
    """One utterance through the front end, the lexicon and the engine, or from the cache.

    The cache key holds the words the engine reads, so that editing the speech tables
    re-narrates exactly the utterances whose spoken text changes."""
    engine = choice.engine
    spoken = spoken_text(
        utterance.text,
        frontend,
        lexicon,
        phonemes=engine.accepts_phonemes,
        fixes=fixes.of(utterance.id),
        foreign=utterance.foreign,
    )
    said, overlong = without_overlong_words(spoken.text)
    if overlong:
        logger.warning(
            "%s: segment %r: not saying %d word(s) longer than %d letters (%s…): a typo or a "
            "missing space? A voice would spell it letter by letter",
            utterance.lang,
            utterance.id,
            len(overlong),
            LONGEST_SPOKEN_WORD,
            overlong[0][:20],
        )
        spoken = replace(spoken, text=said)
    key = SpeechCache.key(
        engine=engine.name,
        version=engine.version(),
        voice=engine.voice_id(utterance.lang, choice.voice),
        rate=choice.rate,
        lexicon=[(entry.word, entry.say) for entry in spoken.entries],
        text=spoken.text,
        mastering=recipe(),
    )

    def synthesize() -> Synthesis:
        started = time.perf_counter()
        try:
            made = engine.synthesize(spoken.text, utterance.lang, choice.voice, choice.rate)
        except EngineUnavailable:
            raise
        except SpeechError as exc:
            raise SpeechError(
                f"cannot narrate segment {utterance.id!r}: {engine.name}: {exc.message}",
                lang=utterance.lang,
                hint=exc.hint,
            ) from exc
        counts.seconds += time.perf_counter() - started
        if made.samples == 0:
            raise SpeechError(
                f"cannot narrate segment {utterance.id!r}: {engine.name} produced no audio",
                lang=utterance.lang,
                hint="check the segment's text and the lexicon entries it uses",
            )
        made = master(made)
        cache.put(key, made)
        counts.synthesized += 1
        return made

    fresh: list[Synthesis] = []

    def load() -> Synthesis:
        """The PCM, read only when a chapter is encoded again (made again if it went bad)."""
        if fresh:
            counts.fresh_bytes -= len(fresh[0].pcm)
            return fresh.pop()
        return cache.get(key) or synthesize()

    def keep(made: Synthesis) -> None:
        """Hold fresh audio for its chapter while the budget allows; else it is read back."""
        if counts.fresh_bytes + len(made.pcm) <= FRESH_BUDGET_BYTES:
            counts.fresh_bytes += len(made.pcm)
            fresh.append(made)

    timing = cache.timing(key)
    if timing is None:  # not stored, or stored before timings were: read or make it now
        stored = cache.get(key)
        if stored is None:
            stored = synthesize()
        else:
            cache.put_timing(key, stored.timing)
            counts.cached += 1
        keep(stored)
        timing = stored.timing
    else:
        counts.cached += 1
    return _Spoken(utterance, timing, spoken.sentences, engine.name, key, load)


LONGEST_SPOKEN_WORD = 40
"""Letters in the longest word a narration says; a longer one is not said (German's longest
words in real use have about 40; a voice would spell a run of letters one by one)."""
_OVERLONG = re.compile(rf"[^\W\d_]{{{LONGEST_SPOKEN_WORD + 1},}}")


def without_overlong_words(text: str) -> tuple[str, list[str]]:
    """``text`` with every word longer than ``LONGEST_SPOKEN_WORD`` letters blanked (spaces of
    its length, so every offset into the text still holds), and those words.

    >>> without_overlong_words("A " + "W" * 50 + " word.")[0] == "A " + " " * 50 + " word."
    True
    """
    found = _OVERLONG.findall(text)
    if not found:
        return text, []
    return _OVERLONG.sub(lambda match: " " * len(match.group()), text), found


@dataclass(frozen=True, slots=True)
class _Slot:
    start: int
    """The utterance's first sample of speech in the joined PCM."""
    scale: float
    """Joined-rate samples per engine sample (1.0 unless resampled)."""
    paced: PacedInfo

    @property
    def samples(self) -> int:
        return self.paced.speech

    def offset(self, sample: float) -> float:
        """Joined-rate samples from the start of speech to the engine's ``sample``."""
        return self.paced.position(sample * self.scale)


@dataclass(frozen=True, slots=True)
class _Layout:
    key: str
    """Its key in the cache: the synthesis, the joined rate, the sentences, the pause, pacing."""
    scale: float
    info: PacedInfo
    lead_digest: str
    """SHA-256 of its lead guard's samples, which end the chapter before it."""


class _StaleLayout(Exception):
    """A cached layout that pacing its synthesis again does not give (a library changed)."""


class _Layouts:
    """Each utterance's layout once paced at the joined rate: from the cache (no PCM read),
    or paced now; the paced PCM is made only for the chapters that are encoded again."""

    def __init__(
        self,
        spoken: list[_Spoken],
        rate: int,
        pause: float,
        cache: SpeechCache,
        *,
        trust_cache: bool = True,
    ) -> None:
        self.spoken, self.rate, self.pause, self.cache = spoken, rate, pause, cache
        self._pcm: dict[int, bytes] = {}
        self._held = 0
        self.items = [self._layout(index, trust_cache) for index in range(len(spoken))]

    def _layout(self, index: int, trust_cache: bool) -> _Layout:
        item = self.spoken[index]
        key = SpeechCache.layout_key(
            speech=item.key,
            rate=self.rate,
            sentences=[offset for offset, _ in item.sentences[1:]],
            pause=self.pause,
            pacing=f"{PACING}; miniaudio {_miniaudio_version()}",
        )
        stored = self.cache.layout(key) if trust_cache else None
        if stored is not None:
            try:
                return _layout_of(key, stored)
            except (KeyError, TypeError, ValueError):
                path = self.cache.layouts.path(key)
                logger.warning("%s: unreadable cache entry, making it again", path)
        paced, scale = self._pace(index)
        self._keep(index, paced.pcm)
        info = paced.info
        lead_digest = hashlib.sha256(paced.pcm[: SAMPLE_WIDTH * info.lead]).hexdigest()
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
        return _Layout(key, scale, info, lead_digest)

    def _pace(self, index: int) -> tuple[Paced, float]:
        item = self.spoken[index]
        synthesis = item.load()
        audio = resample(synthesis.pcm, synthesis.sample_rate, self.rate)
        scale = len(audio) / SAMPLE_WIDTH / synthesis.samples
        boundaries = [
            round(synthesis.sample_at(offset) * scale) for offset, _ in item.sentences[1:]
        ]
        return pace(audio, self.rate, boundaries, self.pause), scale

    def _keep(self, index: int, pcm: bytes) -> None:
        """Hold an utterance's paced PCM for its chapter while the budget allows (else it is
        paced again when its chapter is encoded): memory stays bounded however long the
        narration."""
        if self._held + len(pcm) <= FRESH_BUDGET_BYTES:
            self._pcm[index] = pcm
            self._held += len(pcm)

    def release(self, indexes: range) -> None:
        """Forget the paced PCM of utterances whose chapter is encoded (chapters go in order)."""
        for index in indexes:
            self._held -= len(self._pcm.pop(index, b""))

    def pcm(self, index: int) -> bytes:
        """Utterance ``index`` paced: its synthesis is read and paced again if need be."""
        if index not in self._pcm:
            paced, _ = self._pace(index)
            if paced.info != self.items[index].info:
                raise _StaleLayout(self.items[index].key)
            return paced.pcm
        return self._pcm[index]


def _layout_of(key: str, stored: dict[str, Any]) -> _Layout:
    """A layout as the cache holds it (JSON); KeyError, TypeError or ValueError if it is not."""
    kept = tuple((int(first), int(end), int(at)) for first, end, at in stored["kept"])
    info = PacedInfo(int(stored["lead"]), int(stored["trail"]), kept, int(stored["length"]))
    return _Layout(key, float(stored["scale"]), info, str(stored["lead_digest"]))


def _join(spoken: list[_Spoken], layouts: _Layouts, rate: int) -> tuple[list[_Slot], list[int]]:
    """Where each utterance's speech starts when all are joined at ``rate`` (from the end of one
    utterance's speech to the start of the next one's, exactly its pause; the guards kept
    around speech count in it), and the samples of silence after each."""
    items = layouts.items
    slots = []
    silences = []
    position = 0
    for index, (item, layout) in enumerate(zip(spoken, items, strict=True)):
        slots.append(_Slot(position + layout.info.lead, layout.scale, layout.info))
        position += layout.info.length
        following = items[index + 1].info.lead if index + 1 < len(items) else 0
        silence = max(0, round(item.utterance.pause * rate) - layout.info.trail - following)
        silences.append(silence)
        position += silence
    return slots, silences


def _encode(
    spoken: list[_Spoken], layouts: _Layouts, rate: int, cache: SpeechCache, counts: _Counts
) -> tuple[list[_Slot], list[bytes]]:
    """Each utterance's place in the joined PCM, and each chapter's MPEG frames."""
    slots, silences = _join(spoken, layouts, rate)
    pieces = [
        _encode_chapter(span, layouts, silences, rate, store=cache.chapters, counts=counts)
        for span in _chapter_spans(spoken)
    ]
    return slots, pieces


def _chapter_spans(spoken: list[_Spoken]) -> list[tuple[int, int]]:
    """The utterances of each chapter, as ranges of their indexes."""
    firsts = [
        index
        for index, item in enumerate(spoken)
        if not index or item.utterance.chapter != spoken[index - 1].utterance.chapter
    ]
    return list(zip(firsts, [*firsts[1:], len(spoken)], strict=True))


def _encode_chapter(
    span: tuple[int, int],
    layouts: _Layouts,
    silences: list[int],
    rate: int,
    *,
    store: EncodedChapterCache,
    counts: _Counts,
) -> bytes:
    """One chapter's MPEG frames, from the cache or encoded on their own.

    A chapter's PCM runs from its first utterance's speech (the first chapter's from 0) to
    the next chapter's, so that it ends with its last pause and the next one's lead guard;
    its key names exactly that, so that an unchanged chapter is found without its PCM.
    """
    first, end = span
    items = layouts.items
    skip = items[first].info.lead if first else 0
    tail = (items[end].lead_digest, items[end].info.lead) if end < len(items) else None
    key = EncodedChapterCache.key(
        recipe={
            "utterances": [[items[i].key, silences[i]] for i in range(first, end)],
            "skip": skip,
            "tail": tail,
        },
        sample_rate=rate,
        bitrate=BITRATE_KBPS,
        quality=LAME_QUALITY,
        encoder=f"lameenc {_lameenc_version()}, under {PUBLISHED_CEILING_DBTP} dBTP",
    )
    frames = store.get(key)
    if frames is None:
        parts = []
        for index in range(first, end):
            pcm = layouts.pcm(index)
            parts += [pcm[SAMPLE_WIDTH * skip :] if index == first else pcm]
            parts.append(bytes(SAMPLE_WIDTH * silences[index]))
        if tail is not None:
            parts.append(layouts.pcm(end)[: SAMPLE_WIDTH * tail[1]])
        layouts.release(range(first, end))
        frames = _encode_under_ceiling(b"".join(parts), rate)
        store.put(key, frames)
        counts.encoded += 1
    else:
        counts.reused += 1
    return frames


def _encode_under_ceiling(pcm: bytes, rate: int) -> bytes:
    """The chapter encoded, and encoded again a little quieter while its decoded true peak is
    over ``PUBLISHED_CEILING_DBTP`` (the encoder's low-pass and quantization raise the peaks
    of limited speech by up to 2.5 dB; this takes back a few tenths of a decibel at most)."""
    frames = encode_mp3(pcm, rate)
    for _ in range(3):
        decoded = _miniaudio().decode(
            frames, output_format=_miniaudio().SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
        )
        peak = true_peak_dbtp(samples_of(bytes(decoded.samples)))
        if peak <= PUBLISHED_CEILING_DBTP:
            break
        logger.debug("chapter peaks at %.2f dBTP once encoded; lowering it", peak)
        pcm = pcm_of(samples_of(pcm) * 10 ** ((PUBLISHED_CEILING_DBTP - 0.05 - peak) / 20))
        frames = encode_mp3(pcm, rate)
    return frames


@cache
def _lameenc_version() -> str:
    return version("lameenc")


@cache
def _miniaudio_version() -> str:
    """The resampler's version: part of each layout's key (it sets a resampled length)."""
    return version("miniaudio")


def _origins(
    spoken: list[_Spoken], slots: list[_Slot], lengths: list[int], delay: int
) -> list[int]:
    """The decoded sample at which each utterance's first sample is heard.

    A chapter's piece starts after the whole frames of the pieces before it (``lengths``:
    the samples each piece decodes to); within it, its PCM is heard ``delay`` samples late.
    """
    origins = []
    piece = -1
    piece_start = pcm_start = 0
    for index, (item, slot) in enumerate(zip(spoken, slots, strict=True)):
        if not index or item.utterance.chapter != spoken[index - 1].utterance.chapter:
            if piece >= 0:
                piece_start += lengths[piece]
            piece += 1
            pcm_start = slot.start if index else 0
        origins.append(piece_start + delay + slot.start - pcm_start)
    return origins


def _timed(
    spoken: list[_Spoken], slots: list[_Slot], origins: list[int], rate: int, lang: str
) -> tuple[list[Placed], list[Cue]]:
    """Each utterance's place and each sentence's cue, in seconds of the decoded MP3."""
    placed = []
    cues = []
    for item, slot, origin in zip(spoken, slots, origins, strict=True):

        def seconds(sample: float, slot: _Slot = slot, origin: int = origin) -> float:
            return (origin + slot.offset(sample)) / rate

        utterance = item.utterance
        start, end = seconds(0), seconds(item.timing.samples)
        placed.append(Placed(utterance, start, end, item.engine))
        times = [seconds(item.timing.sample_at(offset)) for offset, _ in item.sentences]
        ends = [*times[1:], end]
        for number, ((_, text), cue_start, cue_end) in enumerate(
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


def _chapters(script: Script, placed: list[Placed], duration: float) -> tuple[ChapterMark, ...]:
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


def _miniaudio() -> Any:
    """miniaudio (untyped cffi bindings), imported when audio is first decoded or resampled."""
    import miniaudio  # type: ignore[import-untyped]

    return miniaudio


def resample(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    """16-bit mono PCM at another sample rate (miniaudio's resampler); unchanged if equal."""
    if source_rate == target_rate:
        return pcm
    miniaudio = _miniaudio()
    fmt = miniaudio.SampleFormat.SIGNED16
    return bytes(miniaudio.convert_frames(fmt, 1, source_rate, pcm, fmt, 1, target_rate))


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

    >>> mp3_samples(encode_mp3(bytes(2 * 22050), 22050)) % 576
    0
    """
    total = 0
    position = 0
    while position < len(frames):
        header = int.from_bytes(frames[position : position + 4], "big")
        mpeg = (header >> 19) & 3
        bitrate_index = (header >> 12) & 15
        rate_index = (header >> 10) & 3
        if (
            header >> 21 != 0x7FF
            or mpeg == 1
            or (header >> 17) & 3 != 1
            or bitrate_index in (0, 15)
            or rate_index == 3
        ):
            raise ValueError(f"no MPEG layer III frame header at byte {position}")
        per_frame = 1152 if mpeg == 3 else 576
        bitrate = 1000 * _LAYER3_KBPS[mpeg == 3][bitrate_index]
        position += per_frame // 8 * bitrate // _RATES[mpeg][rate_index] + ((header >> 9) & 1)
        total += per_frame
    if position != len(frames):
        raise ValueError(f"the last MPEG frame is cut short at byte {len(frames)}")
    return total


def decode_mp3(mp3: bytes, rate: int) -> list[int]:
    """The samples a player hears (miniaudio), as 16-bit mono at ``rate``."""
    miniaudio = _miniaudio()
    decoded = miniaudio.decode(
        mp3, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
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


def write_narration(narration: Narration, output_dir: Path, lang: str, slug: str) -> AudioInfo:
    """Write the MP3, captions and chapters (WebVTT and JSON) under ``output_dir`` (atomically,
    only when their bytes change) and return the AudioInfo for ``Site.audio``."""
    info = AudioInfo(
        duration_seconds=narration.duration_seconds,
        size_bytes=len(narration.mp3),
        mp3=mp3_path(lang, slug),
        captions=vtt_path(lang, slug),
        chapters=chapters_path(lang, slug),
    )
    write_if_changed(output_dir / info.mp3, narration.mp3)
    write_if_changed(output_dir / info.captions, narration.captions_vtt.encode("utf-8"))
    write_if_changed(output_dir / info.chapters, narration.chapters_vtt.encode("utf-8"))
    write_if_changed(output_dir / info.chapters_json, narration.chapters_json.encode("utf-8"))
    return info
