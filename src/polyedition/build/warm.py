"""Warm workers: a background process that has already imported every renderer, and forks a
fresh worker for each job of the next builds.

A build in new processes spends most of a small rebuild importing (WeasyPrint, SciPy for the
loudness meter, the templates' machinery): more than a second before the first edited page
is rendered. After a build, ``polyedition build`` leaves a *host* behind (as Gradle leaves its
daemon): it imports those libraries once, then waits on a Unix socket. The next build sends
each job there; the host forks a child, which is a new worker with nothing of any earlier
job (the same isolation as a new process, as Android's zygote gives its apps), runs the job
and sends back its result and the warnings it logged. Nothing is shared between builds but
the imported code.

- The socket lives in a folder only its user can open (``$XDG_RUNTIME_DIR/polyedition``, else
  ``/tmp/polyedition-<uid>``; mode 0700, as ssh-agent's), named by a digest of the Python, the
  polyedition code and the variables libraries read on import (``IMPORT_ENV``): other code
  never meets this host; it gets its own, and the old one leaves when idle. Each job runs in
  the working folder and the whole environment of the build that sent it.
- The host leaves after ``warm-workers-minutes`` (default 10) without a job, when its socket
  is removed or replaced, or on ``polyedition clean --workers``. Set the minutes to 0, or
  ``POLYEDITION_WARM_WORKERS=0``, or pass ``--no-warm``, to build in new processes only (CI).
- A host that is gone or broken never fails a build: a job it cannot take runs in the
  build's own processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from polyedition.build.formats import LIBRARIES
from polyedition.config import Settings
from polyedition.fingerprint import code_digest, library_versions

logger = logging.getLogger(__name__)

ENV = "POLYEDITION_WARM_WORKERS"
"""Minutes the host waits for a build (overrides the setting); 0 turns warm workers off."""
PRELOAD = (
    "polyedition.build",
    "polyedition.render.audio.narrate",
    "pyloudnorm",
    "scipy.signal",
    "polyedition.render.html.pages",
    "polyedition.render.pdf.document",
    "weasyprint",
    "polyedition.render.epub",
    "polyedition.render.feed",
    "PIL.Image",
)
"""What a job may need that takes long to import; a job imports anything else itself."""
POLL_SECONDS = 2.0
SOCKET_PATH_MAX = 107
"""The longest path a Unix socket may have (Linux's ``sun_path`` less its final zero)."""
IMPORT_ENV = ("PYTHON", "LD_", "FONTCONFIG", "OMP_", "OPENBLAS", "MKL_", "XDG_")
"""Variables read when libraries are imported: a host is for one set of their values (each
job runs with the whole environment of the build that sent it)."""


def idle_minutes(settings: Settings) -> float:
    """How long a host waits for the next build: the environment's word, else the setting's;
    0 (no warm workers) but on Linux: macOS's system libraries are not safe to fork once
    loaded, and Windows has no fork."""
    if not sys.platform.startswith("linux"):
        return 0.0
    raw = os.environ.get(ENV)
    if raw is not None:
        try:
            return max(0.0, float(raw))
        except ValueError:
            logger.warning("%s=%r is not a number of minutes; warm workers are off", ENV, raw)
            return 0.0
    return settings.warm_workers_minutes


def runtime_dir() -> Path | None:
    """The user's private folder for sockets, made if needed; None when it is not private."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base, "polyedition") if base else Path(f"/tmp/polyedition-{os.getuid()}")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.stat()
    except OSError:
        return None
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        logger.debug("%s is not private to this user: no warm workers", folder)
        return None
    return folder


def host_address() -> Path | None:
    """The socket of the host for this Python, this code and this environment."""
    folder = runtime_dir()
    if folder is None:
        return None
    environment = sorted(
        (name, value) for name, value in _host_environment().items() if name.startswith(IMPORT_ENV)
    )
    identity = repr((sys.executable, sys.version, code_digest(), environment))
    name = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    address = folder / f"workers-{name}.sock"
    if len(os.fsencode(address)) + 12 > SOCKET_PATH_MAX:  # the staging name is longer
        logger.debug("%s: too long a path for a socket; no warm workers", address)
        return None
    return address


_LAUNCH = """
import os, runpy
if os.fork():
    os._exit(0)
runpy.run_module("polyedition.build.warm", run_name="__main__", alter_sys=True)
"""
"""Fork once more and let the first process end: the host belongs to no build (no zombie, no
child left to wait for), in a session of its own (a terminal's Ctrl-C does not reach it)."""


def _host_environment() -> dict[str, str]:
    """This environment, with ``PYTHONPATH`` made absolute: the host runs in ``/``, where a
    relative entry would import another copy of polyedition."""
    environment = dict(os.environ)
    if environment.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.pathsep.join(
            str(Path(entry).resolve())
            for entry in environment["PYTHONPATH"].split(os.pathsep)
            if entry
        )
    return environment


def start_host(address: Path, minutes: float) -> None:
    """Start a host in the background; what it says (a crash, say) goes to ``<address>.log``."""
    with address.with_suffix(".log").open("ab") as log:
        subprocess.run(
            [sys.executable, "-c", _LAUNCH, str(address), str(minutes * 60)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
            close_fds=True,
            cwd="/",
            env=_host_environment(),
            check=False,
        )
    logger.debug("started warm workers at %s", address)


def stop_hosts() -> int:
    """Stop every host of this user (``polyedition clean --workers``); how many were running."""
    folder = runtime_dir()
    stopped = 0
    for pid_file in sorted(folder.glob("workers-*.pid")) if folder else []:
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text(encoding="ascii"))
            if _is_host(pid, pid_file.with_suffix(".sock")):  # not a pid reused since
                os.kill(pid, signal.SIGTERM)
                stopped += 1
        pid_file.unlink(missing_ok=True)
        pid_file.with_suffix(".sock").unlink(missing_ok=True)
        pid_file.with_suffix(".log").unlink(missing_ok=True)
    return stopped


def _is_host(pid: int, address: Path) -> bool:
    """Whether process ``pid`` is the host of ``address`` (its command line names both)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return os.fsencode(address) in arguments and any(
        b"polyedition.build.warm" in a for a in arguments
    )


class HostGone(Exception):
    """The host could not take a job (not running, or stopped while it ran)."""


class WarmExecutor(Executor):
    """Sends each job to the host, at most ``jobs`` at a time; a job the host cannot take runs
    in a local pool made when first needed."""

    def __init__(self, address: Path, jobs: int, fallback: Callable[[], Executor]) -> None:
        self.address = address
        self._threads = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="warm")
        self._fallback_factory = fallback
        self._fallback: Executor | None = None
        self.gone = False
        """Whether the host failed to take a job in this build."""
        self.lost = False
        """Never: a job the host cannot take runs in new local processes."""
        self.ran = 0
        """Jobs the host's workers ran (and answered) in this build."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._threads.submit(self._call, fn, args, kwargs)

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.gone:
            try:
                return self._remote(fn, args, kwargs)
            except HostGone as gone:
                self.gone = True
                logger.debug("warm workers unavailable (%s): using new processes", gone)
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback.submit(fn, *args, **kwargs).result()

    def _remote(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            connection = Client(str(self.address), family="AF_UNIX")
        except OSError as error:
            raise HostGone(str(error)) from error
        with connection:
            level = logging.getLogger("polyedition").getEffectiveLevel()
            code = (code_digest(), _installed_libraries())
            request = (code, Path.cwd(), dict(os.environ), level, fn, args, kwargs)
            try:
                connection.send(request)
                status, value, records = connection.recv()
            except (OSError, EOFError) as error:
                raise HostGone(f"the worker stopped: {error!r}") from error
        if status == "other code":
            raise HostGone(f"the warm workers run other code ({value})")
        self.ran += 1
        for name, levelno, message in records:
            logging.getLogger(name).log(levelno, "%s", message)
        if status == "error":
            raise value
        return value

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)
        if self._fallback is not None:
            self._fallback.shutdown(wait=wait, cancel_futures=cancel_futures)


class _Records(logging.Handler):
    """What a job logged, to be logged again by the build that sent it."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _serve_one(connection: Connection) -> None:
    """In a forked child: run one job as the build that sent it would, send back the result."""
    try:
        code, cwd, environment, level, fn, args, kwargs = connection.recv()
    except (OSError, EOFError):
        return
    mine = (code_digest(), tuple(_LOADED_LIBRARIES))
    if code != mine:
        # The build imports polyedition from elsewhere, or a library was upgraded since this
        # host imported its own: its jobs would make other bytes under the build's keys.
        connection.send(("other code", _what_differs(mine, code), []))
        if code[0] == mine[0]:  # this host's libraries are out of date: it leaves
            os.kill(os.getppid(), signal.SIGTERM)
        return
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environment)
    records = _Records()
    root = logging.getLogger()
    root.handlers = [records]
    root.setLevel(logging.WARNING)
    logging.getLogger("polyedition").setLevel(level)
    try:
        reply: tuple[str, Any, list[tuple[str, int, str]]] = ("ok", fn(*args, **kwargs), [])
    except BaseException as error:  # sent back: the build reports it like any job's failure
        reply = ("error", error, [])
    reply = (reply[0], reply[1], records.records)
    try:
        connection.send(reply)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        connection.send(("error", RuntimeError(f"{reply[1]!r} ({error})"), records.records))


_LOADED_LIBRARIES: list[tuple[str, str]] = []
"""The versions of the libraries this host imported (read when it started)."""


def _installed_libraries() -> tuple[tuple[str, str], ...]:
    """The versions installed now, read afresh from their metadata (not cached)."""
    return library_versions.__wrapped__(*LIBRARIES)


def _what_differs(
    mine: tuple[str, tuple[tuple[str, str], ...]], theirs: tuple[str, tuple[tuple[str, str], ...]]
) -> str:
    """What the host has that the build does not, in words.

    >>> _what_differs(("a", (("weasyprint", "66"),)), ("a", (("weasyprint", "67"),)))
    'weasyprint 66 loaded, 67 installed'
    >>> _what_differs(("a", ()), ("b", ()))
    'other polyedition code'
    """
    if mine[0] != theirs[0]:
        return "other polyedition code"
    installed = dict(theirs[1])
    return ", ".join(
        f"{name} {version} loaded, {installed.get(name, 'absent')} installed"
        for name, version in mine[1]
        if installed.get(name) != version
    )


def _warm_up() -> None:
    """Fill the caches every job would fill first (each worker inherits them): the encoder
    delay at the engines' rates, the true-peak meter's filter, and Babel's data for the
    languages polyedition publishes. A failure here only leaves them cold."""
    import datetime

    from babel import Locale
    from babel.dates import format_date

    from polyedition.languages import PROFILES
    from polyedition.render.audio import mastering
    from polyedition.render.audio.narrate import encoder_delay

    code_digest()
    try:
        for rate in (16000, 22050, 24000):
            encoder_delay(rate)
        mastering.true_peak_dbtp(mastering.samples_of(bytes(64)))
        for code in PROFILES:
            format_date(datetime.date(2000, 1, 1), format="long", locale=Locale.parse(code))
    except Exception:  # a cold cache is slower, never wrong
        logger.debug("warm-up incomplete", exc_info=True)


def serve(address: Path, idle_seconds: float) -> None:
    """The host: import what jobs need, then fork a worker for each connection until idle."""
    import importlib

    pid_file = address.with_suffix(".pid")
    pid_file.write_text(str(os.getpid()), encoding="ascii")  # first: it can be stopped at once
    try:
        for name in PRELOAD:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        _warm_up()
        _LOADED_LIBRARIES[:] = _installed_libraries()
        _listen(address, idle_seconds)
    finally:
        with contextlib.suppress(OSError, ValueError):
            if int(pid_file.read_text(encoding="ascii")) == os.getpid():
                pid_file.unlink()


def _listen(address: Path, idle_seconds: float) -> None:
    """Fork a worker for each connection to ``address`` until idle or replaced."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = address.with_name(f".{address.name}.{os.getpid()}")
    staging.unlink(missing_ok=True)
    server.bind(str(staging))
    server.listen(16)
    staging.replace(address)  # the socket appears only once it listens
    identity = address.stat().st_ino
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    children: set[int] = set()
    last = time.monotonic()
    try:
        while True:
            for pid in list(children):
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        children.discard(pid)
            ready, _, _ = select.select([server], [], [], POLL_SECONDS)
            if ready:
                sock, _ = server.accept()
                pid = os.fork()
                if pid == 0:
                    server.close()
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    try:
                        _serve_one(Connection(sock.detach()))
                    finally:
                        os._exit(0)
                sock.close()
                children.add(pid)
                last = time.monotonic()
            elif children:
                last = time.monotonic()
            elif time.monotonic() - last > idle_seconds:
                return
            try:
                if address.stat().st_ino != identity:
                    return  # another host took the address
            except FileNotFoundError:
                return
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            if address.stat().st_ino == identity:
                address.unlink()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), float(sys.argv[2]))
