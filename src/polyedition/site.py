"""The publication as renderers see it: every edition, output paths and URLs, interface strings."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from polyedition.catalogs import load_articles, publishable_catalog, ui_withheld
from polyedition.checks import Finding
from polyedition.config import Settings
from polyedition.languages import LanguageProfile, profile
from polyedition.localize import localize
from polyedition.model import Article, Edition

if TYPE_CHECKING:
    from polyedition.speech.speaker import SpeechTables
    from polyedition.theme.theme import Theme

logger = logging.getLogger(__name__)

DEFAULT_SITE_NAME = "Polyedition"


def article_dir(lang: str, slug: str) -> PurePosixPath:
    """``<lang>/<slug>``: the folder of one edition under ``output/`` (and in URLs)."""
    return PurePosixPath(lang, slug)


def html_path(lang: str, slug: str) -> PurePosixPath:
    return article_dir(lang, slug) / "index.html"


def pdf_path(lang: str, slug: str) -> PurePosixPath:
    return article_dir(lang, slug) / f"{slug}.{lang}.pdf"


def epub_path(lang: str, slug: str) -> PurePosixPath:
    return article_dir(lang, slug) / f"{slug}.{lang}.epub"


def mp3_path(lang: str, slug: str) -> PurePosixPath:
    return article_dir(lang, slug) / f"{slug}.{lang}.mp3"


def vtt_path(lang: str, slug: str) -> PurePosixPath:
    """Captions (read-along) track: one cue per sentence, cue ids name the HTML element."""
    return article_dir(lang, slug) / f"{slug}.{lang}.vtt"


def chapters_path(lang: str, slug: str) -> PurePosixPath:
    return article_dir(lang, slug) / f"{slug}.{lang}.chapters.vtt"


def chapters_json_path(lang: str, slug: str) -> PurePosixPath:
    """The same chapters as JSON (Podcasting 2.0 chapters format), for podcast apps."""
    return article_dir(lang, slug) / f"{slug}.{lang}.chapters.json"


CHAPTERS_MIME_TYPE = "application/json+chapters"
"""The media type of the JSON chapters file, as the feed announces it."""


def feed_path(lang: str) -> PurePosixPath:
    """``<lang>/feed.xml``: the podcast feed of a language edition's narrations."""
    return PurePosixPath(lang, "feed.xml")


def cover_path(lang: str) -> PurePosixPath:
    """The podcast cover of a language edition (podcast apps take PNG or JPEG, not SVG)."""
    return PurePosixPath(lang, f"cover.{lang}.png")


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the page needs to know about an edition's narration."""

    duration_seconds: float
    size_bytes: int
    mp3: PurePosixPath
    captions: PurePosixPath
    chapters: PurePosixPath

    @property
    def chapters_json(self) -> PurePosixPath:
        """The JSON chapters written next to the MP3 (``<slug>.<lang>.chapters.json``)."""
        return self.mp3.with_suffix(".chapters.json")


@dataclass(frozen=True, slots=True)
class PdfInfo:
    """What a page states about an edition's PDF."""

    pages: int
    size_bytes: int
    path: PurePosixPath


@dataclass(frozen=True)
class Site:
    """All editions of all articles, plus what renderers share (settings, the theme, audio)."""

    settings: Settings
    editions: Mapping[tuple[str, str], Edition]
    """(slug, lang) → Edition, in article then language order."""
    audio: Mapping[tuple[str, str], AudioInfo] = field(default_factory=dict)
    """(slug, lang) → the edition's narration, for the editions that have one."""
    withheld: Mapping[str, tuple[Finding, ...]] = field(default_factory=dict)
    """lang → the translations left out because they would break rendering (the source is
    shown instead), as ``check`` reports them."""
    pdfs: Mapping[tuple[str, str], PdfInfo] = field(default_factory=dict)
    """(slug, lang) → the edition's PDF, for the editions that have one."""
    feeds: frozenset[str] = frozenset()
    """The languages whose podcast feed exists (pages link only these)."""
    narrated: Mapping[tuple[str, ...], Mapping[str, Any]] = field(default_factory=dict)
    """(slug, lang, chapter) → what the chapter's job made of it (``NarratedChapter.as_json``),
    for the MP3 job that joins them."""
    scripts: Mapping[tuple[str, str], object] = field(default_factory=dict)
    """(slug, lang) → the edition's narration script as the build planned it (the one its
    chapter keys come from), so that a job does not make it again (``narration_script``; a
    ``narration.script.Script``, which this module, below the narration, does not import)."""

    def __getstate__(self) -> dict[str, object]:
        # Sent to worker processes: the fields go, caches are rebuilt there, not pickled.
        fields = {f.name for f in dataclasses.fields(self)}
        return {k: v for k, v in self.__dict__.items() if k in fields}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    @cached_property
    def slugs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slug for slug, _ in self.editions))

    @property
    def languages(self) -> tuple[str, ...]:
        return self.settings.languages

    def edition(self, slug: str, lang: str) -> Edition:
        return self.editions[(slug, lang)]

    def translations_of(self, slug: str) -> list[Edition]:
        """Every language edition of one article, in configured language order."""
        return [
            self.editions[(slug, lang)] for lang in self.languages if (slug, lang) in self.editions
        ]

    def profile(self, lang: str) -> LanguageProfile:
        return profile(lang)

    @property
    def name(self) -> str:
        """The publication's name: the publisher of its articles."""
        for edition in self.editions.values():
            return edition.article.meta.publisher
        return DEFAULT_SITE_NAME

    @cached_property
    def theme(self) -> Theme:
        """The templates, ``ui`` translations and fonts every renderer uses, loaded once per
        process (a worker process loads its own)."""
        # Imported here so that planning a build, which needs no template, loads no Jinja.
        from polyedition.theme.theme import Theme

        return Theme(self.settings, self.name)

    @cached_property
    def speech(self) -> SpeechTables:
        """Each language's speech tables (front end, lexicon, the desk's fixes) for the
        narration, read on first use and kept for this process (a worker reads its own)."""
        from polyedition.speech.speaker import SpeechTables

        return SpeechTables(self.settings.locales_dir, self.settings.source_language)

    def url(self, path: PurePosixPath | str = "") -> str:
        """Absolute URL of an output path under the configured base URL."""
        return self.settings.base_url + str(path).removesuffix("index.html")


def load_editions(settings: Settings, languages: Iterable[str]) -> list[Edition]:
    """Localize every article into every requested language, in (article, language) order."""
    return _localize_all(settings, languages)[0]


def _localize_all(
    settings: Settings, languages: Iterable[str]
) -> tuple[list[Edition], dict[str, list[Finding]]]:
    """The editions, and per language the translations withheld because they would break a
    page (their messages fall back to the source)."""
    articles: list[Article] = load_articles(settings)
    langs = list(languages)
    withheld: dict[str, list[Finding]] = {lang: [] for lang in langs}
    catalogs = {}
    for lang in langs:
        for article in articles:
            catalog, findings = publishable_catalog(settings, lang, article.slug)
            catalogs[(lang, article.slug)] = catalog
            withheld[lang] += findings
    editions = [
        localize(article, catalogs[(lang, article.slug)], lang, settings.source_language)
        for article in articles
        for lang in langs
    ]
    return editions, withheld


def load_site(settings: Settings) -> Site:
    """Every edition of every article in every configured language."""
    editions, withheld = _localize_all(settings, settings.languages)
    for lang in settings.languages:
        # The theme reads the interface strings when a renderer first asks; the findings of what
        # it leaves out are told here, once.
        withheld[lang] += ui_withheld(settings, lang)
    return Site(
        settings,
        {(e.slug, e.lang): e for e in editions},
        withheld={lang: tuple(findings) for lang, findings in withheld.items() if findings},
    )
