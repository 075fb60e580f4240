"""The build: compile catalogs, localize each edition and render it in every available format."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from polyedition.catalogs import (
    compile_catalogs,
    load_articles,
    load_catalog,
    verify_ui_template,
)
from polyedition.config import Settings
from polyedition.localize import localize
from polyedition.model import Article, Edition

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    editions: tuple[Edition, ...]
    problems: tuple[str, ...]


def load_editions(settings: Settings, languages: Iterable[str]) -> list[Edition]:
    """Localize every article into every requested language, in (article, language) order."""
    articles: list[Article] = load_articles(settings)
    langs = list(languages)
    editions = []
    for article in articles:
        for lang in langs:
            catalog = load_catalog(settings, lang, article.slug)
            editions.append(localize(article, catalog, lang, settings.source_language))
    return editions


def build(settings: Settings, *, languages: Iterable[str], strict: bool = False) -> BuildReport:
    langs = list(languages)
    verify_ui_template(settings)
    compile_catalogs(settings, langs)
    editions = load_editions(settings, langs)
    problems = []
    for edition in editions:
        if edition.fallbacks:
            message = (
                f"{edition.lang}/{edition.slug}: {len(edition.fallbacks)} segment(s) fall back "
                f"to {edition.source_lang} ({edition.stats.percent:.1f}% translated)"
            )
            problems.append(message)
            logger.warning(message)
    return BuildReport(tuple(editions), tuple(problems))
