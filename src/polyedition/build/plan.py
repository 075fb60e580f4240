"""Planning: the site's editions, and each job's key from exactly what its outputs depend on."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import PurePosixPath

from polyedition.build.jobs import SITE, Job
from polyedition.catalogs import (
    UI_DOMAIN,
    load_articles,
    load_catalog,
    po_path,
)
from polyedition.config import Settings
from polyedition.fingerprint import (
    code_digest,
    digest,
    edition_digest,
    files_digest,
    library_versions,
    tree_digest,
)
from polyedition.localize import localize
from polyedition.model import Article, Edition
from polyedition.site import (
    AudioInfo,
    Site,
    chapters_path,
    epub_path,
    html_path,
    mp3_path,
    pdf_path,
    vtt_path,
)

logger = logging.getLogger(__name__)


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
            library_versions("espeakng-loader", "lameenc", "mutagen", "gTTS", "miniaudio"),
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
            library_versions("fonttools"),
        )
        return Job(
            "epub", edition.slug, edition.lang, key, (epub_path(edition.lang, edition.slug),)
        )

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
