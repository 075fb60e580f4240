"""Writing files safely: to a temporary file in the same folder, then renamed into place."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)


def _temporary_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file in ``path``'s folder, open for writing; the folder is made only if
    it is missing (most writes go to one that exists, and a build writes hundreds of cache
    entries: a ``mkdir`` each cost 0.3 s of a cold build's CPU)."""

    def made() -> tuple[int, Path]:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        return fd, Path(name)

    try:
        return made()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return made()


@contextlib.contextmanager
def atomic_writer(path: Path, *, durable: bool = True) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces ``path`` only if the block completes.

    The temporary file lives beside ``path`` so the final rename is atomic; on any error it is
    removed and an earlier ``path`` stays untouched. ``durable``: its data reaches the disk
    (``fsync``) before the rename, so that ``path`` holds either the old or the new bytes even
    after a power cut; a file that checks itself when read and can be made again (a cache
    entry) does without, which saves a wait on the disk per file.
    """
    fd, temp = _temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        temp.chmod(0o644)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (``durable``: see :func:`atomic_writer`)."""
    with atomic_writer(path, durable=durable) as handle:
        handle.write(data)


def write_bytes_once(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` unless another writer made ``path`` first (then it is left
    as it is): False if it was there. The whole file appears at once (a hard link of a
    complete temporary file), so a reader never sees it half written (``durable``: see
    :func:`atomic_writer`)."""
    fd, temp = _temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        temp.chmod(0o644)
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        return True
    finally:
        temp.unlink(missing_ok=True)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly it; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_bytes_atomic(path, data)
    return True


def write_chunks_if_changed(path: Path, chunks: Callable[[], Iterable[bytes]], size: int) -> bool:
    """As ``write_if_changed``, for a file of ``size`` bytes made of ``chunks`` (called once to
    compare, once more to write), so that it is never held whole in memory."""
    if _holds(path, chunks(), size):
        return False
    with atomic_writer(path) as handle:
        for chunk in chunks():
            handle.write(chunk)
    return True


def _holds(path: Path, chunks: Iterable[bytes], size: int) -> bool:
    try:
        if path.stat().st_size != size:
            return False
        with path.open("rb") as handle:
            return all(handle.read(len(chunk)) == chunk for chunk in chunks)
    except FileNotFoundError:
        return False


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symlink followed, lies in ``root`` (or is ``root``).

    >>> is_inside(Path("/srv/site/output/en"), Path("/srv/site"))
    True
    >>> is_inside(Path("/srv/site/../victim.txt"), Path("/srv/site"))
    False
    """
    return path.resolve().is_relative_to(root.resolve())


def output_target(output_dir: Path, name: str) -> Path | None:
    """``output_dir / name`` when ``name`` is a relative path that stays inside ``output_dir``
    without passing through a symlink; None for anything else (an absolute path, ``..``, a
    link to elsewhere), which a build must neither write nor delete.

    >>> output_target(Path("/srv/site/output"), "en/index.html")
    PosixPath('/srv/site/output/en/index.html')
    >>> [output_target(Path("/srv/out"), name) for name in ("../x", "/etc/passwd", "", "a//b")]
    [None, None, None, None]
    """
    relative = Path(name)
    if (
        not name
        or relative.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or "\\" in name
        or "\0" in name
    ):
        return None
    target = output_dir / relative
    folder = output_dir
    for part in relative.parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return None
    if target.is_symlink():
        return None
    return target


def files_below(root: Path) -> Iterator[Path]:
    """Every file under ``root``, sorted, never following a symlink out of it (links are not
    listed either), so that cleaning ``output/`` cannot reach another folder."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        here = Path(folder)
        for name in sorted(files):
            path = here / name
            if not path.is_symlink():
                yield path
