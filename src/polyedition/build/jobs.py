"""Jobs: what one unit of work is, what it made, and how the build writes its files."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from polyedition.errors import BuildError
from polyedition.fsutil import output_target, write_bytes_atomic, write_if_changed

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: its kind, what it is about, its key and the files it writes."""

    kind: str
    slug: str
    lang: str
    key: str
    outputs: tuple[PurePosixPath, ...]
    inputs: Mapping[PurePosixPath, bytes] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """Earlier outputs the job reads (an EPUB's narration), sent as bytes by the build, so
    that a worker never needs the client's ``output/``."""

    @property
    def name(self) -> str:
        if self.slug:
            return f"{self.lang}/{self.slug} {self.kind}"
        return f"{self.lang} {self.kind}" if self.lang else self.kind


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a job made: its files' bytes (until the build writes them) and figures about it."""

    job: Job
    sizes: tuple[int, ...]
    seconds: float
    rewritten: int
    peak_rss_mb: float
    pid: int
    info: Mapping[str, float] = field(default_factory=dict)
    contents: Mapping[PurePosixPath, bytes] = field(default_factory=dict, repr=False)
    """Each output's bytes, as the worker returns them; empty once written."""
    cache_entries: tuple[str, ...] = field(default=(), repr=False)
    """The speech cache entries the outputs were made from (paths under ``.cache/speech``)."""
    cache_files: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    """Cache files a cluster worker used (path under the cache folder → bytes), for the
    client's cache; empty for local workers, which share the client's cache."""
    cpu_seconds: float = 0.0
    """CPU time (user + system) the job's process spent on it: what a job costs whatever
    else shares the machine, where ``seconds`` (wall time) counts the waiting too."""


@dataclass(frozen=True, slots=True)
class JobFailure:
    """A job that did not produce its outputs, with the one-line reason to show the user."""

    job: Job
    message: str


def write_outputs(result: JobResult, output_dir: Path, cache_dir: Path) -> JobResult:
    """Write a result's files atomically (unchanged files are not rewritten) and keep the cache
    entries a cluster worker made; drop the bytes."""
    rewritten = sum(write_output(output_dir, path, data) for path, data in result.contents.items())
    for name, data in result.cache_files.items():
        entry = cache_dir / PurePosixPath(name)
        try:
            if not entry.exists():
                write_bytes_atomic(entry, data)
        except OSError as exc:  # the cache only saves time: the output is written all the same
            logger.warning("cannot keep %s in the cache: %s", name, exc.strerror or exc)
    return replace(result, rewritten=rewritten, contents={}, cache_files={})


def write_output(output_dir: Path, path: PurePosixPath, data: bytes) -> bool:
    """Write one output file under ``output_dir``; True if its bytes changed.

    A path that would leave ``output/`` through a symlink, or a file system that refuses the
    write (permissions, a full disk), is a BuildError naming the file: that output fails and
    the build goes on with the others.
    """
    target = output_target(output_dir, str(path))
    if target is None:
        raise BuildError(
            "refusing to write through a symlink: the file would land outside the output folder",
            path=output_dir / path,
            hint="replace the link with a real folder",
        )
    try:
        return write_if_changed(target, data)
    except OSError as exc:
        raise BuildError(
            f"cannot write: {exc.strerror or exc}",
            path=exc.filename or target,
            hint="free disk space or fix the folder's permissions, then build again",
        ) from exc
