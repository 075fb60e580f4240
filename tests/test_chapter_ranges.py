"""The speech cache keeps a published chapter as a checked byte range of its MP3, not a copy.

Within a build a chapter job hands its frames to the MP3 job through the cache; once the MP3 is
spliced, each chapter's entry becomes its range of the MP3 (path, offset, length, SHA-256, and
the file's size, time and inode for a cheap check). A later build reads a range only when it
needs the chapter, and makes the chapter again whenever the range no longer serves.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
from pathlib import Path, PurePosixPath

import pytest

from polyedition.build import BuildOptions, build
from polyedition.build.clean import clean
from polyedition.build.jobs import Job, JobResult, Spliced, write_output, write_outputs
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.build.run import BuildReport
from polyedition.cache import ChapterRange, SpeechCache, chapter_range, refer
from polyedition.config import Settings, load_settings
from polyedition.site import mp3_path
from projectkit import SLUG, add_to_translation, copy_project, shorten_article

pytestmark = pytest.mark.slow

LANG = "pl"
NARRATION = BuildOptions(languages=(LANG,), formats=("mp3",), jobs=1)


def narrated(settings: Settings, options: BuildOptions = NARRATION) -> BuildReport:
    report = build(settings, options)
    assert not report.failures, report.failures
    return report


def published(settings: Settings, lang: str = LANG) -> Path:
    return settings.output_dir / mp3_path(lang, SLUG)


def chapter_entries(settings: Settings, lang: str = LANG) -> dict[str, Path]:
    """Each chapter of the edition's narration → its entry in the speech cache."""
    manifest = Manifest(settings.cache_dir / MANIFEST)
    cache = SpeechCache.for_settings(settings)
    prefix = f"{SLUG}/{lang}/"
    return {
        name.removeprefix(prefix): cache.store.path("mp3", recorded["record"]["frames"])
        for name, recorded in manifest.chapters.items()
        if name.startswith(prefix)
    }


def ranges(settings: Settings, lang: str = LANG) -> dict[str, ChapterRange]:
    found = {name: chapter_range(entry) for name, entry in chapter_entries(settings, lang).items()}
    assert all(reference is not None for reference in found.values()), "a chapter was copied"
    return {name: reference for name, reference in found.items() if reference is not None}


def made_again(report: BuildReport) -> dict[str, tuple[int, int]]:
    """Each chapter job that ran → (segments synthesized, chapters encoded)."""
    return {
        result.job.part: (int(result.info["synthesized"]), int(result.info["encoded"]))
        for result in report.results
        if result.job.kind == "chapter"
    }


def retranslate(settings: Settings, context: str) -> None:
    add_to_translation(settings, LANG, context, " Nowe zdanie.")


@pytest.fixture
def built(tmp_path: Path) -> tuple[Settings, bytes]:
    """A project whose Polish narration was built (from the warm speech cache), and its MP3."""
    settings = copy_project(tmp_path / "project", warm_speech=True)
    narrated(settings)
    return settings, published(settings).read_bytes()


def test_a_published_chapter_is_a_range_of_its_mp3_and_the_cache_no_second_copy(
    built: tuple[Settings, bytes],
) -> None:
    settings, mp3 = built
    found = ranges(settings)
    assert len(found) > 10
    for reference in found.values():
        assert reference.path == str(mp3_path(LANG, SLUG))
        frames = mp3[reference.offset : reference.offset + reference.length]
        assert hashlib.sha256(frames).hexdigest() == reference.sha256
    # The chapters tile the MP3 after its tag.
    spans = sorted((r.offset, r.offset + r.length) for r in found.values())
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(spans))
    assert spans[-1][1] == len(mp3)
    # What the chapters cost the cache is a few hundred bytes each, not the MP3 again (eSpeak's
    # audio is not kept: its timings and layouts are the rest).
    chapters = sum(entry.stat().st_size for entry in chapter_entries(settings).values())
    assert chapters < 0.01 * len(mp3)
    needed = Manifest(settings.cache_dir / MANIFEST).cache_entries() or set()
    root = SpeechCache.for_settings(settings).store.root
    assert sum((root / name).stat().st_size for name in needed) < 1.5 * len(mp3)

    again = narrated(settings)
    assert not again.results  # a no-op: the ranges hold by the MP3's size, time and inode


def test_an_edit_splices_the_other_chapters_from_the_published_mp3(
    built: tuple[Settings, bytes], tmp_path: Path
) -> None:
    settings, _ = built
    retranslate(settings, "summary-p1")
    report = narrated(settings)
    assert made_again(report) == {"summary": (1, 1)}
    edited = published(settings).read_bytes()

    clean_copy = copy_project(tmp_path / "clean", warm_speech=True)
    retranslate(clean_copy, "summary-p1")
    narrated(clean_copy)
    assert edited == published(clean_copy).read_bytes()
    # Every chapter, the new one too, is now a range of the new MP3.
    assert {reference.inode for reference in ranges(settings).values()} == {
        published(settings).stat().st_ino
    }


def test_a_byte_flipped_inside_a_chapter_makes_that_chapter_again(
    built: tuple[Settings, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    settings, mp3 = built
    damaged = ranges(settings)["kolesnikova"]
    with published(settings).open("r+b") as handle:
        position = damaged.offset + damaged.length // 2
        handle.seek(position)
        handle.write(bytes([mp3[position] ^ 0xFF]))

    report = narrated(settings)
    encoded = {part for part, (_, chapters) in made_again(report).items() if chapters}
    assert encoded == {"kolesnikova"}
    assert published(settings).read_bytes() == mp3
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "not the chapter's any more" in warnings[0]
    assert not narrated(settings).results


def test_a_truncated_mp3_makes_again_the_chapters_it_lost(
    built: tuple[Settings, bytes],
) -> None:
    settings, mp3 = built
    cut = len(mp3) // 2
    lost = {name for name, r in ranges(settings).items() if r.offset + r.length > cut}
    os.truncate(published(settings), cut)

    report = narrated(settings)
    encoded = {part for part, (_, chapters) in made_again(report).items() if chapters}
    assert encoded == lost
    assert published(settings).read_bytes() == mp3


def test_an_mp3_overwritten_whole_at_its_size_is_made_again(
    built: tuple[Settings, bytes],
) -> None:
    settings, mp3 = built
    published(settings).write_bytes(bytes(len(mp3)))  # in place: its size, its inode

    report = narrated(settings)
    assert all(chapters == 1 for _, chapters in made_again(report).values())
    assert published(settings).read_bytes() == mp3


def test_a_deleted_output_is_rebuilt_from_what_the_cache_keeps(
    built: tuple[Settings, bytes],
) -> None:
    settings, mp3 = built
    shutil.rmtree(settings.output_dir)
    report = narrated(settings)
    # eSpeak's audio is not kept: its chapters are said again, the same.
    assert all(chapters == 1 for _, chapters in made_again(report).values())
    assert published(settings).read_bytes() == mp3


def test_polyedition_clean_keeps_the_chapters_for_the_rebuild(
    built: tuple[Settings, bytes],
) -> None:
    settings, mp3 = built
    clean(settings, cache=False, output=True)
    assert not published(settings).exists()
    assert all(chapter_range(entry) is None for entry in chapter_entries_on_disk(settings))
    report = narrated(settings)
    assert all(made == (0, 0) for made in made_again(report).values())
    assert published(settings).read_bytes() == mp3


def chapter_entries_on_disk(settings: Settings) -> list[Path]:
    root = SpeechCache.for_settings(settings).store.root / "mp3"
    return [path for path in root.rglob("*") if path.is_file()]


def test_a_range_is_never_read_outside_the_output_folder(tmp_path: Path) -> None:
    output_dir = tmp_path / "output"
    (output_dir / "en").mkdir(parents=True)
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"\xff\xfb" * 100)
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    (output_dir / "en" / "link.mp3").symlink_to(secret)
    (output_dir / "linked").symlink_to(tmp_path)
    cache = SpeechCache(tmp_path / "cache", output_dir)
    stat = secret.stat()
    for number, path in enumerate(
        ("../secret.mp3", str(secret), "en/link.mp3", "linked/secret.mp3", "en/../../secret.mp3")
    ):
        key = f"{number:064x}"
        reference = ChapterRange(path, 0, 200, digest, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        refer(cache.store.path("mp3", key), reference)
        assert reference.file(output_dir) is None, path
        assert not cache.has_chapter(key), path
        assert cache.chapter(key) is None, path

    # The same range inside the output folder serves.
    shutil.copy(secret, output_dir / "en" / "real.mp3")
    inside = (output_dir / "en" / "real.mp3").stat()
    key = "f" * 64
    reference = ChapterRange(
        "en/real.mp3", 0, 200, digest, inside.st_size, inside.st_mtime_ns, inside.st_ino
    )
    refer(cache.store.path("mp3", key), reference)
    assert cache.has_chapter(key)
    assert cache.chapter(key) == secret.read_bytes()


def test_piper_chapters_are_encoded_again_from_its_kept_audio_without_new_synthesis(
    tmp_path: Path,
) -> None:
    """Piper draws noise: an MP3 identical to the first proves nothing was said again. (The
    article is cut after its first section: two chapters, each said whole by Piper.)"""
    project = tmp_path / "project"
    settings = copy_project(project)
    shorten_article(settings, sections=1)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8")
        + '\n[tool.polyedition.narration.en]\nengines = ["piper", "espeak"]\n',
        encoding="utf-8",
    )
    settings = load_settings(project)
    english = BuildOptions(languages=("en",), formats=("mp3",), jobs=2)
    first = made_again(narrated(settings, english))
    assert len(first) >= 2 and all(synthesized > 0 for synthesized, _ in first.values())
    assert set(speakers(settings, "en").values()) == {("piper",)}
    # What Piper said is kept (two jobs saying one utterance at once keep the first's audio).
    kept = SpeechCache.for_settings(settings).store.root / "audio"
    audio = sum(1 for path in kept.rglob("*") if path.is_file())
    assert 0 < audio <= sum(synthesized for synthesized, _ in first.values())
    mp3 = published(settings, "en").read_bytes()
    assert set(ranges(settings, "en")) == set(first)

    shutil.rmtree(settings.output_dir)
    report = narrated(settings, english)
    assert made_again(report) == dict.fromkeys(first, (0, 1))
    assert published(settings, "en").read_bytes() == mp3


def speakers(settings: Settings, lang: str) -> dict[str, tuple[str, ...]]:
    """Each chapter of the edition's narration → the engines heard in it (sorted)."""
    manifest = Manifest(settings.cache_dir / MANIFEST)
    prefix = f"{SLUG}/{lang}/"
    return {
        name.removeprefix(prefix): tuple(
            sorted({heard[0] for heard in recorded["record"]["heard"]})
        )
        for name, recorded in manifest.chapters.items()
        if name.startswith(prefix)
    }


def test_a_splice_leaves_ranges_and_frames_from_a_cluster_worker_replace_one(
    tmp_path: Path,
) -> None:
    cache_dir, output = tmp_path / "cache", tmp_path / "output"
    cache = SpeechCache(cache_dir / "speech", output)
    keys = ("a" * 64, "b" * 64)
    for key, frames in zip(keys, (b"\xff one", b"\xff two"), strict=True):
        cache.put_chapter(key, frames)
    entries = tuple(cache.store.path("mp3", key).relative_to(cache_dir).as_posix() for key in keys)
    mp3 = Spliced(b"ID3", entries, 3 + 2 * len(b"\xff one"))
    name = PurePosixPath("en", "x.mp3")

    assert write_output(output, name, mp3, cache_dir)
    ranges = [chapter_range(cache.store.path("mp3", key)) for key in keys]
    assert [(r.path, r.offset, r.length) for r in ranges if r] == [
        ("en/x.mp3", 3, 5),
        ("en/x.mp3", 8, 5),
    ]
    # Spliced again from its own ranges (the file it replaces): the same bytes, not rewritten.
    assert not write_output(output, name, mp3, cache_dir)
    assert (output / name).read_bytes() == b"ID3\xff one\xff two"

    # A cluster worker made chapter a again and sends its entry: it replaces the range; an
    # entry the client holds as a range that the worker does not send is left alone.
    worker = SpeechCache(tmp_path / "worker")
    worker.put_chapter(keys[0], b"\xff one")
    sent = {entries[0]: worker.store.path("mp3", keys[0]).read_bytes()}
    made = JobResult(Job("chapter", "x", "en", "key", ()), (), 0.0, 0, 0.0, 0, cache_files=sent)
    write_outputs(made, output, cache_dir)
    assert chapter_range(cache.store.path("mp3", keys[0])) is None
    assert cache.chapter(keys[0]) == b"\xff one"
    assert chapter_range(cache.store.path("mp3", keys[1])) is not None
