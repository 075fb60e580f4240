"""The run: lock the project, plan, skip fresh jobs, run the rest, record the manifest."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, replace
from pathlib import Path

from polyedition.build.executors import default_executor
from polyedition.build.jobs import FORMATS, Job, JobResult, run_job
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.build.plan import Planner, load_site
from polyedition.catalogs import (
    compile_catalogs,
    verify_ui_template,
)
from polyedition.config import Settings
from polyedition.errors import BuildError, PolyeditionError
from polyedition.model import Edition
from polyedition.site import (
    AudioInfo,
    PdfInfo,
    Site,
    feed_path,
)

logger = logging.getLogger(__name__)

LOCK = "build.lock"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    languages: tuple[str, ...]
    formats: tuple[str, ...] = FORMATS
    jobs: int = 1
    clean: bool = False
    strict: bool = False


@dataclass(frozen=True, slots=True)
class BuildReport:
    editions: tuple[Edition, ...]
    results: tuple[JobResult, ...]
    skipped: tuple[Job, ...]
    problems: tuple[str, ...]
    seconds: float
    audio: Mapping[tuple[str, str], AudioInfo]

    @property
    def ran(self) -> int:
        return len(self.results)


Progress = Callable[[str, JobResult | Job, bool], None]
"""Called as ``progress(event, result_or_job, ran)``: ``"planned"`` for each job, ``"done"``
when a job finishes (``ran`` False when it was fresh)."""


@contextlib.contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """Hold ``.cache/build.lock`` for the build; a second build fails at once, naming the first."""
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    path = settings.cache_dir / LOCK
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildError(
                f"another build of this project is running (pid {holder})",
                path=path,
                hint="wait for it to finish; the lock is released when that process ends",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_partial_files(output_dir: Path) -> None:
    """Temporary files left by a killed build (complete outputs are never touched)."""
    for temp in output_dir.rglob(".*.tmp"):
        temp.unlink(missing_ok=True)


def build(
    settings: Settings,
    options: BuildOptions,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the requested editions and formats; see the module docstring."""
    started = time.perf_counter()
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise BuildError(f"unknown format {fmt!r}", hint=f"formats: {', '.join(FORMATS)}")
    with build_lock(settings):
        verify_ui_template(settings)
        compile_catalogs(settings, settings.languages)
        site = load_site(settings)
        output_dir = settings.output_dir
        manifest_path = settings.cache_dir / MANIFEST
        if options.clean:
            for child in output_dir.glob("*"):
                if child.is_dir():
                    shutil.rmtree(child)
                elif child.name != "README.md":
                    child.unlink()
            manifest_path.unlink(missing_ok=True)
        output_dir.mkdir(parents=True, exist_ok=True)
        _remove_partial_files(output_dir)
        manifest = Manifest(manifest_path)
        selected = [e for e in site.editions.values() if e.lang in options.languages]
        owned = executor is None
        pool = executor or default_executor(options.jobs)
        try:
            report = _run(
                site=site,
                selected=selected,
                options=options,
                manifest=manifest,
                pool=pool,
                progress=progress,
            )
            jobs = [result.job for result in report.results] + list(report.skipped)
            full = set(options.languages) == set(settings.languages) and set(
                options.formats
            ) == set(FORMATS)
            manifest.prune(jobs, output_dir, everything=full)
        finally:
            if owned:
                pool.shutdown(wait=True, cancel_futures=True)
            manifest.save()
    problems = [
        f"{e.lang}/{e.slug}: {len(e.fallbacks)} segment(s) fall back to {e.source_lang} "
        f"({e.stats.percent:.1f}% translated)"
        for e in selected
        if e.fallbacks
    ]
    if options.strict:
        from polyedition.checks import run_checks

        problems += [str(finding) for finding in run_checks(settings, options.languages)]
    for problem in problems:
        logger.warning(problem)
    return replace(report, problems=tuple(problems), seconds=time.perf_counter() - started)


def _run(
    *,
    site: Site,
    selected: list[Edition],
    options: BuildOptions,
    manifest: Manifest,
    pool: Executor,
    progress: Progress | None,
) -> BuildReport:
    output_dir = site.settings.output_dir
    planner = Planner(site)
    notify = progress or (lambda event, item, ran: None)
    results: list[JobResult] = []
    skipped: list[Job] = []
    pending: dict[Future[JobResult], Job] = {}
    audio: dict[tuple[str, str], AudioInfo] = {}
    pdfs: dict[tuple[str, str], PdfInfo] = {}

    def submit(job: Job, job_site: Site) -> None:
        notify("planned", job, False)
        if manifest.fresh(job, output_dir):
            skipped.append(job)
            notify("done", job, False)
            return
        pending[pool.submit(run_job, job, job_site)] = job

    # A job about one article gets that article's editions only: sending every job the whole
    # site would make a build's cost grow with the square of the corpus.
    grouped: dict[str, dict[tuple[str, str], Edition]] = {}
    for key, edition in site.editions.items():
        grouped.setdefault(key[0], {})[key] = edition
    articles = {slug: Site(site.settings, editions) for slug, editions in grouped.items()}

    def audio_of(key: tuple[str, str]) -> AudioInfo | None:
        return audio.get(key) or manifest.audio_info(*key, output_dir)

    def pdf_of(key: tuple[str, str]) -> PdfInfo | None:
        return pdfs.get(key) or manifest.pdf_info(*key, output_dir)

    def page_site(slug: str) -> Site:
        article = articles[slug]
        return replace(
            article,
            audio={key: info for key in article.editions if (info := audio_of(key)) is not None},
            pdfs={key: pdf for key in article.editions if (pdf := pdf_of(key)) is not None},
            feeds=feed_langs,
        )

    def page_of(edition: Edition) -> None:
        """An article page states its narration's duration and size and its PDF's pages and
        size, so it follows its MP3 and its PDF."""
        if "html" in options.formats:
            key = (edition.slug, edition.lang)
            job = planner.html(edition, audio_of(key), pdf_of(key), edition.lang in feed_langs)
            submit(job, page_site(edition.slug))

    def feed_of(lang: str) -> None:
        """A language's feed follows all its narrations: it states their sizes and durations."""
        known = {key: info for key in site.editions if key[1] == lang and (info := audio_of(key))}
        if known:
            feed_site = Site(
                site.settings,
                {key: site.editions[key] for key in known},
                audio=known,
            )
            submit(planner.feed(lang, known), feed_site)

    # Longest jobs first: narrations, then PDFs (they only link the MP3, whose path is known
    # in advance), then the shared pages; article pages follow their narration and PDF, feeds
    # their language's narrations.
    planned_audio: dict[tuple[str, str], AudioInfo] = {}
    for edition in selected:
        if "mp3" in options.formats:
            job = planner.mp3(edition)
            planned_audio[(edition.slug, edition.lang)] = AudioInfo(0.0, 0, *job.outputs[:3])
            submit(job, articles[edition.slug])
    planned_pdf: dict[tuple[str, str], PdfInfo] = {}
    for edition in selected:
        if "pdf" in options.formats:
            key = (edition.slug, edition.lang)
            info = planned_audio.get(key) or manifest.audio_info(*key, output_dir)
            pdf_site = replace(articles[edition.slug], audio={key: info} if info else {})
            job = planner.pdf(edition, info)
            planned_pdf[key] = PdfInfo(0, 0, job.outputs[0])
            submit(job, pdf_site)
    # What exists once this build is done, for the links of the pages (never a dead one).
    listed_audio = {
        key: info for key in site.editions if (info := planned_audio.get(key) or audio_of(key))
    }
    listed_pdfs = {
        key: pdf for key in site.editions if (pdf := planned_pdf.get(key) or pdf_of(key))
    }
    has_audio, has_pdf = set(listed_audio), set(listed_pdfs)
    planned_feeds = {
        lang
        for lang in options.languages
        if "feed" in options.formats and any(key[1] == lang for key in has_audio)
    }
    feed_langs = frozenset(
        lang
        for lang in site.languages
        if lang in planned_feeds or manifest.has(feed_path(lang), output_dir)
    )
    if "html" in options.formats:
        listed = replace(site, audio=listed_audio, pdfs=listed_pdfs, feeds=feed_langs)
        submit(planner.site_pages(has_pdf, has_audio, feed_langs), listed)
    running = {(job.kind, job.slug, job.lang) for job in pending.values()}
    waiting: dict[tuple[str, str], tuple[Edition, set[str]]] = {}
    for edition in selected:
        after = {kind for kind in ("mp3", "pdf") if (kind, edition.slug, edition.lang) in running}
        if after:
            waiting[(edition.slug, edition.lang)] = (edition, after)
        else:
            page_of(edition)
    narrating: dict[str, set[str]] = {}
    for lang in sorted(planned_feeds):
        narrating[lang] = {slug for kind, slug, code in running if kind == "mp3" and code == lang}
        if not narrating[lang]:
            feed_of(lang)

    failure: PolyeditionError | None = None
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            job = pending.pop(future)
            if future.cancelled():
                continue
            try:
                result = future.result()
            except PolyeditionError as error:
                failure = failure or error
                logger.error("%s failed: %s", job.name, error)
                continue
            manifest.record(result)
            results.append(result)
            notify("done", result, True)
            if job.kind == "mp3":
                audio[(job.slug, job.lang)] = AudioInfo(
                    result.info["duration"], result.sizes[0], *job.outputs[:3]
                )
                slugs = narrating.get(job.lang)
                if slugs is not None and job.slug in slugs:
                    slugs.discard(job.slug)
                    if not slugs and failure is None:
                        feed_of(job.lang)
            if job.kind == "pdf":
                pdfs[(job.slug, job.lang)] = PdfInfo(
                    int(result.info["pages"]), result.sizes[0], job.outputs[0]
                )
            follower = waiting.get((job.slug, job.lang))
            if follower is not None and job.kind in follower[1]:
                follower[1].discard(job.kind)
                if not follower[1]:
                    del waiting[(job.slug, job.lang)]
                    if failure is None:
                        page_of(follower[0])
        if failure is not None:
            for future in pending:
                future.cancel()
    if failure is not None:
        raise failure
    return BuildReport(
        editions=tuple(selected),
        results=tuple(results),
        skipped=tuple(skipped),
        problems=(),
        seconds=0.0,
        audio=audio,
    )
