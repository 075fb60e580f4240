"""A build's local workers: forked from a forkserver that imports what jobs need while the build
plans, replaced by new ones after a number of jobs (a worker's native memory creeps up), and
never left behind: not by a build with nothing to do, not by a worker that dies."""

from __future__ import annotations

import gc
import os
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from pathlib import Path

import pytest

from polyedition.build import BuildOptions, build, executors
from polyedition.build.executors import LocalPool
from projectkit import copy_project, process_alive

pytestmark = pytest.mark.skipif(
    not executors.preload_available(), reason="workers fork from a preloaded forkserver on Linux"
)

FAST = ("html", "mp3")
FROZEN_AT_LEAST = 50_000
"""Objects the forkserver's imports leave (WeasyPrint, NumPy, fontTools, Babel: about 93,000
on Python 3.11); a forkserver that froze nothing has none."""


def no_forkserver() -> None:
    """Stop this process's forkserver (an earlier test's), so that the next pool starts one."""
    if forkserver._forkserver._forkserver_pid is not None:  # type: ignore[attr-defined]
        forkserver._forkserver._stop()  # type: ignore[attr-defined]


def test_a_build_with_nothing_to_do_stops_its_forkserver_without_waiting_for_its_imports() -> None:
    no_forkserver()
    pool = LocalPool(2, start=executors.PRELOAD)
    started = executors._forkserver_pid()
    assert started is not None, "the pool starts its forkserver at once"
    pool.shutdown(wait=True, cancel_futures=True)
    # It was still importing the renderers: closing its pipe would let it finish them first.
    assert not process_alive(started)
    assert executors._forkserver_pid() is None


def test_workers_start_with_the_renderers_imported_from_a_forkserver_with_no_other_thread() -> None:
    no_forkserver()
    pool = LocalPool(2, start=executors.PRELOAD)
    try:
        worker = pool.submit(os.getpid).result()  # it forks once it has imported
        # What the imports made is frozen: a job's garbage collections do not walk it
        assert pool.submit(gc.get_freeze_count).result() > FROZEN_AT_LEAST
        server = executors._forkserver_pid()
        libraries = Path(f"/proc/{worker}/maps").read_text()
        assert "libpango" in libraries and "_multiarray_umath" in libraries  # WeasyPrint, NumPy
        # OpenBLAS would start a thread a core in it (and stop them before each fork)
        assert pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result() == "1"
        assert len(list(Path(f"/proc/{server}/task").iterdir())) == 1
    finally:
        pool.shutdown()


def test_workers_are_replaced_after_their_share_of_jobs_and_every_job_gets_its_result() -> None:
    pool = LocalPool(2, renew_after=2)
    try:
        one_by_one = [pool.submit(os.getpid).result() for _ in range(12)]
        at_once = [pool.submit(pow, number, 2) for number in range(12)]
        squares = [future.result() for future in at_once]
    finally:
        pool.shutdown()
    assert squares == [number * number for number in range(12)]
    assert pool.pools == 6  # 4 jobs to each pool of two workers
    assert len(set(one_by_one)) >= 3


SPELL = "(__import__('time').time(), __import__('time').sleep({}), __import__('time').time())"
"""A job for ``eval`` that runs for a while: when it started, None and when it ended (a worker
imports no test module, so a job is a builtin or a library's function)."""


def spell(pool: LocalPool, seconds: float) -> Future[tuple[float, None, float]]:
    return pool.submit(eval, SPELL.format(seconds))


def test_no_more_jobs_run_at_a_time_than_workers_even_while_workers_are_replaced() -> None:
    pool = LocalPool(2, renew_after=2)
    try:
        spells = [future.result() for future in [spell(pool, 0.05) for _ in range(16)]]
    finally:
        pool.shutdown()
    assert pool.pools >= 4
    moments = sorted([(start, 1) for start, _, _ in spells] + [(end, -1) for _, _, end in spells])
    running = [sum(change for _, change in moments[: index + 1]) for index in range(len(moments))]
    assert max(running) == 2


def test_a_worker_finds_its_next_job_waiting_without_the_build_sending_it() -> None:
    pool = LocalPool(1)
    try:
        pool.submit(os.getpid).result()  # the worker is up
        first, second = spell(pool, 0.1), pool.submit(time.time)
        with pool._lock:  # the build sends nothing while it holds this (it is busy)
            time.sleep(1.0)
            released = time.time()
        assert first.result()[2] <= second.result() < released
    finally:
        pool.shutdown()


def test_a_worker_that_dies_fails_its_job_and_the_next_jobs_run_on_new_workers() -> None:
    pool = LocalPool(2)
    try:
        dying = pool.submit(os._exit, 1)
        with pytest.raises(BrokenProcessPool):
            dying.result()
        assert pool.submit(pow, 3, 2).result() == 9
    finally:
        pool.shutdown()


def test_a_build_whose_workers_are_replaced_makes_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = BuildOptions(languages=("pl",), formats=FAST, jobs=2)
    steady = copy_project(tmp_path / "steady", warm_speech=True)
    build(steady, options)
    monkeypatch.setattr(executors, "RENEW_AFTER", 2)
    renewed = copy_project(tmp_path / "renewed", warm_speech=True)
    report = build(renewed, options)

    assert report.failures == () and report.ran > 8
    assert len({result.pid for result in report.results}) > 4, "the workers were not replaced"
    assert files(renewed.output_dir) == files(steady.output_dir)


def files(folder: Path) -> dict[Path, bytes]:
    return {
        path.relative_to(folder): path.read_bytes() for path in folder.rglob("*") if path.is_file()
    }
