"""What a worker process gives back to the system between jobs: the heap its last job freed.

glibc keeps the memory a process frees in its arenas for the next allocations, so a worker
that made a PDF and narrated a chapter carries what both freed into its next job, on top of
that job's own peak. ``malloc_trim(0)`` hands the free pages back (a few milliseconds of CPU);
elsewhere (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable
from functools import cache

logger = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (its soname), or a glibc without it
        return None
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    trim: Callable[[int], int] = function
    return trim


def give_back_freed_memory() -> bool:
    """Return the pages of the heap that are free to the system; whether the C library can."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
