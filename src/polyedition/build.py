"""The build: plan (article × language × format) jobs, skip fresh ones, run the rest in parallel.

Each job's key hashes exactly what its outputs depend on; ``.cache/build-manifest.json`` records
the key of every file in ``output/``. A job whose outputs all carry its current key (and still
have their recorded size) does not run, so an unchanged output is never rewritten. Jobs run
through a ``concurrent.futures.Executor``; narration runs first, because an article page shows
the duration and size of its MP3.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import resource
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path, PurePosixPath
from typing import Any

from polyedition.catalogs import (
    UI_DOMAIN,
    compile_catalogs,
    load_articles,
    load_catalog,
    po_path,
    verify_ui_template,
)
from polyedition.config import Settings
from polyedition.errors import BuildError, PolyeditionError
from polyedition.fingerprint import (
    code_digest,
    digest,
    edition_digest,
    files_digest,
    library_versions,
    tree_digest,
)
from polyedition.fsutil import write_bytes_atomic, write_if_changed
from polyedition.localize import localize
from polyedition.model import Article, Edition
from polyedition.site import (
    AudioInfo,
    Site,
    chapters_path,
    html_path,
    mp3_path,
    pdf_path,
    vtt_path,
)

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "mp3")
"""Output formats of an edition, in the order a reader meets them."""
SITE = "site"
"""The job kind for pages and assets shared by all editions (chooser, edition indexes, CSS/JS)."""
MANIFEST = "build-manifest.json"
LOCK = "build.lock"
MANIFEST_VERSION = 1


def load_editions(settings: Settings, languages: Iterable[str]) -> list[Edition]:
    """Localize every article into every requested language, in (article, language) order."""
    articles: list[Article] = load_articles(settings)
    langs = list(languages)
    catalogs = {
        lang: {a.slug: load_catalog(settings, lang, a.slug) for a in articles} for lang in langs
    }
    return [
        localize(article, catalogs[lang][article.slug], lang, settings.source_language)
        for article in articles
        for lang in langs
    ]


def load_site(settings: Settings) -> Site:
    """Every edition of every article in every configured language."""
    editions = load_editions(settings, settings.languages)
    return Site(settings, {(e.slug, e.lang): e for e in editions})


# --------------------------------------------------------------------------- jobs


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


class SerialExecutor(Executor):
    """Runs each job at submit time in this process: ``--jobs 1`` and debugging."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def default_executor(jobs: int) -> Executor:
    """One process per core; ``forkserver`` so workers start clean and import only what they use."""
    if jobs <= 1:
        return SerialExecutor()
    context = get_context("forkserver")
    context.set_forkserver_preload(["polyedition.build"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


# --------------------------------------------------------------------------- planning


class Planner:
    """Computes the jobs of a build and their keys from the site and the project's files."""

    def __init__(self, site: Site) -> None:
        self.site = site
        settings = site.settings
        self.settings = settings
        self.templates = tree_digest(settings.templates_dir)
        self.narration_templates = tree_digest(settings.templates_dir / "narration")
        self.ui = {
            lang: files_digest([po_path(settings, lang, UI_DOMAIN)], settings.locales_dir)
            for lang in settings.languages
        }
        self.editions = {key: edition_digest(edition) for key, edition in site.editions.items()}
        self.common = digest(
            code_digest(), settings.base_url, settings.languages, settings.source_language
        )

    def siblings(self, slug: str) -> str:
        """What a page shows of the other editions: their languages, titles and completeness."""
        return digest(
            [
                [e.lang, e.title.text, e.description.text, round(e.stats.percent, 1)]
                for e in self.site.translations_of(slug)
            ]
        )

    def mp3(self, edition: Edition) -> Job:
        lang, source = edition.lang, self.settings.source_language
        lexicons = files_digest(
            [
                *self.settings.locales_dir.glob(f"{lang}/lexicon*"),
                *self.settings.locales_dir.glob(f"{source}/lexicon*"),
                *self.settings.locales_dir.glob(f"{lang}/speech*"),
                *self.settings.locales_dir.glob(f"{source}/speech*"),
            ],
            self.settings.locales_dir,
        )
        key = digest(
            "mp3",
            self.common,
            self.editions[(edition.slug, lang)],
            self.settings.narration_for(lang),
            self.settings.narration_for(source),
            self.ui[lang],
            self.narration_templates,
            lexicons,
            library_versions(
                "espeakng-loader", "lameenc", "mutagen", "gTTS", "miniaudio", "num2words"
            ),
        )
        outputs = (
            mp3_path(lang, edition.slug),
            vtt_path(lang, edition.slug),
            chapters_path(lang, edition.slug),
        )
        return Job("mp3", edition.slug, lang, key, outputs)

    def html(self, edition: Edition, audio: AudioInfo | None) -> Job:
        key = digest(
            "html",
            self.common,
            self.editions[(edition.slug, edition.lang)],
            self.siblings(edition.slug),
            self.templates,
            self.ui[edition.lang],
            audio,
        )
        return Job(
            "html", edition.slug, edition.lang, key, (html_path(edition.lang, edition.slug),)
        )

    def pdf(self, edition: Edition, audio: AudioInfo | None) -> Job:
        key = digest(
            "pdf",
            self.common,
            self.editions[(edition.slug, edition.lang)],
            self.siblings(edition.slug),
            self.templates,
            self.ui[edition.lang],
            audio is not None,  # the closing note links the MP3 when there is one
            library_versions("weasyprint", "pikepdf", "fonttools", "pydyf"),
        )
        return Job("pdf", edition.slug, edition.lang, key, (pdf_path(edition.lang, edition.slug),))

    def site_pages(self) -> Job:
        from polyedition.render.html import site_assets

        assets = site_assets(self.settings)
        outputs = (
            PurePosixPath("index.html"),
            *(PurePosixPath(lang, "index.html") for lang in self.settings.languages),
            *sorted(assets),
        )
        key = digest(
            SITE,
            self.common,
            [self.siblings(slug) for slug in self.site.slugs],
            self.templates,
            self.ui,
        )
        return Job(SITE, "", "", key, outputs)


# --------------------------------------------------------------------------- manifest


class Manifest:
    """What ``output/`` holds: for each file the key of the job that wrote it, and its size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.outputs: dict[str, dict[str, Any]] = {}
        self.audio: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == MANIFEST_VERSION:
                self.outputs = dict(data["outputs"])
                self.audio = dict(data["audio"])
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
        for output, size in zip(result.job.outputs, result.sizes, strict=True):
            self.outputs[str(output)] = {
                "key": result.job.key,
                "size": size,
                "job": result.job.name,
            }
        if result.job.kind == "mp3":
            self.audio[f"{result.job.slug}/{result.job.lang}"] = {
                "duration": result.info["duration"],
                "size": result.sizes[0],
            }

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
                logger.info("removing %s: no longer built", name)
                (output_dir / name).unlink(missing_ok=True)
                del self.outputs[name]
        for key in list(self.audio):
            slug, lang = key.split("/")
            if str(mp3_path(lang, slug)) not in self.outputs:
                del self.audio[key]

    def save(self) -> None:
        data = {"version": MANIFEST_VERSION, "outputs": self.outputs, "audio": self.audio}
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
        write_bytes_atomic(self.path, text.encode("utf-8"))


# --------------------------------------------------------------------------- the build


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
