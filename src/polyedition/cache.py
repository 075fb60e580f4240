"""The content-addressed store under ``.cache/``: each entry named by a hash of what made it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polyedition.config import Settings
from polyedition.fingerprint import json_digest
from polyedition.fsutil import write_bytes_atomic
from polyedition.speech.base import Mark, Synthesis, Timing

logger = logging.getLogger(__name__)

_MAGIC = b"polyedition-cache-1\n"
_DIGEST = 32


def content_key(parts: object) -> str:
    """A stable hash of JSON-serializable ``parts`` (:func:`~polyedition.fingerprint.json_digest`:
    the same canonical JSON as job keys, so an entry's name is that of its ingredients)."""
    return json_digest(parts)


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

    def keep(self, key: str) -> bool:
        """Count an entry as used without reading it (what an output was made from stays until
        pruning may take it); whether it exists."""
        try:
            os.utime(self.path(key))
        except FileNotFoundError:
            return False
        except OSError:
            pass
        self.used.add(key)
        return True


class DamagedEntry(ValueError):
    """A store entry whose payload does not match its checksum."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: damaged cache entry")
        self.path = path


def entry_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """The payload of the store's entry at ``path``, ``size`` bytes at a time, checked against
    its checksum once read (DamagedEntry, after the last piece, if it does not match; OSError
    if it cannot be read): for copying an entry file to file."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        header = handle.read(len(_MAGIC) + _DIGEST)
        if header[: len(_MAGIC)] != _MAGIC or len(header) < len(_MAGIC) + _DIGEST:
            raise DamagedEntry(path)
        while chunk := handle.read(size):
            hasher.update(chunk)
            yield chunk
    if hasher.digest() != header[len(_MAGIC) :]:
        raise DamagedEntry(path)


class SpeechCache:
    """Synthesized speech by everything that determines it (see ``key``)."""

    def __init__(self, root: Path) -> None:
        self.store = ContentStore(root)
        self.chapters = EncodedChapterCache(root / "mp3")
        """The encoded MP3 of each chapter, a second namespace under the same root."""
        self.timings = ContentStore(root / "timing")
        """Each synthesis's ``Timing`` (JSON) by the same key: read without its PCM."""
        self.layouts = ContentStore(root / "paced")
        """Where each utterance's speech lies once paced (JSON), by ``layout_key``."""

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
        stores = (self.store, self.chapters.store, self.timings, self.layouts)
        return sorted(
            store.path(key).relative_to(self.store.root).as_posix()
            for store in stores
            for key in store.used
        )

    def timing(self, key: str) -> Timing | None:
        """The timing of the synthesis under ``key`` when both it and its PCM are stored."""
        payload = self.timings.read(key)
        if payload is None or not self.store.keep(key):
            return None
        try:
            meta = json.loads(payload)
            marks = tuple(Mark(offset, sample) for offset, sample in meta["marks"])
            return Timing(
                int(meta["sample_rate"]), marks, int(meta["text_length"]), int(meta["samples"])
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("%s: unreadable cache entry, making it again", self.timings.path(key))
            self.timings.path(key).unlink(missing_ok=True)
            return None

    def put_timing(self, key: str, timing: Timing) -> None:
        meta = {
            "sample_rate": timing.sample_rate,
            "text_length": timing.text_length,
            "samples": timing.samples,
            "marks": [[mark.offset, mark.sample] for mark in timing.marks],
        }
        self.timings.write(key, json.dumps(meta, separators=(",", ":")).encode("utf-8"))

    @staticmethod
    def layout_key(
        *, speech: str, rate: int, sentences: list[int], pause: float, pacing: str
    ) -> str:
        """The key of one utterance's layout: its synthesis, the rate it is joined at, its
        sentences' text offsets, the sentence pause and the pacing recipe."""
        return content_key(
            {
                "speech": speech,
                "rate": rate,
                "sentences": sentences,
                "pause": pause,
                "pacing": pacing,
            }
        )

    def layout(self, key: str) -> dict[str, Any] | None:
        payload = self.layouts.read(key)
        if payload is None:
            return None
        try:
            value = json.loads(payload)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            logger.warning("%s: unreadable cache entry, making it again", self.layouts.path(key))
            self.layouts.path(key).unlink(missing_ok=True)
            return None
        return value

    def put_layout(self, key: str, value: dict[str, Any]) -> None:
        self.layouts.write(key, json.dumps(value, separators=(",", ":")).encode("utf-8"))

    def put(self, key: str, synthesis: Synthesis) -> None:
        meta = {
            "sample_rate": synthesis.sample_rate,
            "text_length": synthesis.text_length,
            "marks": [[mark.offset, mark.sample] for mark in synthesis.marks],
        }
        head = json.dumps(meta, separators=(",", ":")).encode("utf-8")
        self.store.write(key, head + b"\n" + synthesis.pcm)
        self.put_timing(key, synthesis.timing)


class EncodedChapterCache:
    """The MPEG frames of one chapter's encoded PCM, by everything that determines them."""

    def __init__(self, root: Path) -> None:
        self.store = ContentStore(root)

    @staticmethod
    def key(*, recipe: object, sample_rate: int, bitrate: int, quality: int, encoder: str) -> str:
        """The key of one encode: ``recipe`` names the samples (what they are made of, in
        JSON terms); other samples, settings or encoder version encode again."""
        return content_key(
            {
                "recipe": recipe,
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
