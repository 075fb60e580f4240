"""The terminal: plain-text tables (the build's summary, ``stats``, ``voices``) and how a log
record is shown."""

from __future__ import annotations

import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(levelname)s: %(message)s"
"""How the command line shows a log record, in the build and in its workers."""


def table_lines(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """``rows`` (the header first) in left-aligned columns two spaces apart, without trailing
    spaces.

    >>> print("\\n".join(table_lines([("lang", "words"), ("be", "2424")])))
    lang  words
    be    2424
    """
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        (
            indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
