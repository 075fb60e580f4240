"""Where jobs run: in this process (``--jobs 1``) or in a pool of worker processes."""

from __future__ import annotations

import logging
import os
import select
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class JobExecutor(Protocol):
    """Where a build sends its jobs: a ``concurrent.futures`` executor that also tells whether
    its machines are gone (then its pending jobs will never finish)."""

    @property
    def lost(self) -> bool: ...

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


class SerialExecutor(Executor):
    """Runs each job at submit time in this process: ``--jobs 1`` and debugging."""

    lost = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


class LocalPool(ProcessPoolExecutor):
    """Worker processes on this machine (which is never lost while the build runs)."""

    lost = False


def default_executor(jobs: int) -> SerialExecutor | LocalPool:
    """One process per core; ``forkserver`` so workers start clean and import only what they use."""
    if jobs <= 1:
        return SerialExecutor()
    context = get_context("forkserver")
    context.set_forkserver_preload(["polyedition.build"])
    return LocalPool(
        max_workers=jobs,
        mp_context=context,
        initializer=die_with_build,
        initargs=(os.getpid(),),
    )


def die_with_build(build: int) -> None:
    """Make a worker leave as soon as the build that started it ends, even by ``kill -9``,
    which gives the build no chance to stop its pool: a thread waits on the build's pidfd
    (no race with a reused pid), then ends the forkserver that started this worker and the
    worker itself. Linux only; elsewhere a worker finishes its job first."""
    if not hasattr(os, "pidfd_open"):
        return
    try:
        handle = os.pidfd_open(build)
    except OSError:  # the build is gone already
        os._exit(1)
    threading.Thread(target=_wait_for_build, args=(handle,), daemon=True).start()


def _wait_for_build(handle: int) -> None:
    select.select([handle], [], [])
    parent = os.getppid()
    try:
        command = Path(f"/proc/{parent}/cmdline").read_bytes()
    except OSError:
        command = b""
    if b"multiprocessing.forkserver" in command:
        os.kill(parent, signal.SIGKILL)
    os._exit(1)
