"""The output formats: one plug-in per format, and the registry that lists them.

Each format declares what its jobs are about (``scope``), the parts of the project their key
holds (``inputs``), the libraries their bytes depend on, the outputs of other jobs they need
(``needs``), their output paths, and a ``render`` from a job and its site to bytes. The
planner computes keys and sites from these declarations alone, and the job graph runs any
format the same way: adding one is a class here and a line in ``REGISTRY``.

A need is either waited for (the job starts once the needed jobs are done or failed and sees
their figures: a page states its MP3's duration) or anticipated (the job starts at once and sees
what the needed jobs will make: a PDF links its MP3, whose path is known in advance; if that job
fails and no earlier output exists, the job is planned again without it).
"""

from __future__ import annotations

import enum
import os
import resource
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from polyedition.build import keys
from polyedition.build.heap import give_back_freed_memory
from polyedition.build.jobs import Content, Job, JobResult, Spliced, read_input, size_of
from polyedition.errors import BuildError
from polyedition.fingerprint import (
    AUDIO_LIBRARIES,
    COVER_LIBRARIES,
    EPUB_LIBRARIES,
    FEED_LIBRARIES,
    PDF_LIBRARIES,
    TEXT_LIBRARIES,
)
from polyedition.model import Edition
from polyedition.site import (
    AudioInfo,
    PdfInfo,
    Site,
    chapters_json_path,
    chapters_path,
    cover_path,
    epub_path,
    feed_path,
    html_path,
    mp3_path,
    pdf_path,
    vtt_path,
)

if TYPE_CHECKING:
    from polyedition.build.manifest import Manifest
    from polyedition.config import Settings

Id = tuple[str, ...]
"""What a job is about within its format: ``(slug, lang)``, ``("", lang)`` or ``("", "")``, or
``(slug, lang, part)`` for a part of an edition (a narration's chapter)."""


class Scope(enum.Enum):
    """What one job of a format is about."""

    EDITION = "edition"
    """One article in one language."""
    LANGUAGE = "language"
    """One language (its feed, its cover)."""
    SITE = "site"
    """The whole publication (the chooser, the front pages, the assets)."""
    CHAPTER = "chapter"
    """One chapter of an edition's narration."""


@dataclass(frozen=True, slots=True)
class Need:
    """The outputs of another format's jobs that a format's jobs depend on.

    Which of that format's jobs: those about the same article and language as the job, as far
    as both name them (a page needs its own edition's MP3, a feed every MP3 of its language,
    the front pages every MP3).
    """

    format: str
    wait: bool = True
    """True: start once those jobs are done or failed, and see their figures (what they made,
    else what an earlier build made). False: start at once and see only whether each output will
    exist; the job is planned again if one of those jobs fails."""
    reads: tuple[int, ...] = ()
    """Positions of the needed job's outputs whose bytes the job reads (sent with the job, so a
    worker needs no ``output/``); the key then holds the key those files were made under."""
    provisional: bool = False
    """With ``wait``, in a preview (``BuildOptions.preview``), when an earlier build made the
    needed outputs: start at once with their figures as that build recorded them, and be
    planned again once the needed jobs are settled (and run again if what it shows changed).
    The job's file appears as soon as its own job ends, and ends up as if it had waited."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a job's render returns: each output's bytes, figures about them (a narration's
    duration, a PDF's pages), and the speech cache entries they were made from."""

    files: Mapping[PurePosixPath, Content]
    info: Mapping[str, float] = field(default_factory=dict)
    cache_entries: tuple[str, ...] = ()
    record: Mapping[str, Any] = field(default_factory=dict)
    """What the jobs that wait for it need besides its files (see ``JobResult.record``)."""


class Selection(Protocol):
    """What a format chooses its jobs from: the build's editions and languages, and what
    other formats will make (see ``Format.targets``)."""

    site: Site
    selected: tuple[Edition, ...]
    languages: tuple[str, ...]

    def targets(self, name: str) -> tuple[Id, ...]: ...

    def exists(self, name: str, ident: Id) -> bool: ...

    def chapters(self, slug: str, lang: str) -> tuple[str, ...]:
        """The chapters of the edition's narration."""
        ...


class Format:
    """An output format: its declarations and its render. Subclasses set the class variables."""

    name: ClassVar[str]
    scope: ClassVar[Scope] = Scope.EDITION
    inputs: ClassVar[tuple[keys.Input, ...]] = ()
    """The parts of the project its outputs depend on (besides the code and the settings every
    output depends on)."""
    libraries: ClassVar[tuple[str, ...]] = TEXT_LIBRARIES
    """The libraries whose versions its bytes depend on."""
    needs: ClassVar[tuple[Need, ...]] = ()
    option: ClassVar[str | None] = None
    """The ``--format`` that builds it, when that is another format's (the cover comes with
    the feed); None for a format of its own."""
    cost: ClassVar[int] = 0
    """Jobs of costlier formats start first: a build lasts at least as long as its longest job."""

    @property
    def selected_by(self) -> str:
        return self.option or self.name

    def targets(self, selection: Selection) -> tuple[Id, ...]:
        """What this build makes of the format: each selected edition, language, or the site."""
        if self.scope is Scope.EDITION:
            return tuple((edition.slug, edition.lang) for edition in selection.selected)
        if self.scope is Scope.LANGUAGE:
            return tuple(("", lang) for lang in sorted(selection.languages))
        return (("", ""),)

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        raise NotImplementedError

    def key_parts(self, sources: keys.Sources, ident: Id) -> list[object]:
        """What its ``inputs`` are for the job about ``ident``."""
        slug, lang = ident[:2]
        return [part(sources, slug, lang) for part in self.inputs]

    def render(self, job: Job, site: Site) -> Rendered:
        """The job's outputs as bytes; runs in a worker and writes nothing."""
        raise NotImplementedError

    def fresh(self, job: Job, manifest: Manifest, settings: Settings) -> bool:
        """Whether what the job would make is there already, made under its key."""
        return manifest.fresh(job, settings.output_dir)

    # What the jobs that need this format see of one of its jobs ------------------------------

    def outcome(self, job: Job, result: JobResult) -> object:
        """What a job that waited for this one sees of what it made."""
        return True

    def remember(self, result: JobResult, manifest: Manifest) -> None:
        """Record in the manifest what ``recorded`` will tell a later build."""

    def anticipated(self, ident: Id, settings: Settings) -> object:
        """What a job that does not wait sees of one this build makes (before it is made)."""
        return True

    outlives_failure: ClassVar[bool] = True
    """Whether a job that waited for a failed one sees what an earlier build made (a page
    links the PDF it had); False when that would mix old and new (a narration's chapters)."""

    def recorded(self, ident: Id, manifest: Manifest, settings: Settings) -> object | None:
        """What an earlier build made, as ``outcome`` tells it; None when it is not there."""
        outputs = self.outputs(ident, settings)
        return True if all(manifest.has(path, settings.output_dir) for path in outputs) else None

    def publish(self, site: Site, outcomes: Mapping[Id, object]) -> Site:
        """The site a needing job renders with, given the outcomes it sees of this format."""
        return site


# --------------------------------------------------------------------------- the formats


class NarrationChapter(Format):
    """One chapter of an edition's narration: spoken, paced and encoded into the speech cache
    (or found there). It writes no file: what it made (where its frames are, where its sentences
    are heard) is its record, which the MP3 job joins and the manifest keeps, so that an
    unchanged chapter does not run."""

    name = "chapter"
    scope = Scope.CHAPTER
    inputs = (keys.narration, keys.lexicons, keys.piper_voices)
    libraries = (*AUDIO_LIBRARIES, *TEXT_LIBRARIES)
    option = "mp3"
    cost = 3
    outlives_failure = False

    def targets(self, selection: Selection) -> tuple[Id, ...]:
        return tuple(
            (edition.slug, edition.lang, chapter)
            for edition in selection.selected
            for chapter in selection.chapters(edition.slug, edition.lang)
        )

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        return ()

    def key_parts(self, sources: keys.Sources, ident: Id) -> list[object]:
        slug, lang, part = ident
        return [*super().key_parts(sources, ident), keys.chapter(sources, slug, lang, part)]

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.cache import SpeechCache
        from polyedition.render.audio.narrate import ChapterCounts, narrate_chapter, narration_plan

        cache = SpeechCache.for_settings(site.settings)
        plan = narration_plan(site, site.edition(job.slug, job.lang), cache)
        counts = ChapterCounts()
        made = narrate_chapter(site, plan, plan.chapters.index(job.part), cache, counts=counts)
        return Rendered(
            {},
            {
                "synthesized": counts.speech.synthesized,
                "cached": counts.speech.cached,
                "encoded": counts.encoding.encoded,
            },
            tuple(cache.used_entries()),
            made.as_json(),
        )

    def fresh(self, job: Job, manifest: Manifest, settings: Settings) -> bool:
        recorded = manifest.chapters.get(_chapter_name(job.ident))
        return (
            recorded is not None
            and recorded.get("key") == job.key
            and self.recorded(job.ident, manifest, settings) is not None
        )

    def outcome(self, job: Job, result: JobResult) -> object:
        return result.record

    def remember(self, result: JobResult, manifest: Manifest) -> None:
        manifest.chapters[_chapter_name(result.job.ident)] = {
            "key": result.job.key,
            "record": dict(result.record),
            "cache": list(result.cache_entries),
        }

    def recorded(self, ident: Id, manifest: Manifest, settings: Settings) -> object | None:
        """What the manifest recorded of the chapter, while its frames are in the cache."""
        recorded = manifest.chapters.get(_chapter_name(ident))
        if recorded is None or not isinstance(recorded.get("record"), dict):
            return None
        frames = _frames_entry(settings, str(recorded["record"].get("frames")))
        return recorded["record"] if _keep_entry(settings, frames) else None

    def publish(self, site: Site, outcomes: Mapping[Id, object]) -> Site:
        narrated = {ident: record for ident, record in outcomes.items() if isinstance(record, dict)}
        return replace(site, narrated={**site.narrated, **narrated})


def _chapter_name(ident: Id) -> str:
    return "/".join(ident)


def _frames_entry(settings: Settings, key: str) -> str:
    """Where a chapter's frames are, under the cache folder."""
    from polyedition.cache import SpeechCache

    path = SpeechCache.for_settings(settings).store.path("mp3", key)
    return path.relative_to(settings.cache_dir).as_posix()


def _keep_entry(settings: Settings, entry: str) -> bool:
    """Whether the cache holds the chapter frames ``entry`` (a copy, or a range of an MP3 that
    is still the file it was taken from: nothing is hashed); if so, it counts as used (pruning
    goes by that)."""
    from polyedition.cache import SpeechCache

    path = settings.cache_dir / PurePosixPath(entry)
    if path.parent.parent.name != "mp3":  # a chapter's frames: speech/mp3/<ab>/<key>
        return False
    return SpeechCache(path.parent.parent.parent, settings.output_dir).has_chapter(path.name)


def _ranges_hold(slug: str, lang: str, manifest: Manifest, settings: Settings) -> bool:
    """Whether the edition's MP3 is still the file its chapters' ranges were taken from (by
    its size, modification time and inode: nothing is hashed). A chapter kept as a copy was
    made since (or the MP3 was never spliced from it): the MP3 is spliced again."""
    from polyedition.cache import DamagedEntry, chapter_range

    mp3 = str(mp3_path(lang, slug))
    for name, recorded in manifest.chapters.items():
        if not name.startswith(f"{slug}/{lang}/") or not isinstance(recorded.get("record"), dict):
            continue
        entry = settings.cache_dir / _frames_entry(settings, str(recorded["record"].get("frames")))
        try:
            reference = chapter_range(entry)
        except (OSError, DamagedEntry):
            continue  # its chapter job made it again, or the splice will say what is missing
        if reference is None:
            return False
        if reference.path == mp3 and not reference.holds(settings.output_dir):
            return False
    return True


class Mp3(Format):
    """The narration: the MP3, its captions (one cue per sentence) and its chapters, joined
    from its chapter jobs (it waits for them all). It reads no audio: its MP3 is its ID3 tag,
    then each chapter's frames, which the build copies from the speech cache (a new chapter's)
    or from the MP3 it replaces (an unchanged one's range, checked); the cache then keeps each
    chapter as its range of the new MP3, not a second copy."""

    name = "mp3"
    inputs = (keys.edition, keys.narration, keys.ui, keys.narration_templates)
    libraries = (*AUDIO_LIBRARIES, *TEXT_LIBRARIES)
    needs = (Need("chapter"),)
    cost = 3

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        slug, lang = ident
        return (
            mp3_path(lang, slug),
            vtt_path(lang, slug),
            chapters_path(lang, slug),
            chapters_json_path(lang, slug),
        )

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.narration.script import narration_script
        from polyedition.render.audio.narrate import NarratedChapter, join_chapters

        edition = site.edition(job.slug, job.lang)
        script = narration_script(site, edition)
        chapters = []
        for chapter, _, _ in script.spans:
            record = site.narrated.get((job.slug, job.lang, chapter))
            if record is None:
                raise BuildError(
                    f"the narration's chapter {chapter!r} was not made (see its error)",
                    lang=job.lang,
                )
            chapters.append(NarratedChapter.from_json(record))
        joined = join_chapters(site, edition, script, chapters)
        mp3, captions, chapters_vtt, chapters_json = job.outputs
        frames = tuple(_frames_entry(site.settings, chapter.frames) for chapter in chapters)
        size = len(joined.tag) + sum(chapter.size for chapter in chapters)
        return Rendered(
            {
                mp3: Spliced(joined.tag, frames, size),
                captions: joined.captions_vtt.encode("utf-8"),
                chapters_vtt: joined.chapters_vtt.encode("utf-8"),
                chapters_json: joined.chapters_json.encode("utf-8"),
            },
            {"duration": joined.duration_seconds},
        )

    def fresh(self, job: Job, manifest: Manifest, settings: Settings) -> bool:
        """Made under its key, and its file still the one its chapters' ranges were taken from
        (one written into since is spliced again, from its chapters as they check out)."""
        return super().fresh(job, manifest, settings) and _ranges_hold(
            job.slug, job.lang, manifest, settings
        )

    def outcome(self, job: Job, result: JobResult) -> AudioInfo:
        return AudioInfo(result.info["duration"], result.sizes[0], *job.outputs[:3])

    def remember(self, result: JobResult, manifest: Manifest) -> None:
        manifest.audio[f"{result.job.slug}/{result.job.lang}"] = {
            "duration": result.info["duration"],
            "size": result.sizes[0],
            "cache": list(result.cache_entries),  # its chapters' entries are theirs
        }

    def anticipated(self, ident: Id, settings: Settings) -> AudioInfo:
        return AudioInfo(0.0, 0, *self.outputs(ident, settings)[:3])

    def recorded(self, ident: Id, manifest: Manifest, settings: Settings) -> AudioInfo | None:
        slug, lang = ident
        return manifest.audio_info(slug, lang, settings.output_dir)

    def publish(self, site: Site, outcomes: Mapping[Id, object]) -> Site:
        audio = {
            (key[0], key[1]): info for key, info in outcomes.items() if isinstance(info, AudioInfo)
        }
        return replace(site, audio=audio)


class Pdf(Format):
    """The tagged PDF/UA; its closing note links the narration when there is one."""

    name = "pdf"
    inputs = (keys.edition, keys.siblings, keys.templates, keys.ui)
    libraries = (*TEXT_LIBRARIES, *PDF_LIBRARIES)
    needs = (Need("mp3", wait=False),)
    cost = 2

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        slug, lang = ident
        return (pdf_path(lang, slug),)

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.render.pdf.document import page_count, render_pdf

        pdf = render_pdf(site, site.edition(job.slug, job.lang))
        return Rendered({job.outputs[0]: pdf}, {"pages": page_count(pdf)})

    def outcome(self, job: Job, result: JobResult) -> PdfInfo:
        return PdfInfo(int(result.info["pages"]), result.sizes[0], job.outputs[0])

    def remember(self, result: JobResult, manifest: Manifest) -> None:
        manifest.pdf[f"{result.job.slug}/{result.job.lang}"] = {
            "pages": result.info["pages"],
            "size": result.sizes[0],
        }

    def anticipated(self, ident: Id, settings: Settings) -> PdfInfo:
        return PdfInfo(0, 0, self.outputs(ident, settings)[0])

    def recorded(self, ident: Id, manifest: Manifest, settings: Settings) -> PdfInfo | None:
        slug, lang = ident
        return manifest.pdf_info(slug, lang, settings.output_dir)

    def publish(self, site: Site, outcomes: Mapping[Id, object]) -> Site:
        pdfs = {
            (key[0], key[1]): info for key, info in outcomes.items() if isinstance(info, PdfInfo)
        }
        return replace(site, pdfs=pdfs)


class Html(Format):
    """The article page: it states its narration's duration and size and its PDF's pages and
    size (so it waits for both; in a preview it starts at once with their earlier figures and
    is made again if they changed), and links its language's feed."""

    name = "html"
    inputs = (keys.edition, keys.siblings, keys.templates, keys.ui)
    needs = (
        Need("mp3", provisional=True),
        Need("pdf", provisional=True),
        Need("feed", wait=False),
    )
    cost = 4
    """First when it can start at once (a preview): the page is what its reader waits for, and
    it takes a tenth of a second, so it delays the longest job by little."""

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        slug, lang = ident
        return (html_path(lang, slug),)

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.render.html import render_article

        page = render_article(site, site.edition(job.slug, job.lang))
        return Rendered({job.outputs[0]: page.encode("utf-8")})


class Epub(Format):
    """The EPUB, which holds its narration (MP3 and cue times): it waits for its MP3 and reads
    the MP3 and the captions."""

    name = "epub"
    inputs = (keys.edition, keys.templates, keys.ui)
    libraries = (*TEXT_LIBRARIES, *EPUB_LIBRARIES)
    needs = (Need("mp3", reads=(0, 1)),)

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        slug, lang = ident
        return (epub_path(lang, slug),)

    def render(self, job: Job, site: Site) -> Rendered:
        """With the narration the mp3 job made, or without one when the edition has none."""
        from polyedition.render.epub import NarrationFiles, render_epub

        audio = site.audio.get((job.slug, job.lang))
        narration = None
        if audio is not None:
            narration = NarrationFiles(
                mp3=job.inputs[audio.mp3],
                captions_vtt=read_input(job.inputs[audio.captions]).decode("utf-8"),
                source=str(audio.captions),
                audio_name=audio.mp3.name,
            )
        epub = render_epub(site, site.edition(job.slug, job.lang), narration)
        return Rendered({job.outputs[0]: epub})


class Feed(Format):
    """A language's podcast feed: it states its narrations' sizes and durations, so it waits
    for every MP3 of its language; a language with no narration has none."""

    name = "feed"
    scope = Scope.LANGUAGE
    inputs = (keys.language_editions, keys.ui)
    libraries = (*TEXT_LIBRARIES, *FEED_LIBRARIES)
    needs = (Need("mp3"),)

    def targets(self, selection: Selection) -> tuple[Id, ...]:
        """The selected languages with a narration (made now or earlier)."""
        return tuple(
            ("", lang)
            for _, lang in super().targets(selection)
            if any(
                selection.exists("mp3", key) for key in selection.site.editions if key[1] == lang
            )
        )

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        return (feed_path(ident[1]),)

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.render.feed import render_feed

        return Rendered({job.outputs[0]: render_feed(site, job.lang)})

    def publish(self, site: Site, outcomes: Mapping[Id, object]) -> Site:
        return replace(site, feeds=frozenset(lang for _, lang in outcomes))


def print_fonts(sources: keys.Sources, slug: str, lang: str) -> object:
    """The fonts the cover draws with."""
    from polyedition.theme.fontfaces import PRINT_FONTS

    return [str(face.path) for face in PRINT_FONTS]


class Cover(Format):
    """A feed's cover: the publication's name and the interface strings it shows, drawn with the
    print fonts; nothing of the episodes (a changed narration does not draw it again)."""

    name = "cover"
    scope = Scope.LANGUAGE
    inputs = (keys.publisher, keys.ui, print_fonts)
    libraries = (*TEXT_LIBRARIES, *COVER_LIBRARIES)
    option = "feed"
    cost = 1

    def targets(self, selection: Selection) -> tuple[Id, ...]:
        return selection.targets("feed")  # the covers need no narration: they start at once

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        return (cover_path(ident[1]),)

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.render.feed import render_cover

        return Rendered({job.outputs[0]: render_cover(site, job.lang)})


class SitePages(Format):
    """The chooser, the edition front pages and the assets. The front pages list each article's
    formats, so they see which MP3s, PDFs and feeds will exist (never a dead link)."""

    name = "site"
    scope = Scope.SITE
    inputs = (keys.every_article, keys.templates, keys.every_ui)
    needs = (Need("pdf", wait=False), Need("mp3", wait=False), Need("feed", wait=False))
    option = "html"
    cost = 1

    def outputs(self, ident: Id, settings: Settings) -> tuple[PurePosixPath, ...]:
        from polyedition.theme.assets import site_assets

        return (
            PurePosixPath("index.html"),
            *(PurePosixPath(lang, "index.html") for lang in settings.languages),
            *sorted(site_assets(settings)),
        )

    def render(self, job: Job, site: Site) -> Rendered:
        from polyedition.render.html import render_chooser, render_edition_index, site_assets

        files: dict[PurePosixPath, bytes] = {
            PurePosixPath("index.html"): render_chooser(site).encode("utf-8")
        }
        for lang in site.languages:
            files[PurePosixPath(lang, "index.html")] = render_edition_index(site, lang).encode()
        files.update(site_assets(site.settings))
        return Rendered(files)


# --------------------------------------------------------------------------- the registry

REGISTRY: tuple[Format, ...] = (
    Html(),
    Pdf(),
    Mp3(),
    NarrationChapter(),
    Epub(),
    Feed(),
    Cover(),
    SitePages(),
)
"""Every format, in the order a reader meets them."""

LIBRARIES = tuple(dict.fromkeys(name for fmt in REGISTRY for name in fmt.libraries))
"""Every library an output's bytes depend on: a worker that has other versions loaded than
the build would make other bytes under the same keys, so it must not take the build's jobs
(the Dask worker check and the preview server's pool use this list)."""
FORMATS = tuple(fmt.name for fmt in REGISTRY if fmt.option is None)
"""The formats a build can be asked for (``--format``)."""
SITE = SitePages.name
"""The job kind for pages and assets shared by all editions (chooser, edition indexes, CSS/JS)."""

_BY_NAME = {fmt.name: fmt for fmt in REGISTRY}


def format_named(name: str) -> Format:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise BuildError(f"unknown job kind {name!r}") from None


def in_order(formats: Iterable[Format]) -> list[Format]:
    """Costliest first, then in registry order."""
    return sorted(formats, key=lambda fmt: -fmt.cost)


def run_job(job: Job, site: Site) -> JobResult:
    """Render one job's outputs into bytes; runs in a worker process and writes nothing.

    The build writes the returned files (so a worker needs no access to ``output/``). The
    job's format renders it; renderers are imported inside each ``render``, so that a process
    only pays for the libraries (WeasyPrint, the speech engines) of the jobs it actually runs.
    """
    started_at = time.time()
    started, cpu_started = time.perf_counter(), time.process_time()
    if (accents := sys.modules.get("polyedition.speech.accent")) is not None:
        # An earlier job's accent models (Russian's: about 125 MB) are let go unless this job
        # is a chapter in the same language (a worker's jobs mostly are: the chapters of an
        # edition are sent one after another), so it never carries them on top of its own peak.
        accents.release(keep=job.lang if job.kind == "chapter" else None)
    # What earlier jobs freed (a PDF's layout, a chapter's audio, models let go) goes back to
    # the system, so that this job's peak does not stack on their high-water mark.
    give_back_freed_memory()
    rendered = format_named(job.kind).render(job, site)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return JobResult(
        job,
        tuple(size_of(rendered.files[path]) for path in job.outputs),
        time.perf_counter() - started,
        0,
        usage.ru_maxrss / 1024,
        os.getpid(),
        rendered.info,
        rendered.files,
        rendered.cache_entries,
        record=rendered.record,
        started_at=started_at,
        cpu_seconds=time.process_time() - cpu_started,
    )
