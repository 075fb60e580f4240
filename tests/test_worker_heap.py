"""A worker process gives the heap its jobs freed back to the system before its next job, so
that a job's peak does not stack on what earlier jobs (a PDF, a chapter's audio) left behind."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from polyedition.build.heap import give_back_freed_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_the_heap_a_job_freed_under_what_it_kept_goes_back_to_the_system() -> None:
    before = resident_mb()
    freed = [bytes(1000) + bytes([n % 256]) for n in range(100_000)]  # 100 MB in small blocks
    kept = bytes(1000) + b"kept"  # above them on the heap: the C library cannot shrink it
    assert resident_mb() > before + 80
    del freed
    if not give_back_freed_memory():
        pytest.skip("the C library is not glibc: the worker keeps what it freed")
    assert resident_mb() < before + 20
    assert kept.endswith(b"kept")
