"""The narrated MP3, decoded as a player decodes it: duration, chapters, ID3, captions, cache."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import logging
import math
import re
import shutil
from array import array
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakes.editions import (
    BELARUSIAN,
    BELARUSIAN_FALLBACKS,
    make_site,
    translate,
    translated_project,
)
from polyedition.cache import SpeechCache
from polyedition.errors import SpeechError
from polyedition.narration.script import BYLINE_ID
from polyedition.narration.sentences import CUE_ID_SEPARATOR
from polyedition.render.audio.mastering import LEAD_GUARD, TRAIL_GUARD
from polyedition.render.audio.narrate import (
    BITRATE_KBPS,
    Narration,
    decode_mp3,
    narrate,
    spoken_script,
    write_narration,
)
from polyedition.site import Site, html_path
from polyedition.speech.base import Synthesis
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.frontend import speech_path
from polyedition.speech.registry import Engines
from projectkit import SLUG


@dataclass(frozen=True)
class Narrated:
    site: Site
    narration: Narration
    samples: array[int]
    cache_dir: Path


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> Narrated:
    """The Belarusian edition (some segments falling back to English), narrated once."""
    root = tmp_path_factory.mktemp("audio")
    site = make_site(translated_project(root / "project"))
    cache_dir = root / "cache"
    narration = narrate(site, site.edition(SLUG, "be"), SpeechCache(cache_dir))
    samples = array("h", decode_mp3(narration.mp3, narration.sample_rate))
    return Narrated(site, narration, samples, cache_dir)


def rms(samples: array[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def window(narrated: Narrated, start: float, end: float) -> array[int]:
    rate = narrated.narration.sample_rate
    return narrated.samples[round(start * rate) : round(end * rate)]


# --- the audio --------------------------------------------------------------------------------


def test_duration_is_the_speech_plus_the_pauses(narrated: Narrated) -> None:
    """Each chapter is encoded on its own: each adds the encoder delay and pads its last
    frame, and nothing else but the short guard before the first word."""
    narration = narrated.narration
    decoded = len(narrated.samples) / narration.sample_rate
    assert narration.duration_seconds == pytest.approx(decoded, abs=1e-6)
    placed = narration.placed
    speech = sum(item.end - item.start for item in placed)
    pauses = sum(item.utterance.pause for item in placed)
    pieces = len(narration.chapters)
    delay = narration.encoder_delay_samples / narration.sample_rate
    lead = placed[0].start - delay
    assert 0 <= lead <= LEAD_GUARD + 1e-9
    frame = 576 / narration.sample_rate  # an MPEG-2 frame: the encoder pads the last one
    assert 0 <= decoded - (pieces * delay + lead + speech + pauses) < pieces * frame
    assert decoded > 600  # the whole article, not a part of it


def test_each_chapter_starts_on_a_frame_boundary_plus_the_encoder_delay(
    narrated: Narrated,
) -> None:
    """Chapters are encoded separately and their frames concatenated: a chapter's speech is
    heard after the whole frames of the chapters before it and the delay of its own encode."""
    narration = narrated.narration
    rate = narration.sample_rate
    starts = {item.utterance.id: item.start for item in narration.placed}
    for chapter in narration.chapters[1:]:
        first = round(starts[chapter.id] * rate) - narration.encoder_delay_samples
        assert first > 0 and first % 576 == 0, chapter.id


def test_each_utterance_is_heard_where_the_timeline_says(narrated: Narrated) -> None:
    """Speech inside each utterance's span, silence in its pause once the quiet guards kept
    around speech are past: the times are exact, encoder delay included (a 50 ms error would
    put speech into the pauses)."""
    placed = narrated.narration.placed
    for item, following in itertools.pairwise(placed):
        assert rms(window(narrated, item.start, item.end)) > 300, item.utterance.id
        if item.utterance.pause >= 0.4:
            gap = window(
                narrated, item.end + TRAIL_GUARD + 0.03, following.start - LEAD_GUARD - 0.03
            )
            assert max(map(abs, gap)) < 200, f"sound in the pause after {item.utterance.id}"


def test_no_chapter_is_silent_and_chapters_are_the_sections(narrated: Narrated) -> None:
    narration = narrated.narration
    sections = narrated.site.edition(SLUG, "be").article.sections
    assert [chapter.id for chapter in narration.chapters] == [s.id for s in sections]
    for chapter in narration.chapters:
        assert rms(window(narrated, chapter.start_ms / 1000, chapter.end_ms / 1000)) > 500
    starts = [chapter.start_ms for chapter in narration.chapters]
    ends = [chapter.end_ms for chapter in narration.chapters]
    assert starts[0] == 0 and starts[1:] == ends[:-1]
    assert ends[-1] == round(narration.duration_seconds * 1000)
    heading = {item.utterance.id: item.start for item in narration.placed}["turning-point"]
    chapter = next(c for c in narration.chapters if c.id == "turning-point")
    assert chapter.start_ms == round(heading * 1000)
    assert chapter.title == BELARUSIAN["turning-point"]


def test_mp3_is_mono_speech_bitrate(narrated: Narrated) -> None:
    import miniaudio  # type: ignore[import-untyped]

    info = miniaudio.mp3_get_info(narrated.narration.mp3)
    assert info.nchannels == 1
    bitrate = len(narrated.narration.mp3) * 8 / info.duration / 1000
    assert 48 <= BITRATE_KBPS <= 64
    assert bitrate == pytest.approx(BITRATE_KBPS, rel=0.02)


# --- ID3 --------------------------------------------------------------------------------------


def test_id3_tags_say_what_the_narration_is(narrated: Narrated) -> None:
    from mutagen.id3 import ID3

    tags = ID3(io.BytesIO(narrated.narration.mp3))
    edition = narrated.site.edition(SLUG, "be")
    assert tags.version == (2, 4, 0)
    assert tags["TIT2"].text == [BELARUSIAN["title"]]
    assert tags["TPE1"].text == ["Polyedition Newsroom"]
    assert tags["TALB"].text == ["Polyedition"]
    assert tags["TLAN"].text == ["bel"]
    assert str(tags["TDRC"].text[0]) == "2025-12-13"
    (comment,) = tags.getall("COMM")
    assert comment.text == [narrated.site.url(html_path("be", SLUG))]
    (toc,) = tags.getall("CTOC")
    chapters = narrated.narration.chapters
    assert toc.child_element_ids == [chapter.id for chapter in chapters]
    for chapter in chapters:
        chap = tags[f"CHAP:{chapter.id}"]
        assert (chap.start_time, chap.end_time) == (chapter.start_ms, chapter.end_ms)
        assert chap.sub_frames["TIT2"].text == [chapter.title]
    assert len(edition.article.sections) == len(tags.getall("CHAP"))


def test_id3_frames_come_in_a_fixed_order_chapters_in_time_order(narrated: Narrated) -> None:
    mp3 = narrated.narration.mp3
    size = 10 + sum((mp3[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
    ids = re.findall(rb"(?:TIT2|TPE1|TALB|TLAN|TDRC|COMM|CTOC|CHAP)(?=\x00)", mp3[10:size])
    assert ids[:7] == [b"TIT2", b"TPE1", b"TALB", b"TLAN", b"TDRC", b"COMM", b"CTOC"]
    chap_ids = re.findall(rb"CHAP....\x00\x00([a-z-]+)\x00", mp3[10:size], flags=re.DOTALL)
    assert [i.decode() for i in chap_ids] == [c.id for c in narrated.narration.chapters]


def test_a_narration_of_more_than_255_chapters_has_a_table_of_tables() -> None:
    """One CTOC frame counts its entries in one byte: an article of 200,000 words (about
    1,000 chapters) failed its MP3 with "bytes must be in range(0, 256)"."""
    from mutagen.id3 import ID3

    from polyedition.render.audio.id3 import ChapterMark, Tags, id3_tag

    marks = tuple(
        ChapterMark(f"section-{n}", f"Section {n}", 1000 * n, 1000 * n + 999) for n in range(600)
    )
    tags = Tags("Title", "Newsroom", "Polyedition", "eng", "2025-12-13", "https://x/", marks)
    tag = id3_tag(tags)
    assert tag == id3_tag(tags)  # the same tags, the same bytes
    read = ID3(io.BytesIO(tag))
    tables = {toc.element_id: toc for toc in read.getall("CTOC")}
    top = tables.pop("toc")
    assert top.child_element_ids == ["toc/1", "toc/2", "toc/3"]
    listed = [child for name in top.child_element_ids for child in tables[name].child_element_ids]
    assert listed == [mark.id for mark in marks]
    assert max(len(toc.child_element_ids) for toc in tables.values()) == 255
    assert tables["toc/2"].sub_frames["TIT2"].text == ["Title (256–510)"]
    assert len(read.getall("CHAP")) == 600


# --- WebVTT -----------------------------------------------------------------------------------

_CUE = re.compile(
    r"^(?P<id>\S+)\n(?P<start>[\d:.]+) --> (?P<end>[\d:.]+)\n(?P<text>.+)$", re.MULTILINE
)


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def cues(vtt: str) -> list[tuple[str, float, float, str]]:
    assert vtt.startswith("WEBVTT\n\n")
    found = [
        (m["id"], seconds(m["start"]), seconds(m["end"]), m["text"]) for m in _CUE.finditer(vtt)
    ]
    assert len(found) == vtt.count(" --> ")
    return found


def test_caption_cues_are_ordered_inside_the_audio_and_name_their_elements(
    narrated: Narrated,
) -> None:
    captions = cues(narrated.narration.captions_vtt)
    duration = narrated.narration.duration_seconds
    edition = narrated.site.edition(SLUG, "be")
    elements = {text.id for text in edition.texts} | {BYLINE_ID}
    previous_end = 0.0
    for cue_id, start, end, _ in captions:
        assert previous_end <= start < end <= duration, cue_id
        element, _, number = cue_id.rpartition(CUE_ID_SEPARATOR)
        assert element in elements and number.isdigit(), cue_id
        previous_end = end
    assert len({cue[0] for cue in captions}) == len(captions)  # identifiers are unique
    spoken = {item.utterance.id for item in narrated.narration.placed}
    assert {cue[0].rpartition(CUE_ID_SEPARATOR)[0] for cue in captions} == spoken


def test_a_cue_per_sentence_starting_when_its_sentence_is_heard(narrated: Narrated) -> None:
    captions = {cue[0]: cue for cue in cues(narrated.narration.captions_vtt)}
    assert [key for key in captions if key.startswith("turning-point-p1.")] == [
        "turning-point-p1.1",
        "turning-point-p1.2",
        "turning-point-p1.3",
    ]
    _, start, end, text = captions["turning-point-p1.2"]
    assert text == "Сярод вызваленых — апазіцыйная актывістка Марыя Калеснікава."
    assert rms(window(narrated, start, start + 0.3)) > 300  # speech right at the cue
    assert rms(window(narrated, end - 0.35, end - 0.05)) < rms(window(narrated, start, end))


def test_english_fallback_cues_are_marked_as_english(narrated: Narrated) -> None:
    captions = {cue[0]: cue[3] for cue in cues(narrated.narration.captions_vtt)}
    for segment_id in BELARUSIAN_FALLBACKS:
        assert captions[f"{segment_id}.1"].startswith("<lang en>")
    assert not captions["turning-point-p1.1"].startswith("<lang")


def test_chapter_track_matches_the_id3_chapters(narrated: Narrated) -> None:
    chapters = [
        (cue_id, round(start * 1000), round(end * 1000), title)
        for cue_id, start, end, title in cues(narrated.narration.chapters_vtt)
    ]
    expected = [(c.id, c.start_ms, c.end_ms, c.title) for c in narrated.narration.chapters]
    assert chapters == expected  # in whole milliseconds: 6 * 60 + 55.893 is not 415.893


# --- cache and reproducibility ----------------------------------------------------------------


def test_a_second_narration_synthesizes_nothing_and_gives_the_same_bytes(
    narrated: Narrated,
) -> None:
    site = narrated.site
    again = narrate(site, site.edition(SLUG, "be"), SpeechCache(narrated.cache_dir))
    assert (again.synthesized, again.cached) == (0, len(again.placed))
    assert (again.encoded_chapters, again.reused_chapters) == (0, len(again.chapters))
    assert narrated.narration.synthesized == len(narrated.narration.placed)
    assert narrated.narration.encoded_chapters == len(narrated.narration.chapters)
    assert again.mp3 == narrated.narration.mp3
    assert again.captions_vtt == narrated.narration.captions_vtt


def test_changing_one_message_synthesizes_that_segment_and_encodes_that_chapter(
    narrated: Narrated, tmp_path: Path
) -> None:
    """A translator's fix costs one synthesis and one chapter's encode, and the result is the
    very narration a build from an empty cache makes."""
    settings = narrated.site.settings
    translate(settings, "be", {"turning-point": "Вызваленне: гістарычны паварот"})
    try:
        site = make_site(settings)
        changed = narrate(site, site.edition(SLUG, "be"), SpeechCache(narrated.cache_dir))
        cold = narrate(site, site.edition(SLUG, "be"), SpeechCache(tmp_path / "empty"))
    finally:
        translate(settings, "be", {"turning-point": BELARUSIAN["turning-point"]})
    assert (changed.synthesized, changed.cached) == (1, len(changed.placed) - 1)
    assert (changed.encoded_chapters, changed.reused_chapters) == (1, len(changed.chapters) - 1)
    assert cold.encoded_chapters == len(cold.chapters)
    assert changed.mp3 == cold.mp3
    assert changed.captions_vtt == cold.captions_vtt
    assert changed.chapters_vtt == cold.chapters_vtt
    assert changed.mp3 != narrated.narration.mp3
    assert [c.title for c in changed.chapters if c.id == "turning-point"] == [
        "Вызваленне: гістарычны паварот"
    ]


def test_the_engine_hears_numbers_in_words_and_the_captions_keep_the_digits(
    narrated: Narrated,
) -> None:
    captions = {cue[0]: cue[3] for cue in cues(narrated.narration.captions_vtt)}
    assert captions["turning-point-p1.1"].startswith("Вызваленне 123 палітвязняў у Беларусі —")
    site = narrated.site
    heard = {u.id: s.normalized for u, s in spoken_script(site, site.edition(SLUG, "be"))}
    assert heard["turning-point-p1"].startswith(
        "Вызваленне ста дваццаці трох палітвязняў у Беларусі, гістарычны паварот"
    )


def test_editing_the_speech_table_renarrates_exactly_what_it_changes(
    narrated: Narrated, tmp_path: Path
) -> None:
    """The desk changes how "ЗША" is said: only the utterances that say it are synthesized
    again, and the captions still show what the page shows. (The engine reads the new
    respelling as eSpeak's phonemes once the accent stage has stressed it: the front end's
    text shows it as written.)"""
    site = narrated.site
    edition = site.edition(SLUG, "be")
    path = speech_path(site.settings.locales_dir, "be")
    original = path.read_text(encoding="utf-8")
    before = {u.id: s.text for u, s in spoken_script(site, edition)}
    path.write_text(original.replace("зэ-ша-а", "зэ-шэ-а"), encoding="utf-8")
    site = dataclasses.replace(site)  # the next build's site, which reads the edited table
    try:
        respelled = spoken_script(site, edition)
        after = {u.id: s.text for u, s in respelled}
        normalized = {u.id: s.normalized for u, s in respelled}
        cache_dir = tmp_path / "cache"  # a copy: the other tests' cache stays as it was
        shutil.copytree(narrated.cache_dir, cache_dir)
        changed = narrate(site, edition, SpeechCache(cache_dir))
    finally:
        path.write_text(original, encoding="utf-8")
    differing = [key for key in before if before[key] != after[key]]
    assert len(differing) >= 3  # ЗША is in the title, the sections and the answers
    assert all("зэ-шэ-а" in normalized[key].lower() for key in differing)
    assert (changed.synthesized, changed.cached) == (
        len(differing),
        len(changed.placed) - len(differing),
    )
    assert [c[3] for c in cues(changed.captions_vtt)] == [
        c[3] for c in cues(narrated.narration.captions_vtt)
    ]


def test_a_corrupt_cache_entry_is_made_again_with_a_warning(
    narrated: Narrated, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged entry slows a narration down, never breaks it. (A segment's audio is made
    only when its chapter is encoded again: so every chapter is, here.)"""
    speech = sorted(p for p in (narrated.cache_dir / "timing").glob("??/*") if p.is_file())
    cache = SpeechCache(narrated.cache_dir)
    chapters = sorted(  # those this narration is made of (an earlier test added others)
        p
        for p in (narrated.cache_dir / "mp3").rglob("*")
        if p.is_file()
        and (frames := cache.chapter(p.name)) is not None
        and frames in narrated.narration.mp3
    )
    for victim in (speech[len(speech) // 2], chapters[len(chapters) // 2]):
        victim.write_bytes(victim.read_bytes()[:-100])
    for other in chapters[: len(chapters) // 2] + chapters[len(chapters) // 2 + 1 :]:
        other.unlink()
    site = narrated.site
    with caplog.at_level(logging.WARNING):
        again = narrate(site, site.edition(SLUG, "be"), SpeechCache(narrated.cache_dir))
    assert caplog.text.count("corrupt cache entry") == 2
    assert again.synthesized == 1
    assert again.encoded_chapters == len(again.chapters)
    assert again.mp3 == narrated.narration.mp3


def test_a_cached_layout_its_audio_no_longer_gives_is_paced_again(
    narrated: Narrated, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Where a segment's speech lies is cached apart from its audio; if pacing the audio no
    longer gives it (another library), the narration says so and paces every segment of that
    chapter again."""
    cache_dir = tmp_path / "cache"  # a copy: the other tests' cache stays as it was
    shutil.copytree(narrated.cache_dir, cache_dir)
    cache = SpeechCache(cache_dir)
    layouts = sorted(p for p in (cache_dir / "paced").rglob("*") if p.is_file())
    for path in layouts:
        layout = cache.layout(path.name)
        assert layout is not None
        cache.put_layout(path.name, {**layout, "length": int(layout["length"]) + 1})
    shutil.rmtree(cache_dir / "mp3")  # every chapter is encoded again, from its audio
    site = narrated.site
    with caplog.at_level(logging.WARNING):
        again = narrate(site, site.edition(SLUG, "be"), cache)
    assert "does not match its audio; pacing every segment of chapter 'lead' again" in caplog.text
    assert again.synthesized == 0
    assert again.mp3 == narrated.narration.mp3
    assert again.captions_vtt == narrated.narration.captions_vtt


def test_a_segment_said_again_with_another_timing_is_caught_and_the_narration_made_again(
    narrated: Narrated, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """eSpeak's audio is not cached but said again when its chapter is encoded again. Were it
    said otherwise than its cached timing says (a changed library), the layout is stale: the
    narration speaks again with the new timing, and is what a build from nothing makes."""
    cache_dir = tmp_path / "cache"  # a copy: the other tests' cache stays as it was
    shutil.copytree(narrated.cache_dir, cache_dir)
    cache = SpeechCache(cache_dir)
    for path in sorted(p for p in (cache_dir / "timing").rglob("*") if p.is_file()):
        timing = cache.timing(path.name)
        assert timing is not None
        cache.put_timing(path.name, dataclasses.replace(timing, samples=timing.samples + 1))
    shutil.rmtree(cache_dir / "mp3")  # every chapter is encoded again, its segments said again
    site = narrated.site
    with caplog.at_level(logging.WARNING):
        again = narrate(site, site.edition(SLUG, "be"), cache)
    assert "does not match its audio; pacing every segment of chapter" in caplog.text
    assert again.synthesized == 0
    assert again.mp3 == narrated.narration.mp3
    assert again.captions_vtt == narrated.narration.captions_vtt


def test_narrate_writes_nothing_but_cache_entries(narrated: Narrated, tmp_path: Path) -> None:
    project = narrated.site.settings.project_dir
    before = {p: p.stat().st_mtime_ns for p in project.rglob("*")}
    cache_dir = tmp_path / "fresh-cache"
    narrate(narrated.site, narrated.site.edition(SLUG, "en"), SpeechCache(cache_dir))
    after = {p: p.stat().st_mtime_ns for p in project.rglob("*")}
    assert after == before
    namespaces = {cache_dir / name for name in ("timing", "paced", "mp3")}
    assert all(p.is_dir() or p.parent.parent in namespaces for p in cache_dir.rglob("*"))


def test_an_espeak_narration_caches_timings_layouts_and_chapters_but_no_audio(
    narrated: Narrated,
) -> None:
    """eSpeak says a text the same way every time, and cheaply: what it said is not kept."""
    assert EspeakEngine.reproducible
    kinds = {p.parent.parent.name for p in narrated.cache_dir.rglob("*") if p.is_file()}
    assert kinds == {"timing", "paced", "mp3"}
    timings = list((narrated.cache_dir / "timing").rglob("*"))
    assert len([p for p in timings if p.is_file()]) >= len(narrated.narration.placed)


def test_write_narration_puts_four_files_beside_the_page(
    narrated: Narrated, tmp_path: Path
) -> None:
    info = write_narration(narrated.narration, tmp_path, "be", SLUG)
    assert (tmp_path / info.mp3).read_bytes() == narrated.narration.mp3
    assert (tmp_path / info.captions).read_text(encoding="utf-8").startswith("WEBVTT")
    assert (tmp_path / info.chapters).read_text(encoding="utf-8").startswith("WEBVTT")
    chapters = json.loads((tmp_path / info.chapters_json).read_text(encoding="utf-8"))
    assert chapters["version"] == "1.2.0"
    assert str(info.chapters_json) == f"be/{SLUG}/{SLUG}.be.chapters.json"
    assert str(info.mp3) == f"be/{SLUG}/{SLUG}.be.mp3"
    assert info.size_bytes == len(narrated.narration.mp3)
    assert info.duration_seconds == narrated.narration.duration_seconds


class BrokenEngine(EspeakEngine):
    """eSpeak that fails on one text, as an engine does on input it cannot read."""

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        if "вызваліла" in text and lang == "be":
            raise SpeechError("the engine crashed", lang=lang)
        return super().synthesize(text, lang, voice, rate)


def test_a_failing_segment_is_named_with_its_language(narrated: Narrated, tmp_path: Path) -> None:
    site = narrated.site
    engines = Engines({"espeak": BrokenEngine, "gtts": BrokenEngine})
    with pytest.raises(SpeechError, match=r"cannot narrate segment 'title': espeak") as caught:
        narrate(site, site.edition(SLUG, "be"), SpeechCache(tmp_path / "c"), engines=engines)
    assert caught.value.lang == "be"
