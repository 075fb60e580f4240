"""The content-addressed store under ``.cache/``: each entry named by a hash of what made it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from polyedition.config import Settings
from polyedition.fsutil import write_bytes_atomic
from polyedition.speech.base import Mark, Synthesis

logger = logging.getLogger(__name__)

_MAGIC = b"polyedition-cache-1\n"
_DIGEST = 32


def content_key(parts: object) -> str:
    """A stable hash of JSON-serializable ``parts``.

    >>> content_key({"b": 1, "a": [2]}) == content_key({"a": [2], "b": 1})
    True
    """
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ContentStore:
    """Bytes by key, each entry checked against its own checksum when read.

    A corrupt or truncated entry is logged, removed and reported missing, so that the caller
    makes it again: a damaged cache slows a build down, it never breaks it.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.used: set[str] = set()
        """Keys read or written through this store, so that the build can record them."""

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def read(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        header = len(_MAGIC) + _DIGEST
        payload = data[header:]
        if (
            data[: len(_MAGIC)] != _MAGIC
            or len(data) < header
            or hashlib.sha256(payload).digest() != data[len(_MAGIC) : header]
        ):
            logger.warning("%s: corrupt cache entry, making it again", path)
            path.unlink(missing_ok=True)
            return None
        self.used.add(key)
        with contextlib.suppress(OSError):  # the time of last use is what pruning goes by
            os.utime(path)
        return payload

    def write(self, key: str, payload: bytes) -> None:
        write_bytes_atomic(self.path(key), _MAGIC + hashlib.sha256(payload).digest() + payload)
        self.used.add(key)


class SpeechCache:
    """Synthesized speech by everything that determines it (see ``key``)."""

    def __init__(self, root: Path) -> None:
        self.store = ContentStore(root)
        self.chapters = EncodedChapterCache(root / "mp3")
        """The encoded MP3 of each chapter, a second namespace under the same root."""

    @classmethod
    def for_settings(cls, settings: Settings) -> SpeechCache:
        return cls(settings.cache_dir / "speech")

    @staticmethod
    def key(
        *,
        engine: str,
        version: str,
        voice: str,
        rate: int | None,
        lexicon: Iterable[tuple[str, str]],
        text: str,
        mastering: str,
    ) -> str:
        """The key of one synthesis: change any part and the text is synthesized again.

        ``mastering`` names the loudness recipe applied before the speech is stored.
        """
        return content_key(
            {
                "engine": engine,
                "version": version,
                "voice": voice,
                "rate": rate,
                "lexicon": sorted(lexicon),
                "text": text,
                "mastering": mastering,
            }
        )

    def get(self, key: str) -> Synthesis | None:
        payload = self.store.read(key)
        if payload is None:
            return None
        head, _, pcm = payload.partition(b"\n")
        try:
            meta = json.loads(head)
            marks = tuple(Mark(offset, sample) for offset, sample in meta["marks"])
            return Synthesis(pcm, int(meta["sample_rate"]), marks, int(meta["text_length"]))
        except (ValueError, KeyError, TypeError):
            logger.warning("%s: unreadable cache entry, making it again", self.store.path(key))
            self.store.path(key).unlink(missing_ok=True)
            return None

    def used_entries(self) -> list[str]:
        """The entries this cache served or stored, as paths relative to its root (sorted)."""
        return sorted(
            [
                *(
                    self.store.path(key).relative_to(self.store.root).as_posix()
                    for key in self.store.used
                ),
                *(
                    self.chapters.store.path(key).relative_to(self.store.root).as_posix()
                    for key in self.chapters.store.used
                ),
            ]
        )

    def put(self, key: str, synthesis: Synthesis) -> None:
        meta = {
            "sample_rate": synthesis.sample_rate,
            "text_length": synthesis.text_length,
            "marks": [[mark.offset, mark.sample] for mark in synthesis.marks],
        }
        head = json.dumps(meta, separators=(",", ":")).encode("utf-8")
        self.store.write(key, head + b"\n" + synthesis.pcm)


class EncodedChapterCache:
    """The MPEG frames of one chapter's encoded PCM, by everything that determines them."""

    def __init__(self, root: Path) -> None:
        self.store = ContentStore(root)

    @staticmethod
    def key(*, pcm: bytes, sample_rate: int, bitrate: int, quality: int, encoder: str) -> str:
        """The key of one encode: other samples, settings or encoder version encode again."""
        return content_key(
            {
                "pcm": hashlib.sha256(pcm).hexdigest(),
                "sample_rate": sample_rate,
                "bitrate": bitrate,
                "quality": quality,
                "encoder": encoder,
            }
        )

    def get(self, key: str) -> bytes | None:
        return self.store.read(key)

    def put(self, key: str, frames: bytes) -> None:
        self.store.write(key, frames)


_ENTRY_NAME = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class CacheUsage:
    """How many entries a cache holds and their total size, after pruning."""

    entries: int
    size: int
    removed: int = 0
    removed_size: int = 0


def prune_store(root: Path, *, keep: Iterable[str], used_since: float) -> CacheUsage:
    """Remove every entry under ``root`` that is not in ``keep`` (paths relative to ``root``)
    and was last used before the time ``used_since``; what is left, and what went."""
    kept = set(keep)
    entries = size = removed = removed_size = 0
    emptied: set[Path] = set()
    for path in root.rglob("*") if root.is_dir() else []:
        if not _ENTRY_NAME.match(path.name):
            continue
        stat = path.stat()
        if path.relative_to(root).as_posix() not in kept and stat.st_mtime < used_since:
            path.unlink(missing_ok=True)
            emptied.add(path.parent)
            removed += 1
            removed_size += stat.st_size
        else:
            entries += 1
            size += stat.st_size
    for folder in emptied:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only an empty one goes
    return CacheUsage(entries, size, removed, removed_size)
