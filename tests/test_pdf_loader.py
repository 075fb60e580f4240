"""WeasyPrint is imported without the compiler runs of its library search, and with the same
libraries, even where the linker's cache does not list them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the linker's cache is read on Linux"
)

PROBE = r"""
import json, subprocess, sys
from ctypes import util

commands = []
popen = subprocess.Popen.__init__

def recording(self, args, *more, **options):
    commands.append(str(args[0]) if isinstance(args, (list, tuple)) else str(args))
    popen(self, args, *more, **options)

subprocess.Popen.__init__ = recording
how = sys.argv[1]
if how == "no-cache":  # a system whose linker's cache lists none of the libraries
    util._findSoname_ldconfig = lambda name: None
if how == "plain":
    import weasyprint
else:
    from polyedition.render.pdf.loader import load_weasyprint

    weasyprint = load_weasyprint()
names = ("libgobject", "libpango", "libharfbuzz", "libfontconfig")
with open("/proc/self/maps") as maps:
    loaded = sorted({line.split()[-1] for line in maps if any(n in line for n in names)})
print(json.dumps({"commands": commands, "libraries": loaded, "html": hasattr(weasyprint, "HTML")}))
"""


def imported(how: str) -> dict[str, Any]:
    """Import WeasyPrint in a new Python as ``how`` says: what it ran, which libraries it
    loaded; its standard output must be that report alone."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, how], capture_output=True, text=True, check=True
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def ran(report: dict[str, Any]) -> set[str]:
    return {Path(command).name for command in report["commands"]}


SEARCH_TOOLS = {tool for tool in ("gcc", "cc", "ld") if shutil.which(tool)}
"""What ``ctypes.util.find_library`` runs, after the linker's cache, where they are installed."""


def test_the_same_libraries_load_without_running_a_compiler_or_linker() -> None:
    plain, loaded = imported("plain"), imported("loader")
    assert loaded["html"] and loaded["libraries"] == plain["libraries"]
    assert len(loaded["libraries"]) >= 4
    assert ran(loaded) <= {"ldconfig"}
    if SEARCH_TOOLS:  # what it spares: find_library runs them for each name that fails
        assert ran(plain) & SEARCH_TOOLS


def test_without_the_linker_cache_the_same_libraries_load_by_their_sonames() -> None:
    report = imported("no-cache")
    assert report["html"] and report["libraries"] == imported("plain")["libraries"]
    assert ran(report) <= {"ldconfig"}
