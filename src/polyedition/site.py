"""The publication as renderers see it: every edition, output paths and URLs, interface strings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

from babel.support import Translations

from polyedition.catalogs import ui_translations
from polyedition.config import Settings
from polyedition.languages import LanguageProfile, profile
from polyedition.model import Edition

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the page needs to know about an edition's narration."""

    duration_seconds: float
    size_bytes: int
    mp3: PurePosixPath
    captions: PurePosixPath
    chapters: PurePosixPath


@dataclass(frozen=True)
class Site:
    """All editions of all articles, plus what renderers share (settings, UI strings, audio)."""

    settings: Settings
    editions: Mapping[tuple[str, str], Edition]
    """(slug, lang) → Edition, in article then language order."""
    audio: Mapping[tuple[str, str], AudioInfo] = field(default_factory=dict)
    """(slug, lang) → the edition's narration, for the editions that have one."""

    def __getstate__(self) -> dict[str, object]:
        # Sent to worker processes: caches are rebuilt there, not pickled.
        return {k: v for k, v in self.__dict__.items() if k in {"settings", "editions", "audio"}}

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

    def ui(self, lang: str) -> Translations:
        """Interface strings for ``lang`` (loaded once per site)."""
        cache: dict[str, Translations] = self.__dict__.setdefault("_ui", {})
        if lang not in cache:
            cache[lang] = ui_translations(self.settings, lang)
        return cache[lang]

    def url(self, path: PurePosixPath | str = "") -> str:
        """Absolute URL of an output path under the configured base URL."""
        return self.settings.base_url + str(path).removesuffix("index.html")
