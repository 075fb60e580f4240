"""Where jobs run: in this process (``--jobs 1``), in a pool of worker processes that ends
with the build, or in the preview server's workers (``PreviewWorkers``), which it keeps while
it runs."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import select
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver, get_context
from pathlib import Path
from typing import Any, Protocol

from polyedition.terminal import LOG_FORMAT

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


RENEW_AFTER = 200
"""Jobs a local worker runs before a new one takes over (see ``LocalPool``)."""

AHEAD = 1
"""Jobs a local pool is sent beyond one a worker: a worker that finishes a job finds the next
one waiting in the pool's queue, instead of waiting for it to be sent once the build has its
result (about 5 ms a job, through three threads of the build: 0.3–0.45 s a worker in a cold
build, against 0.2–0.3 s)."""

PRELOAD = ("polyedition.build.preload",)
"""What the forkserver imports before it forks a worker, where that is safe (Linux)."""

LIGHT_PRELOAD = ("polyedition.build",)
"""What it imports otherwise (each worker then imports what its jobs need)."""

FORKSERVER_PARENT = "POLYEDITION_FORKSERVER_PARENT"
"""The pid of the process that starts the forkserver, in the forkserver's environment."""


class LocalPool(Executor):
    """Worker processes on this machine (which is never lost while the build runs), forked
    from a forkserver; after ``renew_after`` jobs a worker, new ones take over.

    A worker's resident memory creeps up by about a quarter of a megabyte a job that no heap
    trim gives back (native memory of the libraries; 282 MB after the 2-article corpus, 486 MB
    after the 100-article one's 1,500 jobs a worker). So the jobs go to a pool of ``jobs``
    workers until it has been sent ``jobs * renew_after`` of them; the next go to a new pool
    forked from the same forkserver (no import to pay), and the old one's workers leave once
    their last job is done. No more than ``jobs`` jobs run at a time, in old and new pools
    together: a pool is sent ``AHEAD`` more, which wait in its queue for one of its workers,
    while no old pool has a job; the others wait here, in the order they were sent (Python
    3.11's ``max_tasks_per_child`` hangs, see docs/developers/benchmark.md). A worker that
    dies (out of memory, killed) fails the jobs its pool had, as before; the next jobs go to a
    new pool.

    With ``start``, the pool starts the forkserver at once with those modules to import, so
    that it imports on another core while the build loads the site and plans: ``PRELOAD``,
    what the jobs import (``build.preload``), or ``LIGHT_PRELOAD``, ``polyedition.build``
    alone, each worker then importing what its jobs need. If the pool is shut down before it
    was sent a job, it stops that forkserver without waiting for its imports. Without
    ``start``, a light forkserver starts with the first worker, so that a pool never sent a
    job starts no process.
    """

    lost = False

    def __init__(
        self,
        jobs: int,
        *,
        renew_after: int | None = None,
        start: tuple[str, ...] | None = None,
    ) -> None:
        self.jobs = max(1, jobs)
        self.renew_after = max(1, renew_after or RENEW_AFTER)
        self._lock = threading.RLock()
        """An RLock: a job done already when its callback is added runs ``_done`` at once."""
        self._waiting: deque[
            tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
        ]
        self._waiting = deque()
        self._in_flight: dict[ProcessPoolExecutor, int] = {}
        """Jobs sent to each pool and not done."""
        self._sent = 0
        """Jobs sent to the current pool."""
        self._pool: ProcessPoolExecutor | None = None
        self._retired: list[ProcessPoolExecutor] = []
        self._shut = False
        self._used = False
        self._started_forkserver = start_forkserver(start) if start else None
        """The forkserver's pid if this pool started it."""

    @property
    def pools(self) -> int:
        """How many pools of workers this executor has made (each new one renews them)."""
        return len(self._retired) + (self._pool is not None)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._shut:
                raise RuntimeError("cannot schedule new jobs after shutdown")
            self._used = True
            self._waiting.append((future, fn, args, kwargs))
            self._dispatch()
        return future

    def _dispatch(self) -> None:
        """Send waiting jobs to the current pool while it has room (lock held)."""
        while self._waiting and not self._shut:
            pool = self._current()
            elsewhere = sum(count for other, count in self._in_flight.items() if other is not pool)
            room = self.jobs - elsewhere if elsewhere else self.jobs + AHEAD
            if self._in_flight.get(pool, 0) >= room:
                return
            future, fn, args, kwargs = self._waiting.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                inner = pool.submit(fn, *args, **kwargs)
            except BrokenProcessPool:  # a worker died: the next jobs go to new workers
                self._renew()
                pool = self._current()
                try:
                    inner = pool.submit(fn, *args, **kwargs)
                except BaseException as error:
                    future.set_exception(error)
                    continue
            self._sent += 1
            self._in_flight[pool] = self._in_flight.get(pool, 0) + 1
            inner.add_done_callback(functools.partial(self._done, future, pool))

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is not None and self._sent >= self.jobs * self.renew_after:
            self._renew()
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=get_context("forkserver"),
                initializer=start_worker,
                initargs=worker_arguments(),
            )
            self._sent = 0
        return self._pool

    def _renew(self) -> None:
        """Let the current pool's workers leave once their jobs are done."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._retired.append(self._pool)
            self._pool = None

    def _done(self, future: Future[Any], pool: ProcessPoolExecutor, inner: Future[Any]) -> None:
        error = inner.exception() if not inner.cancelled() else CancelledError()
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(inner.result())
        with self._lock:
            self._in_flight[pool] -= 1
            if not self._in_flight[pool]:
                del self._in_flight[pool]
            self._dispatch()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shut = True
            if cancel_futures:
                for future, *_ in self._waiting:
                    future.cancel()
                self._waiting.clear()
            pools = [*self._retired, *([self._pool] if self._pool else [])]
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        if not self._used and self._started_forkserver is not None:
            stop_forkserver(self._started_forkserver)


def preload_available() -> bool:
    """Whether workers may be forked from a process that loaded the renderers' libraries:
    Linux; macOS's system libraries are not safe to fork once loaded."""
    return sys.platform.startswith("linux")


def start_forkserver(preload: tuple[str, ...] = PRELOAD) -> int | None:
    """Start the forkserver with ``preload`` imported (by default what jobs import), unless one
    runs already (an earlier build of this process, the preview server's); its pid if it was
    started here. Elsewhere than Linux it will preload only ``polyedition.build``, and start
    with the first worker."""
    context = get_context("forkserver")
    if not preload_available():
        context.set_forkserver_preload(list(LIGHT_PRELOAD))
        return None
    running = _forkserver_pid()
    context.set_forkserver_preload(list(preload))
    os.environ[FORKSERVER_PARENT] = str(os.getpid())  # see build.preload
    try:
        forkserver.ensure_running()
    finally:
        del os.environ[FORKSERVER_PARENT]
    pid = _forkserver_pid()
    return pid if pid != running else None


def stop_forkserver(pid: int) -> None:
    """Stop the forkserver at once, even in the middle of its imports (closing its pipe
    would let it finish them first, and the command would wait for it)."""
    if _forkserver_pid() != pid:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    forkserver._forkserver._stop()  # type: ignore[attr-defined]


def _forkserver_pid() -> int | None:
    return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined,no-any-return]


def default_executor(
    jobs: int, *, start: tuple[str, ...] | None = None
) -> SerialExecutor | LocalPool:
    """One process per core (``--jobs 1`` runs the jobs in this process), forked from a
    forkserver that starts now with ``start`` to import, or else with the first worker and
    ``LIGHT_PRELOAD`` (see ``LocalPool``)."""
    if jobs <= 1:
        return SerialExecutor()
    if not start:
        get_context("forkserver").set_forkserver_preload(list(LIGHT_PRELOAD))
    return LocalPool(jobs, start=start)


Versions = tuple[str, tuple[tuple[str, str], ...]]
"""The polyedition code's digest and the versions of the libraries outputs depend on."""


def installed_versions() -> Versions:
    """The code and the libraries installed now, read afresh (not the cached figures)."""
    from polyedition.build.formats import LIBRARIES
    from polyedition.fingerprint import code_digest, installed_library_versions

    return code_digest.__wrapped__(), installed_library_versions(*LIBRARIES)


def what_differs(loaded: Versions, installed: Versions) -> str:
    """What workers loaded that is no longer installed, in words.

    >>> what_differs(("a", (("weasyprint", "66"),)), ("a", (("weasyprint", "67"),)))
    'weasyprint 66 loaded, 67 installed'
    >>> what_differs(("a", ()), ("b", ()))
    'other polyedition code'
    """
    if loaded[0] != installed[0]:
        return "other polyedition code"
    now = dict(installed[1])
    return ", ".join(
        f"{name} {version} loaded, {now.get(name, 'absent')} installed"
        for name, version in loaded[1]
        if now.get(name) != version
    )


class PreviewWorkers:
    """The preview server's workers, for as long as it runs (``serve --watch``).

    A forkserver imports the renderers and their libraries once (``build.preload``) when the
    server starts; each rebuild's pool forks its workers from it, so a rebuild pays for no
    import, and each rebuild's workers are new processes with nothing of an earlier rebuild's
    jobs. Before each rebuild the installed code and libraries are read again: if they differ
    from what the forkserver loaded (a ``pip install -U weasyprint`` while the server runs), its
    workers would make other bytes under the new versions' keys, so a new forkserver replaces
    it, and the server says so in one line. The forkserver ends when the server does, even by
    ``kill -9`` (it sees its pipe to the server close), and so do the workers
    (``die_with_build``). Linux only: macOS's system libraries are not safe to fork once
    loaded (there each rebuild is an ordinary build).
    """

    @staticmethod
    def available() -> bool:
        return preload_available()

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self.loaded: Versions | None = None
        """What the forkserver imported; None before it starts."""

    @property
    def forkserver_pid(self) -> int | None:
        return _forkserver_pid()

    def start(self) -> None:
        """Start the forkserver (it imports in the background while the server goes on)."""
        from polyedition.fingerprint import code_digest, forget_library_versions

        installed = installed_versions()
        if self.loaded is not None and installed != self.loaded:
            logger.info(
                "%s: starting new workers for the new version",
                what_differs(self.loaded, installed),
            )
            code_digest.cache_clear()  # the keys too must name the versions installed now
            forget_library_versions()
        if installed != self.loaded:
            self.close()
            start_forkserver()
            self.loaded = installed

    def wait_until_ready(self) -> None:
        """Return once the forkserver has imported what it preloads (it forks a worker only
        then), so that the first save is rebuilt as fast as the next ones."""
        with self.pool() as pool:
            pool.submit(os.getpid).result()

    @contextlib.contextmanager
    def pool(self) -> Iterator[JobExecutor]:
        """A rebuild's pool: new workers forked from the forkserver, once it is current."""
        self.start()
        pool = LocalPool(self.jobs)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop the forkserver (the server is leaving, or it loaded an old version)."""
        if self.forkserver_pid is not None:
            forkserver._forkserver._stop()  # type: ignore[attr-defined]


def worker_arguments() -> tuple[int, int]:
    """What a worker needs of this process at its start: its pid and its log level."""
    return os.getpid(), logging.getLogger("polyedition").getEffectiveLevel()


def start_worker(build: int, level: int) -> None:
    """A new worker's set-up: it leaves with the build (``die_with_build``), and logs as the
    build does (a forkserver's workers inherit none of its logging): a warning a job logs,
    such as a damaged cache entry made again, reaches the user as ``WARNING: …`` on standard
    error, and ``--quiet`` or ``-v`` apply to it too."""
    die_with_build(build)
    if not logging.root.handlers:
        logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("polyedition").setLevel(level)


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
