"""Which lines of a catalog changed since a date or a git revision, by ``git blame``.

``git blame --since=DATE`` and ``git blame REV..`` attribute every line last changed before
the date, or in REV's history, to a *boundary* commit; every other line (a later commit, or
an edit not committed yet) changed since. Blame follows the lines themselves, so a message
moved by an edit above it does not count as changed, and neither does a rewrapped neighbour.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

from polyedition.errors import ConfigError

logger = logging.getLogger(__name__)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?$")
_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise ConfigError("--since needs git, which is not installed")
    return subprocess.run(
        [git, "-C", str(folder), *args], capture_output=True, text=True, check=False
    )


def blame_range(folder: Path, since: str) -> list[str]:
    """The ``git blame`` arguments for ``since``: a date (``2026-12-01``) or a revision."""
    if _git(folder, "rev-parse", "--git-dir").returncode != 0:
        raise ConfigError(f"--since needs a git repository, and {folder} is not in one")
    if _DATE.match(since):
        # git reads a bare date as that day at the current time of day: start at midnight.
        return [f"--since={since if ' ' in since or 'T' in since else since + 'T00:00:00'}"]
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}").returncode != 0:
        raise ConfigError(
            f"--since {since!r} is neither a date (YYYY-MM-DD) nor a revision of this repository",
            hint="give a date, a commit, a tag or a branch, e.g. --since HEAD~3",
        )
    return [f"{since}.."]


def changed_lines(path: Path, since: str) -> frozenset[int] | None:
    """The line numbers of ``path`` changed since ``since``; None when git does not track the
    file (then every line is new)."""
    folder = path.parent
    result = _git(
        folder, "blame", "--porcelain", "--root", *blame_range(folder, since), "--", path.name
    )
    if result.returncode != 0:
        logger.debug("git blame %s: %s", path, result.stderr.strip())
        return None
    return parse_blame(result.stdout)


def parse_blame(porcelain: str) -> frozenset[int]:
    """The final line numbers that ``git blame --porcelain`` does not attribute to a boundary.

    >>> sha, old = "1" * 40, "2" * 40
    >>> text = f"{old} 1 1 1\\nboundary\\n\\tkept\\n{sha} 2 2 1\\nsummary x\\n\\tnew\\n"
    >>> sorted(parse_blame(text))
    [2]
    """
    boundary: set[str] = set()
    owner: dict[int, str] = {}
    commit, line = "", 0
    for text in porcelain.splitlines():
        header = _HEADER.match(text)
        if header:
            commit, line = header.group(1), int(header.group(2))
        elif text.startswith("\t"):
            owner[line] = commit
        elif text == "boundary":
            boundary.add(commit)
    return frozenset(number for number, commit in owner.items() if commit not in boundary)
