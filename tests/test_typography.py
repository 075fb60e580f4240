"""Typography at render time: a spaced dash never starts a line; speech is unchanged."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from polyedition.config import Settings
from polyedition.narration.script import narration_script
from polyedition.narration.sentences import speakable
from polyedition.render.html.pages import render_article
from polyedition.render.inline import NBSP, inline_html, plain_text, typeset
from polyedition.site import Site
from polyedition.theme.templating import environment, gettext_callables
from projectkit import SLUG

LANGS = ("en", "be", "ru", "pl", "lt")
SPACED_DASH = re.compile(r"\s[–—](?=\s|$)")
BREAKABLE_BEFORE_DASH = re.compile(r"[ \t\n\r\f][–—](?=\s|$)")
"""A dash after a space that a browser or WeasyPrint may break at, carrying the dash over."""


def test_the_space_before_a_spaced_dash_becomes_a_no_break_space() -> None:
    assert typeset("powodów politycznych – na tle") == f"powodów politycznych{NBSP}– na tle"
    assert typeset("Сярод вызваленых — Калеснікава") == f"Сярод вызваленых{NBSP}— Калеснікава"
    assert typeset("«Гэта пачатак», — сказала") == f"«Гэта пачатак»,{NBSP}— сказала"
    assert typeset("laisvę  –\nir") == f"laisvę{NBSP}–\nir"  # a run of spaces becomes one


@pytest.mark.parametrize(
    "text",
    [
        "2020–2025",  # a range: no spaces, no line break to prevent
        "US-Belarus",
        "a - b",  # a hyphen is not a dash (the catalogs' own test forbids it)
        f"przetłumaczony{NBSP}– jest",  # already bound by hand (ui.po)
        "— Гэта толькі пачатак.",  # a dash that opens a paragraph
    ],
)
def test_unspaced_dashes_hyphens_and_bound_dashes_are_left_alone(text: str) -> None:
    assert typeset(text) == text


def test_html_typesets_text_around_markup_and_line_breaks_but_never_code() -> None:
    html = str(inline_html("**Kalesnikawa** – wolna\n— `a — b` i [nowa – era](https://x.org)"))
    assert html == (
        f"<strong>Kalesnikawa</strong>{NBSP}– wolna{NBSP}— <code>a — b</code> i "
        f'<a href="https://x.org">nowa{NBSP}– era</a>'
    )


def test_plain_text_for_titles_and_metadata_is_typeset_too() -> None:
    assert plain_text("*Wolność* — i co dalej") == f"Wolność{NBSP}— i co dalej"


def test_interface_text_is_typeset_like_segments(repo_settings: Settings) -> None:
    catalog = Catalog(locale="pl", domain="ui")
    catalog.add("%(num)s min read", "Czas czytania – %(num)s min")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    callables = gettext_callables(Translations(buffer), "pl", "en")
    template = environment(repo_settings.templates_dir).from_string("{{ _(m, num=3) }}")
    assert template.render(m="%(num)s min read", **callables) == f"Czas czytania{NBSP}– 3 min"


@pytest.mark.parametrize("lang", LANGS)
def test_no_dash_of_a_real_edition_can_start_a_line(
    real_site: Site, parse_html: Callable[[str], Any], lang: str
) -> None:
    edition = real_site.edition(SLUG, lang)
    body = parse_html(render_article(real_site, edition)).find("body").text()
    assert BREAKABLE_BEFORE_DASH.findall(body) == []
    in_catalogs = sum(len(SPACED_DASH.findall(text.text)) for text in edition.texts)
    assert in_catalogs > 0  # every edition of the real article has spaced dashes
    assert body.count(f"{NBSP}–") + body.count(f"{NBSP}—") >= in_catalogs


def test_the_polish_article_binds_every_dash_to_the_word_before(
    real_site: Site, parse_html: Callable[[str], Any]
) -> None:
    """Issue 14: the Polish catalog types its dashes with an ordinary space before them."""
    edition = real_site.edition(SLUG, "pl")
    typed = sum(text.text.count(" – ") for text in edition.texts)
    assert typed >= 18
    article = parse_html(render_article(real_site, edition)).find("article").text()
    assert " – " not in article
    assert article.count(f"{NBSP}– ") >= typed


@pytest.mark.parametrize("lang", LANGS)
def test_speech_reads_dashes_with_ordinary_spaces(real_site: Site, lang: str) -> None:
    script = narration_script(real_site, real_site.edition(SLUG, lang))
    spoken = "\n".join(utterance.text for utterance in script.utterances)
    assert NBSP not in spoken
    assert SPACED_DASH.search(spoken)  # the dashes are still read, as before
    assert speakable("laisvę – ir") == "laisvę – ir"
