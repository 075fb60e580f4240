"""A worker process gives the heap its jobs freed back to the system before its next job, so
that a job's peak does not stack on what earlier jobs (a PDF, a chapter's audio) left behind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# In a new process, as a worker is: one that has run for a while (the test suite's own) has
# freed heap of its own, which new blocks reuse without growing, and says nothing.
JOB = """
import json
from pathlib import Path

from polyedition.build.heap import give_back_freed_memory


def resident_mb():
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


before = resident_mb()
freed = [bytes(1000) + bytes([n % 256]) for n in range(100_000)]  # 100 MB in small blocks
kept = bytes(1000) + b"kept"  # above them on the heap: the C library cannot shrink it
grown = resident_mb()
del freed
trimmed = give_back_freed_memory()
print(json.dumps({"before": before, "grown": grown, "after": resident_mb(), "trimmed": trimmed}))
assert kept.endswith(b"kept")
"""


def test_the_heap_a_job_freed_under_what_it_kept_goes_back_to_the_system() -> None:
    done = subprocess.run([sys.executable, "-c", JOB], capture_output=True, text=True, check=True)
    rss = json.loads(done.stdout)
    assert rss["grown"] > rss["before"] + 80
    if not rss["trimmed"]:
        pytest.skip("the C library is not glibc: the worker keeps what it freed")
    assert rss["after"] < rss["before"] + 20
