"""Localizing the article: translations used, fallbacks marked with their language and counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.catalogs import load_catalog
from polyedition.config import Settings
from polyedition.content import read_article
from polyedition.localize import localize
from polyedition.model import count_words
from polyedition.pofile import read_catalog, write_catalog
from projectkit import ARTICLE, SLUG, copy_project, po, pseudo, pseudo_translate_catalog


@pytest.fixture
def pseudo_project(tmp_path: Path) -> Settings:
    settings = copy_project(tmp_path)
    pseudo_translate_catalog(po(settings, "pl"), "pl")
    return settings


def test_a_fully_translated_catalog_gives_an_edition_without_fallbacks(
    pseudo_project: Settings,
) -> None:
    article = read_article(ARTICLE)
    edition = localize(article, load_catalog(pseudo_project, "pl", SLUG), "pl", "en")
    assert edition.fallbacks == ()
    assert edition.stats.percent == 100.0
    assert edition.title.text == pseudo(article.title.text)
    assert all(text.lang == "pl" for text in edition.texts)


@pytest.mark.parametrize("how", ["fuzzy", "empty", "missing"])
def test_unusable_translations_fall_back_to_english_and_are_marked(
    pseudo_project: Settings, how: str
) -> None:
    path = po(pseudo_project, "pl")
    catalog = read_catalog(path, locale="pl")
    message = next(m for m in catalog if m.context == "us-sanctions-p2")
    if how == "fuzzy":
        message.flags.add("fuzzy")
    elif how == "empty":
        message.string = ""
    else:
        catalog.delete(message.id, context=message.context)
    write_catalog(path, catalog)
    article = read_article(ARTICLE)
    edition = localize(article, load_catalog(pseudo_project, "pl", SLUG), "pl", "en")
    [fallback] = edition.fallbacks
    assert fallback.id == "us-sanctions-p2"
    assert fallback.lang == "en"
    assert fallback.text == fallback.segment.text
    stats = edition.stats
    assert stats.fallback_segments == 1
    assert stats.translated_segments == len(edition.texts) - 1
    assert stats.fallback_words == count_words(fallback.segment.text)
    assert 90.0 < stats.percent < 100.0


def test_an_edited_source_paragraph_falls_back_until_its_translation_is_updated(
    pseudo_project: Settings,
) -> None:
    source = ARTICLE.read_text(encoding="utf-8").replace("pivotal moment", "turning point", 1)
    from polyedition.content import parse_article

    article = parse_article(source, ARTICLE)
    edition = localize(article, load_catalog(pseudo_project, "pl", SLUG), "pl", "en")
    assert [text.id for text in edition.fallbacks] == ["lead-p1"]


def test_the_source_language_edition_is_never_a_fallback(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    article = read_article(ARTICLE)
    edition = localize(article, load_catalog(settings, "en", SLUG), "en", "en")
    assert edition.fallbacks == ()
    assert [t.text for t in edition.texts] == [s.text for s in article.segments()]


def test_an_edition_without_a_catalog_is_all_fallback() -> None:
    article = read_article(ARTICLE)
    edition = localize(article, None, "lt", "en")
    assert len(edition.fallbacks) == len(edition.texts)
    assert edition.stats.percent == 0.0
    assert edition.text("faq-q1").lang == "en"
