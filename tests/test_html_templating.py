"""Templates: translations never become markup, untranslated UI text is marked, errors say where."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from polyedition.build import load_editions
from polyedition.config import Settings
from polyedition.errors import RenderError
from polyedition.render.html.pages import render_article, render_chooser
from polyedition.site import Site
from polyedition.theme.templating import environment, gettext_callables
from projectkit import SLUG, override

Translate = Callable[[Settings, str, str, dict[Any, Any]], None]

HOSTILE = (
    "Tytuł <b>pogrubiony</b> & \"cudzysłów\" 'apostrof' <script>alert(1)</script> </script><!--"
)
"""A translation full of characters that mean something in HTML."""


def site_of(settings: Settings) -> Site:
    editions = load_editions(settings, settings.languages)
    return Site(settings, {(edition.slug, edition.lang): edition for edition in editions})


def test_a_segment_translation_with_markup_characters_stays_text(
    project_copy: Settings, translate: Translate, parse_html: Callable[[str], Any]
) -> None:
    translate(
        project_copy,
        "pl",
        SLUG,
        {"title": HOSTILE, "lead-p1": "Akapit </p><script>alert(2)</script>"},
    )
    site = site_of(project_copy)
    html = render_article(site, site.edition(SLUG, "pl"))
    page = parse_html(html)
    assert page.find("h1").text() == HOSTILE
    assert page.find(id="lead-p1").text() == "Akapit </p><script>alert(2)</script>"
    assert [node.attrs for node in page.find_all("script")] == [{"type": "application/ld+json"}]
    assert page.find_all("b") == []
    assert page.find("title").text().startswith(HOSTILE)
    assert page.find("meta", property="og:title").attrs["content"] == HOSTILE
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_json_ld_survives_a_translation_that_closes_the_script_element(
    project_copy: Settings, translate: Translate, parse_html: Callable[[str], Any]
) -> None:
    translate(project_copy, "pl", SLUG, {"title": HOSTILE})
    site = site_of(project_copy)
    html = render_article(site, site.edition(SLUG, "pl"))
    script = parse_html(html).find("script", type="application/ld+json")
    assert json.loads(script.text())["headline"] == HOSTILE
    start = html.index('<script type="application/ld+json">')
    assert html.index("</script>", start) == html.index("}</script>", start) + 1
    assert "<!--" not in html[start : html.index("</script>", start)]


def test_an_interface_translation_with_markup_characters_stays_text(
    project_copy: Settings, translate: Translate, parse_html: Callable[[str], Any]
) -> None:
    translate(
        project_copy,
        "pl",
        "ui",
        {
            "Skip to main content": HOSTILE,
            "Your browser prefers this language:": 'Twoja "przeglądarka" <woli> ten & język:',
        },
    )
    site = site_of(project_copy)
    page = parse_html(render_article(site, site.edition(SLUG, "pl")))
    assert page.find("a", class_="skip-link").text() == HOSTILE
    assert page.find_all("b") == []
    assert len(page.find_all("script")) == 1
    chooser = parse_html(render_chooser(site))
    entry = chooser.find("li", data_lang="pl")
    assert entry.attrs["data-suggestion"] == 'Twoja "przeglądarka" <woli> ten & język:'


def test_untranslated_interface_text_is_marked_english_and_translated_text_is_not(
    project_copy: Settings, translate: Translate, parse_html: Callable[[str], Any]
) -> None:
    base = override(project_copy, "base.html")  # a string of the project's, untranslated
    html = base.read_text(encoding="utf-8")
    base.write_text(html.replace('_("All languages")', '_("Every language")'), "utf-8")
    translate(project_copy, "pl", "ui", {"Skip to main content": "Przejdź do treści"})
    site = site_of(project_copy)
    page = parse_html(render_article(site, site.edition(SLUG, "pl")))
    skip = page.find("a", class_="skip-link")
    assert skip.text() == "Przejdź do treści"
    assert skip.find_all(lang=True) == []
    footer_link = page.find("footer").find_all("a")[0]
    assert footer_link.find("span").attrs["lang"] == "en"
    assert footer_link.text() == "Every language"
    original = parse_html(render_article(site, site.edition(SLUG, "en")))
    assert original.find("body").find_all("span", lang="en") == []


def test_reading_time_takes_the_plural_form_of_the_editions_language(
    project_copy: Settings,
    translate: Translate,
) -> None:
    forms = ("%(num)d minuta czytania", "%(num)d minuty czytania", "%(num)d minut czytania")
    translate(project_copy, "pl", "ui", {("%(num)d min read", "%(num)d min read"): forms})
    site = site_of(project_copy)
    template = environment(project_copy.templates_dir).from_string(
        '{{ ngettext("%(num)d min read", "%(num)d min read", n) }}'
    )
    callables = gettext_callables(site.theme.ui("pl"), "pl", "en")
    rendered = {n: template.render(n=n, **callables) for n in (1, 2, 5, 12, 22, 25)}
    assert rendered == {
        1: "1 minuta czytania",
        2: "2 minuty czytania",
        5: "5 minut czytania",
        12: "12 minut czytania",
        22: "22 minuty czytania",
        25: "25 minut czytania",
    }


def test_plain_text_templates_are_not_html_escaped(project_copy: Settings) -> None:
    narration = project_copy.templates_dir / "narration"
    narration.mkdir(parents=True, exist_ok=True)
    (narration / "probe.txt").write_text('{{ _("By %(author)s", author=who) }}\n', encoding="utf-8")
    (narration / "probe.html").write_text(
        '{{ _("By %(author)s", author=who) }}\n', encoding="utf-8"
    )
    site = site_of(project_copy)
    assert (
        site.theme.render("en", "narration/probe.txt", who="Smith & Wesson")
        == "By Smith & Wesson\n"
    )
    assert site.theme.render("en", "narration/probe.html", who="Smith & Wesson") == (
        "By Smith &amp; Wesson\n"
    )


def replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = text + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_a_template_syntax_error_names_the_template_and_line(project_copy: Settings) -> None:
    article = override(project_copy, "article.html")
    replace_line(article, 5, "{% if %}")
    site = site_of(project_copy)
    with pytest.raises(RenderError) as caught:
        render_article(site, site.edition(SLUG, "en"))
    assert caught.value.path == article
    assert caught.value.line == 5
    assert str(caught.value).startswith(f"{article}:5: template syntax error")


def test_an_undefined_variable_names_the_template_and_line(project_copy: Settings) -> None:
    macros = override(project_copy, "macros/switcher.html")
    lines = macros.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if "<ul" in line)
    replace_line(macros, number, "{{ no_such_variable }}")
    site = site_of(project_copy)
    with pytest.raises(RenderError) as caught:
        render_article(site, site.edition(SLUG, "be"))
    assert caught.value.path == macros
    assert caught.value.line == number
    assert "no_such_variable" in caught.value.message


def test_a_missing_asset_is_a_render_error_saying_where_it_belongs(project_copy: Settings) -> None:
    base = override(project_copy, "base.html")
    html = base.read_text(encoding="utf-8")
    base.write_text(html.replace("asset('site.css')", "asset('missing.css')"), "utf-8")
    site = site_of(project_copy)
    with pytest.raises(RenderError) as caught:
        render_article(site, site.edition(SLUG, "en"))
    assert caught.value.path == project_copy.templates_dir / "assets" / "missing.css"


def test_rendering_the_same_edition_twice_gives_the_same_bytes(real_site: Site) -> None:
    edition = real_site.edition(SLUG, "lt")
    assert render_article(real_site, edition) == render_article(real_site, edition)


def test_trans_blocks_with_variables_use_the_escaping_newstyle_gettext(tmp_path: Path) -> None:
    from babel.support import Translations

    from polyedition.theme.templating import environment, gettext_callables

    (tmp_path / "t.html").write_text(
        '{% trans name="<b>Ales</b>" %}Hello {{ name }}{% endtrans %}', encoding="utf-8"
    )
    env = environment(tmp_path)
    page = env.get_template("t.html").render(**gettext_callables(Translations(), "en", "en"))
    assert page == "Hello &lt;b&gt;Ales&lt;/b&gt;"


def test_the_theme_reads_a_stylesheet_once_and_renderers_get_its_text(
    project_copy: Settings,
) -> None:
    stylesheet = override(project_copy, "assets/print.css")
    stylesheet.write_text("@page { size: A5; }\n", encoding="utf-8")
    site = site_of(project_copy)
    assert site.theme.text("assets/print.css") == "@page { size: A5; }\n"
    stylesheet.unlink()  # rendering goes on from what the theme loaded, not from the disk
    assert site.theme.text("assets/print.css") == "@page { size: A5; }\n"
    with pytest.raises(RenderError, match=r"cannot read assets/missing\.css") as caught:
        site.theme.text("assets/missing.css")
    assert caught.value.path is not None
