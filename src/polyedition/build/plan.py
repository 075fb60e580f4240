"""Planning: the site's editions, and each job's key from exactly what its outputs depend on."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from pathlib import PurePosixPath

from polyedition.build.jobs import SITE, Job
from polyedition.catalogs import ui_catalog_files
from polyedition.fingerprint import (
    AUDIO_LIBRARIES,
    COVER_LIBRARIES,
    EPUB_LIBRARIES,
    FEED_LIBRARIES,
    PDF_LIBRARIES,
    TEXT_LIBRARIES,
    code_digest,
    digest,
    edition_digest,
    files_digest,
    library_versions,
    tree_digest,
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
from polyedition.theme import template_dirs

logger = logging.getLogger(__name__)


class Planner:
    """Computes the jobs of a build and their keys from the site and the project's files."""

    def __init__(self, site: Site) -> None:
        self.site = site
        settings = site.settings
        self.settings = settings
        # The theme's files and the project's overrides, in lookup order.
        folders = template_dirs(settings)
        self.templates = digest([tree_digest(folder) for folder in folders])
        self.narration_templates = digest([tree_digest(folder / "narration") for folder in folders])
        self.ui = {
            lang: digest([files_digest([po], po.parent) for po in ui_catalog_files(settings, lang)])
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
            self.settings.pauses,
            self.ui[lang],
            self.narration_templates,
            lexicons,
            library_versions(*AUDIO_LIBRARIES, *TEXT_LIBRARIES),
            self.piper_voices(lang, source),
        )
        outputs = (
            mp3_path(lang, edition.slug),
            vtt_path(lang, edition.slug),
            chapters_path(lang, edition.slug),
            chapters_json_path(lang, edition.slug),
        )
        return Job("mp3", edition.slug, lang, key, outputs)

    def piper_voices(self, *langs: str) -> object:
        """The Piper voices on this machine, when one of ``langs`` may narrate with Piper."""
        if all("piper" not in self.settings.narration_for(lang).engines for lang in langs):
            return None
        from polyedition.speech.piper_voices import voices_key

        return voices_key(self.settings.voices_dir)

    def html(
        self, edition: Edition, audio: AudioInfo | None, pdf: PdfInfo | None, feed: bool
    ) -> Job:
        key = digest(
            "html",
            self.common,
            self.editions[(edition.slug, edition.lang)],
            self.siblings(edition.slug),
            self.templates,
            self.ui[edition.lang],
            audio,
            pdf,
            feed,
            library_versions(*TEXT_LIBRARIES),
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
            library_versions(*TEXT_LIBRARIES, *PDF_LIBRARIES),
        )
        return Job("pdf", edition.slug, edition.lang, key, (pdf_path(edition.lang, edition.slug),))

    def epub(self, edition: Edition, audio: AudioInfo | None, narration_key: str | None) -> Job:
        """The EPUB holds the narration's MP3 and its cue times: its key has the mp3 job's."""
        key = digest(
            "epub",
            self.common,
            self.editions[(edition.slug, edition.lang)],
            self.templates,
            self.ui[edition.lang],
            audio,
            narration_key,
            library_versions(*TEXT_LIBRARIES, *EPUB_LIBRARIES),
        )
        return Job(
            "epub", edition.slug, edition.lang, key, (epub_path(edition.lang, edition.slug),)
        )

    def feed(self, lang: str, audio: Mapping[tuple[str, str], AudioInfo]) -> Job:
        """A language's podcast feed: its narrations' sizes and durations, the episodes' titles
        and dates, and the interface strings."""
        episodes = [
            [slug, self.editions[(slug, lang)], info.duration_seconds, info.size_bytes]
            for (slug, code), info in sorted(audio.items())
            if code == lang
        ]
        key = digest(
            "feed",
            self.common,
            episodes,
            self.ui[lang],
            library_versions(*TEXT_LIBRARIES, *FEED_LIBRARIES),
        )
        return Job("feed", "", lang, key, (feed_path(lang),))

    def cover(self, lang: str, publisher: str) -> Job:
        """A feed's cover: the publication's name and the interface strings it shows and the
        fonts it draws them with, nothing of the episodes (a changed narration does not draw
        it again)."""
        from polyedition.theme.fontfaces import PRINT_FONTS

        key = digest(
            "cover",
            self.common,
            publisher,
            self.ui[lang],
            [str(face.path) for face in PRINT_FONTS],
            library_versions(*TEXT_LIBRARIES, *COVER_LIBRARIES),
        )
        return Job("cover", "", lang, key, (cover_path(lang),))

    def site_pages(
        self,
        pdfs: Collection[tuple[str, str]] = (),
        audio: Collection[tuple[str, str]] = (),
        feeds: Collection[str] = (),
    ) -> Job:
        """The chooser, the edition front pages and the assets; the front pages list each
        article's formats, so the key holds which (slug, lang) have a PDF and an MP3, and which
        languages a feed."""
        from polyedition.theme.assets import site_assets

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
            sorted(pdfs),
            sorted(audio),
            sorted(feeds),
            library_versions(*TEXT_LIBRARIES),
        )
        return Job(SITE, "", "", key, outputs)
