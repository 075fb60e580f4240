"""Jobs: what one unit of work is, and how a worker renders it into bytes and files."""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from polyedition.errors import BuildError
from polyedition.fsutil import write_if_changed
from polyedition.site import (
    Site,
)

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "mp3", "epub")
"""Output formats of an edition, in the order a reader meets them."""
SITE = "site"
"""The job kind for pages and assets shared by all editions (chooser, edition indexes, CSS/JS)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: its kind, what it is about, its key and the files it writes."""

    kind: str
    slug: str
    lang: str
    key: str
    outputs: tuple[PurePosixPath, ...]

    @property
    def name(self) -> str:
        return f"{self.lang}/{self.slug} {self.kind}" if self.slug else self.kind


@dataclass(frozen=True, slots=True)
class JobResult:
    job: Job
    sizes: tuple[int, ...]
    seconds: float
    rewritten: int
    peak_rss_mb: float
    pid: int
    info: Mapping[str, float] = field(default_factory=dict)


def run_job(job: Job, site: Site) -> JobResult:
    """Render one job's outputs and write them atomically; runs in a worker process.

    Renderers are imported here, not at module level, so that a process only pays for the
    libraries (WeasyPrint, the speech engines) of the jobs it actually runs.
    """
    started = time.perf_counter()
    contents, info = _render(job, site)
    output_dir = site.settings.output_dir
    rewritten = sum(write_if_changed(output_dir / path, data) for path, data in contents.items())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return JobResult(
        job,
        tuple(len(contents[path]) for path in job.outputs),
        time.perf_counter() - started,
        rewritten,
        usage.ru_maxrss / 1024,
        os.getpid(),
        info,
    )


def _render(job: Job, site: Site) -> tuple[dict[PurePosixPath, bytes], dict[str, float]]:
    if job.kind == "mp3":
        from polyedition.cache import SpeechCache
        from polyedition.render.audio import narrate

        edition = site.edition(job.slug, job.lang)
        narration = narrate(site, edition, SpeechCache(site.settings.cache_dir / "speech"))
        mp3, captions, chapters = job.outputs
        return (
            {
                mp3: narration.mp3,
                captions: narration.captions_vtt.encode("utf-8"),
                chapters: narration.chapters_vtt.encode("utf-8"),
            },
            {
                "duration": narration.duration_seconds,
                "synthesized": narration.synthesized,
                "cached": narration.cached,
            },
        )
    if job.kind == "html":
        from polyedition.render.html import render_article

        page = render_article(site, site.edition(job.slug, job.lang))
        return {job.outputs[0]: page.encode("utf-8")}, {}
    if job.kind == "pdf":
        from polyedition.render.pdf import render_pdf

        return {job.outputs[0]: render_pdf(site, site.edition(job.slug, job.lang))}, {}
    if job.kind == "epub":
        return {job.outputs[0]: _render_epub(site, job)}, {}
    if job.kind == SITE:
        from polyedition.render.html import render_chooser, render_edition_index, site_assets

        files: dict[PurePosixPath, bytes] = {
            PurePosixPath("index.html"): render_chooser(site).encode("utf-8")
        }
        for lang in site.languages:
            files[PurePosixPath(lang, "index.html")] = render_edition_index(site, lang).encode()
        files.update(site_assets(site.settings))
        return files, {}
    raise BuildError(f"unknown job kind {job.kind!r}")


def _render_epub(site: Site, job: Job) -> bytes:
    """The EPUB, with the narration the mp3 job wrote (read back from ``output/``: the epub
    job follows its edition's mp3 job), or without one when the edition has no narration."""
    from polyedition.render.epub import NarrationFiles, render_epub

    edition = site.edition(job.slug, job.lang)
    audio = site.audio.get((job.slug, job.lang))
    narration = None
    if audio is not None:
        output_dir = site.settings.output_dir
        try:
            narration = NarrationFiles(
                mp3=(output_dir / audio.mp3).read_bytes(),
                captions_vtt=(output_dir / audio.captions).read_text(encoding="utf-8"),
                source=str(output_dir / audio.captions),
                audio_name=audio.mp3.name,
            )
        except OSError as exc:
            raise BuildError(
                f"{job.name}: cannot read the narration: {exc.strerror}",
                path=exc.filename,
                hint="build the narration again (--format mp3)",
            ) from exc
    return render_epub(site, edition, narration)
