"""The article page: one element per segment, fallbacks marked, structure, switcher, metadata."""

from __future__ import annotations

import datetime as dt
import json
import math
import posixpath
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

import pytest
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.numbers import format_percent

from polyedition.config import Settings
from polyedition.localize import localize
from polyedition.model import Article, Edition, FaqItem, Table, TranslationStats
from polyedition.render.html.pages import completeness, reading_minutes, render_article
from polyedition.render.inline import plain_text
from polyedition.site import AudioInfo, Site, chapters_path, html_path, mp3_path, vtt_path
from polyedition.theme.assets import site_assets
from projectkit import SLUG, pseudo

LANGS = ("en", "be", "ru", "pl", "lt")
AUTONYMS = {"en": "English", "be": "Беларуская", "ru": "Русский", "pl": "Polski", "lt": "Lietuvių"}
PL_UNTRANSLATED = frozenset(
    {"turning-point-p2", "faq-q3", "key-points-caption", "key-points-r2-c2"}
)
"""Segments the Polish test edition leaves untranslated."""


def catalog_for(article: Article, lang: str, skip: frozenset[str] = frozenset()) -> Catalog:
    """An in-memory catalog translating every segment (pseudo-translation) except ``skip``."""
    catalog = Catalog(locale=lang, domain=SLUG)
    for segment in article.segments():
        if segment.id not in skip:
            catalog.add(segment.text, string=pseudo(segment.text), context=segment.id)
    return catalog


def make_site(settings: Settings, editions: list[Edition], **kwargs: Any) -> Site:
    return Site(settings, {(edition.slug, edition.lang): edition for edition in editions}, **kwargs)


@pytest.fixture(scope="module")
def editions(real_article: Article) -> dict[str, Edition]:
    """en: the original; ru, lt: fully translated; pl: four segments missing; be: nothing yet."""
    article = real_article
    return {
        "en": localize(article, None, "en", "en"),
        "be": localize(article, None, "be", "en"),
        "ru": localize(article, catalog_for(article, "ru"), "ru", "en"),
        "pl": localize(article, catalog_for(article, "pl", PL_UNTRANSLATED), "pl", "en"),
        "lt": localize(article, catalog_for(article, "lt"), "lt", "en"),
    }


@pytest.fixture(scope="module")
def site(repo_settings: Settings, editions: dict[str, Edition]) -> Site:
    return make_site(repo_settings, [editions[lang] for lang in LANGS])


@pytest.fixture(scope="module")
def pages(site: Site, parse_html: Callable[[str], Any]) -> dict[str, Any]:
    return {lang: parse_html(render_article(site, site.edition(SLUG, lang))) for lang in LANGS}


def resolve(page: PurePosixPath, href: str) -> PurePosixPath:
    """The output path a relative link on ``page`` points at."""
    return PurePosixPath(posixpath.normpath(posixpath.join(str(page.parent), href)))


def json_ld(page: Any) -> dict[str, Any]:
    script = page.find("script", type="application/ld+json")
    data: dict[str, Any] = json.loads(script.text())
    return data


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_declares_the_editions_language_and_direction(
    pages: dict[str, Any], lang: str
) -> None:
    html = pages[lang].find("html")
    assert html.attrs["lang"] == lang
    assert html.attrs["dir"] == "ltr"


@pytest.mark.parametrize("lang", LANGS)
def test_every_segment_is_one_element_whose_id_is_the_segment_id(
    pages: dict[str, Any], editions: dict[str, Edition], lang: str
) -> None:
    page = pages[lang]
    for text in editions[lang].texts:
        element = page.find(id=text.id)
        assert element.text() == plain_text(text.text), text.id


def test_fallback_segments_are_marked_english_and_flagged_and_translations_are_not(
    pages: dict[str, Any], editions: dict[str, Edition]
) -> None:
    page = pages["pl"]
    for text in editions["pl"].texts:
        element = page.find(id=text.id)
        flagged = element.matches("class", "fallback")
        if text.id in PL_UNTRANSLATED:
            assert element.attrs.get("lang") == "en", text.id
            assert flagged, text.id
        else:
            assert "lang" not in element.attrs, text.id
            assert element.lang() == "pl"
            assert not flagged, text.id


def test_an_untranslated_edition_marks_every_segment_and_the_original_marks_none(
    pages: dict[str, Any], editions: dict[str, Edition]
) -> None:
    for text in editions["be"].texts:
        assert pages["be"].find(id=text.id).attrs.get("lang") == "en"
    assert pages["en"].find_all(class_="fallback") == []
    assert pages["en"].find_all(lang="en") == [
        pages["en"].find("html"),
        pages["en"].find("a", hreflang="en"),
    ]


def test_headings_outline_the_article_headline_sections_then_questions(
    pages: dict[str, Any], real_article: Article
) -> None:
    expected = [("h1", real_article.title.id)]
    for section in real_article.sections:
        if section.heading is not None:
            expected.append(("h2", section.heading.segment.id))
        expected += [
            ("h3", block.question.id) for block in section.blocks if isinstance(block, FaqItem)
        ]
    headings = [
        (node.tag, node.attrs.get("id"))
        for node in pages["en"].iter()
        if node.tag in {"h1", "h2", "h3", "h4"}
    ]
    assert headings == expected
    assert len([tag for tag, _ in expected if tag == "h3"]) == 10


def test_each_faq_answer_is_a_paragraph_right_after_its_question(
    pages: dict[str, Any], real_article: Article
) -> None:
    faq = [
        block
        for section in real_article.sections
        for block in section.blocks
        if isinstance(block, FaqItem)
    ]
    for item in faq:
        question = pages["en"].find(id=item.question.id)
        siblings = [child for child in question.parent.children if not isinstance(child, str)]
        after = siblings[siblings.index(question) + 1 :]
        assert [(node.tag, node.attrs["id"]) for node in after] == [
            ("p", a.id) for a in item.answer
        ]


def test_the_key_points_table_has_a_caption_column_headers_and_row_headers(
    pages: dict[str, Any], real_article: Article
) -> None:
    table = next(
        block
        for section in real_article.sections
        for block in section.blocks
        if isinstance(block, Table)
    )
    element = pages["en"].find("table")
    assert element.find("caption").attrs["id"] == table.caption.id
    header = element.find("thead").find_all("th")
    assert [(th.attrs["id"], th.attrs["scope"]) for th in header] == [
        (h.id, "col") for h in table.header
    ]
    rows = element.find("tbody").find_all("tr")
    assert len(rows) == len(table.rows) == 6
    for row, cells in zip(rows, table.rows, strict=True):
        tags = [
            (node.tag, node.attrs["id"], node.attrs.get("scope"))
            for node in row.children
            if not isinstance(node, str)
        ]
        assert tags == [("th", cells[0].id, "row")] + [("td", cell.id, None) for cell in cells[1:]]


@pytest.mark.parametrize("lang", LANGS)
def test_the_date_is_a_time_element_written_out_in_the_editions_language(
    pages: dict[str, Any], lang: str
) -> None:
    time = pages[lang].find("time")
    assert time.attrs["datetime"] == "2025-12-13"
    assert time.text() == format_date(dt.date(2025, 12, 13), format="long", locale=lang)


def test_the_byline_names_the_author_and_the_publisher(pages: dict[str, Any]) -> None:
    byline = pages["en"].find(class_="byline")
    assert byline.text() == "By Polyedition Newsroom, Polyedition"
    assert byline.attrs["id"] == "byline"  # the spoken byline's cue in the narration points here


def test_reading_time_follows_the_word_count_of_the_edition(
    pages: dict[str, Any], editions: dict[str, Edition]
) -> None:
    minutes = reading_minutes(editions["en"].word_count)
    assert 8 <= minutes <= 12  # about 2,400 words
    assert pages["en"].find(class_="reading-time").text() == f"{minutes} min read"


def test_completeness_is_stated_with_babel_numbers_only_when_something_is_untranslated(
    pages: dict[str, Any], editions: dict[str, Edition]
) -> None:
    for lang in ("en", "ru", "lt"):
        assert pages[lang].find_all(class_="completeness") == []
    stats = editions["pl"].stats
    notice = pages["pl"].find(class_="completeness").text()
    assert format_percent(math.floor(stats.percent) / 100, locale="pl") in notice
    assert re.search(rf"(?<!\d){len(PL_UNTRANSLATED)}(?!\d)", notice)
    assert "0\N{NO-BREAK SPACE}%" in pages["be"].find(class_="completeness").text()


@pytest.mark.parametrize("lang", LANGS)
def test_the_switcher_offers_every_edition_by_autonym_with_the_current_one_marked(
    pages: dict[str, Any], lang: str
) -> None:
    nav = pages[lang].find("nav", class_="languages")
    label = pages[lang].find(id=nav.attrs["aria-labelledby"])
    assert label.text()
    links = nav.find_all("a")
    assert [link.text() for link in links] == [AUTONYMS[code] for code in LANGS]
    here = html_path(lang, SLUG)
    for code, link in zip(LANGS, links, strict=True):
        assert link.attrs["lang"] == link.attrs["hreflang"] == code
        assert resolve(here, link.attrs["href"]) == html_path(code, SLUG)
        assert link.attrs.get("aria-current") == ("page" if code == lang else None)


@pytest.mark.parametrize("lang", LANGS)
def test_head_links_the_canonical_url_and_every_edition_with_x_default_the_original(
    pages: dict[str, Any], site: Site, lang: str
) -> None:
    head = pages[lang].find("head")
    base = site.settings.base_url
    assert head.find("link", rel="canonical").attrs["href"] == f"{base}{lang}/{SLUG}/"
    alternates = {
        (node.attrs["hreflang"], node.attrs["href"])
        for node in head.find_all("link", rel="alternate")
    }
    expected = {(code, f"{base}{code}/{SLUG}/") for code in LANGS} | {
        ("x-default", f"{base}en/{SLUG}/")
    }
    assert alternates == expected


def test_title_description_and_open_graph_describe_the_edition(
    pages: dict[str, Any], editions: dict[str, Edition]
) -> None:
    head = pages["ru"].find("head")
    title = plain_text(editions["ru"].title.text)
    description = plain_text(editions["ru"].description.text)
    assert head.find("title").text() == f"{title} – Polyedition"
    assert head.find("meta", name="description").attrs["content"] == description
    og = {
        node.attrs["property"]: node.attrs["content"]
        for node in head.find_all("meta", property=True)
    }
    assert og["og:title"] == title
    assert og["og:description"] == description
    assert og["og:type"] == "article"
    assert og["og:locale"] == "ru_RU"
    assert og["og:url"].endswith(f"/ru/{SLUG}/")
    assert og["article:published_time"] == "2025-12-13"


def test_json_ld_is_a_news_article_and_the_original_lists_its_translations(
    pages: dict[str, Any], site: Site
) -> None:
    data = json_ld(pages["en"])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["inLanguage"] == "en"
    assert data["datePublished"] == "2025-12-13"
    assert data["author"]["name"] == "Polyedition Newsroom"
    assert data["publisher"]["name"] == "Polyedition"
    assert "translationOfWork" not in data
    assert [(work["inLanguage"], work["url"]) for work in data["workTranslation"]] == [
        (code, site.url(html_path(code, SLUG))) for code in LANGS if code != "en"
    ]


@pytest.mark.parametrize("lang", [code for code in LANGS if code != "en"])
def test_json_ld_of_a_translation_points_at_the_original(
    pages: dict[str, Any], editions: dict[str, Edition], site: Site, lang: str
) -> None:
    data = json_ld(pages[lang])
    assert data["inLanguage"] == lang
    assert data["headline"] == plain_text(editions[lang].title.text)
    assert data["description"] == plain_text(editions[lang].description.text)
    assert data["translationOfWork"]["@id"] == site.url(html_path("en", SLUG)) + "#article"
    assert "workTranslation" not in data


def test_speakable_parts_are_the_headline_description_and_summary_on_the_page(
    pages: dict[str, Any],
) -> None:
    selectors = json_ld(pages["lt"])["speakable"]["cssSelector"]
    assert selectors[:2] == ["#title", "#description"]
    assert selectors[2:] == ["#summary-p1"]
    for selector in selectors:
        pages["lt"].find(id=selector.removeprefix("#"))


def test_with_narration_the_page_offers_the_player_and_json_ld_an_audio_object(
    repo_settings: Settings, editions: dict[str, Edition], parse_html: Callable[[str], Any]
) -> None:
    audio = AudioInfo(
        duration_seconds=552.4,
        size_bytes=4_419_200,
        mp3=mp3_path("pl", SLUG),
        captions=vtt_path("pl", SLUG),
        chapters=chapters_path("pl", SLUG),
    )
    site = make_site(repo_settings, list(editions.values()), audio={(SLUG, "pl"): audio})
    page = parse_html(render_article(site, editions["pl"]))
    data = json_ld(page)["audio"]
    assert data["@type"] == "AudioObject"
    assert data["contentUrl"] == f"{repo_settings.base_url}pl/{SLUG}/{SLUG}.pl.mp3"
    assert data["encodingFormat"] == "audio/mpeg"
    assert data["duration"] == "PT9M12S"
    assert data["caption"]["contentUrl"].endswith(f"{SLUG}.pl.vtt")
    listen = page.find("section", class_="listen")
    assert page.find(id=listen.attrs["aria-labelledby"]).text()
    assert listen.find("audio").attrs["src"] == f"{SLUG}.pl.mp3"
    # The block sits near the top: after the article header, before the first paragraph.
    order = [
        node
        for node in page.find("article").iter()
        if node is listen or node.attrs.get("id") == "lead-p1"
    ]
    assert order == [listen, page.find(id="lead-p1")]
    assert page.find("meta", property="og:audio").attrs["content"] == data["contentUrl"]
    assert "audio" not in json_ld(parse_html(render_article(site, editions["ru"])))


def test_without_narration_there_is_no_player(pages: dict[str, Any]) -> None:
    for page in pages.values():
        assert page.find_all("audio") == []
        assert "audio" not in json_ld(page)


def test_screen_only_parts_are_marked_so_print_layouts_can_drop_them(pages: dict[str, Any]) -> None:
    page = pages["en"]
    for node in (
        page.find("a", class_="skip-link"),
        page.find("body").find_all("header")[0],
        page.find("footer"),
    ):
        assert node.matches("class", "screen-only")
    assert page.find("nav", class_="languages").parent.parent.matches("class", "screen-only")
    article = page.find("article")
    assert not any(node.matches("class", "screen-only") for node in article.iter())


def test_landmarks_and_the_skip_link_target_main(pages: dict[str, Any]) -> None:
    page = pages["pl"]
    body = page.find("body")
    elements = [node for node in body.children if not isinstance(node, str)]
    assert [node.tag for node in elements] == ["a", "header", "main", "footer"]
    assert elements[0].attrs["href"] == "#main"
    assert elements[2].attrs["id"] == "main"


def test_the_stylesheet_is_a_local_hashed_asset(pages: dict[str, Any], site: Site) -> None:
    assets = site_assets(site.settings)
    for lang, page in pages.items():
        head = page.find("head")
        sheet = head.find("link", rel="stylesheet")
        target = resolve(html_path(lang, SLUG), sheet.attrs["href"])
        assert target in assets
        assert target.name.startswith("site.")
        assert page.find_all("script", src=True) == []
        assert page.find_all("img") == []


def test_completeness_never_rounds_an_incomplete_translation_up_to_100_percent() -> None:
    almost = TranslationStats(
        translated_segments=69, fallback_segments=1, translated_words=2423, fallback_words=1
    )
    stated = completeness(almost, "be")
    assert stated is not None
    assert stated.percent == "99\N{NO-BREAK SPACE}%"
    assert stated.fallback_segments_text == "1"
    done = TranslationStats(
        translated_segments=70, fallback_segments=0, translated_words=2424, fallback_words=0
    )
    assert completeness(done, "be") is None
