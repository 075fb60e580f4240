"""The edition front pages, the language chooser, assets, and writing the whole HTML site."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from polyedition.build import load_editions
from polyedition.config import Settings
from polyedition.errors import RenderError
from polyedition.model import reading_minutes
from polyedition.pofile import read_catalog, write_catalog
from polyedition.render.html.pages import (
    render_chooser,
    render_edition_index,
    site_assets,
    write_html_site,
)
from polyedition.render.inline import plain_text
from polyedition.site import Site, html_path
from polyedition.theme import template_file, theme_templates
from projectkit import SLUG, override, po

LANGS = ("en", "be", "ru", "pl", "lt")
AUTONYMS = {"en": "English", "be": "Беларуская", "ru": "Русский", "pl": "Polski", "lt": "Lietuvių"}


def resolve(page: PurePosixPath, href: str) -> PurePosixPath:
    return PurePosixPath(posixpath.normpath(posixpath.join(str(page.parent), href)))


def site_of(settings: Settings) -> Site:
    editions = load_editions(settings, settings.languages)
    return Site(settings, {(edition.slug, edition.lang): edition for edition in editions})


@pytest.mark.parametrize("lang", LANGS)
def test_an_edition_front_page_lists_its_articles_in_its_language(
    real_site: Site, parse_html: Callable[[str], Any], lang: str
) -> None:
    page = parse_html(render_edition_index(real_site, lang))
    here = PurePosixPath(lang, "index.html")
    assert page.find("html").attrs["lang"] == lang
    assert page.find("h1").text()
    edition = real_site.edition(SLUG, lang)
    card = page.find("li", class_="article-card")
    link = card.find("h2").find("a")
    assert link.text() == plain_text(edition.title.text)
    assert resolve(here, link.attrs["href"]) == html_path(lang, SLUG)
    assert card.find("h2").lang() == edition.title.lang
    assert card.find("time").attrs["datetime"] == "2025-12-13"
    assert str(reading_minutes(edition.word_count)) in card.find(class_="article-card-meta").text()
    assert page.find_all(id="title") == []  # segment ids belong to the article page only


@pytest.mark.parametrize("lang", LANGS)
def test_an_edition_front_page_switches_to_the_other_front_pages(
    real_site: Site, parse_html: Callable[[str], Any], lang: str
) -> None:
    page = parse_html(render_edition_index(real_site, lang))
    here = PurePosixPath(lang, "index.html")
    links = page.find("nav", class_="languages").find_all("a")
    assert [link.text() for link in links] == [AUTONYMS[code] for code in LANGS]
    for code, link in zip(LANGS, links, strict=True):
        assert link.attrs["lang"] == link.attrs["hreflang"] == code
        assert resolve(here, link.attrs["href"]) == PurePosixPath(code, "index.html")
        assert link.attrs.get("aria-current") == ("page" if code == lang else None)
    base = real_site.settings.base_url
    alternates = {
        (n.attrs["hreflang"], n.attrs["href"]) for n in page.find_all("link", rel="alternate")
    }
    assert alternates == {(code, f"{base}{code}/") for code in LANGS} | {("x-default", base)}


def test_the_chooser_offers_every_language_by_autonym_with_lang_and_hreflang(
    real_site: Site, parse_html: Callable[[str], Any]
) -> None:
    page = parse_html(render_chooser(real_site))
    entries = page.find("nav", class_="chooser").find_all("li", class_="choice")
    assert [entry.attrs["lang"] for entry in entries] == list(LANGS)
    for code, entry in zip(LANGS, entries, strict=True):
        link = entry.find("a")
        assert link.text() == AUTONYMS[code]
        assert link.lang() == link.attrs["hreflang"] == code
        assert resolve(PurePosixPath("index.html"), link.attrs["href"]) == PurePosixPath(
            code, "index.html"
        )
        assert entry.find(class_="choice-status").text()
    base = real_site.settings.base_url
    assert page.find("link", rel="canonical").attrs["href"] == base
    alternates = {
        (n.attrs["hreflang"], n.attrs["href"]) for n in page.find_all("link", rel="alternate")
    }
    assert alternates == {(code, f"{base}{code}/") for code in LANGS} | {("x-default", base)}


def test_each_chooser_entry_states_its_completeness_in_its_own_language(
    project_copy: Settings, translate: Callable[..., None], parse_html: Callable[[str], Any]
) -> None:
    # The project words it its own way: Polish is translated, Belarusian not (yet).
    macro = override(project_copy, "macros/chooser.html")
    text = macro.read_text(encoding="utf-8")
    macro.write_text(text.replace("%(percent)s translated", "%(percent)s done"), "utf-8")
    translate(project_copy, "pl", "ui", {"%(percent)s done": "przetłumaczono %(percent)s"})
    be = po(project_copy, "be")  # Belarusian: nothing translated
    catalog = read_catalog(be, locale="be")
    for message in catalog:
        if message.id:
            message.string = ""
    write_catalog(be, catalog)
    pl = po(project_copy, "pl")  # Polish: all but the first paragraph
    catalog = read_catalog(pl, locale="pl")
    for message in catalog:
        if message.id:
            message.string = "" if message.context == "lead-p1" else f"PL {message.id}"
            message.flags.discard("fuzzy")
    write_catalog(pl, catalog)
    site = site_of(project_copy)
    page = parse_html(render_chooser(site))
    status = {
        entry.attrs["lang"]: entry.find(class_="choice-status")
        for entry in page.find_all("li", class_="choice")
    }
    percent = int(site.edition(SLUG, "pl").stats.percent)
    assert status["pl"].text() == f"przetłumaczono {percent}%"
    assert status["pl"].find_all(lang=True) == []
    assert status["be"].text() == "0\N{NO-BREAK SPACE}% done"
    assert status["be"].find("span").attrs["lang"] == "en"
    assert status["en"].text() == "Original edition"


def test_the_chooser_never_redirects_it_only_suggests(
    real_site: Site, repo_settings: Settings
) -> None:
    html = render_chooser(real_site)
    assert 'http-equiv="refresh"' not in html
    script = (theme_templates() / "assets" / "chooser.js").read_text(encoding="utf-8")
    assert "navigator.languages" in script
    for navigation in ("location", "window.open", "history."):
        assert navigation not in script


def test_assets_are_published_under_names_carrying_their_content_hash(
    repo_settings: Settings,
) -> None:
    assets = site_assets(repo_settings)
    assert {path.parent for path in assets} == {PurePosixPath("assets")}
    for path, data in assets.items():
        stem, digest, suffix = path.name.split(".")
        assert digest == hashlib.sha256(data).hexdigest()[:8]
        # The project's own file where it has one (its logo in templates/), else the theme's.
        assert template_file(repo_settings, f"assets/{stem}.{suffix}").read_bytes() == data
    assert {path.name.split(".")[0] for path in assets} >= {"site", "chooser"}


def test_this_publications_own_logo_replaces_the_themes_and_its_notes_are_not_published(
    repo_settings: Settings,
) -> None:
    assets = site_assets(repo_settings)
    icon = next(data for path, data in assets.items() if path.name.startswith("icon."))
    assert icon == (repo_settings.templates_dir / "assets" / "icon.svg").read_bytes()
    assert icon != (theme_templates() / "assets" / "icon.svg").read_bytes()
    assert not any("README" in path.name for path in assets)


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(path.relative_to(root)): (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_writing_the_site_puts_every_page_and_asset_in_place_once(
    real_site: Site, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    written = write_html_site(real_site, output)
    expected_pages = (
        {"index.html"}
        | {f"{lang}/index.html" for lang in LANGS}
        | {f"{lang}/{SLUG}/index.html" for lang in LANGS}
    )
    expected = expected_pages | {str(path) for path in site_assets(real_site.settings)}
    assert {str(path.relative_to(output)) for path in written} == expected
    assert set(snapshot(output)) == expected
    before = snapshot(output)
    write_html_site(real_site, output)
    assert snapshot(output) == before  # unchanged outputs are not rewritten


def test_a_changed_stylesheet_replaces_its_old_hashed_copy(
    project_copy: Settings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    write_html_site(site_of(project_copy), output)
    old = {path.name for path in (output / "assets").iterdir()}
    css = override(project_copy, "assets/site.css")
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    write_html_site(site_of(project_copy), output)
    new = {path.name for path in (output / "assets").iterdir()}
    assert len(new) == len(old)
    (gone,) = old - new
    assert gone.startswith("site.")
    page = (output / "en" / SLUG / "index.html").read_text(encoding="utf-8")
    (current,) = new - old
    assert f"../../assets/{current}" in page


def test_a_template_error_leaves_the_previous_site_untouched(
    project_copy: Settings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    write_html_site(site_of(project_copy), output)
    before = snapshot(output)
    chooser = override(project_copy, "chooser.html")
    chooser.write_text(chooser.read_text(encoding="utf-8") + "{% endblock %}\n", encoding="utf-8")
    with pytest.raises(RenderError):
        write_html_site(site_of(project_copy), output)
    assert snapshot(output) == before
