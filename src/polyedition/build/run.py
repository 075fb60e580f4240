"""The run: lock the project, plan, skip fresh jobs, run the rest, record the manifest."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from polyedition.build.clean import clean_output, prune_cache
from polyedition.build.executors import default_executor
from polyedition.build.jobs import FORMATS, Job, JobFailure, JobResult, run_job, write_outputs
from polyedition.build.lock import build_lock
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.build.plan import Planner
from polyedition.cache import CacheUsage
from polyedition.catalogs import (
    compile_catalogs,
    verify_ui_template,
)
from polyedition.config import Settings
from polyedition.errors import BuildError, PolyeditionError
from polyedition.fsutil import files_below
from polyedition.languages import profile
from polyedition.model import Edition
from polyedition.site import (
    AudioInfo,
    PdfInfo,
    Site,
    feed_path,
    load_site,
)

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
    warm: bool = True
    """Run the jobs on the warm workers a build left (``build.warm``), and leave them after."""


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
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the requested editions and formats; see the module docstring."""
    started = time.perf_counter()
    started_at = time.time()
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise BuildError(f"unknown format {fmt!r}", hint=f"formats: {', '.join(FORMATS)}")
    settings = settings.with_narration_resolved()
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
        selected = [e for e in site.editions.values() if e.lang in options.languages]
        if "mp3" in options.formats:
            _warn_long_narrations(selected, settings.narration_warn_words)
        with contextlib.ExitStack() as stack:
            pool = executor or stack.enter_context(_executor(options, settings))
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
                manifest.save()
        cache = prune_cache(settings, manifest, started_at)
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


@contextlib.contextmanager
def _executor(options: BuildOptions, settings: Settings) -> Iterator[Executor]:
    """The build's own pool: a Dask cluster's with ``scheduler``, else local processes."""
    if options.scheduler:
        from polyedition.build.cluster import cluster_executor

        with cluster_executor(options.scheduler, settings) as cluster:
            yield cluster
        return
    from polyedition.build import warm

    minutes = warm.idle_minutes(settings) if options.warm and options.jobs > 1 else 0.0
    address = warm.host_address() if minutes > 0 else None
    pool: Executor
    if address is not None and address.exists():
        pool = warm.WarmExecutor(address, options.jobs, lambda: default_executor(options.jobs))
    else:
        pool = default_executor(options.jobs)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(pool, warm.WarmExecutor):
            logger.debug("%d job(s) ran on the warm workers at %s", pool.ran, address)
        if address is not None and (not address.exists() or getattr(pool, "gone", False)):
            warm.start_host(address, minutes)  # after the build: it warms up meanwhile


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
    """Jobs sent off before a failure made what they show untrue; their results are dropped."""
    pending: dict[Future[JobResult], Job] = {}
    audio: dict[tuple[str, str], AudioInfo] = {}
    pdfs: dict[tuple[str, str], PdfInfo] = {}
    failed: set[tuple[str, str, str]] = set()
    """(kind, slug, lang) of the edition jobs that failed in this build."""
    front_pages: Job | None = None
    """The job of the chooser and the front pages, as last planned."""

    def submit(job: Job, job_site: Site) -> Job | None:
        """Run ``job`` unless its outputs are fresh; the job when it was sent to the pool."""
        notify("planned", job, False)
        if manifest.fresh(job, output_dir):
            skipped.append(job)
            notify("done", job, False)
            return None
        pending[pool.submit(run_job, job, job_site)] = job
        return job

    # A job about one article gets that article's editions only: sending every job the whole
    # site would make a build's cost grow with the square of the corpus.
    grouped: dict[str, dict[tuple[str, str], Edition]] = {}
    for key, edition in site.editions.items():
        grouped.setdefault(key[0], {})[key] = edition
    articles = {slug: Site(site.settings, editions) for slug, editions in grouped.items()}

    def audio_of(key: tuple[str, str]) -> AudioInfo | None:
        return audio.get(key) or manifest.audio_info(*key, output_dir)

    def pdf_info_of(key: tuple[str, str]) -> PdfInfo | None:
        return pdfs.get(key) or manifest.pdf_info(*key, output_dir)

    def page_site(slug: str) -> Site:
        article = articles[slug]
        return replace(
            article,
            audio={key: info for key in article.editions if (info := audio_of(key)) is not None},
            pdfs={key: pdf for key in article.editions if (pdf := pdf_info_of(key)) is not None},
            feeds=feed_langs,
        )

    def page_of(edition: Edition) -> None:
        """An article page states its narration's duration and size and its PDF's pages and
        size, so it follows its MP3 and its PDF (and links neither if it failed and never
        existed)."""
        if "html" in options.formats:
            key = (edition.slug, edition.lang)
            job = planner.html(edition, audio_of(key), pdf_info_of(key), edition.lang in feed_langs)
            submit(job, page_site(edition.slug))

    def feed_of(lang: str) -> None:
        """A language's feed follows all its narrations: it states their sizes and durations."""
        known = {key: info for key in site.editions if key[1] == lang and (info := audio_of(key))}
        if known:
            feed_site = Site(site.settings, {key: site.editions[key] for key in known}, audio=known)
            submit(planner.feed(lang, known), feed_site)

    def pdf_of(edition: Edition, info: AudioInfo | None) -> Job | None:
        key = (edition.slug, edition.lang)
        pdf_site = replace(articles[edition.slug], audio={key: info} if info else {})
        return submit(planner.pdf(edition, info), pdf_site)

    def listed() -> tuple[dict[tuple[str, str], AudioInfo], dict[tuple[str, str], PdfInfo]]:
        """What exists once this build is done, for the links of the pages (never a dead one):
        what this build makes (unless it failed) or what an earlier build made."""
        listed_audio: dict[tuple[str, str], AudioInfo] = {}
        listed_pdfs: dict[tuple[str, str], PdfInfo] = {}
        for key in site.editions:
            made = None if ("mp3", *key) in failed else planned_audio.get(key)
            if (info := made or audio_of(key)) is not None:
                listed_audio[key] = info
            printed = None if ("pdf", *key) in failed else planned_pdf.get(key)
            if (pdf := printed or pdf_info_of(key)) is not None:
                listed_pdfs[key] = pdf
        return listed_audio, listed_pdfs

    def site_pages() -> tuple[Job, Site]:
        """The chooser, edition front pages and assets, listing each article's formats."""
        listed_audio, listed_pdfs = listed()
        shown = replace(site, audio=listed_audio, pdfs=listed_pdfs, feeds=feed_langs)
        return planner.site_pages(set(listed_pdfs), set(listed_audio), feed_langs), shown

    def follow(job: Job) -> None:
        """Start what waited for ``job`` (done or failed): the page, the EPUB, the feed."""
        key = (job.slug, job.lang)
        follower = waiting.get(key)
        if follower is not None and job.kind in follower[1]:
            follower[1].discard(job.kind)
            if not follower[1]:
                del waiting[key]
                page_of(follower[0])
        if job.kind == "mp3" and key in epubs_waiting:
            epub_of(epubs_waiting.pop(key))
        if job.kind == "mp3":
            slugs = narrating.get(job.lang)
            if slugs is not None and job.slug in slugs:
                slugs.discard(job.slug)
                if not slugs:
                    feed_of(job.lang)

    def withdraw(job: Job) -> None:
        """A failed output that never existed is linked by nothing: what was sent off linking
        it (a PDF linking its MP3, the front pages listing formats) is made again without."""
        nonlocal front_pages
        key = (job.slug, job.lang)
        failed.add((job.kind, *key))
        if job.kind == "mp3" and manifest.audio_info(*key, output_dir) is None:
            linked = pdf_jobs.get(key)
            if linked is not None:
                superseded.add(linked)
                pdf_of(site.edition(*key), None)
        if job.kind in {"mp3", "pdf"} and front_pages is not None:
            relisted, shown = site_pages()
            if relisted.key != front_pages.key:
                superseded.add(front_pages)
                front_pages = relisted
                submit(relisted, shown)

    def epub_of(edition: Edition) -> None:
        """An EPUB holds its narration (MP3 and cue times), so it follows its MP3 too."""
        if "epub" in options.formats:
            key = (edition.slug, edition.lang)
            info = audio.get(key) or manifest.audio_info(*key, output_dir)
            narration = manifest.outputs.get(str(info.mp3), {}).get("key") if info else None
            epub_site = replace(articles[edition.slug], audio={key: info} if info else {})
            job = planner.epub(edition, info, narration)
            if info is not None and not manifest.fresh(job, output_dir):
                job = replace(job, inputs=_read_outputs(output_dir, info.mp3, info.captions))
            submit(job, epub_site)

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
    pdf_jobs: dict[tuple[str, str], Job] = {}
    for edition in selected:
        if "pdf" in options.formats:
            key = (edition.slug, edition.lang)
            info = planned_audio.get(key) or manifest.audio_info(*key, output_dir)
            planned_pdf[key] = PdfInfo(0, 0, planner.pdf(edition, info).outputs[0])
            sent = pdf_of(edition, info)
            if sent is not None and key in planned_audio:
                pdf_jobs[key] = sent
    planned_feeds = {
        lang
        for lang in options.languages
        if "feed" in options.formats and any(key[1] == lang for key in listed()[0])
    }
    feed_langs = frozenset(
        lang
        for lang in site.languages
        if lang in planned_feeds or manifest.has(feed_path(lang), output_dir)
    )
    for lang in sorted(planned_feeds):  # the covers need no narration: they start now
        first = next(key for key in site.editions if key[1] == lang)
        cover_site = Site(site.settings, {first: site.editions[first]})
        submit(planner.cover(lang, site.editions[first].article.meta.publisher), cover_site)
    if "html" in options.formats:
        front_pages, shown = site_pages()
        submit(front_pages, shown)
    running = {(job.kind, job.slug, job.lang) for job in pending.values()}
    waiting: dict[tuple[str, str], tuple[Edition, set[str]]] = {}
    for edition in selected:
        after = {kind for kind in ("mp3", "pdf") if (kind, edition.slug, edition.lang) in running}
        if after:
            waiting[(edition.slug, edition.lang)] = (edition, after)
        else:
            page_of(edition)
    epubs_waiting: dict[tuple[str, str], Edition] = {}
    for edition in selected:
        if ("mp3", edition.slug, edition.lang) in running:
            epubs_waiting[(edition.slug, edition.lang)] = edition
        else:
            epub_of(edition)
    narrating: dict[str, set[str]] = {}
    for lang in sorted(planned_feeds):
        narrating[lang] = {slug for kind, slug, code in running if kind == "mp3" and code == lang}
        if not narrating[lang]:
            feed_of(lang)

    first_failure: BaseException | None = None
    while pending:
        done, _ = wait(list(pending), timeout=1.0, return_when=FIRST_COMPLETED)
        if not done and getattr(pool, "lost", False):
            # The pool's machines are gone (a Dask scheduler that went away): its jobs will
            # never finish. What finished is written; the caller reports the loss.
            for future, job in pending.items():
                future.cancel()
                failures.append(JobFailure(job, "not run: the cluster went away"))
            pending.clear()
        for future in done:
            job = pending.pop(future)
            if future.cancelled():
                continue
            try:
                result = future.result()
                if job not in superseded:
                    result = write_outputs(result, output_dir, site.settings.cache_dir)
            except Exception as error:
                first_failure = first_failure or error
                failures.append(JobFailure(job, _one_line(error)))
                logger.error("%s failed: %s", job.name, failures[-1].message)
                logger.debug("%s failed", job.name, exc_info=error)
                notify("failed", job, True)
                if job not in superseded:
                    withdraw(job)
                    follow(job)
                continue
            if job in superseded:
                continue
            manifest.record(result)
            results.append(result)
            notify("done", result, True)
            if job.kind == "mp3":
                audio[(job.slug, job.lang)] = AudioInfo(
                    result.info["duration"], result.sizes[0], *job.outputs[:3]
                )
            if job.kind == "pdf":
                pdfs[(job.slug, job.lang)] = PdfInfo(
                    int(result.info["pages"]), result.sizes[0], job.outputs[0]
                )
            follow(job)
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


def _read_outputs(output_dir: Path, *paths: PurePosixPath) -> dict[PurePosixPath, bytes]:
    """Files an earlier job wrote, for a job that reads them."""
    try:
        return {path: (output_dir / path).read_bytes() for path in paths}
    except OSError as exc:
        raise BuildError(
            f"cannot read {exc.filename}: {exc.strerror}",
            hint="build the narration again (--format mp3)",
        ) from exc


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


def _one_line(error: BaseException) -> str:
    """A failure as the summary shows it: an expected error's message, or what went wrong."""
    if isinstance(error, PolyeditionError):
        return f"{error.category}: {error}"
    if isinstance(error, OSError) and error.filename:
        return f"build: {error.filename}: {error.strerror or error}"
    if isinstance(error, BrokenProcessPool):
        return "the worker process running it died (out of memory or killed)"
    first = str(error).strip().splitlines()
    detail = f": {first[0]}" if first else ""
    return f"internal error ({type(error).__name__}{detail}); run with --debug for the traceback"
