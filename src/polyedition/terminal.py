"""Plain-text tables for the terminal: the build's summary, ``stats``, ``voices``."""

from __future__ import annotations

import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)


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
