"""The build's lock: one build (or ``clean``) of a project at a time."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator

from polyedition.config import Settings
from polyedition.errors import BuildError

logger = logging.getLogger(__name__)

LOCK = "build.lock"


@contextlib.contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """Hold ``.cache/build.lock`` for the build; a second build fails at once, naming the first."""
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    path = settings.cache_dir / LOCK
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildError(
                f"another build of this project is running (pid {holder})",
                path=path,
                hint="wait for it to finish; the lock is released when that process ends",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
