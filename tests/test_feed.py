"""Every file on the page and in podcast apps: the PDF offered with its facts, one podcast feed per
language with its cover and chapters, translated keywords; all rebuilt incrementally."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from typing import Any

import feedparser
import pikepdf
import pytest
from mutagen.id3 import ID3
from PIL import Image

from conftest import Node, parse_page
from polyedition.build import FORMATS, BuildOptions, build
from polyedition.config import Settings
from polyedition.render.feed import render_cover
from polyedition.site import Site
from projectkit import SLUG, copy_project, edit_translation, snapshot

pytestmark = pytest.mark.slow

LANGS = ("en", "be")
PODCAST = "{https://podcastindex.org/namespace/1.0}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
BELARUSIAN_KEYWORDS = [
    "Беларусь",
    "палітвязні",
    "санкцыі",
    "правы чалавека",
    "Марыя Калеснікава",
    "Алесь Бяляцкі",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project built in every format for English and Belarusian."""
    settings = copy_project(tmp_path_factory.mktemp("feeds"), warm_speech=True)
    build(settings, BuildOptions(languages=LANGS, formats=FORMATS, jobs=2))
    return settings


def output_file(settings: Settings, url: str) -> Path:
    """The file under ``output/`` that an absolute URL of the site names."""
    assert url.startswith(settings.base_url), url
    return settings.output_dir / url.removeprefix(settings.base_url)


def channel(settings: Settings, lang: str) -> ET.Element:
    root = ET.parse(settings.output_dir / lang / "feed.xml").getroot()
    element = root.find("channel")
    assert element is not None
    return element


def page(settings: Settings, path: str) -> Node:
    return parse_page((settings.output_dir / path).read_text(encoding="utf-8"))


# --- the feeds --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_feed_parses_without_errors(built: Settings, lang: str) -> None:
    parsed: Any = feedparser.parse((built.output_dir / lang / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert len(parsed.entries) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_the_channel_has_what_apple_podcasts_and_podcast_index_require(
    built: Settings, lang: str
) -> None:
    parsed: Any = feedparser.parse((built.output_dir / lang / "feed.xml").read_bytes())
    feed = parsed.feed
    assert feed.title and feed.subtitle  # RSS description
    assert feed.language == lang
    assert feed.link == f"{built.base_url}{lang}/"
    assert feed.author == "Polyedition"
    # Apple documents "true"/"false"; feedparser 6 reads only the older "yes"/"clean" (None here).
    assert [tag.term for tag in feed.tags] == ["News"]
    assert output_file(built, feed.image.href).is_file()
    assert len(feed.podcast_guid) == 36
    assert feed.podcast_locked == "no"
    element = channel(built, lang)
    assert element.findtext(f"{ITUNES}explicit") == "false"
    assert element.find("{http://www.w3.org/2005/Atom}link").get("href") == (  # type: ignore[union-attr]
        f"{built.base_url}{lang}/feed.xml"
    )


def test_each_feed_is_in_its_language(built: Settings) -> None:
    english, belarusian = (channel(built, lang) for lang in LANGS)
    assert english.findtext("title") == "Polyedition: articles read aloud"
    assert belarusian.findtext("title") == "Polyedition: артыкулы ўслых"
    assert "па-беларуску" in (belarusian.findtext("description") or "")


@pytest.mark.parametrize("lang", LANGS)
def test_an_item_carries_the_narration_with_its_exact_size_and_duration(
    built: Settings, lang: str
) -> None:
    parsed: Any = feedparser.parse((built.output_dir / lang / "feed.xml").read_bytes())
    [entry] = parsed.entries
    page_url = f"{built.base_url}{lang}/{SLUG}/"
    assert entry.id == page_url
    assert entry.link == page_url
    assert entry.published_parsed[:3] == (2025, 12, 13)
    [enclosure] = entry.enclosures
    mp3 = output_file(built, enclosure.href)
    assert enclosure.type == "audio/mpeg"
    assert int(enclosure.length) == mp3.stat().st_size
    hours, minutes, seconds = map(int, entry.itunes_duration.split(":"))
    manifest = json.loads((built.cache_dir / "build-manifest.json").read_text(encoding="utf-8"))
    duration = manifest["audio"][f"{SLUG}/{lang}"]["duration"]
    assert hours * 3600 + minutes * 60 + seconds == round(duration)


@pytest.mark.parametrize("lang", LANGS)
def test_an_item_points_at_its_transcript_and_chapters(built: Settings, lang: str) -> None:
    item = channel(built, lang).find("item")
    assert item is not None
    transcript = item.find(f"{PODCAST}transcript")
    chapters = item.find(f"{PODCAST}chapters")
    assert transcript is not None and chapters is not None
    assert transcript.get("type") == "text/vtt"
    assert transcript.get("language") == lang
    vtt = output_file(built, transcript.get("url", ""))
    assert vtt.read_text(encoding="utf-8").startswith("WEBVTT")
    assert chapters.get("type") == "application/json+chapters"
    assert json.loads(output_file(built, chapters.get("url", "")).read_text(encoding="utf-8"))


def test_the_items_keywords_are_translated(built: Settings) -> None:
    item = channel(built, "be").find("item")
    assert item is not None
    assert [c.text for c in item.findall("category")] == BELARUSIAN_KEYWORDS


@pytest.mark.parametrize("lang", LANGS)
def test_the_chapters_json_has_the_mp3s_chap_frames(built: Settings, lang: str) -> None:
    folder = built.output_dir / lang / SLUG
    chapters = json.loads((folder / f"{SLUG}.{lang}.chapters.json").read_text(encoding="utf-8"))
    assert chapters["version"] == "1.2.0"
    frames = sorted(ID3(folder / f"{SLUG}.{lang}.mp3").getall("CHAP"), key=lambda f: f.start_time)
    assert len(frames) > 3
    assert [
        (round(c["startTime"] * 1000), round(c["endTime"] * 1000), c["title"])
        for c in chapters["chapters"]
    ] == [(f.start_time, f.end_time, str(f.sub_frames["TIT2"])) for f in frames]


@pytest.mark.parametrize("lang", LANGS)
def test_the_cover_is_a_3000_pixel_square_rgb_png(built: Settings, lang: str) -> None:
    url = channel(built, lang).find(f"{ITUNES}image").get("href", "")  # type: ignore[union-attr]
    assert url.endswith(".png")
    data = output_file(built, url).read_bytes()
    with Image.open(io.BytesIO(data)) as cover:
        assert cover.format == "PNG"
        assert cover.size == (3000, 3000)
        assert cover.mode == "RGB"
    assert len(data) < 500_000


def test_the_covers_differ_by_language(built: Settings) -> None:
    covers = [(built.output_dir / lang / f"cover.{lang}.png").read_bytes() for lang in LANGS]
    assert covers[0] != covers[1]


# --- the pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_pages_link_their_feed_in_head_and_visibly(built: Settings, lang: str) -> None:
    for path in (f"{lang}/index.html", f"{lang}/{SLUG}/index.html"):
        document = page(built, path)
        alternate = document.find("link", rel="alternate", type="application/rss+xml")
        assert alternate.attrs["href"] == f"{built.base_url}{lang}/feed.xml"
        [subscribe] = document.find_all("li", class_="subscribe")
        link = subscribe.find("a")
        target = (built.output_dir / path).parent / str(link.attrs["href"])
        assert target.resolve() == (built.output_dir / lang / "feed.xml").resolve()


def test_the_article_page_offers_its_pdf_with_language_pages_and_size(built: Settings) -> None:
    document = page(built, f"be/{SLUG}/index.html")
    [link] = document.find_all("a", type="application/pdf")
    assert link.text() == "Спампаваць PDF"
    pdf = built.output_dir / "be" / SLUG / str(link.attrs["href"])
    with pikepdf.open(pdf) as opened:
        pages = len(opened.pages)
    facts = link.parent.find("span", class_="downloads-facts").text()  # type: ignore[union-attr]
    assert "Беларуская" in facts
    assert f"{pages} старон" in facts  # "7 старонак": the Belarusian plural
    assert f"{round(pdf.stat().st_size / 1000)} КБ" in facts
    assert "PDF з тэгамі" in facts


def test_the_front_page_lists_each_articles_formats_and_every_link_exists(
    built: Settings,
) -> None:
    document = page(built, "be/index.html")
    formats = document.find("ul", class_="article-formats")
    links = {a.text(): str(a.attrs["href"]) for a in formats.find_all("a")}
    assert list(links) == ["Вэб-старонка", "PDF", "Аўдыязапіс (MP3)", "Стужка падкаста"]
    for href in links.values():
        assert (built.output_dir / "be" / href).is_file(), href


def test_page_metadata_and_the_pdf_keywords_are_translated(built: Settings) -> None:
    document = page(built, f"be/{SLUG}/index.html")
    meta = document.find("meta", name="keywords")
    assert meta.attrs["content"] == ", ".join(BELARUSIAN_KEYWORDS)
    tags = [m.attrs["content"] for m in document.find_all("meta", property="article:tag")]
    assert tags == BELARUSIAN_KEYWORDS
    jsonld = json.loads(document.find("script", type="application/ld+json").text())
    assert jsonld["keywords"] == BELARUSIAN_KEYWORDS
    with pikepdf.open(built.output_dir / "be" / SLUG / f"{SLUG}.be.pdf") as pdf:
        assert str(pdf.docinfo["/Keywords"]) == ", ".join(BELARUSIAN_KEYWORDS)


def test_the_pdf_still_links_the_page_and_the_mp3(built: Settings) -> None:
    with pikepdf.open(built.output_dir / "be" / SLUG / f"{SLUG}.be.pdf") as pdf:
        uris = {
            str(annotation.A.URI)
            for pdf_page in pdf.pages
            for annotation in pdf_page.get("/Annots", [])
            if "/A" in annotation and "/URI" in annotation.A
        }
    assert f"{built.base_url}be/{SLUG}/" in uris
    assert f"{built.base_url}be/{SLUG}/{SLUG}.be.mp3" in uris


def test_a_page_never_links_a_pdf_or_feed_that_is_not_built(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    build(settings, BuildOptions(languages=("be",), formats=("html",)))
    for path in (f"be/{SLUG}/index.html", "be/index.html"):
        document = page(settings, path)
        assert document.find_all("a", type="application/pdf") == []
        assert document.find_all("a", type="application/rss+xml") == []
        assert document.find_all("link", type="application/rss+xml") == []


# --- the incremental build --------------------------------------------------------------------


def test_a_no_op_build_rewrites_nothing(built: Settings) -> None:
    before = snapshot(built.output_dir)
    report = build(built, BuildOptions(languages=LANGS, formats=FORMATS, jobs=2))
    assert report.ran == 0
    kinds = sorted(job.kind for job in report.skipped)
    assert kinds.count("feed") == kinds.count("cover") == 2
    assert snapshot(built.output_dir) == before


def test_a_changed_narration_rebuilds_its_languages_feed_with_the_same_guid(
    built: Settings,
) -> None:
    guid_before = channel(built, "be").findtext(f"{PODCAST}guid")
    edit_translation(built, "be", "summary-p1", "Змененае рэзюмэ.")
    report = build(built, BuildOptions(languages=LANGS, formats=FORMATS, jobs=2))
    ran = sorted((r.job.lang, r.job.kind, r.job.part) for r in report.results)
    # The cover shows no episode: it is not drawn again.
    assert [(lang, kind) for lang, kind, _ in ran] == [
        ("be", "chapter"),
        ("be", "epub"),
        ("be", "feed"),
        ("be", "html"),
        ("be", "mp3"),
        ("be", "pdf"),
    ]
    assert ran[0][2] == "summary"  # the chapter of the edited paragraph alone
    [entry] = feedparser.parse((built.output_dir / "be" / "feed.xml").read_bytes()).entries
    mp3 = built.output_dir / "be" / SLUG / f"{SLUG}.be.mp3"
    assert int(entry.enclosures[0].length) == mp3.stat().st_size
    assert channel(built, "be").findtext(f"{PODCAST}guid") == guid_before
    assert entry.id == f"{built.base_url}be/{SLUG}/"


def test_the_manifest_records_the_pdfs_pages(built: Settings) -> None:
    manifest = json.loads((built.cache_dir / "build-manifest.json").read_text(encoding="utf-8"))
    with pikepdf.open(built.output_dir / "en" / SLUG / f"{SLUG}.en.pdf") as pdf:
        assert manifest["pdf"][f"{SLUG}/en"]["pages"] == len(pdf.pages)
    assert str(PurePosixPath("en", "feed.xml")) in manifest["outputs"]


def test_the_cover_is_the_same_bytes_every_time(built: Settings, real_site: Site) -> None:
    first, second = render_cover(real_site, "be"), render_cover(real_site, "be")
    assert first == second == (built.output_dir / "be" / "cover.be.png").read_bytes()
