"""Warm workers: a build leaves a host that has imported the renderers; the next builds' jobs
run in fresh workers it forks, with the same outputs, and a host that is gone never fails a
build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from polyedition.build import BuildOptions, build, default_executor, warm
from polyedition.build.formats import run_job
from polyedition.build.jobs import Job
from polyedition.build.warm import (
    WarmExecutor,
    host_address,
    idle_minutes,
    start_host,
    stop_hosts,
)
from polyedition.config import Settings
from polyedition.errors import BuildError
from polyedition.site import Site
from projectkit import (
    SLUG,
    copy_project,
    edit_translation,
    process_alive,
    run_polyedition,
    snapshot,
)

LANGS = ("en", "pl")
FAST = ("html", "mp3")


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Warm workers on, with their sockets in a private folder of this test (short: a socket's
    path has at most 107 bytes); stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="pw-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("POLYEDITION_WARM_WORKERS", "2")
    yield folder / "polyedition"
    stop_hosts()
    shutil.rmtree(folder, ignore_errors=True)


def wait_for(condition: object, what: str, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.1)


def running_host(address: Path) -> int:
    """The pid of the host listening at ``address``, once it listens."""
    pid_file = address.with_suffix(".pid")
    wait_for(lambda: address.exists() and pid_file.exists(), f"a host at {address}")
    return int(pid_file.read_text(encoding="ascii"))


def warm_pool(address: Path) -> WarmExecutor:
    return WarmExecutor(address, 2, lambda: default_executor(2))


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    return copy_project(tmp_path / "project", warm_speech=True)


@pytest.fixture
def address(runtime: Path) -> Path:
    """The socket of a host started for this test, once it listens."""
    socket = host_address()
    assert socket is not None
    start_host(socket, 2)
    running_host(socket)
    return socket


def test_a_build_leaves_warm_workers_and_the_next_build_runs_on_them(
    runtime: Path, project: Settings
) -> None:
    build(project, BuildOptions(languages=LANGS, formats=FAST, jobs=2))
    address = host_address()
    assert address is not None and address.parent == runtime
    running_host(address)
    edit_translation(project, "pl", "summary-p1", "Zmienione streszczenie.")
    pool = warm_pool(address)
    try:
        report = build(project, BuildOptions(languages=LANGS, formats=FAST, jobs=2), executor=pool)
    finally:
        pool.shutdown()
    assert not report.failures
    assert sorted((r.job.lang, r.job.kind) for r in report.results) == [
        ("pl", "chapter"),
        ("pl", "html"),
        ("pl", "mp3"),
    ]
    assert pool.ran == 3 and not pool.gone
    page = project.output_dir / "pl" / SLUG / "index.html"
    assert "Zmienione streszczenie." in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_warm_workers_make_the_same_bytes_as_new_processes(address: Path, tmp_path: Path) -> None:
    cold = copy_project(tmp_path / "cold", warm_speech=True)
    build(cold, BuildOptions(languages=LANGS, jobs=2, warm=False))
    warm = copy_project(tmp_path / "warm", warm_speech=True)
    pool = warm_pool(address)
    try:
        report = build(warm, BuildOptions(languages=LANGS, jobs=2), executor=pool)
    finally:
        pool.shutdown()
    assert pool.ran == report.ran > 0 and not pool.gone
    made = {name: data for name, (_, data) in snapshot(warm.output_dir).items()}
    assert made == {name: data for name, (_, data) in snapshot(cold.output_dir).items()}


def test_a_killed_host_never_fails_a_build_and_a_new_one_takes_its_place(
    address: Path, project: Settings
) -> None:
    killed = running_host(address)
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: not process_alive(killed), "the kill")
    assert address.exists()  # a stale socket, nobody listening
    report = build(project, BuildOptions(languages=LANGS, formats=FAST, jobs=2))
    assert not report.failures
    whole = [result for result in report.results if result.job.kind != "chapter"]
    assert len(whole) == 5 and report.ran > 5  # and every chapter of the two narrations
    wait_for(lambda: running_host(address) != killed, "a new host")


def test_a_host_that_imports_other_code_takes_no_job(
    address: Path, project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build whose polyedition differs from the host's (another copy on PYTHONPATH, say)
    runs its jobs in new processes."""
    monkeypatch.setattr(warm, "code_digest", lambda: "another version")
    assert_refused(address, project)


def assert_refused(address: Path, project: Settings) -> None:
    """A job sent to the host at ``address`` runs in a new process instead."""
    pool = warm_pool(address)
    try:
        result = pool.submit(run_job, Job("nonsense", "", "en", "key", ()), Site(project, {}))
        error = result.exception(timeout=120)
    finally:
        pool.shutdown()
    assert isinstance(error, BuildError)  # from a new process: the host would not take it
    assert pool.gone and pool.ran == 0


def test_a_host_whose_libraries_were_upgraded_takes_no_job_and_leaves(
    address: Path, project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint upgraded after the host imported the old one: the host's PDFs would be
    recorded under the new version's key, so it refuses the job and stops."""
    host = running_host(address)
    installed = dict(warm._installed_libraries())
    upgraded = {**installed, "weasyprint": installed["weasyprint"] + ".post1"}
    monkeypatch.setattr(warm, "_installed_libraries", lambda: tuple(upgraded.items()))
    assert_refused(address, project)
    wait_for(lambda: not process_alive(host), "the old host to leave")


def test_a_failing_job_on_a_warm_worker_fails_with_its_own_error(
    address: Path, project: Settings
) -> None:
    pool = warm_pool(address)
    try:
        future = pool.submit(run_job, Job("nonsense", "", "en", "key", ()), Site(project, {}))
        error = future.exception(timeout=60)
    finally:
        pool.shutdown()
    assert isinstance(error, BuildError)
    assert "unknown job kind 'nonsense'" in str(error)
    assert pool.ran == 1 and not pool.gone


def test_warnings_a_warm_worker_logs_reach_the_build(
    address: Path, project: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    options = BuildOptions(languages=("pl",), formats=("mp3",), jobs=2, warm=False)
    made = next(r for r in build(project, options).results if r.job.kind == "chapter")
    # A segment's timing is read by every narration of its chapter (its audio only when the
    # chapter changes): truncated, the worker says so and reads the audio instead.
    timing = next(name for name in made.cache_entries if name.startswith("timing/"))
    entry = project.cache_dir / "speech" / timing
    entry.write_bytes(entry.read_bytes()[:-10])
    frames = next(name for name in made.cache_entries if name.startswith("mp3/"))
    (project.cache_dir / "speech" / frames).unlink()  # so that the chapter runs again
    pool = warm_pool(address)
    try:
        with caplog.at_level("WARNING", logger="polyedition"):
            report = build(project, replace(options, warm=True), executor=pool)
    finally:
        pool.shutdown()
    assert not report.failures and pool.ran == 1
    assert any("corrupt cache entry" in record.getMessage() for record in caplog.records)


def test_an_idle_host_leaves_and_takes_its_socket(runtime: Path) -> None:
    address = host_address()
    assert address is not None
    start_host(address, 1 / 60)  # one second
    pid = running_host(address)
    wait_for(lambda: not address.exists(), "the idle host to leave")
    wait_for(lambda: not process_alive(pid), "its process to end")
    assert not address.with_suffix(".pid").exists()


def test_no_warm_leaves_no_workers_behind(runtime: Path, project: Settings) -> None:
    build(project, BuildOptions(languages=LANGS, formats=("html",), jobs=2, warm=False))
    time.sleep(1)
    assert not any(runtime.glob("*.sock")) if runtime.exists() else True


def test_clean_workers_stops_them(address: Path, project: Settings) -> None:
    pid = running_host(address)
    cli = run_polyedition(project.project_dir, "clean", "--workers")
    assert cli.returncode == 0, cli.stderr
    assert "1 host(s) stopped" in cli.stdout
    wait_for(lambda: not process_alive(pid), "the host to stop")
    assert not address.exists()


def test_the_environment_turns_warm_workers_off_or_sets_their_minutes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = replace(Settings(project_dir=tmp_path), warm_workers_minutes=10.0)
    monkeypatch.delenv("POLYEDITION_WARM_WORKERS")
    assert idle_minutes(settings) == 10.0
    monkeypatch.setenv("POLYEDITION_WARM_WORKERS", "0")
    assert idle_minutes(settings) == 0.0
    monkeypatch.setenv("POLYEDITION_WARM_WORKERS", "2.5")
    assert idle_minutes(settings) == 2.5
    monkeypatch.setenv("POLYEDITION_WARM_WORKERS", "soon")
    assert idle_minutes(settings) == 0.0


def test_a_socket_folder_others_can_open_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    (shared / "polyedition").mkdir(parents=True, mode=0o755)
    (shared / "polyedition").chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    assert host_address() is None


def test_clean_workers_never_stops_a_process_that_only_took_an_old_hosts_pid(
    runtime: Path,
) -> None:
    address = host_address()
    assert address is not None
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        address.with_suffix(".pid").write_text(str(bystander.pid), encoding="ascii")
        assert stop_hosts() == 0
        assert bystander.poll() is None
        assert not address.with_suffix(".pid").exists()
    finally:
        bystander.kill()
        bystander.wait()
