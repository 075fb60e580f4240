"""The content-addressed store under ``.cache/``: each entry named by a hash of what made it."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from polyedition.config import Settings
from polyedition.fingerprint import json_digest
from polyedition.fsutil import is_inside, output_target, write_bytes_atomic, write_bytes_once
from polyedition.speech.base import Mark, Synthesis, Timing

logger = logging.getLogger(__name__)

_MAGIC = b"polyedition-cache-1\n"
_DIGEST = 32

Namespace = Literal["audio", "timing", "paced", "mp3", "script"]
"""The kinds of entry, each a folder of the store: an utterance's audio and its timing (both by
its ``SynthesisRecipe``), its paced layout (``LayoutRecipe``), a chapter's MPEG frames
(``ChapterRecipe``): a copy of them until an MP3 that holds them is published, then a
``ChapterRange`` of that MP3; an edition's narration script as the planner reads it
(``ScriptRecipe``)."""

_RANGE = b"polyedition-range-1\n"
"""How a chapter entry that refers to a published MP3 begins (MPEG frames begin with 0xFF)."""


@dataclass(frozen=True, slots=True)
class SynthesisRecipe:
    """What makes one utterance's synthesis: change any part and the text is said again."""

    engine: str
    version: str
    voice: str
    rate: int | None
    lexicon: tuple[tuple[str, str], ...]
    """The lexicon entries used (word, what is said), in any order: the key sorts them."""
    text: str
    mastering: str
    """The loudness recipe applied before the speech is cached."""


@dataclass(frozen=True, slots=True)
class LayoutRecipe:
    """What makes one utterance's paced layout."""

    speech: str
    """The key of its synthesis."""
    rate: int
    """The rate the narration is joined at."""
    sentences: tuple[int, ...]
    """Its sentences' offsets in the text, but the first."""
    pause: float
    pacing: str


@dataclass(frozen=True, slots=True)
class ChapterRecipe:
    """What makes one chapter's MPEG frames: what its samples are made of, and the encoder."""

    utterances: tuple[tuple[str, int], ...]
    """Each utterance's layout key and the samples of silence after it."""
    skip: int
    """The samples of its first utterance's lead guard it leaves out."""
    tail: tuple[str, int] | None
    """The digest and length of the next utterance's lead guard it ends with."""
    sample_rate: int
    bitrate: int
    quality: int
    encoder: str


@dataclass(frozen=True, slots=True)
class ScriptRecipe:
    """What makes one edition's narration script (``narration_script``): every file and setting
    it reads, so that a build whose recipe is unchanged loads the script instead of making it
    (the byline's template, catalogs and date formatting cost a quarter of a second)."""

    code: str
    """The polyedition code (``code_digest``)."""
    libraries: tuple[tuple[str, str], ...]
    """The versions of the libraries the text goes through (Babel's dates, Jinja, Markdown)."""
    edition: str
    """The edition's texts, credits, metadata and structure (its sections and their blocks)."""
    templates: str
    """Every template folder (the byline's template and anything it may include)."""
    ui: str
    """The edition language's interface catalogs (the byline's words)."""
    publisher: str
    """The publication's name (``site_name`` in a template)."""
    settings: str
    """The source language and the pauses."""


Recipe = SynthesisRecipe | LayoutRecipe | ChapterRecipe | ScriptRecipe


def content_key(recipe: Recipe) -> str:
    """The one way to name an entry: a stable hash of its recipe's fields
    (:func:`~polyedition.fingerprint.json_digest`, the canonical JSON of job keys).

    >>> a = SynthesisRecipe("e", "1", "v", None, (("b", "B"), ("a", "A")), "text", "m")
    >>> content_key(a) == content_key(dataclasses.replace(a, lexicon=a.lexicon[::-1]))
    True
    """
    fields = dataclasses.asdict(recipe)
    if isinstance(recipe, SynthesisRecipe):
        fields["lexicon"] = sorted(recipe.lexicon)
    return json_digest(fields)


class ContentStore:
    """Bytes by namespace and key under one folder, each entry checked against its own
    checksum when read.

    A corrupt or truncated entry is logged, removed and reported missing, so that the caller
    makes it again: a damaged cache slows a build down, it never breaks it.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.used: set[tuple[Namespace, str]] = set()
        """Entries read or written through this store, so that the build can record them."""

    def path(self, namespace: Namespace, key: str) -> Path:
        return self.root / namespace / key[:2] / key

    def read(self, namespace: Namespace, key: str) -> bytes | None:
        path = self.path(namespace, key)
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
        self.used.add((namespace, key))
        with contextlib.suppress(OSError):  # the time of last use is what pruning goes by
            os.utime(path)
        return payload

    def write(self, namespace: Namespace, key: str, payload: bytes) -> None:
        _write_entry(self.path(namespace, key), payload)
        self.used.add((namespace, key))

    def write_once(self, namespace: Namespace, key: str, payload: bytes) -> bool:
        """Store ``payload`` unless another process stored the entry first: False then (what
        it stored stands, for an entry that cannot be made again alike)."""
        written = write_bytes_once(self.path(namespace, key), _envelope(payload), durable=False)
        self.used.add((namespace, key))
        return written

    def keep(self, namespace: Namespace, key: str) -> bool:
        """Count an entry as used without reading it (what an output was made from stays until
        pruning may take it); whether it exists."""
        try:
            os.utime(self.path(namespace, key))
        except FileNotFoundError:
            return False
        except OSError:
            pass
        self.used.add((namespace, key))
        return True

    def discard(self, namespace: Namespace, key: str) -> None:
        """Remove an entry whose checksum holds but whose content cannot be read (another
        format, or a bug): it is made again."""
        path = self.path(namespace, key)
        logger.warning("%s: unreadable cache entry, making it again", path)
        path.unlink(missing_ok=True)
        self.used.discard((namespace, key))

    def used_entries(self) -> list[str]:
        """The entries this store served or stored, as paths relative to its root (sorted)."""
        return sorted(
            self.path(namespace, key).relative_to(self.root).as_posix()
            for namespace, key in self.used
        )


def _envelope(payload: bytes) -> bytes:
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _write_entry(path: Path, payload: bytes) -> None:
    """Replace the entry at ``path`` with ``payload`` in its envelope: a new file renamed into
    place (a hard-linked entry is never written through), without ``fsync`` (an entry checks
    itself when read, and one a power cut left short is made again)."""
    write_bytes_atomic(path, _envelope(payload), durable=False)


class DamagedEntry(ValueError):
    """A store entry whose payload does not match its checksum, or a chapter range whose bytes
    in its MP3 are no longer the chapter's (``reason`` says which)."""

    def __init__(self, path: Path, reason: str = "damaged cache entry") -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


class StaleRange(LookupError):
    """A chapter range that cannot serve its chapter: its MP3 is gone, shorter, outside the
    output folder, or holds other bytes there."""


@dataclass(frozen=True, slots=True)
class ChapterRange:
    """A chapter's MPEG frames as a byte range of a published MP3, which the speech cache keeps
    instead of a second copy once the MP3 job has spliced them (see ``refer``).

    It is data, not trusted: its path is used only as a relative path that stays inside the
    output folder (resolved, no ``..``, no link), and its bytes only once their SHA-256 matches.
    The MP3's size, modification time and inode when the range was recorded tell a planner,
    without reading the MP3, whether it is still the file the range was taken from.
    """

    path: str
    """The MP3, relative to the output folder (POSIX)."""
    offset: int
    length: int
    sha256: str
    """Hex digest of the chapter's bytes."""
    size: int
    mtime_ns: int
    inode: int

    def payload(self) -> bytes:
        return _RANGE + json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()

    @classmethod
    def parse(cls, payload: bytes) -> ChapterRange:
        """ValueError unless ``payload`` is what ``payload()`` gave."""
        if not payload.startswith(_RANGE):
            raise ValueError("not a chapter range")
        data = json.loads(payload[len(_RANGE) :])
        if not isinstance(data, dict):
            raise ValueError("not a chapter range")
        try:
            made = cls(
                str(data["path"]),
                int(data["offset"]),
                int(data["length"]),
                str(data["sha256"]),
                int(data["size"]),
                int(data["mtime_ns"]),
                int(data["inode"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a chapter range: {exc}") from exc
        if made.offset < 0 or made.length < 0 or not re.fullmatch(r"[0-9a-f]{64}", made.sha256):
            raise ValueError("not a chapter range")
        return made

    def file(self, output_dir: Path | None, *, resolve: bool = True) -> Path | None:
        """The MP3 under ``output_dir``, if the path stays inside it (else None: refused): a
        relative path without ``..`` and no link on the way (``fsutil.output_target``), and,
        with ``resolve``, once every link is followed (for a read; a planner's ``stat`` skips
        that second look, which was most of what checking the ranges cost a no-op)."""
        if output_dir is None:
            return None
        target = output_target(output_dir, self.path)
        if target is None or (resolve and not is_inside(target, output_dir)):
            return None
        return target

    def holds(self, output_dir: Path | None) -> bool:
        """Whether the MP3 is the file the range was taken from, by its size, modification
        time and inode (cheap: nothing is read)."""
        target = self.file(output_dir, resolve=False)
        try:
            stat = target.stat() if target is not None else None
        except OSError:
            return False
        return (
            stat is not None
            and (stat.st_size, stat.st_mtime_ns, stat.st_ino)
            == (self.size, self.mtime_ns, self.inode)
            and self.offset + self.length <= stat.st_size
        )

    def same_file(self, output_dir: Path | None) -> bool:
        """Whether the MP3 there is the file the range was taken from, whatever was written
        into it since (its inode)."""
        target = self.file(output_dir, resolve=False)
        try:
            return target is not None and target.stat().st_ino == self.inode
        except OSError:
            return False

    def chunks(self, output_dir: Path | None, size: int = 1 << 20) -> Iterator[bytes]:
        """The chapter's bytes, ``size`` at a time, checked against the digest once read
        (StaleRange, after the last piece, if they do not match; at once if the MP3 is gone,
        shorter or outside the output folder)."""
        target = self.file(output_dir)
        if target is None:
            raise StaleRange(f"{self.path!r} is not a file inside the output folder")
        hasher = hashlib.sha256()
        try:
            handle = target.open("rb")
        except OSError as exc:
            raise StaleRange(f"{self.path}: {exc.strerror or exc}") from None
        with handle:
            handle.seek(self.offset)
            left = self.length
            while left:
                chunk = handle.read(min(size, left))
                if not chunk:
                    raise StaleRange(f"{self.path} is shorter than it was")
                left -= len(chunk)
                hasher.update(chunk)
                yield chunk
        if hasher.hexdigest() != self.sha256:
            raise StaleRange(
                f"{self.path}: bytes {self.offset}-{self.offset + self.length} are not the "
                "chapter's any more"
            )

    def read(self, output_dir: Path | None) -> bytes:
        """The chapter's bytes, checked (StaleRange if they are not the chapter's)."""
        return b"".join(self.chunks(output_dir))


def chapter_range(path: Path) -> ChapterRange | None:
    """The range the chapter entry at ``path`` holds, or None when it holds the frames
    themselves; only a range's entry is read whole (a few hundred bytes). FileNotFoundError if
    there is no entry, DamagedEntry if it is damaged."""
    header = len(_MAGIC) + _DIGEST
    with path.open("rb") as handle:
        start = handle.read(header + len(_RANGE))
        if start[header:] != _RANGE:
            if start[: len(_MAGIC)] != _MAGIC or len(start) < header:
                raise DamagedEntry(path)
            return None
        payload = start[header:] + handle.read()
    if (
        start[: len(_MAGIC)] != _MAGIC
        or hashlib.sha256(payload).digest() != start[len(_MAGIC) : header]
    ):
        raise DamagedEntry(path)
    try:
        return ChapterRange.parse(payload)
    except ValueError:
        raise DamagedEntry(path) from None


def chapter_extent(path: Path) -> tuple[int, str]:
    """The length and SHA-256 (hex) of the chapter the entry at ``path`` holds or refers to,
    as its entry records them (nothing else is read); OSError or DamagedEntry."""
    reference = chapter_range(path)
    if reference is not None:
        return reference.length, reference.sha256
    with path.open("rb") as handle:
        header = handle.read(len(_MAGIC) + _DIGEST)
        length = os.fstat(handle.fileno()).st_size - len(header)
    return length, header[len(_MAGIC) :].hex()


def chapter_chunks(path: Path, output_dir: Path | None, size: int = 1 << 20) -> Iterator[bytes]:
    """The chapter the entry at ``path`` holds, or the bytes of the MP3 range it refers to,
    ``size`` at a time, checked once read: DamagedEntry (naming the entry) if they are not the
    chapter's, OSError if the entry cannot be read."""
    reference = chapter_range(path)
    if reference is None:
        yield from entry_chunks(path, size)
        return
    try:
        yield from reference.chunks(output_dir, size)
    except StaleRange as exc:
        raise DamagedEntry(path, f"its chapter cannot be read from the MP3: {exc}") from None


def refer(path: Path, reference: ChapterRange) -> None:
    """Make the chapter entry at ``path`` a range of a published MP3 (a new file, renamed into
    place: a hard-linked entry is replaced, never written through)."""
    _write_entry(path, reference.payload())


def copy_ranges(root: Path, output_dir: Path) -> int:
    """Turn each chapter range of the speech cache under ``root`` back into a copy of its
    frames (read from its MP3 under ``output_dir`` and checked; a range that does not serve
    is removed): for a cache that is to serve without the outputs, such as the tests' shared
    warm cache. How many became copies."""
    copied = 0
    for path in sorted((root / "mp3").rglob("*")):
        if not _ENTRY_NAME.match(path.name):
            continue
        try:
            reference = chapter_range(path)
            if reference is not None:
                _write_entry(path, reference.read(output_dir))
                copied += 1
        except (StaleRange, DamagedEntry):
            path.unlink(missing_ok=True)
        except OSError as exc:  # a full disk: the chapters left are made again when needed
            logger.warning("cannot copy the chapter %s: %s", path, exc.strerror or exc)
            break
    return copied


def is_range(path: Path) -> bool:
    """Whether the entry at ``path`` is a chapter range (a damaged or missing one is not)."""
    try:
        return chapter_range(path) is not None
    except (OSError, DamagedEntry):
        return False


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
    """The narration's entries, by their recipes' keys: each utterance's timing and paced layout,
    each chapter's MPEG frames (or, once published, their ``ChapterRange`` in the MP3 under
    ``output_dir``), and the audio of the utterances that cannot be made again exactly
    (``Engine.reproducible`` false: Piper, gTTS), compressed without loss (FLAC)."""

    def __init__(self, root: Path, output_dir: Path | None = None) -> None:
        self.store = ContentStore(root)
        self.output_dir = output_dir
        """Where the MP3s that chapter ranges refer to are; None: no range is read."""

    @classmethod
    def for_settings(cls, settings: Settings) -> SpeechCache:
        return cls(settings.cache_dir / "speech", settings.output_dir)

    def used_entries(self) -> list[str]:
        """The entries this cache served or stored, as paths relative to its root (sorted)."""
        return self.store.used_entries()

    def audio(self, key: str) -> Synthesis | None:
        """The stored synthesis under ``key`` (its PCM decoded), if any."""
        payload = self.store.read("audio", key)
        if payload is None:
            return None
        head, _, body = payload.partition(b"\n")
        try:
            meta = json.loads(head)
            if meta["codec"] != "flac":
                raise ValueError(f"unknown codec {meta['codec']!r}")
            marks = tuple(Mark(offset, sample) for offset, sample in meta["marks"])
            rate, samples = int(meta["sample_rate"]), int(meta["samples"])
            pcm = _pcm_of_flac(body, samples)
            return Synthesis(pcm, rate, marks, int(meta["text_length"]))
        except (ValueError, KeyError, TypeError):
            self.store.discard("audio", key)
            return None

    def has_audio(self, key: str) -> bool:
        """Whether the synthesis under ``key`` is stored (it counts as used)."""
        return self.store.keep("audio", key)

    def put_audio(self, key: str, synthesis: Synthesis) -> Synthesis:
        """Keep ``synthesis`` under ``key``, unless another process (another chapter's job
        saying the same utterance at the same time) kept its own first: then that one, which
        every chapter is made from (an engine that draws noise says it otherwise each time)."""
        meta = {
            "codec": "flac",
            "sample_rate": synthesis.sample_rate,
            "samples": synthesis.samples,
            "text_length": synthesis.text_length,
            "marks": [[mark.offset, mark.sample] for mark in synthesis.marks],
        }
        head = json.dumps(meta, separators=(",", ":")).encode("utf-8")
        payload = head + b"\n" + _flac(synthesis.pcm, synthesis.sample_rate)
        if self.store.write_once("audio", key, payload):
            return synthesis
        stored = self.audio(key)
        if stored is None:  # it was damaged, and is gone now
            self.store.write("audio", key, payload)
            return synthesis
        return stored

    def timing(self, key: str) -> Timing | None:
        """The timing of the synthesis under ``key``, read without its audio."""
        payload = self.store.read("timing", key)
        if payload is None:
            return None
        try:
            meta = json.loads(payload)
            marks = tuple(Mark(offset, sample) for offset, sample in meta["marks"])
            return Timing(
                int(meta["sample_rate"]), marks, int(meta["text_length"]), int(meta["samples"])
            )
        except (ValueError, KeyError, TypeError):
            self.store.discard("timing", key)
            return None

    def put_timing(self, key: str, timing: Timing) -> None:
        meta = {
            "sample_rate": timing.sample_rate,
            "text_length": timing.text_length,
            "samples": timing.samples,
            "marks": [[mark.offset, mark.sample] for mark in timing.marks],
        }
        self._put_json("timing", key, meta)

    def layout(self, key: str) -> dict[str, Any] | None:
        return self._json_object("paced", key)

    def _json_object(self, namespace: Namespace, key: str) -> dict[str, Any] | None:
        """A JSON object stored under ``key``; an entry that is not one is discarded."""
        payload = self.store.read(namespace, key)
        if payload is None:
            return None
        try:
            value = json.loads(payload)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            self.store.discard(namespace, key)
            return None
        return value

    def _put_json(self, namespace: Namespace, key: str, value: dict[str, Any]) -> None:
        """Store a JSON object under ``key``, compact (what ``_json_object`` reads)."""
        self.store.write(namespace, key, json.dumps(value, separators=(",", ":")).encode("utf-8"))

    def put_layout(self, key: str, value: dict[str, Any]) -> None:
        self._put_json("paced", key, value)

    def script(self, key: str) -> dict[str, Any] | None:
        """An edition's narration script, as ``Script.as_json`` made it."""
        return self._json_object("script", key)

    def put_script(self, key: str, value: dict[str, Any]) -> None:
        self._put_json("script", key, value)

    def chapter(self, key: str) -> bytes | None:
        """A chapter's MPEG frames: its entry's copy, or its range of the published MP3, read
        and checked. None when neither serves (the MP3 deleted, edited, replaced: it is made
        again; a warning only when the MP3 is there with other bytes)."""
        payload = self.store.read("mp3", key)
        if payload is None or not payload.startswith(_RANGE):
            return payload
        try:
            reference = ChapterRange.parse(payload)
        except ValueError:
            self.store.discard("mp3", key)
            return None
        try:
            return reference.read(self.output_dir)
        except StaleRange as exc:
            # An MP3 deleted or replaced by another build is no news; one written into in place
            # (same inode: edited, truncated, damaged) is worth a line.
            damaged = reference.same_file(self.output_dir)
            logger.log(logging.WARNING if damaged else logging.DEBUG, "%s: making it again", exc)
        self.store.used.discard(("mp3", key))
        return None

    def has_chapter(self, key: str) -> bool:
        """Whether a chapter's frames are there without reading them: its entry's copy, or a
        range of an MP3 that, by its size, modification time and inode, is still the file
        the range was taken from (it then counts as used)."""
        path = self.store.path("mp3", key)
        try:
            reference = chapter_range(path)
        except (OSError, DamagedEntry):
            return False
        if reference is not None and not reference.holds(self.output_dir):
            return False
        return self.store.keep("mp3", key)

    def put_chapter(self, key: str, frames: bytes) -> None:
        self.store.write("mp3", key, frames)


def _flac(pcm: bytes, rate: int) -> bytes:
    """16-bit mono PCM as FLAC at its highest compression (libsndfile): speech in 59–62 % of
    its size, in a hundredth of a second of CPU per second of speech."""
    import numpy as np
    import soundfile

    out = io.BytesIO()
    samples = np.frombuffer(pcm, dtype="<i2")
    soundfile.write(out, samples, rate, format="FLAC", subtype="PCM_16", compression_level=1.0)
    return out.getvalue()


def _pcm_of_flac(flac: bytes, samples: int) -> bytes:
    """The PCM of ``_flac``'s output, bit for bit; ValueError if it is not that FLAC, or not
    ``samples`` long."""
    import soundfile

    try:
        decoded, _ = soundfile.read(io.BytesIO(flac), dtype="int16")
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise ValueError(str(exc)) from exc
    if decoded.ndim != 1 or len(decoded) != samples:
        raise ValueError("not the stored length")
    return bytes(decoded.astype("<i2").tobytes())


_ENTRY_NAME = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class CacheUsage:
    """How many entries a cache holds and their total size, after pruning."""

    entries: int
    size: int
    removed: int = 0
    removed_size: int = 0


def _store_entries(folder: Path | str, prefix: str) -> Iterator[tuple[os.DirEntry[str], str]]:
    """Every entry below ``folder``, with its path relative to it; by ``os.scandir``, not
    ``Path.rglob``: every build prunes, and a path object per entry was most of the walk."""
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                yield from _store_entries(entry.path, f"{prefix}{entry.name}/")
            elif _ENTRY_NAME.match(entry.name):
                yield entry, prefix + entry.name


def prune_store(root: Path, *, keep: Iterable[str], used_since: float) -> CacheUsage:
    """Remove every entry under ``root`` that is not in ``keep`` (paths relative to ``root``)
    and was last used before the time ``used_since``; what is left, and what went."""
    kept = set(keep)
    entries = size = removed = removed_size = 0
    emptied: set[Path] = set()
    for entry, name in _store_entries(root, "") if root.is_dir() else []:
        stat = entry.stat()
        if name not in kept and stat.st_mtime < used_since:
            path = Path(entry.path)
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
