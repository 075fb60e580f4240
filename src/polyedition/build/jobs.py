"""Jobs: what one unit of work is, what it made, and how the build writes its files."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from polyedition.cache import (
    ChapterRange,
    DamagedEntry,
    chapter_chunks,
    chapter_extent,
    is_range,
    refer,
)
from polyedition.errors import BuildError
from polyedition.fsutil import (
    output_target,
    write_bytes_atomic,
    write_chunks_if_changed,
    write_if_changed,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: its kind, what it is about, its key and the files it writes."""

    kind: str
    slug: str
    lang: str
    key: str
    outputs: tuple[PurePosixPath, ...]
    inputs: Mapping[PurePosixPath, bytes | Path] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """Earlier outputs the job reads (an EPUB's narration): where they are for a local worker,
    which shares the client's disk; their bytes for a cluster's, which never needs the client's
    ``output/``."""
    part: str = ""
    """The part of the edition it is about (a narration's chapter), if not all of it."""

    @property
    def ident(self) -> tuple[str, ...]:
        """What it is about within its kind: ``(slug, lang)``, and its part if it has one."""
        return (self.slug, self.lang, self.part) if self.part else (self.slug, self.lang)

    @property
    def name(self) -> str:
        if self.part:
            return f"{self.lang}/{self.slug} {self.kind} {self.part}"
        if self.slug:
            return f"{self.lang}/{self.slug} {self.kind}"
        return f"{self.lang} {self.kind}" if self.lang else self.kind


def read_input(data: bytes | Path) -> bytes:
    """An input's bytes, wherever it is (see ``Job.inputs``)."""
    return data.read_bytes() if isinstance(data, Path) else data


@dataclass(frozen=True, slots=True)
class Spliced:
    """An output made of bytes and then of speech cache entries (an MP3: its tag, then its
    chapters' frames), which the build copies file to file: it is never held whole. An entry
    is the chapter's frames, or their range of a published MP3 (``cache.ChapterRange``; the
    MP3 this output replaces, for an unchanged chapter), read from there and checked."""

    head: bytes
    entries: tuple[str, ...]
    """Paths under the cache folder, whose chapters follow ``head`` in order."""
    size: int

    def chunks(self, cache_dir: Path, output_dir: Path | None = None) -> Iterator[bytes]:
        yield self.head
        for entry in self.entries:
            yield from chapter_chunks(cache_dir / PurePosixPath(entry), output_dir)


Content = bytes | Spliced
"""An output as a job returns it."""


def size_of(content: Content) -> int:
    return content.size if isinstance(content, Spliced) else len(content)


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
    contents: Mapping[PurePosixPath, Content] = field(default_factory=dict, repr=False)
    """Each output's bytes, as the worker returns them; empty once written."""
    cache_entries: tuple[str, ...] = field(default=(), repr=False)
    """The speech cache entries the outputs were made from (paths under ``.cache/speech``)."""
    cache_files: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    """Cache files a cluster worker used (path under the cache folder → bytes), for the
    client's cache; empty for local workers, which share the client's cache."""
    record: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """What the jobs that wait for it need of what it made besides its files, as JSON (a
    narration chapter's frames and where its sentences are heard)."""
    started_at: float = 0.0
    """When it started (``time.time()`` in its worker): the build's timeline."""
    cpu_seconds: float = 0.0
    """CPU time (user + system) the job's process spent on it: what a job costs whatever
    else shares the machine, where ``seconds`` (wall time) counts the waiting too."""


@dataclass(frozen=True, slots=True)
class JobFailure:
    """A job that did not produce its outputs, with the one-line reason to show the user."""

    job: Job
    message: str


def write_outputs(result: JobResult, output_dir: Path, cache_dir: Path) -> JobResult:
    """Keep the cache entries a cluster worker made, then write a result's files atomically
    (unchanged files are not rewritten; a spliced one from the cache); drop the bytes."""
    for name, data in result.cache_files.items():
        entry = cache_dir / PurePosixPath(name)
        try:
            # A range of a published MP3 gives way to the frames themselves: the worker made
            # them again, maybe because the range no longer served.
            if not entry.exists() or is_range(entry):
                write_bytes_atomic(entry, data)
        except OSError as exc:  # the cache only saves time: the output is written all the same
            logger.warning("cannot keep %s in the cache: %s", name, exc.strerror or exc)
    rewritten = sum(
        write_output(output_dir, path, data, cache_dir) for path, data in result.contents.items()
    )
    return replace(result, rewritten=rewritten, contents={}, cache_files={})


def write_output(output_dir: Path, path: PurePosixPath, data: Content, cache_dir: Path) -> bool:
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
    if isinstance(data, Spliced):
        return _write_spliced(target, path, data, cache_dir, output_dir)
    try:
        return write_if_changed(target, data)
    except OSError as exc:
        raise BuildError(
            f"cannot write: {exc.strerror or exc}",
            path=exc.filename or target,
            hint="free disk space or fix the folder's permissions, then build again",
        ) from exc


def _write_spliced(
    target: Path, name: PurePosixPath, data: Spliced, cache_dir: Path, output_dir: Path
) -> bool:
    """A spliced output, copied from the cache or from the ranges of the MP3 it replaces (the
    new file is staged beside it and renamed into place once whole); an entry gone or damaged
    fails this output (and a damaged one leaves the cache, so that the next build makes it
    again). Once written, each entry becomes its chapter's range of the new file."""
    entries = [cache_dir / PurePosixPath(entry) for entry in data.entries]
    try:
        extents = [chapter_extent(entry) for entry in entries]
        changed = write_chunks_if_changed(
            target, lambda: data.chunks(cache_dir, output_dir), data.size
        )
    except DamagedEntry as exc:
        exc.path.unlink(missing_ok=True)
        raise BuildError(
            f"cannot write: {exc}",
            path=target,
            hint="build again: the damaged chapter is encoded again",
        ) from exc
    except OSError as exc:
        raise BuildError(
            f"cannot write: {exc.strerror or exc}",
            path=exc.filename or target,
            hint="build again (a chapter the speech cache lost is encoded again); if the disk "
            "is full, free space first",
        ) from exc
    _refer_to(target, name, len(data.head), entries, extents)
    return changed


def _refer_to(
    target: Path,
    name: PurePosixPath,
    offset: int,
    entries: list[Path],
    extents: list[tuple[int, str]],
) -> None:
    """Make each chapter entry a range of the MP3 just written (its frames follow a head of
    ``offset`` bytes, in order): the cache then holds no second copy of them."""
    try:
        stat = target.stat()
        if offset + sum(length for length, _ in extents) != stat.st_size:
            return  # not what was spliced (replaced meanwhile): the entries stay as they are
        for entry, (length, digest) in zip(entries, extents, strict=True):
            reference = ChapterRange(
                str(name), offset, length, digest, stat.st_size, stat.st_mtime_ns, stat.st_ino
            )
            refer(entry, reference)
            offset += length
    except OSError as exc:  # the cache only saves time: a copy kept is a copy kept
        logger.warning("cannot keep %s's chapters as ranges: %s", name, exc.strerror or exc)
