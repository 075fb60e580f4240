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
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from polyedition.build.executors import default_executor
from polyedition.build.jobs import FORMATS, Job, JobFailure, JobResult, run_job, write_outputs
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
    Site,
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
    fail_fast: bool = False
    """Stop at the first failed job (by default every job whose inputs are sound still runs)."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    editions: tuple[Edition, ...]
    results: tuple[JobResult, ...]
    skipped: tuple[Job, ...]
    problems: tuple[str, ...]
    seconds: float
    audio: Mapping[tuple[str, str], AudioInfo]
    failures: tuple[JobFailure, ...] = ()
    """Jobs that failed; their earlier outputs (if any) are still in place."""

    @property
    def ran(self) -> int:
        return len(self.results)


Progress = Callable[[str, JobResult | Job, bool], None]
"""Called as ``progress(event, result_or_job, ran)``: ``"planned"`` for each job, ``"done"``
when a job finishes (``ran`` False when it was fresh), ``"failed"`` when it fails."""


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
            # A failed job's earlier files stay, and so do their manifest entries.
            jobs = [
                *(result.job for result in report.results),
                *report.skipped,
                *(failure.job for failure in report.failures),
            ]
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
    failures: list[JobFailure] = []
    superseded: set[Job] = set()
    pending: dict[Future[JobResult], Job] = {}
    audio: dict[tuple[str, str], AudioInfo] = {}

    def submit(job: Job, job_site: Site) -> Job | None:
        """Run ``job`` unless its outputs are fresh; the job when it was sent to the pool."""
        notify("planned", job, False)
        if manifest.fresh(job, output_dir):
            skipped.append(job)
            notify("done", job, False)
            return None
        pending[pool.submit(run_job, job, job_site)] = job
        return job

    def _narration_failed(job: Job) -> None:
        """Its page still follows (with the previous narration, if there is one). A PDF that
        was sent off linking this narration is rendered again without the link when no
        earlier MP3 exists to keep the link true."""
        key = (job.slug, job.lang)
        follower = waiting.pop(key, None)
        if follower is not None:
            page_of(follower)
        linked = pdfs.get(key)
        if linked is not None and manifest.audio_info(*key, output_dir) is None:
            superseded.add(linked)
            pdf_of(site.edition(*key), None)

    # A job about one article gets that article's editions only: sending every job the whole
    # site would make a build's cost grow with the square of the corpus.
    grouped: dict[str, dict[tuple[str, str], Edition]] = {}
    for key, edition in site.editions.items():
        grouped.setdefault(key[0], {})[key] = edition
    articles = {slug: Site(site.settings, editions) for slug, editions in grouped.items()}

    def site_with_audio(slug: str) -> Site:
        article = articles[slug]
        known = {
            key: info
            for key in article.editions
            if (info := audio.get(key) or manifest.audio_info(*key, output_dir)) is not None
        }
        return replace(article, audio=known)

    def page_of(edition: Edition) -> None:
        """An article page states its narration's duration and size, so it follows its MP3."""
        if "html" in options.formats:
            info = audio.get((edition.slug, edition.lang)) or manifest.audio_info(
                edition.slug, edition.lang, output_dir
            )
            submit(planner.html(edition, info), site_with_audio(edition.slug))

    # Longest jobs first: narrations, then PDFs (they only link the MP3, whose path is known
    # in advance), then the shared pages; article pages follow their narration.
    planned_audio: dict[tuple[str, str], AudioInfo] = {}
    for edition in selected:
        if "mp3" in options.formats:
            job = planner.mp3(edition)
            planned_audio[(edition.slug, edition.lang)] = AudioInfo(0.0, 0, *job.outputs)
            submit(job, articles[edition.slug])

    def pdf_of(edition: Edition, info: AudioInfo | None) -> Job | None:
        key = (edition.slug, edition.lang)
        pdf_site = replace(articles[edition.slug], audio={key: info} if info else {})
        return submit(planner.pdf(edition, info), pdf_site)

    pdfs: dict[tuple[str, str], Job] = {}
    for edition in selected:
        if "pdf" in options.formats:
            key = (edition.slug, edition.lang)
            sent = pdf_of(edition, planned_audio.get(key) or manifest.audio_info(*key, output_dir))
            if sent is not None and key in planned_audio:
                pdfs[key] = sent
    if "html" in options.formats:
        submit(planner.site_pages(), site)
    narrating = {(job.slug, job.lang) for job in pending.values() if job.kind == "mp3"}
    waiting: dict[tuple[str, str], Edition] = {}
    for edition in selected:
        key = (edition.slug, edition.lang)
        if key in narrating:
            waiting[key] = edition
        else:
            page_of(edition)

    first_failure: BaseException | None = None
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            job = pending.pop(future)
            if future.cancelled():
                continue
            try:
                result = future.result()
            except Exception as error:
                first_failure = first_failure or error
                failures.append(JobFailure(job, _one_line(error)))
                logger.error("%s failed: %s", job.name, failures[-1].message)
                logger.debug("%s failed", job.name, exc_info=error)
                notify("failed", job, True)
                if job.kind == "mp3":
                    _narration_failed(job)
                continue
            if job in superseded:
                continue  # a PDF that links a narration which failed and never existed
            result = write_outputs(result, output_dir)
            manifest.record(result)
            results.append(result)
            notify("done", result, True)
            if job.kind == "mp3":
                audio[(job.slug, job.lang)] = AudioInfo(
                    result.info["duration"], result.sizes[0], *job.outputs
                )
                follower = waiting.pop((job.slug, job.lang), None)
                if follower is not None:
                    page_of(follower)
        if first_failure is not None and options.fail_fast:
            for future in pending:
                future.cancel()
            raise first_failure
    return BuildReport(
        editions=tuple(selected),
        results=tuple(results),
        skipped=tuple(skipped),
        problems=(),
        seconds=0.0,
        audio=audio,
        failures=tuple(failures),
    )


def _one_line(error: BaseException) -> str:
    """A failure as the summary shows it: an expected error's message, or what went wrong."""
    if isinstance(error, PolyeditionError):
        return f"{error.category}: {error}"
    if isinstance(error, BrokenProcessPool):
        return "the worker process running it died (out of memory or killed)"
    first = str(error).strip().splitlines()
    detail = f": {first[0]}" if first else ""
    return f"internal error ({type(error).__name__}{detail}); run with --debug for the traceback"
