"""What a build's processes import: each pays only for the libraries of the jobs it runs.

A one-paragraph rebuild in new processes spends much of its time importing; the command, the
forkserver its workers start from (``polyedition.build``) and each job's renderer must not
import a library another format needs (WeasyPrint takes a third of a second, SciPy a second).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "weasyprint",
    "pikepdf",
    "scipy",
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
