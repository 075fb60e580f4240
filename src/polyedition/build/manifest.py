"""The manifest: what ``output/`` holds, the key and size of every file."""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath
from typing import Any

from polyedition.build.jobs import Job, JobResult
from polyedition.fsutil import output_target, write_bytes_atomic
from polyedition.site import (
    AudioInfo,
    PdfInfo,
    chapters_path,
    mp3_path,
    pdf_path,
    vtt_path,
)

logger = logging.getLogger(__name__)

MANIFEST = "build-manifest.json"
MANIFEST_VERSION = 3
"""2: the manifest also records each PDF's pages and size (article pages state them); 3: and
each narration chapter's record (its key, what it made, the cache entries it used)."""


class Manifest:
    """What ``output/`` holds: for each file the key of the job that wrote it, and its size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.outputs: dict[str, dict[str, Any]] = {}
        self.audio: dict[str, dict[str, Any]] = {}
        self.pdf: dict[str, dict[str, Any]] = {}
        self.chapters: dict[str, dict[str, Any]] = {}
        """``slug/lang/chapter`` → a narration chapter's key, record and cache entries."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == MANIFEST_VERSION:
                tables = [data[name] for name in ("outputs", "audio", "pdf", "chapters")]
                for table in tables:
                    if not all(isinstance(value, dict) for value in table.values()):
                        raise TypeError("an entry is not a table")
                self.outputs, self.audio, self.pdf, self.chapters = map(dict, tables)
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Like Pelican's cache: a corrupt manifest costs a full rebuild, never the build.
            logger.warning("%s is unreadable (%s); rebuilding everything", path, exc)

    def fresh(self, job: Job, output_dir: Path) -> bool:
        for output in job.outputs:
            entry = self.outputs.get(str(output))
            target = output_dir / output
            if entry is None or entry.get("key") != job.key or not target.is_file():
                return False
            if target.stat().st_size != entry.get("size"):
                return False
        return True

    def record(self, result: JobResult) -> None:
        """The key and size of each output (a format records its figures itself: see
        ``Format.remember``)."""
        for output, size in zip(result.job.outputs, result.sizes, strict=True):
            self.outputs[str(output)] = {
                "key": result.job.key,
                "size": size,
                "job": result.job.name,
            }

    def pdf_info(self, slug: str, lang: str, output_dir: Path) -> PdfInfo | None:
        entry = self.pdf.get(f"{slug}/{lang}")
        path = pdf_path(lang, slug)
        if entry is None or not (output_dir / path).is_file():
            return None
        return PdfInfo(pages=int(entry["pages"]), size_bytes=int(entry["size"]), path=path)

    def has(self, path: PurePosixPath, output_dir: Path) -> bool:
        """Whether ``output/`` holds ``path`` as a build wrote it."""
        return str(path) in self.outputs and (output_dir / path).is_file()

    def cache_entries(self) -> set[str] | None:
        """The speech cache entries that the narrations in ``output/`` were made from; None
        when a narration was recorded by a version that did not list them."""
        made = [*self.audio.values(), *self.chapters.values()]
        if any("cache" not in audio for audio in made):
            return None
        return {entry for audio in made for entry in audio["cache"]}

    def audio_info(self, slug: str, lang: str, output_dir: Path) -> AudioInfo | None:
        entry = self.audio.get(f"{slug}/{lang}")
        mp3 = mp3_path(lang, slug)
        if entry is None or not (output_dir / mp3).is_file():
            return None
        return AudioInfo(
            duration_seconds=float(entry["duration"]),
            size_bytes=int(entry["size"]),
            mp3=mp3,
            captions=vtt_path(lang, slug),
            chapters=chapters_path(lang, slug),
        )

    def prune(self, jobs: list[Job], output_dir: Path, *, everything: bool) -> None:
        """Delete outputs that are no longer built: files a job wrote before but not now (an
        asset whose hashed name changed) and, after a build of ``everything``, the files of
        editions that are gone."""
        keep = {str(path) for job in jobs for path in job.outputs}
        names = {job.name for job in jobs}
        for name, entry in sorted(self.outputs.items()):
            if name not in keep and (everything or entry.get("job") in names):
                del self.outputs[name]
                target = output_target(output_dir, name)
                if target is None:
                    # A doctored or foreign manifest: nothing outside output/ is deleted.
                    logger.warning(
                        "%s: ignoring %r, which is not a file inside %s",
                        self.path,
                        name,
                        output_dir,
                    )
                    continue
                logger.info("removing %s: no longer built", name)
                target.unlink(missing_ok=True)
        for key in list(self.audio):
            slug, _, lang = key.rpartition("/")
            if str(mp3_path(lang, slug)) not in self.outputs:
                del self.audio[key]
        for key in list(self.pdf):
            slug, _, lang = key.rpartition("/")
            if str(pdf_path(lang, slug)) not in self.outputs:
                del self.pdf[key]
        # A chapter goes with its narration, and when a build of that narration no longer has it.
        built = {"/".join(job.ident) for job in jobs if job.kind == "chapter"}
        joined = {(job.slug, job.lang) for job in jobs if job.kind == "mp3"}
        for key in list(self.chapters):
            slug, lang, _ = key.split("/", 2)
            gone = str(mp3_path(lang, slug)) not in self.outputs
            if gone or ((slug, lang) in joined and key not in built):
                del self.chapters[key]

    def save(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "outputs": self.outputs,
            "audio": self.audio,
            "pdf": self.pdf,
            "chapters": self.chapters,
        }
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
        write_bytes_atomic(self.path, text.encode("utf-8"))
