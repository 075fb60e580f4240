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

    def epub_of(edition: Edition) -> None:
        """An EPUB holds its narration (MP3 and cue times), so it follows its MP3 too."""
        if "epub" in options.formats:
            key = (edition.slug, edition.lang)
            info = audio.get(key) or manifest.audio_info(*key, output_dir)
            narration = manifest.outputs.get(str(info.mp3), {}).get("key") if info else None
            epub_site = replace(articles[edition.slug], audio={key: info} if info else {})
            submit(planner.epub(edition, info, narration), epub_site)

    # Longest jobs first: narrations, then PDFs (they only link the MP3, whose path is known
    # in advance), then the shared pages; article pages follow their narration.
    planned_audio: dict[tuple[str, str], AudioInfo] = {}
    for edition in selected:
        if "mp3" in options.formats:
            job = planner.mp3(edition)
            planned_audio[(edition.slug, edition.lang)] = AudioInfo(0.0, 0, *job.outputs)
            submit(job, articles[edition.slug])
    for edition in selected:
        if "pdf" in options.formats:
            key = (edition.slug, edition.lang)
            info = planned_audio.get(key) or manifest.audio_info(*key, output_dir)
            pdf_site = replace(articles[edition.slug], audio={key: info} if info else {})
            submit(planner.pdf(edition, info), pdf_site)
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
            epub_of(edition)

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
                    result.info["duration"], result.sizes[0], *job.outputs
                )
                follower = waiting.pop((job.slug, job.lang), None)
                if follower is not None and failure is None:
                    page_of(follower)
                    epub_of(follower)
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
