"""The tab-separated files of a language desk (lexicon, speech tables, one-occurrence fixes):
one reader for their lines, comments and encoding, each file's parser for its fields."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from polyedition.errors import SpeechError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Each line's number (from 1) and its tab-separated fields, as written; blank lines and
    ``#`` comments are skipped.

    >>> list(rows(["# a comment", "", "Coale\\tCole\\n"]))
    [(3, ['Coale', 'Cole'])]
    """
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield number, line.split("\t")


def read_tsv(path: Path, parse: Callable[[Iterable[str]], T], missing: T, what: str) -> T:
    """``parse`` of the file's lines; ``missing`` when there is no file. A file that is not
    UTF-8 is a SpeechError that says ``what`` it is."""
    try:
        with path.open(encoding="utf-8") as handle:
            return parse(handle)
    except FileNotFoundError:
        return missing
    except UnicodeDecodeError as exc:
        raise SpeechError(f"{what} not UTF-8: {exc}", path=path) from exc
