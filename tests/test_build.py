"""The build system: fresh jobs skipped, edits rebuild only what they touch, kills lose nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import NoReturn

import pytest

from polyedition.build import BuildOptions, build, build_lock, executors, keys
from polyedition.build import run as run_module
from polyedition.cache import SpeechCache
from polyedition.config import Settings
from polyedition.errors import BuildError
from polyedition.model import reading_minutes
from polyedition.narration.script import narration_script
from polyedition.render.audio.narrate import narrate
from polyedition.site import load_site
from projectkit import (
    SLUG,
    add_to_translation,
    copy_project,
    edit_translation,
    lingering,
    override,
    run_polyedition,
    shorten_article,
    snapshot,
)

pytestmark = pytest.mark.slow

POLYEDITION = [sys.executable, "-m", "polyedition", "--project"]
FAST = ("html", "mp3")
"""Formats for tests that exercise the build machinery rather than the renderers."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A project built once with html and mp3 in two languages (shared by the fast tests)."""
    settings = copy_project(tmp_path_factory.mktemp("built"), warm_speech=True)
    build(settings, BuildOptions(languages=("en", "pl"), formats=FAST, jobs=2))
    return settings


def chapters(settings: Settings, lang: str) -> list[str]:
    """The chapters of the edition's narration, in order."""
    site = load_site(settings)
    return [chapter for chapter, _, _ in narration_script(site, site.edition(SLUG, lang)).spans]


def test_a_no_op_build_runs_no_job_and_rewrites_no_file(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nor does it make a narration script (it plans from those the build before kept) or
    start a process."""
    before = snapshot(built.output_dir)

    def not_called(*args: object) -> NoReturn:
        raise AssertionError("a no-op build made a script or a pool")

    monkeypatch.setattr(keys, "narration_script", not_called)
    monkeypatch.setattr(executors, "ProcessPoolExecutor", not_called)
    monkeypatch.setattr(executors, "start_forkserver", not_called)
    report = build(built, BuildOptions(languages=("en", "pl"), formats=FAST, jobs=2))
    assert report.ran == 0
    kinds = Counter(job.kind for job in report.skipped)
    # html + mp3 and each chapter's narration per edition, plus the site pages
    narrated = len(chapters(built, "en")) + len(chapters(built, "pl"))
    assert kinds == {"html": 2, "mp3": 2, "chapter": narrated, "site": 1}
    assert snapshot(built.output_dir) == before


def test_changing_one_message_rebuilds_only_that_language(built: Settings) -> None:
    """(An edit that keeps the edition's reading time: the language's front page states it.)"""
    before = snapshot(built.output_dir)
    add_to_translation(built, "pl", "summary-p1", " Zmienione podsumowanie.")
    report = build(built, BuildOptions(languages=("en", "pl"), formats=FAST, jobs=2))
    ran = sorted((r.job.lang, r.job.kind, r.job.part) for r in report.results)
    # one chapter job (the summary's), the MP3 that joins the chapters, the page that states it
    assert ran == [("pl", "chapter", "summary"), ("pl", "html", ""), ("pl", "mp3", "")]
    [chapter] = [r for r in report.results if r.job.kind == "chapter"]
    assert (chapter.info["synthesized"], chapter.info["encoded"]) == (1, 1)
    after = snapshot(built.output_dir)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {
        f"pl/{SLUG}/index.html",
        f"pl/{SLUG}/{SLUG}.pl.mp3",
        f"pl/{SLUG}/{SLUG}.pl.vtt",
    } | ({f"pl/{SLUG}/{SLUG}.pl.chapters.vtt", f"pl/{SLUG}/{SLUG}.pl.chapters.json"} & changed)
    assert "Zmienione podsumowanie." in (built.output_dir / f"pl/{SLUG}/index.html").read_text(
        encoding="utf-8"
    )


def test_a_build_after_an_edit_starts_its_workers_forkserver_before_it_loads_the_site(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So that the forkserver imports ``polyedition.build`` on another core while this process
    loads the site and plans, and the first job does not wait for it (a build with nothing to
    do starts none: see the no-op test above)."""
    add_to_translation(built, "pl", "summary-p1", " Jeszcze jedno zdanie.")
    events: list[object] = []
    start_forkserver, load_site = executors.start_forkserver, run_module.load_site

    def starting(preload: tuple[str, ...] = executors.PRELOAD) -> int | None:
        events.append(preload)
        return start_forkserver(preload)

    def loading(settings: Settings) -> object:
        events.append("site")
        return load_site(settings)

    monkeypatch.setattr(executors, "start_forkserver", starting)
    monkeypatch.setattr(run_module, "load_site", loading)
    report = build(built, BuildOptions(languages=("en", "pl"), formats=FAST, jobs=2))
    assert report.ran > 0
    assert events == [executors.LIGHT_PRELOAD, "site"]


def test_the_mp3_the_chapter_jobs_make_is_byte_for_byte_that_of_a_one_call_narration(
    built: Settings,
) -> None:
    site = load_site(built.with_narration_resolved())
    narration = narrate(site, site.edition(SLUG, "en"), SpeechCache.for_settings(built))
    assert narration.synthesized == 0  # every chapter was made by the build
    folder = built.output_dir / "en" / SLUG
    assert (folder / f"{SLUG}.en.mp3").read_bytes() == narration.mp3
    assert (folder / f"{SLUG}.en.vtt").read_text(encoding="utf-8") == narration.captions_vtt
    written = (folder / f"{SLUG}.en.chapters.json").read_text(encoding="utf-8")
    assert written == narration.chapters_json
    assert [mark.id for mark in narration.chapters] == chapters(built, "en")


def test_a_second_build_waits_for_no_one_it_fails_at_once(built: Settings) -> None:
    with build_lock(built):
        started = time.monotonic()
        with pytest.raises(BuildError, match=r"another build of this project is running \(pid"):
            build(built, BuildOptions(languages=("en",), formats=("html",)))
        assert time.monotonic() - started < 30


def test_a_corrupt_manifest_means_a_rebuild_not_a_failure(
    built: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    (built.cache_dir / "build-manifest.json").write_text("{not json", encoding="utf-8")
    report = build(built, BuildOptions(languages=("en",), formats=("html",)))
    assert report.ran == 2  # the page and the site pages, nothing else requested
    assert "unreadable" in caplog.text
    caplog.clear()


def test_a_deleted_output_is_rebuilt(built: Settings) -> None:
    page = built.output_dir / "en" / SLUG / "index.html"
    page.unlink()
    report = build(built, BuildOptions(languages=("en",), formats=("html",)))
    assert [r.job.kind for r in report.results] == ["html"]
    assert page.exists()


def test_strict_build_reports_fallbacks(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    edit_translation(settings, "lt", "summary-p1", "")
    result = run_polyedition(
        tmp_path, "build", "--lang", "lt", "--format", "html", "--strict", "--json"
    )
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert any("1 segment(s) fall back to en" in p for p in summary["problems"])


def test_json_summary_gives_each_jobs_wall_and_cpu_seconds(tmp_path: Path) -> None:
    """What a job cost in CPU time, beside its wall time: a benchmark compares jobs by it on a
    machine that other work shares."""
    copy_project(tmp_path)
    result = run_polyedition(tmp_path, "build", "--lang", "lt", "--format", "html", "--json")
    assert result.returncode == 0, result.stderr
    jobs = json.loads(result.stdout)["jobs"]
    assert jobs
    assert all(job["cpu_seconds"] >= 0 and job["seconds"] >= 0 for job in jobs)
    assert sum(job["cpu_seconds"] for job in jobs) > 0


def test_jobs_1_and_jobs_2_give_byte_identical_outputs(tmp_path: Path) -> None:
    """Every format of two editions, narrated cold, from the article cut after its second
    section (three chapters each: what is compared is how the jobs are spread, not length)."""
    one = copy_project(tmp_path / "one")
    two = copy_project(tmp_path / "two")
    shorten_article(one, sections=2)
    shorten_article(two, sections=2)
    build(one, BuildOptions(languages=("en", "be"), jobs=1))
    build(two, BuildOptions(languages=("en", "be"), jobs=2))
    files_one = {k: v[1] for k, v in snapshot(one.output_dir).items()}
    files_two = {k: v[1] for k, v in snapshot(two.output_dir).items()}
    assert sorted(files_one) == sorted(files_two)
    assert any(name.endswith(".pdf") for name in files_one)
    assert any(name.endswith(".mp3") for name in files_one)
    for name, data in files_one.items():
        assert data == files_two[name], name


def _complete(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if path.suffix == ".pdf":
        return data.rstrip().endswith(b"%%EOF")
    if path.suffix == ".mp3":
        import miniaudio

        info = miniaudio.mp3_get_info(data)
        return info.duration > 1
    if path.suffix == ".vtt":
        return data.startswith(b"WEBVTT")
    return len(data) > 0


def test_a_killed_build_leaves_only_complete_files_and_the_next_build_finishes(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path, warm_speech=True)
    command = [
        sys.executable,
        "-m",
        "polyedition",
        "--project",
        str(tmp_path),
        "-q",
        "build",
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(settings.output_dir.rglob("*.mp3")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    visible = [
        p for p in settings.output_dir.rglob("*") if p.is_file() and not p.name.startswith(".")
    ]
    assert visible, "the build was killed before it wrote anything"
    for path in visible:
        assert _complete(path), path
    report = build(settings, BuildOptions(languages=settings.languages, jobs=2))
    assert report.ran > 0
    assert not list(settings.output_dir.rglob(".*.tmp"))
    again = build(settings, BuildOptions(languages=settings.languages, jobs=2))
    assert again.ran == 0


def test_a_build_leaves_no_process_behind(tmp_path: Path) -> None:
    """As make or Sphinx: once ``polyedition build`` exits, nothing it started runs on (its
    workers, their forkserver), and nothing runs in or for the project."""
    copy_project(tmp_path, warm_speech=True)
    command = [*POLYEDITION, str(tmp_path), "-q", "build", "--jobs", "2", "--lang", "pl"]
    mark = f"POLYEDITION_TEST_RUN={tmp_path}"
    runtime = tempfile.mkdtemp(prefix="pr-", dir="/tmp")  # no daemon of another build to reuse
    environment = dict(os.environ, POLYEDITION_TEST_RUN=str(tmp_path), XDG_RUNTIME_DIR=runtime)
    try:
        done = subprocess.run(command, env=environment, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 10  # the forkserver leaves when it sees the build gone
        while (left := lingering(mark, tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert left == []
    finally:
        shutil.rmtree(runtime)


def test_a_warning_a_worker_logs_reaches_the_user_as_the_build_shows_it(tmp_path: Path) -> None:
    """Workers are forked from a forkserver, which inherits none of the command's logging: a
    warning logged in a job (a damaged cache entry made again) is shown as the build's own."""
    settings = copy_project(tmp_path, warm_speech=True)
    options = BuildOptions(languages=("pl",), formats=("mp3",), jobs=1)
    made = next(r for r in build(settings, options).results if r.job.kind == "chapter")
    timing = next(name for name in made.cache_entries if name.startswith("timing/"))
    entry = settings.cache_dir / "speech" / timing
    truncated = entry.read_bytes()[:-10]
    entry.unlink()  # a hard link into the tests' shared warm cache: never write through it
    entry.write_bytes(truncated)
    frames = next(name for name in made.cache_entries if name.startswith("mp3/"))
    (settings.cache_dir / "speech" / frames).unlink()  # so that the chapter is made again

    done = run_polyedition(tmp_path, "-q", "build", "--jobs", "2", "--lang", "pl")
    assert done.returncode == 0, done.stderr
    assert f"WARNING: {entry}: corrupt cache entry, making it again" in done.stderr.splitlines()


def test_outputs_and_the_manifest_reach_the_disk_and_cache_entries_check_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A published file and the manifest are forced to disk before they are renamed into
    place; a speech cache entry is not (a wait on the disk per entry, hundreds a build): after a
    power cut it may be empty or short, and its checksum has it made again."""
    settings = copy_project(tmp_path, warm_speech=True)
    synced: list[Path] = []
    fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(Path(f"/proc/self/fd/{fd}").readlink())
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording)
    options = BuildOptions(languages=("pl",), formats=("mp3", "html"), jobs=1)
    report = build(settings, options)
    assert not report.failures
    speech = settings.cache_dir / "speech"
    made = [name for result in report.results for name in result.cache_entries]
    assert len(made) > 50
    assert not [path for path in synced if path.is_relative_to(speech)]
    assert {path.parent for path in synced} >= {
        settings.output_dir / "pl",
        settings.cache_dir,  # the manifest
    }

    chapter = next(result.cache_entries for result in report.results if result.job.part)
    emptied = speech / next(name for name in chapter if name.startswith("timing/"))
    emptied.unlink()  # a hard link into the tests' shared warm cache: never write through it
    emptied.write_bytes(b"")  # what a rename without fsync may leave after a power cut
    (speech / next(name for name in chapter if name.startswith("mp3/"))).unlink()
    monkeypatch.undo()
    again = build(settings, options)
    assert not again.failures
    assert [result.job.part for result in again.results if result.job.part]
    assert emptied.stat().st_size > 0


def test_serve_watch_rebuilds_when_a_translation_is_saved(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "polyedition",
            "--project",
            str(tmp_path),
            "serve",
            "--port",
            "0",
            "--watch",
            "--lang",
            "pl",
            "--format",
            "html",
            "--jobs",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}/pl/{SLUG}/"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        edit_translation(settings, "pl", "summary-p1", "Tekst po zapisaniu pliku.")
        deadline = time.monotonic() + 60
        page = ""
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=10) as response:
                page = response.read().decode("utf-8")
            if "Tekst po zapisaniu pliku." in page:
                break
            time.sleep(0.3)
        assert "Tekst po zapisaniu pliku." in page
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_an_asset_whose_content_changed_replaces_its_old_hashed_copy(built: Settings) -> None:
    assets = built.output_dir / "assets"
    before = {path.name for path in assets.glob("site.*.css")}
    assert len(before) == 1
    css = override(built, "assets/site.css")
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    build(built, BuildOptions(languages=("en",), formats=("html",)))
    after = {path.name for path in assets.glob("site.*.css")}
    assert len(after) == 1
    assert after != before
    page = (built.output_dir / "en" / SLUG / "index.html").read_text(encoding="utf-8")
    assert next(iter(after)) in page


def test_built_pages_state_their_narrations_duration_and_size(built: Settings) -> None:
    page = (built.output_dir / "pl" / SLUG / "index.html").read_text(encoding="utf-8")
    facts = re.search(r'<p class="listen-facts"><time datetime="PT\d+M\d*S?">(.+?)</time>', page)
    assert facts, "the listen block of a built page must state the duration"
    assert "min listen" not in facts.group(1)  # in Polish
    assert re.search(r"MP3, \d+(,\d)? MB", page)  # formatted by Babel for Polish
    assert 'data-speed-labels="0,75×|1×' in page


def test_an_edit_that_changes_a_reading_time_rebuilds_the_front_page_that_states_it(
    tmp_path: Path,
) -> None:
    """The language's front page lists each article with its reading time: a translation that
    grows by a minute's reading must not leave the old figure there (nor a paragraph that
    keeps the minute rebuild it)."""
    settings = copy_project(tmp_path)
    options = BuildOptions(languages=("pl",), formats=("html",), jobs=1)
    build(settings, options)
    index = settings.output_dir / "pl" / "index.html"

    def minutes_listed() -> int:
        listed = re.search(r'aria-hidden="true"> · </span>\s*<span>(\d+)', index.read_text("utf-8"))
        assert listed, "the front page must list the article's reading time"
        return int(listed.group(1))

    def minutes_now() -> int:
        return reading_minutes(load_site(settings).edition(SLUG, "pl").word_count)

    assert minutes_listed() == minutes_now()
    add_to_translation(settings, "pl", "summary-p1", " Tak.")
    assert minutes_now() == minutes_listed()
    report = build(settings, options)
    assert "site" not in {result.job.kind for result in report.results}

    edit_translation(settings, "pl", "summary-p1", " ".join(["słowo"] * 400))
    assert minutes_now() != minutes_listed()
    build(settings, options)
    assert minutes_listed() == minutes_now()
