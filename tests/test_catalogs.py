"""The translator's workflow: extract, init, update, compile and stats on the real article."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from polyedition import catalogs
from polyedition.catalogs import (
    UI_DOMAIN,
    catalog_stats,
    compile_catalogs,
    extract,
    init_catalogs,
    mo_path,
    pot_path,
    source_date,
    ui_template,
    ui_translations,
    update_catalogs,
)
from polyedition.config import Settings
from polyedition.content import read_article
from polyedition.errors import CatalogError
from polyedition.model import AUTHOR_ID, PUBLISHER_ID, Article
from polyedition.pofile import read_catalog, write_catalog
from polyedition.theme import theme_locales
from projectkit import (
    SLUG,
    copy_project,
    copy_theme_ui,
    override,
    po,
    pseudo_translate_catalog,
    unavailable,
)

KOLESNIKOVA_P1 = "kolesnikova-p1"


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    return copy_project(tmp_path)


def _article_md(settings: Settings) -> Path:
    return settings.content_dir / SLUG / "article.md"


def test_pot_has_one_message_per_segment_with_context_comment_and_reference(
    project: Settings,
) -> None:
    extract(project)
    template = read_catalog(pot_path(project, SLUG))
    article = read_article(_article_md(project))
    messages = [m for m in template if m.id and m.context != "keyword"]
    assert [(m.context, m.id) for m in messages] == [
        (s.id, s.text) for s in (*article.segments(), *article.credits)
    ]
    by_context = {m.context: m for m in messages}
    row = by_context["key-points-r2-c2"]
    assert row.auto_comments == ["Key Points table, row 2, details"]
    assert row.locations == [(f"content/{SLUG}/article.md", 117)]


def test_the_author_and_publisher_are_messages_a_desk_may_translate(project: Settings) -> None:
    extract(project)
    template = read_catalog(pot_path(project, SLUG))
    credits = {m.context: m for m in template if m.context in {AUTHOR_ID, PUBLISHER_ID}}
    assert credits[AUTHOR_ID].id == "Polyedition Newsroom"
    assert credits[PUBLISHER_ID].id == "Polyedition"
    assert "byline" in credits[PUBLISHER_ID].auto_comments[0]


def test_each_tag_is_a_message_with_the_keyword_context_and_a_comment_for_translators(
    project: Settings,
) -> None:
    extract(project)
    template = read_catalog(pot_path(project, SLUG))
    keywords = [m for m in template if m.context == "keyword"]
    assert [m.id for m in keywords] == [
        "Belarus",
        "political prisoners",
        "sanctions",
        "human rights",
        "Maria Kolesnikova",
        "Ales Bialiatski",
    ]
    for message in keywords:
        assert message.locations == [(f"content/{SLUG}/article.md", 9)]  # the tags line
        assert "Keyword (tag) of the article" in message.auto_comments[0]


def test_extraction_is_stable_and_ignores_a_date_only_change(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765584000")
    _add_interface_string(project, "A string of this newsroom's own")
    extract(project)
    before = {domain: pot_path(project, domain).read_bytes() for domain in (SLUG, UI_DOMAIN)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    second = dict(extract(project))
    assert not any(second.values())
    for domain, data in before.items():
        assert pot_path(project, domain).read_bytes() == data


def test_extract_honours_source_date_epoch(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    pot_path(project, SLUG).unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765584000")
    extract(project)
    assert b"POT-Creation-Date: 2025-12-13 00:00+0000" in pot_path(project, SLUG).read_bytes()


def test_extract_rewrites_the_pot_when_the_article_changes(project: Settings) -> None:
    extract(project)
    source = _article_md(project).read_text(encoding="utf-8")
    _article_md(project).write_text(source.replace("pivotal moment", "turning point"), "utf-8")
    written = dict(extract(project))
    assert written == {pot_path(project, SLUG): True}  # no templates of its own: no ui.pot


def _add_interface_string(project: Settings, text: str) -> Path:
    """Override the theme's base.html with one that shows a new interface string."""
    base = override(project, "base.html")
    html = base.read_text(encoding="utf-8")
    base.write_text(html.replace("</body>", f'<p>{{{{ _("{text}") }}}}</p>\n</body>'), "utf-8")
    return base


def test_a_project_extracts_only_its_own_templates_new_strings(project: Settings) -> None:
    _add_interface_string(project, "Subscribe to our newsletter")
    extract(project)
    template = read_catalog(pot_path(project, UI_DOMAIN))
    assert [(m.id, m.locations) for m in template if m.id] == [
        ("Subscribe to our newsletter", [("templates/base.html", _line_of(project, "Subscribe"))])
    ]
    assert pot_path(project, UI_DOMAIN) == project.locales_dir / "templates" / "ui.pot"
    init_catalogs(project, "be", force=True)
    assert po(project, "be", UI_DOMAIN).exists()


def _line_of(project: Settings, text: str) -> int:
    lines = (project.templates_dir / "base.html").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_a_projects_interface_translation_overrides_the_themes(project: Settings) -> None:
    theme = ui_translations(project, "pl")
    assert theme.gettext("Listen to this article") != "Listen to this article"
    path = copy_theme_ui(project, "pl")
    catalog = read_catalog(path, locale="pl")
    listen = catalog.get("Listen to this article")
    assert listen is not None
    listen.string = "Posłuchaj tekstu"
    sections = catalog.get("Sections")
    assert sections is not None
    sections.string = ""  # untranslated by the project: the theme's translation shows
    write_catalog(path, catalog)
    merged = ui_translations(project, "pl")
    assert merged.gettext("Listen to this article") == "Posłuchaj tekstu"
    assert merged.gettext("Sections") == theme.gettext("Sections") != "Sections"


def test_the_themes_ui_pot_is_current_and_carries_comments(repo_settings: Settings) -> None:
    """Run in polyedition's own source tree, extraction reads the theme's templates."""
    assert pot_path(repo_settings, UI_DOMAIN) == theme_locales() / "templates" / "ui.pot"
    template = ui_template(repo_settings, source_date())
    committed = read_catalog(pot_path(repo_settings, UI_DOMAIN))
    assert [(m.id, m.context) for m in template] == [(m.id, m.context) for m in committed]
    assert template.get("By %(author)s. Published on %(date)s.").locations[0][0] == (
        "templates/narration/byline.txt"
    )
    reading = template.get("%(num)d min read")
    assert reading is not None
    assert reading.pluralizable
    assert "python-format" in reading.flags
    assert any("minutes" in comment for comment in reading.auto_comments)
    assert template.get("Listen to this article") is not None


@pytest.mark.parametrize(
    ("lang", "nplurals"), [("en", 2), ("be", 3), ("ru", 3), ("pl", 3), ("lt", 3)]
)
def test_init_writes_the_plural_forms_of_the_language(
    project: Settings, lang: str, nplurals: int
) -> None:
    for path in project.locales_dir.glob(f"{lang}/LC_MESSAGES/*.po"):
        path.unlink()
    written = init_catalogs(project, lang)
    assert {p.name for p in written} == {f"{SLUG}.po"}  # the theme translates the interface
    catalog = read_catalog(po(project, lang))
    headers = dict(catalog.mime_headers)
    assert headers["Plural-Forms"].startswith(f"nplurals={nplurals};")
    assert headers["Language"] == lang
    assert "charset=utf-8" in headers["Content-Type"]
    assert headers["Language-Team"]


def test_init_refuses_to_overwrite_a_catalog(project: Settings) -> None:
    with pytest.raises(CatalogError, match="already exists") as caught:
        init_catalogs(project, "be")
    assert caught.value.hint is not None
    assert "update" in caught.value.hint


def test_init_rejects_a_language_the_project_does_not_configure(project: Settings) -> None:
    with pytest.raises(Exception, match="'de' is not configured"):
        init_catalogs(project, "de")


def _translate(project: Settings, lang: str) -> None:
    pseudo_translate_catalog(po(project, lang), lang)


def test_update_keeps_an_edited_paragraph_as_fuzzy_with_its_previous_msgid(
    project: Settings,
) -> None:
    _translate(project, "pl")
    old_catalog = read_catalog(po(project, "pl"))
    old = next(m for m in old_catalog if m.context == KOLESNIKOVA_P1)
    source = _article_md(project).read_text(encoding="utf-8")
    edited = source.replace("a compelling story", "a moving story", 1)
    assert edited != source
    _article_md(project).write_text(edited, encoding="utf-8")
    extract(project)
    [result] = [r for r in update_catalogs(project, ["pl"]) if r.path.name == f"{SLUG}.po"]
    assert (result.fuzzy, result.new, result.obsolete) == (1, 0, 0)
    assert result.kept == 69 + 2 + 6  # the other segments, the author and publisher, the tags
    catalog = read_catalog(po(project, "pl"))
    message = next(m for m in catalog if m.context == KOLESNIKOVA_P1)
    assert message.fuzzy
    assert "a moving story" in message.id
    assert message.string == old.string  # the translator keeps their work
    assert message.previous_id == [old.id]  # and sees what changed
    entry = po(project, "pl").read_text(encoding="utf-8").split('msgctxt "kolesnikova-p1"')[0]
    entry = entry.rsplit("\n\n", 1)[-1]
    assert "#, fuzzy" in entry
    assert '#| msgid ""\n#| "Maria Kolesnikova’s journey' in entry
    assert "compelling" in entry
    # A second update keeps the translator's diff (Babel alone would turn it into a comment).
    update_catalogs(project, ["pl"])
    again = read_catalog(po(project, "pl"))
    message = next(m for m in again if m.context == KOLESNIKOVA_P1)
    assert message.previous_id == [old.id]
    assert message.user_comments == []


def test_update_makes_removed_messages_obsolete_and_adds_new_ones(project: Settings) -> None:
    _translate(project, "lt")
    source = _article_md(project).read_text(encoding="utf-8")
    summary = source.index("## Summary")
    lines = source[summary:].split("\n\n")
    removed_paragraph = lines[1]
    edited = source[:summary] + "## Summary {#summary}\n\nA brand new closing paragraph.\n"
    _article_md(project).write_text(edited, encoding="utf-8")
    extract(project)
    [result] = [r for r in update_catalogs(project, ["lt"]) if r.path.name == f"{SLUG}.po"]
    catalog = read_catalog(po(project, "lt"))
    new = next(m for m in catalog if m.id == "A brand new closing paragraph.")
    # Same id (summary-p1), different text: the old translation is offered as fuzzy.
    assert new.fuzzy
    assert new.context == "summary-p1"
    assert result.obsolete == 0
    assert removed_paragraph.strip()[:40] in new.previous_id[0]


def test_update_turns_a_deleted_section_into_obsolete_entries(project: Settings) -> None:
    _translate(project, "ru")
    source = _article_md(project).read_text(encoding="utf-8")
    start = source.index("## Summary")
    _article_md(project).write_text(source[:start], encoding="utf-8")
    extract(project)
    [result] = [r for r in update_catalogs(project, ["ru"]) if r.path.name == f"{SLUG}.po"]
    assert result.obsolete == 2  # the Summary heading and its paragraph
    text = po(project, "ru").read_text(encoding="utf-8")
    assert '#~ msgctxt "summary-p1"' in text
    assert read_catalog(po(project, "ru")).get("Summary", context="summary") is None


def test_update_is_idempotent(project: Settings) -> None:
    update_catalogs(project, project.languages)
    again = update_catalogs(project, project.languages)
    assert not any(result.written for result in again)


def test_compile_writes_mo_files_and_skips_up_to_date_ones(project: Settings) -> None:
    first = compile_catalogs(project, ["be"])
    assert all(written for _, written in first)
    assert all(path.exists() for path, _ in first)
    second = compile_catalogs(project, ["be"])
    assert not any(written for _, written in second)
    os.utime(po(project, "be"), ns=(2**62, 2**62))
    third = dict(compile_catalogs(project, ["be"]))
    assert third[mo_path(po(project, "be"))] is True


def test_compiling_every_language_reads_the_articles_once(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every build compiles the catalogs; reading the articles for each language's domains
    was 5 Markdown parses of each article in every build."""
    read = []
    load_articles = catalogs.load_articles

    def counted(settings: Settings) -> list[Article]:
        read.append(settings)
        return load_articles(settings)

    monkeypatch.setattr(catalogs, "load_articles", counted)
    compiled = compile_catalogs(project, project.languages)
    assert len(compiled) == len(project.languages)
    assert len(read) == 1


def test_stats_count_translated_fuzzy_and_untranslated(project: Settings) -> None:
    _translate(project, "pl")
    catalog = read_catalog(po(project, "pl"))
    rows = {(r.lang, r.domain): r for r in catalog_stats(project, ["en", "pl"])}
    full = rows[("pl", SLUG)]
    assert (full.translated, full.fuzzy, full.untranslated) == (
        len([m for m in catalog if m.id]),
        0,
        0,
    )
    assert full.percent == 100.0
    assert full.words == full.translated_words > 2000
    assert rows[("en", SLUG)].percent == 100.0  # the source language is complete by definition


READING_TIME_COUNTS = [1, 2, 5, 11, 21, 22, 25, 111]
EXPECTED_FORM = {
    # index of the plural form gettext must choose, per language, for READING_TIME_COUNTS
    "en": [0, 1, 1, 1, 1, 1, 1, 1],
    "be": [0, 1, 2, 2, 0, 1, 2, 2],
    "ru": [0, 1, 2, 2, 0, 1, 2, 2],
    "pl": [0, 1, 2, 2, 2, 1, 2, 2],
    "lt": [0, 1, 1, 2, 0, 1, 1, 2],  # 5 minutės, 11 minučių
}


@pytest.mark.parametrize("lang", sorted(EXPECTED_FORM))
def test_reading_time_uses_the_plural_form_of_the_language(project: Settings, lang: str) -> None:
    path = copy_theme_ui(project, lang)
    catalog = read_catalog(path, locale=lang)
    message = catalog.get("%(num)d min read")
    assert message is not None
    message.string = tuple(f"form{i} %(num)d" for i in range(catalog.num_plurals))
    message.flags.discard("fuzzy")
    from polyedition.pofile import write_catalog

    write_catalog(path, catalog)
    translations = ui_translations(project, lang)
    chosen = [
        int(translations.ngettext("%(num)d min read", "%(num)d min read", n).split()[0][4:])
        for n in READING_TIME_COUNTS
    ]
    assert chosen == EXPECTED_FORM[lang]


def test_catalogs_in_the_repository_pass_gnu_msgfmt() -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        unavailable("GNU msgfmt is missing: apt-get install gettext")
    repo_locales = Path(__file__).resolve().parent.parent / "locales"
    files = sorted(repo_locales.glob("*/LC_MESSAGES/*.po"))
    files += sorted(theme_locales().glob("*/LC_MESSAGES/*.po"))
    assert len(files) >= 10
    for path in files:
        result = subprocess.run(
            [msgfmt, "-c", "-o", os.devnull, str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{path}: {result.stderr}"


def test_several_articles_each_get_their_own_domain(project: Settings) -> None:
    source = (project.content_dir / SLUG / "article.md").read_text(encoding="utf-8")
    second = project.content_dir / "second-story"
    second.mkdir()
    (second / "article.md").write_text(
        source.replace(f'slug = "{SLUG}"', 'slug = "second-story"'), encoding="utf-8"
    )
    written = dict(extract(project))
    assert written[pot_path(project, "second-story")] is True
    update_catalogs(project, ["pl"], use_memory=False)
    assert po(project, "pl", "second-story").exists()
    from polyedition.build import load_editions

    editions = load_editions(project, ["pl"])
    assert [edition.slug for edition in editions] == [SLUG, "second-story"]
    assert len(editions[1].fallbacks) == len(editions[1].texts)  # not translated yet
    assert editions[0].fallbacks == ()
