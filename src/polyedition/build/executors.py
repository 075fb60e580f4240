"""Where jobs run: in this process (``--jobs 1``), in a pool of worker processes that ends
with the build, or in the preview server's workers (``PreviewWorkers``), which it keeps while
it runs."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
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
        initializer=start_worker,
        initargs=worker_arguments(),
    )


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

    PRELOAD = ("polyedition.build.preload",)

    @staticmethod
    def available() -> bool:
        return sys.platform.startswith("linux")

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self.loaded: Versions | None = None
        """What the forkserver imported; None before it starts."""

    @property
    def forkserver_pid(self) -> int | None:
        return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined,no-any-return]

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
            get_context("forkserver").set_forkserver_preload(list(self.PRELOAD))
            forkserver.ensure_running()
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
        pool = LocalPool(
            max_workers=self.jobs,
            mp_context=get_context("forkserver"),
            initializer=start_worker,
            initargs=worker_arguments(),
        )
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
