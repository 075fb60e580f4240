"""The audio edition: an Edition narrated into one MP3 with ID3 chapters, captions and chapters.

A pipeline of small stages, each a module of this package and testable alone:

1. script (``script``): the utterances to say, each with its language, pause and chapter;
2. speak (``speak``): each utterance through the front end, the accent stage, the lexicon and
   the desk's fixes to its engine, or found in the speech cache by its timing alone;
3. master (``mastering.master``): a fresh synthesis at the target loudness, before it is cached;
4. pace (``pace``): each utterance at the joined rate, trimmed to its speech, its sentences'
   silences set; where its speech then lies is cached (its layout);
5. assemble (``assemble``): the utterances joined with their pauses and cut into chapters,
   each encoded on its own or found in the cache by what its samples are made of;
6. time cues (``cues``): each utterance, sentence and chapter placed by the exact decoded
   length of the pieces before it plus the measured encoder delay (``codec``);
7. package (``package``): the ID3 tag and the frames, the WebVTT captions and chapters, the
   JSON chapters.

Stages 2 to 5 run one chapter at a time (``narrate_chapter``: in the build, one job per
chapter, so that the chapters of every edition share the cores), each returning where its
frames are in the cache and where its utterances are heard within them (``NarratedChapter``);
stages 6 and 7 (``join_chapters``) need only that. What every chapter shares is chosen before
any is spoken (``narration_plan``): the script, each chapter's utterances and the joined rate,
the highest of the rates the script's voices declare.

Every cache layer (speech with its timing, layouts, encoded chapters) is a namespace of the one
content-addressed store under ``.cache/speech`` (``cache.SpeechCache``), each entry named by
``cache.content_key`` of what made it. An unchanged chapter is found without reading any
audio; a changed paragraph reads, paces and encodes its chapter alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from polyedition.cache import SpeechCache
from polyedition.model import Edition
from polyedition.narration.script import Script, narration_script
from polyedition.render.audio.assemble import EncodeCounts, encode_chapter, join
from polyedition.render.audio.codec import (
    BITRATE_KBPS,
    LAME_QUALITY,
    decode_mp3,
    encode_mp3,
    encoder_delay,
    mp3_samples,
    resample,
)
from polyedition.render.audio.cues import Heard, Placed, chapter_marks, heard, timed
from polyedition.render.audio.id3 import ChapterMark
from polyedition.render.audio.pace import Layouts, StaleLayout
from polyedition.render.audio.package import Narration, package, tags, write_narration
from polyedition.render.audio.speak import (
    FRESH_BUDGET_BYTES,
    LONGEST_SPOKEN_WORD,
    Budget,
    SpeechCounts,
    Spoken,
    speak_script,
    spoken_script,
    without_overlong_words,
)
from polyedition.site import Site
from polyedition.speech.registry import Engines, VoiceChoice

__all__ = [
    "BITRATE_KBPS",
    "FRESH_BUDGET_BYTES",
    "LAME_QUALITY",
    "LONGEST_SPOKEN_WORD",
    "NarratedChapter",
    "Narration",
    "Placed",
    "decode_mp3",
    "encode_mp3",
    "encoder_delay",
    "join_chapters",
    "mp3_samples",
    "narrate",
    "narrate_chapter",
    "narration_plan",
    "resample",
    "spoken_script",
    "without_overlong_words",
    "write_narration",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    """What every chapter of one narration shares, chosen before any is spoken."""

    script: Script
    rate: int
    """The joined rate every chapter is paced and encoded at."""

    @property
    def chapters(self) -> tuple[str, ...]:
        """The id of each chapter that has utterances, in order."""
        return tuple(chapter for chapter, _, _ in self.script.spans)


def narration_plan(
    site: Site, edition: Edition, cache: SpeechCache, *, engines: Engines | None = None
) -> Plan:
    """The edition's script, its chapters and the rate they are joined at.

    Raises ConfigError when the settings ask for an engine that lacks a language.
    """
    engines = engines or Engines(voices_dir=site.settings.voices_dir)
    script = narration_script(site, edition)
    return Plan(script, joined_rate(site, script, cache, engines))


def joined_rate(site: Site, script: Script, cache: SpeechCache, engines: Engines) -> int:
    """The highest sample rate of the voices that say the script: each language's first
    choice, as its engine declares it (or, for an engine that declares none, as it says the
    language's first utterance). Every chapter knows it before it is spoken; a voice that falls
    back to another engine is resampled to it."""
    rates = []
    for lang in dict.fromkeys(utterance.lang for utterance in script.utterances):
        choice = engines.choices(site.settings, lang)[0]
        declared = _declared_rate(choice, lang)
        if declared is None:
            first = next(item for item in script.utterances if item.lang == lang)
            alone = Script(script.lang, script.chapters, (first,))
            spoken = speak_script(site, alone, cache, engines, SpeechCounts())
            declared = spoken[0].timing.sample_rate
        rates.append(declared)
    return max(rates)


def _declared_rate(choice: VoiceChoice, lang: str) -> int | None:
    base = choice.voice.split("+")[0].lower()
    return next(
        (voice.sample_rate for voice in choice.engine.voices(lang) if voice.name.lower() == base),
        None,
    )


@dataclass(frozen=True, slots=True)
class NarratedChapter:
    """One chapter of a narration, spoken and encoded: where its frames are in the cache and
    where its utterances are heard within them (all the MP3 needs of it)."""

    chapter: str
    frames: str
    """The key of its MPEG frames in the speech cache's chapters (``SpeechCache.chapters``)."""
    size: int
    """Bytes of its frames."""
    samples: int
    """Samples its frames decode to."""
    rate: int
    heard: tuple[Heard, ...]

    def as_json(self) -> dict[str, Any]:
        """As the build records it (floats keep every bit through JSON)."""
        return {
            "chapter": self.chapter,
            "frames": self.frames,
            "size": self.size,
            "samples": self.samples,
            "rate": self.rate,
            "heard": [
                [item.engine, item.origin, list(item.offsets), list(item.sentences)]
                for item in self.heard
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> NarratedChapter:
        """KeyError, TypeError or ValueError if ``data`` is not what ``as_json`` gave."""
        return cls(
            str(data["chapter"]),
            str(data["frames"]),
            int(data["size"]),
            int(data["samples"]),
            int(data["rate"]),
            tuple(
                Heard(
                    str(engine),
                    int(origin),
                    tuple(float(offset) for offset in offsets),
                    tuple(str(text) for text in sentences),
                )
                for engine, origin, offsets, sentences in data["heard"]
            ),
        )


@dataclass
class ChapterCounts:
    """What narrating chapters did: the speak stage's counts and the assemble stage's."""

    speech: SpeechCounts = field(default_factory=SpeechCounts)
    encoding: EncodeCounts = field(default_factory=EncodeCounts)
    encode_seconds: float = 0.0
    tails: set[str] = field(default_factory=set)
    """The next chapter's first utterance, when the last chapter synthesized it (its key)."""


def narrate_chapter(
    site: Site,
    plan: Plan,
    number: int,
    cache: SpeechCache,
    *,
    engines: Engines | None = None,
    counts: ChapterCounts | None = None,
) -> NarratedChapter:
    """Speak, pace and encode chapter ``number`` of ``plan`` (or find it in the cache); writes
    nothing but cache entries. Its last pause ends with the next chapter's lead guard, so the
    next chapter's first utterance is spoken (or found) and paced too.

    Raises SpeechError naming the language and the segment when no configured engine can say
    a segment.
    """
    engines = engines or Engines(voices_dir=site.settings.voices_dir)
    counts = counts or ChapterCounts()
    script, rate = plan.script, plan.rate
    _, first, end = script.spans[number]
    own = Script(script.lang, script.chapters, script.utterances[first:end])
    following = Script(script.lang, script.chapters, script.utterances[end : end + 1])
    pause = site.settings.pauses.sentence
    speech = counts.speech

    own_count = end - first
    made_before = set(counts.tails)  # by the chapter before, in this narration
    counts.tails.clear()

    def spoken_now() -> tuple[list[Spoken], SpeechCounts]:
        # The next chapter's first utterance is counted by the chapter that synthesizes it
        # (its PCM may be read, and made again, while this chapter is encoded), or else by its
        # own chapter, as served from the cache.
        said = speak_script(site, own, cache, engines, speech, ahead=following.utterances)
        speech.cached -= sum(1 for item in said if item.key in made_before)
        tail = SpeechCounts()
        return [*said, *speak_script(site, following, cache, engines, tail)], tail

    started = time.perf_counter()
    cached_before = speech.cached
    spoken, tail = spoken_now()
    layouts = Layouts(spoken, rate, pause, cache)
    frames = _encoded(spoken, layouts, own_count, cache, counts.encoding, opening=not number)
    if isinstance(frames, StaleLayout):
        # Another library paces differently, or a damaged segment was synthesized again by
        # an engine that never says a text the same way twice: every segment is read (its
        # timing too) and paced again.
        logger.warning(
            "%s: the cached layout %s does not match its audio; pacing every segment of "
            "chapter %r again",
            script.lang,
            frames.key,
            plan.chapters[number],
        )
        speech.cached = cached_before  # counted again below
        speech.budget = Budget()  # what the first attempt held is let go
        spoken, tail = spoken_now()
        layouts = Layouts(spoken, rate, pause, cache, trust_cache=False)
        frames = _encoded(spoken, layouts, own_count, cache, counts.encoding, opening=not number)
        if isinstance(frames, StaleLayout):
            raise RuntimeError(f"pacing the audio of {frames.key} twice gave two layouts")
    speech.synthesized += tail.synthesized
    speech.seconds += tail.seconds
    if tail.synthesized:
        counts.tails.update(item.key for item in spoken[own_count:])
    counts.encode_seconds += time.perf_counter() - started
    slots, _ = join(spoken, layouts.items, rate)
    return NarratedChapter(
        chapter=plan.chapters[number],
        frames=counts.encoding.keys[-1],
        size=len(frames),
        samples=mp3_samples(frames),
        rate=rate,
        heard=tuple(
            heard(spoken[:own_count], slots[:own_count], encoder_delay(rate), opening=not number)
        ),
    )


def _encoded(
    spoken: list[Spoken],
    layouts: Layouts,
    own: int,
    cache: SpeechCache,
    counts: EncodeCounts,
    *,
    opening: bool,
) -> bytes | StaleLayout:
    """The chapter's MPEG frames (assemble), or the stale layout that stopped them: its ``own``
    utterances, then the next chapter's first one, if any."""
    _, silences = join(spoken, layouts.items, layouts.rate)
    return encode_chapter((0, own), layouts, silences, cache=cache, counts=counts, opening=opening)


@dataclass(frozen=True, slots=True)
class Joined:
    """A narration's chapters joined: the MP3's ID3 tag (its frames follow, chapter by
    chapter), its captions and chapters, and where everything is heard."""

    tag: bytes
    captions_vtt: str
    chapters_vtt: str
    chapters_json: str
    duration_seconds: float
    placed: tuple[Placed, ...]
    marks: tuple[ChapterMark, ...]
    encoder_delay_samples: int


def join_chapters(
    site: Site, edition: Edition, script: Script, chapters: Sequence[NarratedChapter]
) -> Joined:
    """Time the cues of ``chapters`` (each starts after the whole frames of those before it)
    and make the tag, captions and chapters; reads no audio."""
    rates = {chapter.rate for chapter in chapters}
    if len(rates) != 1:
        raise ValueError(f"the chapters were encoded at different rates: {sorted(rates)}")
    rate = rates.pop()
    piece_starts = []
    position = 0
    for chapter in chapters:
        piece_starts += [position] * len(chapter.heard)
        position += chapter.samples
    duration = position / rate
    placed, cues = timed(
        script.utterances,
        [item for chapter in chapters for item in chapter.heard],
        piece_starts,
        rate,
        edition.lang,
    )
    tagged = tags(site, edition, chapter_marks(script, placed, duration))
    files = package(tagged, cues)
    return Joined(
        files.tag,
        files.captions_vtt,
        files.chapters_vtt,
        files.chapters_json,
        duration,
        tuple(placed),
        tagged.chapters,
        encoder_delay(rate),
    )


def narrate(
    site: Site, edition: Edition, cache: SpeechCache, *, engines: Engines | None = None
) -> Narration:
    """Narrate ``edition`` in one call, chapter after chapter (the build runs each chapter as a
    job of its own, then joins them); writes nothing but cache entries.

    Raises SpeechError naming the language and the segment when no configured engine can say
    a segment, and ConfigError when the settings ask for an engine that lacks the language.
    """
    engines = engines or Engines(voices_dir=site.settings.voices_dir)
    plan = narration_plan(site, edition, cache, engines=engines)
    counts = ChapterCounts()
    chapters = [
        narrate_chapter(site, plan, number, cache, engines=engines, counts=counts)
        for number in range(len(plan.chapters))
    ]
    joined = join_chapters(site, edition, plan.script, chapters)
    frames = [cache.chapter(chapter.frames) for chapter in chapters]
    if any(piece is None for piece in frames):
        raise RuntimeError("an encoded chapter left the cache while its narration was made")
    return Narration(
        mp3=b"".join([joined.tag, *(piece or b"" for piece in frames)]),
        captions_vtt=joined.captions_vtt,
        chapters_vtt=joined.chapters_vtt,
        chapters_json=joined.chapters_json,
        duration_seconds=joined.duration_seconds,
        synthesized=counts.speech.synthesized,
        cached=counts.speech.cached,
        sample_rate=plan.rate,
        placed=joined.placed,
        chapters=joined.marks,
        encoder_delay_samples=joined.encoder_delay_samples,
        encoded_chapters=counts.encoding.encoded,
        reused_chapters=counts.encoding.reused,
        synthesis_seconds=counts.speech.seconds,
        encode_seconds=counts.encode_seconds,
    )
