"""The same build on a Dask cluster: identical outputs, a killed worker survived, a worker that
differs refused, and no traceback when Dask or the scheduler is missing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from polyedition.build import BuildOptions, build
from polyedition.build.cluster import ClusterExecutor, ProjectBundle, cluster_executor
from polyedition.config import Settings
from polyedition.errors import ConfigError
from projectkit import copy_project, run_polyedition

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

LANGUAGES = ("be", "pl")
"""Narrated by eSpeak NG, whose output is the same bytes wherever it runs."""
FORMATS = ("html", "mp3")


def files(output: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(output)): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The outputs of an ordinary local build with two worker processes."""
    settings = copy_project(tmp_path_factory.mktemp("local"))
    report = build(settings, BuildOptions(languages=LANGUAGES, formats=FORMATS, jobs=2))
    assert report.failures == ()
    return files(settings.output_dir)


def test_a_local_cluster_build_is_byte_identical_and_fills_the_clients_cache(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    settings = copy_project(tmp_path)
    options = BuildOptions(languages=LANGUAGES, formats=FORMATS, scheduler="local:2")
    report = build(settings, options)
    assert report.failures == ()
    assert files(settings.output_dir) == reference
    speech = list((settings.cache_dir / "speech").rglob("*"))
    assert len([p for p in speech if p.is_file()]) > 100  # every entry the workers used came back

    # The client's cache is the one that lasts: a clean distributed rebuild synthesizes and
    # encodes nothing (each chapter's frames came back to it).
    again = build(settings, replace(options, clean=True))
    narrations = [r for r in again.results if r.job.kind == "mp3"]
    assert len(narrations) == len(LANGUAGES)
    chapters = [r for r in again.results if r.job.kind == "chapter"]
    assert chapters and all(r.info["synthesized"] == r.info["encoded"] == 0 for r in chapters)
    assert files(settings.output_dir) == reference


def test_a_worker_killed_mid_job_is_replaced_and_the_outputs_are_the_same(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    settings = copy_project(tmp_path)
    options = BuildOptions(languages=LANGUAGES, formats=FORMATS)
    killed: list[int] = []
    with cluster_executor("local:2", settings) as cluster:
        pids: dict[str, int] = cluster.client.run(os.getpid)

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = [w for w, tasks in cluster.client.processing().items() if tasks]
                if busy:
                    time.sleep(0.5)  # well inside the job: a narration takes seconds
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        report = build(settings, options, executor=cluster)
        killer.join()
    assert killed, "no worker was busy to kill"
    assert report.failures == ()
    assert files(settings.output_dir) == reference


class LostAfterItsResult:
    """A Dask task whose worker died once it had finished: its result is read, and only then
    its state says it is lost (being computed again)."""

    status = "finished"

    def __init__(self) -> None:
        self.callbacks: list[Callable[[LostAfterItsResult], None]] = []

    def add_done_callback(self, callback: Callable[[LostAfterItsResult], None]) -> None:
        self.callbacks.append(callback)

    def result(self) -> str:
        self.status = "lost"
        return "the job's result"


def test_a_result_whose_worker_dies_just_after_is_the_jobs_result_not_an_error() -> None:
    task = LostAfterItsResult()

    class Client:
        scheduler = SimpleNamespace(address="tcp://127.0.0.1:8786")
        status = "running"

        def scatter(self, data: object, **options: object) -> object:
            return data

        def submit(self, *args: object, **options: object) -> LostAfterItsResult:
            return task

    executor = ClusterExecutor(Client(), ProjectBundle("digest", b""))
    future = executor.submit(len, "job")
    for callback in task.callbacks:
        callback(task)
    assert future.result(timeout=1) == "the job's result"
    executor.shutdown()


def _fake_install(tmp_path: Path, version: str) -> Path:
    """A copy of polyedition that calls itself another version, as on a worker left behind."""
    import polyedition

    site = tmp_path / "other-site"
    shutil.copytree(Path(polyedition.__file__).parent, site / "polyedition")
    init = site / "polyedition" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    init.write_text(text.replace(f'"{polyedition.__version__}"', f'"{version}"'), encoding="utf-8")
    assert version in init.read_text(encoding="utf-8")
    return site


def test_a_worker_with_another_polyedition_is_refused_with_one_line(tmp_path: Path) -> None:
    settings = copy_project(tmp_path / "project")
    site = _fake_install(tmp_path, "0.0.1")
    with distributed.LocalCluster(
        n_workers=0, processes=True, dashboard_address=None, scheduler_port=0
    ) as scheduler:
        address = scheduler.scheduler_address
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
            ],
            env={**os.environ, "PYTHONPATH": str(site)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with distributed.Client(address) as client:
                client.wait_for_workers(1, timeout=60)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "polyedition",
                    "--project",
                    str(settings.project_dir),
                    "build",
                    "--lang",
                    "pl",
                    "--format",
                    "html",
                    "--scheduler",
                    address,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("build: Dask worker tcp://")
    assert "differs from this machine: polyedition 0.0.1 (client: " in line
    assert not (settings.output_dir / "pl").exists()


def test_an_unreachable_scheduler_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    result = run_polyedition(
        tmp_path, "build", "--format", "html", "--scheduler", "tcp://127.0.0.1:9", timeout=120
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("build: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not list(settings.output_dir.rglob("*.html"))


def test_without_dask_the_error_names_the_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: Settings = copy_project(tmp_path)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match="not installed") as caught:
        build(settings, BuildOptions(languages=("pl",), formats=("html",), scheduler="local:1"))
    assert caught.value.hint == "pip install 'polyedition[dask]'"


def test_losing_the_scheduler_is_one_line_and_the_next_build_finishes(tmp_path: Path) -> None:
    settings = copy_project(tmp_path / "project")
    scheduler_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--port",
            "0",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
            "--scheduler-file",
            str(scheduler_file),
        ],
        **quiet,  # type: ignore[call-overload]
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                "--scheduler-file",
                str(scheduler_file),
                "--nthreads",
                "1",
                "--no-dashboard",
            ],
            **quiet,  # type: ignore[call-overload]
        )
        import json

        address = json.loads(scheduler_file.read_text(encoding="utf-8"))["address"]
        with distributed.Client(address) as client:
            client.wait_for_workers(1, timeout=60)
        build_run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "polyedition",
                "--project",
                str(settings.project_dir),
                "-q",
                "build",
                "--lang",
                "be",
                "--lang",
                "pl",
                "--format",
                "html",
                "--format",
                "mp3",
                "--scheduler",
                address,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not list(settings.output_dir.rglob("*.html")):
            time.sleep(0.05)
        scheduler.kill()
        _, err = build_run.communicate(timeout=180)
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.kill()
                process.wait(timeout=30)
    assert build_run.returncode != 0
    lines = err.strip().splitlines()
    assert lines[-1].startswith("build: lost the Dask scheduler at tcp://127.0.0.1:"), err
    assert "Traceback" not in err
    assert not list(settings.output_dir.rglob(".*.tmp"))
    for mp3 in settings.output_dir.rglob("*.mp3"):
        assert len(mp3.read_bytes()) > 100_000  # whatever was written is whole
    again = build(settings, BuildOptions(languages=LANGUAGES, formats=FORMATS, jobs=2))
    assert again.failures == ()
