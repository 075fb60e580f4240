"""The run: lock the project, plan, skip fresh jobs, run the rest, record the manifest."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

from polyedition.build.clean import clean_output, prune_cache
from polyedition.build.executors import LIGHT_PRELOAD, PRELOAD, JobExecutor, default_executor
from polyedition.build.formats import FORMATS
from polyedition.build.graph import JobGraph
from polyedition.build.jobs import Job, JobFailure, JobResult
from polyedition.build.lock import build_lock
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.build.plan import Planner
from polyedition.cache import CacheUsage, SpeechCache
from polyedition.catalogs import (
    compile_catalogs,
    verify_ui_template,
)
from polyedition.config import PYPROJECT, Settings
from polyedition.errors import BuildError
from polyedition.fsutil import files_below
from polyedition.languages import profile
from polyedition.model import Edition
from polyedition.site import AudioInfo, Site, load_site
from polyedition.theme import source_folders

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    languages: tuple[str, ...]
    formats: tuple[str, ...] = FORMATS
    jobs: int = 1
    clean: bool = False
    strict: bool = False
    fail_fast: bool = False
    """Stop at the first failed job (by default every job whose inputs are sound still runs)."""
    scheduler: str | None = None
    """A Dask scheduler's address, or ``local:N``, to run the jobs on (default: local processes)."""
    preview: bool = False
    """For a preview (``serve --watch``): a page whose PDF and MP3 an earlier build made is
    made first, with their earlier figures, and again once they are done if those changed
    (``Need.provisional``); a build makes each file once."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    editions: tuple[Edition, ...]
    results: tuple[JobResult, ...]
    skipped: tuple[Job, ...]
    problems: tuple[str, ...]
    seconds: float
    audio: Mapping[tuple[str, str], AudioInfo]
    failures: tuple[JobFailure, ...] = ()
    cache: CacheUsage | None = None
    """The speech cache after the build (and its pruning)."""
    """Jobs that failed; their earlier outputs (if any) are still in place."""

    @property
    def ran(self) -> int:
        return len(self.results)


Progress = Callable[[str, JobResult | Job, bool], None]
"""Called as ``progress(event, result_or_job, ran)``: ``"planned"`` for each job, ``"done"``
when a job finishes (``ran`` False when it was fresh), ``"failed"`` when it fails."""


def _remove_partial_files(output_dir: Path) -> None:
    """Temporary files left by a killed build (complete outputs are never touched)."""
    for path in files_below(output_dir):
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def build(
    settings: Settings,
    options: BuildOptions,
    *,
    executor: JobExecutor | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the requested editions and formats; see the module docstring."""
    started = time.perf_counter()
    started_at = time.time()
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise BuildError(f"unknown format {fmt!r}", hint=f"formats: {', '.join(FORMATS)}")
    settings = settings.with_narration_resolved()
    with contextlib.ExitStack() as early:
        own: JobExecutor | None = None
        if executor is None and not options.scheduler:
            own = default_executor(options.jobs, start=_start_now(settings, options))
            early.callback(own.shutdown, wait=True, cancel_futures=True)
        with build_lock(settings):
            verify_ui_template(settings)
            compile_catalogs(settings, settings.languages)
            site = load_site(settings)
            output_dir = settings.output_dir
            manifest_path = settings.cache_dir / MANIFEST
            if options.clean:
                clean_output(settings)
            try:
                output_dir.mkdir(parents=True, exist_ok=True)
                _remove_partial_files(output_dir)
            except OSError as exc:
                raise BuildError(
                    f"cannot use the output folder: {exc.strerror or exc}",
                    path=exc.filename or output_dir,
                ) from exc
            manifest = Manifest(manifest_path)
            scripts = SpeechCache.for_settings(settings)  # the narration scripts, kept to plan from
            selected = [e for e in site.editions.values() if e.lang in options.languages]
            if "mp3" in options.formats:
                _warn_long_narrations(selected, settings.narration_warn_words)
            with contextlib.ExitStack() as stack:
                if own is not None:
                    stack.callback(own.shutdown, wait=True, cancel_futures=True)
                pool = executor or own or stack.enter_context(_cluster(options, settings))
                try:
                    report = _run(
                        site, selected, options, manifest, scripts, pool=pool, progress=progress
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
                    manifest.save()
            cache = prune_cache(settings, manifest, started_at, scripts.used_entries())
    withheld = [f for lang in options.languages for f in site.withheld.get(lang, ())]
    problems = [
        f"{finding}; published in {profile(settings.source_language).english_name} instead"
        for finding in withheld
    ]
    problems += [
        f"{e.lang}/{e.slug}: {len(e.fallbacks)} segment(s) fall back to {e.source_lang} "
        f"({e.stats.percent:.1f}% translated)"
        for e in selected
        if e.fallbacks
    ]
    if options.strict:
        from polyedition.qa import run_checks

        problems += [
            str(finding)
            for finding in run_checks(settings, options.languages)
            if finding not in withheld
        ]
    for problem in problems:
        logger.warning(problem)
    return replace(
        report, problems=tuple(problems), seconds=time.perf_counter() - started, cache=cache
    )


def _start_now(settings: Settings, options: BuildOptions) -> tuple[str, ...] | None:
    """What the workers' forkserver imports when it starts as ``build()`` starts: what the
    jobs import (``_warm``), ``polyedition.build`` alone (``_changed_since_last_build``), or
    None: it starts with the first worker."""
    if _warm(settings, options):
        return PRELOAD
    return LIGHT_PRELOAD if _changed_since_last_build(settings) else None


def _warm(settings: Settings, options: BuildOptions) -> bool:
    """Whether the build's workers' forkserver starts at once and imports what the jobs need
    (``build.preload``) while this process loads the site and plans, so that every worker
    starts with them imported: when the build will run most of its jobs (no earlier build's
    manifest, or ``--clean``) and they include PDFs, whose WeasyPrint is the longest import
    on a job's way.

    Otherwise the lighter forkserver imports ``polyedition.build`` alone (see
    ``_changed_since_last_build`` for when it starts), and each worker imports what its jobs
    need. The full imports take about 1.2 s of CPU: more than the command takes to plan
    its first job, so a one-paragraph rebuild's first job would wait for them (1.7 s later under
    load, for a PDF job 1 s shorter), a build with nothing to do would pay for them (+0.2-0.7 s
    of CPU), and so would a first build of pages alone (one language's pages: 2.3-2.5 s instead
    of 1.0-1.3 s; with its PDF, MP3, EPUB and feed too: 3.35-3.5 s instead of 3.6-3.7 s)."""
    cold = options.clean or not (settings.cache_dir / MANIFEST).exists()
    return cold and "pdf" in options.formats


def _changed_since_last_build(settings: Settings) -> bool:
    """Whether ``pyproject.toml`` or a file under a source folder (``source_folders``) is
    newer than the last build's manifest (or there is none): then the build will most likely
    run jobs, and its pool starts its forkserver at once (importing ``polyedition.build``
    alone), on another core while this process loads the site and plans. Started with the
    first worker instead, the forkserver made that job and the planning of the next ones wait
    for its import (0.2 s): a one-paragraph rebuild's PDF job started 0.06 s later. Otherwise
    (most likely nothing to do) it starts with the first worker, and a build with nothing to
    do starts no process. Only when the workers start depends on this, never what is
    rebuilt."""
    try:
        built = (settings.cache_dir / MANIFEST).stat().st_mtime_ns
    except OSError:
        return True
    folders = source_folders(settings)
    files = chain([settings.project_dir / PYPROJECT], *(files_below(f) for f in folders))
    return any(_modified(path) > built for path in files)


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # gone since it was listed
        return 0


@contextlib.contextmanager
def _cluster(options: BuildOptions, settings: Settings) -> Iterator[JobExecutor]:
    """The Dask cluster's executor with ``scheduler`` (the local pool starts earlier)."""
    assert options.scheduler is not None
    from polyedition.build.cluster import cluster_executor

    with cluster_executor(options.scheduler, settings) as cluster:
        yield cluster


def _run(
    site: Site,
    selected: list[Edition],
    options: BuildOptions,
    manifest: Manifest,
    scripts: SpeechCache,
    *,
    pool: JobExecutor,
    progress: Progress | None,
) -> BuildReport:
    """Run the job graph of the selected editions and formats on ``pool``, planned from the
    narration scripts kept in ``scripts``."""
    graph = JobGraph(
        Planner(site, scripts),
        manifest,
        pool,
        selected=tuple(selected),
        languages=options.languages,
        formats=options.formats,
        notify=progress or (lambda event, item, ran: None),
        provisional=options.preview,
    )
    outcome = graph.run(fail_fast=options.fail_fast)
    return BuildReport(
        editions=tuple(selected),
        results=tuple(outcome.results),
        skipped=tuple(outcome.skipped),
        problems=(),
        seconds=0.0,
        audio=outcome.audio,
        failures=tuple(outcome.failures),
    )


WORDS_PER_MINUTE = 145
"""A newsreader's pace, for telling how long a narration will be."""


def _warn_long_narrations(editions: list[Edition], limit: int) -> None:
    """A warning for each edition whose narration will be longer than ``limit`` words: it
    takes long to make, fills the speech cache, and few listeners hear it to the end."""
    for edition in editions:
        words = edition.stats.total_words
        if limit and words > limit:
            logger.warning(
                "%s/%s: %d words, about %.1f hours of narration (more than "
                "narration-warn-words = %d); consider splitting the article",
                edition.lang,
                edition.slug,
                words,
                words / WORDS_PER_MINUTE / 60,
                limit,
            )
