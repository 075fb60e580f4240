"""Running the build's jobs on a Dask cluster (``--scheduler``), as a ``concurrent.futures`` pool.

A worker never touches the client's files. The client packs what jobs read from the project
(its templates and locales: catalogs, lexicons, speech tables) into one bundle that reaches
every worker as data; a worker unpacks it once into a folder of its own and runs the job there
against a cache of its own. The job's outputs come back as bytes (as with local workers), and so
do the speech and chapter cache entries it used, which the client adds to its own cache: the
client's cache stays the one to keep. Before any job runs, every worker must report the same
polyedition code and engine versions as the client.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from polyedition.build.formats import LIBRARIES
from polyedition.build.jobs import Job, JobResult, read_input
from polyedition.config import PYPROJECT, Settings
from polyedition.errors import BuildError, ConfigError
from polyedition.fingerprint import code_digest, library_versions
from polyedition.site import Site

logger = logging.getLogger(__name__)

LOCAL_PREFIX = "local:"
ENGINE_LIBRARIES = LIBRARIES
"""The formats' libraries, as the jobs' keys hold them: a worker with another version of any
would differ."""
WORKER_ROOT_ENV = "POLYEDITION_WORKER_DIR"
"""Where a worker keeps unpacked bundles and its cache (default: the system's temp folder)."""
RETRIES = 2
WORKER_WAIT = 30
"""Seconds to wait for the first worker to join the scheduler."""


def worker_fingerprint() -> dict[str, Any]:
    """What must be equal on the client and every worker for their outputs to be equal."""
    import polyedition

    return {
        "polyedition": polyedition.__version__,
        "code": code_digest(),
        "libraries": [list(pair) for pair in library_versions(*ENGINE_LIBRARIES)],
    }


def _differences(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[str]:
    """What differs between two fingerprints, in words.

    >>> _differences({"polyedition": "0.2.0", "code": "a", "libraries": [["lameenc", "1.8"]]},
    ...              {"polyedition": "0.1.0", "code": "b", "libraries": [["lameenc", "1.7"]]})
    ['polyedition 0.1.0 (client: 0.2.0)', 'lameenc 1.7 (client: 1.8)']
    >>> _differences({"polyedition": "0.2.0", "code": "a", "libraries": []},
    ...              {"polyedition": "0.2.0", "code": "b", "libraries": []})
    ['its polyedition code differs from the client’s']
    """
    found = []
    if mine["polyedition"] != theirs.get("polyedition"):
        found.append(f"polyedition {theirs.get('polyedition')} (client: {mine['polyedition']})")
    elif mine["code"] != theirs.get("code"):
        found.append("its polyedition code differs from the client’s")
    ours = dict(map(tuple, mine["libraries"]))
    for name, version in map(tuple, theirs.get("libraries", [])):
        if ours.get(name) != version:
            found.append(f"{name} {version} (client: {ours.get(name)})")
    return found


# --------------------------------------------------------------------------- the bundle


@dataclass(frozen=True, slots=True)
class ProjectBundle:
    """The project's files that jobs read, as one deterministic tar, named by its digest."""

    digest: str
    data: bytes


def pack_project(settings: Settings) -> ProjectBundle:
    """Templates and locales (with compiled catalogs), and the pyproject, in a sorted tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for attr in ("templates_dir", "locales_dir"):
            root: Path = getattr(settings, attr)
            if not root.is_dir():
                continue
            name = attr.removesuffix("_dir")
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                _add(tar, f"{name}/{path.relative_to(root).as_posix()}", path.read_bytes())
        pyproject = settings.project_dir / PYPROJECT
        if pyproject.is_file():
            _add(tar, PYPROJECT, pyproject.read_bytes())
    data = buffer.getvalue()
    return ProjectBundle(hashlib.sha256(data).hexdigest(), data)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _worker_root() -> Path:
    return Path(os.environ.get(WORKER_ROOT_ENV) or tempfile.gettempdir()) / "polyedition-worker"


def _unpacked(bundle: ProjectBundle) -> Path:
    """The bundle's folder on this worker, unpacked once (atomically) per digest."""
    target = _worker_root() / "projects" / bundle.digest
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    with tarfile.open(fileobj=io.BytesIO(bundle.data)) as tar:
        tar.extractall(staging, filter="data")
    try:
        staging.rename(target)
    except OSError:  # another job on this worker unpacked it first
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return target


def run_on_worker(
    bundle: ProjectBundle, fn: Callable[..., JobResult], job: Any, site: Site
) -> JobResult:
    """Run one job on a worker, against its copy of the project and its own cache."""
    root = _unpacked(bundle)
    cache_dir = _worker_root() / "cache"
    settings = replace(
        site.settings,
        project_dir=root,
        content_dir=root / "content",
        templates_dir=root / "templates",
        locales_dir=root / "locales",
        output_dir=root / "output",
        cache_dir=cache_dir,
    )
    result = fn(job, replace(site, settings=settings))
    # Every entry the job used travels back, not only the new ones: the client may never have
    # had the ones this worker made for an earlier build.
    speech = cache_dir / "speech"
    entries = {
        f"speech/{name}": (speech / name).read_bytes()
        for name in result.cache_entries
        if (speech / name).is_file()
    }
    return replace(result, cache_files=entries)


# --------------------------------------------------------------------------- the executor


class ClusterExecutor(Executor):
    """Sends each ``fn(job, site)`` to the cluster as ``run_on_worker(bundle, fn, job, site)``.

    Each job's future is settled from its Dask task's own ``result()``, which waits for a task
    that Dask computes again (its worker died after it finished) and raises the job's error.
    Dask's ``client.get_executor()`` read the task's state a second time after its result,
    and when the worker that held the result died in between it took the result for an error
    and failed the job ("cannot unpack non-iterable JobResult object").
    """

    def __init__(self, client: Any, bundle: ProjectBundle) -> None:
        self.client = client
        self.address = str(client.scheduler.address)
        self._bundle = client.scatter(bundle, broadcast=True, hash=False)
        self._tasks: set[Any] = set()
        """The Dask futures of the jobs sent and not yet settled."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Send ``fn(job, site)``; the earlier outputs the job reads go as bytes (a worker does
        not see this machine's ``output/``)."""
        job, *rest = args
        if isinstance(job, Job) and job.inputs:
            job = replace(job, inputs={path: read_input(data) for path, data in job.inputs.items()})
        task = self.client.submit(
            run_on_worker, self._bundle, fn, job, *rest, pure=False, retries=RETRIES, **kwargs
        )
        future: Future[Any] = Future()
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._settle, future))
        return future

    def _settle(self, future: Future[Any], task: Any) -> None:
        """Give ``future`` the outcome of ``task`` (in a thread of Dask's client, once the task
        is done, failed or cancelled)."""
        try:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(task.result())
                except BaseException as error:  # the job's own error, or the cluster's
                    future.set_exception(error)
        finally:
            self._tasks.discard(task)

    @property
    def lost(self) -> bool:
        """Whether the scheduler has gone away."""
        return str(self.client.status) != "running"

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        tasks = list(self._tasks)
        if not tasks or self.lost:
            return
        if cancel_futures:
            self.client.cancel(tasks)
        elif wait:
            _distributed().wait(tasks)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            "--scheduler needs Dask's distributed scheduler, which is not installed",
            hint="pip install 'polyedition[dask]'",
        ) from None
    return distributed


@contextlib.contextmanager
def cluster_executor(address: str, settings: Settings) -> Iterator[ClusterExecutor]:
    """An executor on the Dask scheduler at ``address``, or on ``local:N`` worker processes."""
    distributed = _distributed()
    if not logger.isEnabledFor(logging.DEBUG):
        # Dask's own log (scheduler start, comms closing, the tracebacks of a lost connection)
        # is for --verbose; the build reports what it means for the user's outputs in one line.
        # Dask sets levels on some of its children (and tornado's) when imported: quiet them all.
        for name in list(logging.root.manager.loggerDict):
            if name.split(".")[0] in {"distributed", "tornado"}:
                logging.getLogger(name).setLevel(logging.CRITICAL)
    cluster = None
    try:
        if address.startswith(LOCAL_PREFIX):
            workers = _local_workers(address)
            cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(address, timeout="20s")
    except OSError as error:
        raise BuildError(
            f"cannot reach the Dask scheduler at {address}: {error}",
            hint="start it with 'dask scheduler', or try '--scheduler local:2'",
        ) from None
    try:
        check_workers(client)
        executor = ClusterExecutor(client, pack_project(settings))
        yield executor
        if executor.lost:
            raise BuildError(
                f"lost the Dask scheduler at {executor.address} during the build",
                hint="outputs that finished are written; run the build again to finish the rest",
            )
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=10)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)


def _local_workers(address: str) -> int:
    """``local:N`` → N (at least 1).

    >>> _local_workers("local:3")
    3
    """
    count = address.removeprefix(LOCAL_PREFIX)
    if not count.isdigit() or int(count) < 1:
        raise ConfigError(
            f"--scheduler {address!r}: the number of local workers must be a whole number ≥ 1",
            hint="e.g. --scheduler local:2",
        )
    return int(count)


def check_workers(client: Any) -> None:
    """Refuse the build when a worker would make different outputs than this machine."""
    mine = worker_fingerprint()
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise BuildError(
            f"the Dask scheduler at {client.scheduler.address} has no workers "
            f"(waited {WORKER_WAIT} s)",
            hint="start one with 'dask worker ADDRESS' on each node",
        ) from None
    reports: Mapping[str, Mapping[str, Any]] = client.run(worker_fingerprint)
    for worker, theirs in sorted(reports.items()):
        differences = _differences(mine, theirs)
        if differences:
            raise BuildError(
                f"Dask worker {worker} differs from this machine: {'; '.join(differences)}",
                hint="install the same polyedition version and voices on every worker",
            )
