"""What a build's processes import: each pays only for the libraries of the jobs it runs.

A one-paragraph rebuild in new processes spends much of its time importing; the command, the
forkserver its workers start from (``polyedition.build``) and each job's renderer must not
import a library another format needs (WeasyPrint takes a third of a second), nor one that
costs more than the work it serves (SciPy, which pyloudnorm imports, a second).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from polyedition.config import Settings
from projectkit import SLUG, copy_project

HEAVY = (
    "weasyprint",
    "pikepdf",
    "scipy",
    "pyloudnorm",
    "numpy",
    "PIL",
    "fontTools",
    "lxml",
    "feedgen",
    "miniaudio",
    "watchfiles",
    "polyedition.render.audio.narrate",
)


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("polyedition.cli", ()),
        ("polyedition.build", ()),  # the command's planning, and every worker's forkserver
        ("polyedition.render.html", ()),
        ("polyedition.render.feed", ()),  # the feed names the chapters' type, not the narration
        ("polyedition.render.epub", ()),
        ("polyedition.render.pdf.document", ("pikepdf",)),
    ],
)
def test_importing_a_stage_loads_no_library_of_another(
    module: str, allowed: tuple[str, ...]
) -> None:
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert tuple(done.stdout.split()) == allowed


def test_narrating_a_changed_paragraph_loads_neither_scipy_nor_pyloudnorm(
    tmp_path: Path, translate: Callable[[Settings, str, str, dict[Any, Any]], None]
) -> None:
    """The narration of a one-paragraph rebuild, in one fresh interpreter (``--jobs 1``): its
    chapter jobs (speak, master, pace, encode; the changed paragraph is synthesized and
    mastered) and its MP3 job (assemble, cues, package) need NumPy and the MP3 decoder that
    checks a chapter's peaks, not SciPy or pyloudnorm."""
    settings = copy_project(tmp_path, warm_speech=True)
    translate(settings, "be", SLUG, {"summary-p1": "Першы абзац, цалкам перакладзены нанова."})
    code = f"""
import sys
from pathlib import Path
from polyedition.build import BuildOptions, build
from polyedition.config import load_settings
report = build(load_settings(Path({str(tmp_path)!r})), BuildOptions(("be",), formats=("mp3",)))
assert not report.failures, report.failures
print(sum(result.info.get("synthesized", 0) for result in report.results))
print(" ".join(m for m in {HEAVY!r} if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    synthesized, loaded = done.stdout.splitlines()
    assert int(synthesized) == 1
    assert tuple(loaded.split()) == ("numpy", "miniaudio", "polyedition.render.audio.narrate")
