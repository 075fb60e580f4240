"""The narration's stages, each alone: speak, master, pace, assemble, time cues, package.

A tone engine stands in for a voice: each sentence a burst of tone between silences, marked
where it starts, so that every stage runs in milliseconds and without eSpeak.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from polyedition.cache import SpeechCache
from polyedition.config import Settings
from polyedition.narration.script import Chapter, Script, Utterance
from polyedition.render.audio.assemble import (
    EncodeCounts,
    Slot,
    encode_chapter,
    encode_under_ceiling,
    join,
)
from polyedition.render.audio.codec import decode_mp3, encode_mp3, mp3_samples
from polyedition.render.audio.cues import Placed, chapter_marks, heard, timed
from polyedition.render.audio.id3 import ChapterMark, Tags
from polyedition.render.audio.mastering import (
    FRAME,
    LEAD_GUARD,
    PUBLISHED_CEILING_DBTP,
    PacedInfo,
    master,
    samples_of,
    speech_frames,
    true_peak_dbtp,
)
from polyedition.render.audio.pace import Layouts, StaleLayout
from polyedition.render.audio.package import package
from polyedition.render.audio.speak import (
    Budget,
    Speaker,
    SpeechCounts,
    Spoken,
    load_speaker,
    speak,
)
from polyedition.render.audio.vtt import Cue, webvtt
from polyedition.speech.base import Mark, Synthesis, Voice
from polyedition.speech.lexicon import Lexicon
from polyedition.speech.registry import VoiceChoice
from projectkit import SLUG

RATE = 16000
PAUSE = 0.4
WORDS = ("one", "two", "three", "four")


class ToneEngine:
    """Each sentence (up to a full stop and a space) as 0.3 s of tone, 0.25 s of silence
    around each; a mark where each sentence starts."""

    name = "tone"
    accepts_phonemes = False
    reproducible = True

    def __init__(self) -> None:
        self.said: list[str] = []

    def version(self) -> str:
        return "1"

    def languages(self) -> frozenset[str]:
        return frozenset({"en"})

    def voices(self, lang: str) -> tuple[Voice, ...]:
        return (Voice("tone", lang, "a tone"),)

    def voice_id(self, lang: str, voice: str) -> str:
        return voice

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        self.said.append(text)
        gap = np.zeros(round(0.25 * RATE))
        tone = 0.3 * np.sin(2 * math.pi * 220 * np.arange(round(0.3 * RATE)) / RATE)
        starts = [0] + [i + 2 for i in range(len(text)) if text.startswith(". ", i)]
        parts, marks = [gap], []
        for offset in starts:
            marks.append(Mark(offset, sum(len(part) for part in parts)))
            parts += [tone, gap]
        pcm = np.round(np.concatenate(parts) * 32767).astype("<i2").tobytes()
        return Synthesis(pcm, RATE, tuple(marks), len(text))


class NoisyToneEngine(ToneEngine):
    """The tone with a little noise of its own each time, as Piper's model samples noise: a
    text is never said the same way twice, so its audio is what the cache keeps."""

    name = "noisy-tone"
    reproducible = False

    def __init__(self) -> None:
        super().__init__()
        self._noise = np.random.default_rng()

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        made = super().synthesize(text, lang, voice, rate)
        noise = self._noise.integers(-40, 40, made.samples, dtype=np.int16)
        pcm = (np.frombuffer(made.pcm, dtype="<i2") + noise).astype("<i2").tobytes()
        return dataclasses.replace(made, pcm=pcm)


@pytest.fixture
def engine() -> ToneEngine:
    return ToneEngine()


@pytest.fixture
def speaker(tmp_path: Path) -> Speaker:
    return load_speaker(tmp_path / "locales", "en", None)


@pytest.fixture
def cache(tmp_path: Path) -> SpeechCache:
    return SpeechCache(tmp_path / "speech")


def utterance(number: int, chapter: str = "one", sentences: int = 2) -> Utterance:
    text = " ".join(f"Sentence {WORDS[n]} of part {WORDS[number]}." for n in range(sentences))
    return Utterance(f"u{number}", text, "en", 0.6, chapter)


def spoken_all(
    utterances: list[Utterance],
    engine: ToneEngine,
    speaker: Speaker,
    cache: SpeechCache,
    counts: SpeechCounts | None = None,
) -> list[Spoken]:
    choice = VoiceChoice(engine, "tone", None)
    counts = counts or SpeechCounts()
    return [speak(item, choice, speaker, cache, counts) for item in utterances]


class Unread:
    """Audio that must not be read."""

    def load(self) -> Synthesis:
        raise AssertionError("the stage read audio it did not need")


# --- speak and master ------------------------------------------------------------------------


def test_speak_synthesizes_and_masters_once_then_finds_the_utterance_by_its_timing(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    counts = SpeechCounts()
    [first] = spoken_all([utterance(1)], engine, speaker, cache, counts)
    assert (counts.synthesized, counts.cached, len(engine.said)) == (1, 0, 1)
    made = engine.synthesize(engine.said[0], "en", "tone", None)
    assert first.load().pcm == master(made).pcm  # the master stage ran before the chapter
    assert cache.timing(first.key) == first.timing == master(made).timing
    assert [offset for offset, _ in first.sentences] == [mark.offset for mark in made.marks]

    again = SpeechCounts()
    [second] = spoken_all([utterance(1)], engine, speaker, cache, again)
    assert (again.synthesized, again.cached, len(engine.said)) == (0, 1, 2)
    assert second.key == first.key
    assert second.timing == first.timing


def test_a_reproducible_engines_audio_is_not_cached_but_said_again_when_needed(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    """The tone, like eSpeak, is the same every time: the cache keeps its timing, and a chapter
    encoded again has it said (and mastered) again, the very same samples."""
    [first] = spoken_all([utterance(1)], engine, speaker, cache, SpeechCounts(budget=Budget(0)))
    assert cache.audio(first.key) is None
    assert not cache.store.path("audio", first.key).exists()
    counts = SpeechCounts()
    [again] = spoken_all([utterance(1)], engine, speaker, cache, counts)
    assert again.load() == master(engine.synthesize(engine.said[0], "en", "tone", None))
    assert (counts.synthesized, counts.cached, counts.said_again) == (0, 1, 1)


def test_an_engine_that_never_says_a_text_twice_alike_has_its_audio_kept_compressed(
    speaker: Speaker, cache: SpeechCache
) -> None:
    """Piper's model samples noise: its mastered audio is kept (FLAC), read back bit for bit
    when its chapter is encoded again, and its timing counts only while its audio is there."""
    noisy = NoisyToneEngine()
    fresh = SpeechCounts(budget=Budget(limit=0))  # nothing held: the chapter reads it back
    [first] = spoken_all([utterance(1)], noisy, speaker, cache, fresh)
    made = cache.audio(first.key)
    assert made is not None and made.timing == first.timing
    assert first.load() == made
    stored = cache.store.path("audio", first.key).stat().st_size
    assert stored < 0.7 * len(made.pcm)

    cache.store.path("audio", first.key).unlink()  # pruned, or lost
    counts = SpeechCounts()
    [again] = spoken_all([utterance(1)], noisy, speaker, cache, counts)
    assert (counts.synthesized, counts.cached) == (1, 0)
    assert again.timing == cache.timing(first.key)


def test_speak_holds_fresh_audio_within_its_budget_and_reads_the_rest_back(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    held = SpeechCounts()
    [item] = spoken_all([utterance(1)], engine, speaker, cache, held)
    assert held.budget.held > 0
    fresh = item.load()
    assert held.budget.held == 0

    none = SpeechCounts(budget=Budget(limit=0))
    [other] = spoken_all([utterance(2)], engine, speaker, cache, none)
    assert none.budget.held == 0
    assert other.load() == master(engine.synthesize(other.utterance.text, "en", "tone", None))
    assert (none.said_again, held.said_again) == (1, 0)
    assert fresh == item.load()


def test_speak_does_not_say_a_word_longer_than_any_real_one(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    long = Utterance("u1", "A " + "x" * 60 + " word.", "en", 0.6, "one")
    spoken_all([long], engine, speaker, cache)
    assert "x" not in engine.said[0]
    assert len(engine.said[0]) == len(long.text)


def test_a_prepared_text_goes_through_the_front_end_once(
    speaker: Speaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A narration prepares its texts (their accented words respelled at once); what the
    front end and the accent stage made of them then serves each utterance's spoken text."""
    seen: list[str] = []
    spoken = type(speaker.frontend).spoken

    def counted(frontend: object, text: str) -> str:
        seen.append(text)
        return spoken(frontend, text)  # type: ignore[arg-type]

    monkeypatch.setattr(type(speaker.frontend), "spoken", counted)
    utterances = [utterance(1), utterance(2)]
    speaker.prepare([item.text for item in utterances])
    texts = [speaker.text(item, phonemes=True) for item in utterances]
    assert len(seen) == 4  # two sentences each, once
    assert [item.text for item in texts] == [item.text for item in utterances]
    speaker.prepare([])  # unprepared: the front end runs for the utterance alone
    assert speaker.text(utterances[0], phonemes=True) == texts[0]
    assert len(seen) == 6


# --- pace --------------------------------------------------------------------------------------


def test_pace_caches_each_layout_and_finds_it_again_without_reading_audio(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    spoken = spoken_all([utterance(1), utterance(2)], engine, speaker, cache)
    made = Layouts(spoken, RATE, PAUSE, cache)
    unread = [dataclasses.replace(item, audio=Unread()) for item in spoken]
    found = Layouts(unread, RATE, PAUSE, cache)
    assert found.items == made.items
    # trimmed to its speech and guards, 0.4 s from one sentence's speech to the next one's
    frames = speech_frames(samples_of(made.pcm(0)), RATE)
    size = round(FRAME * RATE)
    runs = [len(list(run)) for speech, run in itertools.groupby(frames) if not speech]
    assert len(runs) == 3  # the lead guard, the sentence pause, the trail guard
    assert abs(runs[1] * size - PAUSE * RATE) <= size
    assert made.items[0].info.lead == round(LEAD_GUARD * RATE)


def test_a_layout_its_audio_no_longer_gives_is_reported_as_stale_not_raised(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    spoken = spoken_all([utterance(1)], engine, speaker, cache)
    layout = Layouts(spoken, RATE, PAUSE, cache).items[0]
    stored = cache.layout(layout.key)
    assert stored is not None
    cache.put_layout(layout.key, {**stored, "length": int(stored["length"]) + 1})
    layouts = Layouts(spoken, RATE, PAUSE, cache)
    assert layouts.pcm(0) == StaleLayout(layout.key)
    found = encode_chapter((0, 1), layouts, [0], cache=cache, counts=EncodeCounts(), opening=True)
    assert found == StaleLayout(layout.key)
    again = Layouts(spoken, RATE, PAUSE, cache, trust_cache=False)
    assert again.items[0] == layout
    assert isinstance(again.pcm(0), bytes)


def test_a_chapter_hands_the_utterance_it_ends_with_to_the_next_chapter_encoded_here(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    """A chapter ends with the next one's lead guard, so it paces the next chapter's first
    utterance; the next chapter, encoded in the same process (a build sends an edition's
    chapters one after another), starts with it rather than saying it again."""
    utterances = [utterance(1), utterance(2, chapter="two")]
    spoken = spoken_all(utterances, engine, speaker, cache)
    layouts = Layouts(spoken, RATE, PAUSE, cache)
    _, silences = join(spoken, layouts.items, RATE)
    encode_chapter((0, 1), layouts, silences, cache=cache, counts=EncodeCounts(), opening=True)

    def next_chapter() -> tuple[bytes | StaleLayout, SpeechCounts]:
        counts = SpeechCounts()  # a job of its own: found by its timing, its layout cached
        again = spoken_all(utterances, engine, speaker, cache, counts)
        encoded = EncodeCounts()
        frames = encode_chapter(
            (1, 2),
            Layouts(again, RATE, PAUSE, cache),
            silences,
            cache=cache,
            counts=encoded,
            opening=False,
        )
        cache.store.discard("mp3", encoded.keys[-1])  # encoded again by the next call
        return frames, counts

    handed, counts = next_chapter()
    assert (counts.cached, counts.said_again) == (2, 0)
    said_again, counts = next_chapter()  # nothing handed on now: said again, the same frames
    assert (counts.cached, counts.said_again) == (2, 1)
    assert isinstance(handed, bytes) and handed == said_again


# --- assemble ------------------------------------------------------------------------------


def test_join_puts_each_utterances_pause_between_its_speech_and_the_next(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    spoken = spoken_all([utterance(1), utterance(2)], engine, speaker, cache)
    items = Layouts(spoken, RATE, PAUSE, cache).items
    slots, silences = join(spoken, items, RATE)
    first, second = items
    assert slots[0].start == first.info.lead
    end_of_speech = slots[0].start + first.info.speech
    assert slots[1].start - end_of_speech == round(0.6 * RATE)
    assert silences == [round(0.6 * RATE) - first.info.trail - second.info.lead, silences[1]]


def test_assemble_encodes_each_chapter_once_and_then_reuses_it(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    utterances = [utterance(1), utterance(2), utterance(3, chapter="two")]
    spans = Script("en", (), tuple(utterances)).spans
    assert spans == (("one", 0, 2), ("two", 2, 3))
    spoken = spoken_all(utterances, engine, speaker, cache)
    layouts = Layouts(spoken, RATE, PAUSE, cache)
    _, silences = join(spoken, layouts.items, RATE)

    def encoded(layouts: Layouts, counts: EncodeCounts) -> list[bytes | StaleLayout]:
        return [
            encode_chapter(
                (first, end),
                layouts,
                silences,
                cache=cache,
                counts=counts,
                opening=not first,
            )
            for _, first, end in spans
        ]

    counts = EncodeCounts()
    pieces = encoded(layouts, counts)
    assert (counts.encoded, counts.reused) == (2, 0)
    assert all(isinstance(piece, bytes) and mp3_samples(piece) % 576 == 0 for piece in pieces)

    unread = [dataclasses.replace(item, audio=Unread()) for item in spoken]
    again = EncodeCounts()
    assert encoded(Layouts(unread, RATE, PAUSE, cache), again) == pieces
    assert (again.encoded, again.reused) == (0, 2)
    assert again.keys == counts.keys
    assert isinstance(pieces[0], bytes)
    heard = np.array(decode_mp3(pieces[0], RATE), dtype=np.float64) / 32768
    assert np.max(np.abs(heard)) > 0.1


def test_a_chapter_is_encoded_checked_and_lowered_holding_a_few_times_its_pcm_besides_it() -> None:
    """The narration's largest allocation: a chapter's PCM encoded, decoded, its true peak
    checked and, over the published ceiling, lowered and encoded again. A copy of the chapter
    as floats alone would be four times its PCM (14 times in all before 2026-12-07)."""
    seconds = 30
    times = np.arange(seconds * RATE) / RATE
    swell = 1.3 * np.sin(2 * math.pi * 440 * times) * np.sin(2 * math.pi * 0.5 * times)
    pcm = np.round(np.clip(swell, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()

    def heard_peak(frames: bytes) -> float:
        return true_peak_dbtp(np.array(decode_mp3(frames, RATE), dtype=np.float64) / 32768)

    assert heard_peak(encode_mp3(pcm, RATE)) > PUBLISHED_CEILING_DBTP  # so it is lowered
    encode_under_ceiling(bytes(64), RATE)  # the codecs' and the interpolator's tables made
    tracemalloc.start()
    try:
        frames = encode_under_ceiling(pcm, RATE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert heard_peak(frames) <= PUBLISHED_CEILING_DBTP
    assert peak < 6 * len(pcm)


# --- time cues -----------------------------------------------------------------------------


def test_cues_are_heard_within_their_chapter_and_placed_after_the_chapters_before_it(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    spoken = spoken_all([utterance(1), utterance(2, chapter="two")], engine, speaker, cache)
    info = PacedInfo(lead=100, trail=200, kept=((0, 10_000, 0),), length=10_300)
    # the first chapter's PCM starts at 0, the second's at its first utterance's speech
    first = heard(spoken[:1], [Slot(100, 1.0, info)], 529, opening=True)
    second = heard(spoken[1:], [Slot(10_300 + 5000 + 100, 1.0, info)], 529, opening=False)
    assert [item.origin for item in [*first, *second]] == [529 + 100, 529]
    assert first[0].sentences == ("Sentence one of part two.", "Sentence two of part two.")
    utterances = [item.utterance for item in spoken]
    placed, cues = timed(utterances, [*first, *second], [0, 20 * 576], RATE, "en")
    assert placed[1].start == (20 * 576 + 529 + second[0].offsets[0]) / RATE
    assert [cue.id.split(".")[0] for cue in cues] == ["u1", "u1", "u2", "u2"]
    assert all(cue.start < cue.end for cue in cues)
    assert all(cue.lang is None for cue in cues)


def test_a_caption_shows_double_brackets_the_voice_is_not_given(
    engine: ToneEngine, speaker: Speaker, cache: SpeechCache
) -> None:
    written = "Arrays like a[b[0]] are indexed. [[Twice]] is fine."
    said = Utterance("u1", "Arrays like a[b[0 are indexed. Twice is fine.", "en", 0.6, "one")
    spoken = spoken_all([dataclasses.replace(said, written=written)], engine, speaker, cache)
    assert "]]" not in engine.said[0]  # the voice never gets the brackets
    info = PacedInfo(lead=100, trail=200, kept=((0, 10_000, 0),), length=10_300)
    [item] = heard(spoken, [Slot(100, 1.0, info)], 529, opening=True)
    _, cues = timed([spoken[0].utterance], [item], [0], RATE, "en")
    assert [cue.text for cue in cues] == ["Arrays like a[b[0]] are indexed.", "[[Twice]] is fine."]
    assert "a[b[0]] are indexed.\n" in webvtt(cues)


def test_chapter_marks_run_from_each_chapters_first_utterance_to_the_next() -> None:
    one, two = utterance(1), utterance(2, chapter="two")
    script = Script("en", (Chapter("one", "One"), Chapter("two", "Two")), (one, two))
    placed = [Placed(one, 0.1, 2.0, "tone"), Placed(two, 3.25, 5.0, "tone")]
    assert chapter_marks(script, placed, 6.5) == (
        ChapterMark("one", "One", 0, 3250),
        ChapterMark("two", "Two", 3250, 6500),
    )


# --- package -------------------------------------------------------------------------------


def test_package_makes_the_tag_the_frames_follow_and_the_chapters_in_webvtt_and_json() -> None:
    chapters = (ChapterMark("one", "One", 0, 1500), ChapterMark("two", "Two", 1500, 3000))
    tags = Tags("Title", "Author", "Publisher", "eng", "2025-12-13", "https://x.org/", chapters)
    files = package(tags, [Cue("u1.1", 0.1, 1.0, "Hello.")])
    assert files.tag.startswith(b"ID3")
    size = sum(byte << 7 * (3 - index) for index, byte in enumerate(files.tag[6:10]))
    assert len(files.tag) == 10 + size  # a whole tag: the frames follow it
    assert "u1.1\n00:00:00.100 --> 00:00:01.000\nHello." in files.captions_vtt
    assert "two\n00:00:01.500 --> 00:00:03.000\nTwo" in files.chapters_vtt
    assert '"startTime": 1.5' in files.chapters_json


def test_the_site_reads_each_languages_speech_tables_once(
    project_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from polyedition.build import load_site
    from polyedition.render.audio.speak import spoken_script
    from polyedition.speech import speaker as speaker_module

    reads: list[str] = []
    real = speaker_module.load_lexicon

    def counted(locales_dir: Path, lang: str, source: str | None) -> Lexicon:
        reads.append(lang)
        return real(locales_dir, lang, source)

    monkeypatch.setattr(speaker_module, "load_lexicon", counted)
    site = load_site(project_copy)
    first = spoken_script(site, site.edition(SLUG, "ru"))
    (project_copy.locales_dir / "ru" / "lexicon.tsv").unlink(missing_ok=True)
    assert spoken_script(site, site.edition(SLUG, "ru")) == first  # not read again mid-build
    assert reads.count("ru") == 1


def test_a_chapter_prepares_the_next_chapters_first_utterance_with_its_own(
    project_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chapter ends with the next one's lead guard, so it speaks that chapter's first utterance
    too: its text is prepared with the chapter's own, in one call (each call loads eSpeak and
    the language's dictionary: 7 ms for Russian's), and not again when it is spoken."""
    from polyedition.build import load_site
    from polyedition.render.audio.narrate import narrate_chapter, narration_plan
    from polyedition.speech import speaker as speaker_module

    prepared: list[list[str]] = []
    real = speaker_module.prepare

    def counted(texts: Sequence[str], *rest: Any) -> dict[str, Any]:
        prepared.append(list(texts))
        return real(texts, *rest)

    monkeypatch.setattr(speaker_module, "prepare", counted)
    site = load_site(project_copy)
    cache = SpeechCache.for_settings(project_copy)
    plan = narration_plan(site, site.edition(SLUG, "ru"), cache)
    _, first, end = plan.script.spans[1]
    narrate_chapter(site, plan, 1, cache)
    texts = [utterance.text for utterance in plan.script.utterances[first : end + 1]]
    assert {utterance.lang for utterance in plan.script.utterances[first : end + 1]} == {"ru"}
    assert prepared == [texts]
