"""The real translations: complete, check-clean, faithful to the glossary, no English left."""

from __future__ import annotations

import gettext
import html

import pytest
from babel.messages.plurals import get_plural

from polyedition.build import load_editions
from polyedition.catalogs import UI_DOMAIN, catalog_stats, load_catalog, ui_translations
from polyedition.config import Settings, load_settings
from polyedition.glossary import load_glossary
from polyedition.languages import profile
from polyedition.qa import run_checks
from polyedition.render.inline import NBSP
from polyedition.theme.templating import environment, gettext_callables
from projectkit import REPO, SLUG

TARGETS = ["be", "ru", "pl", "lt"]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(REPO)


@pytest.mark.parametrize("lang", TARGETS)
def test_every_catalog_is_fully_translated(settings: Settings, lang: str) -> None:
    for row in catalog_stats(settings, [lang]):
        assert (row.fuzzy, row.untranslated) == (0, 0), (row.domain, row)
        assert row.percent == 100.0


@pytest.mark.parametrize("lang", TARGETS)
def test_check_finds_nothing(settings: Settings, lang: str) -> None:
    assert [str(finding) for finding in run_checks(settings, [lang])] == []


@pytest.mark.parametrize("lang", TARGETS)
def test_no_segment_of_any_edition_falls_back_to_english(settings: Settings, lang: str) -> None:
    [edition] = load_editions(settings, [lang])
    assert edition.fallbacks == ()
    assert all(text.lang == lang for text in edition.texts)


@pytest.mark.parametrize("lang", TARGETS)
def test_every_approved_glossary_form_is_used_where_its_term_appears(
    settings: Settings, lang: str
) -> None:
    terms = load_glossary(settings.locales_dir, settings.source_language)
    [edition] = load_editions(settings, [lang])
    misses = [
        (text.id, term.source)
        for text in edition.texts
        for term in terms
        if term.occurs_in(text.segment.text) and not term.used_in(lang, text.text)
    ]
    assert misses == []
    used = {term.source for term in terms for t in edition.texts if term.occurs_in(t.segment.text)}
    assert {"Maria Kolesnikova", "Ales Bialiatski", "Alexander Lukashenko"} <= used


@pytest.mark.parametrize("lang", TARGETS)
def test_headers_name_the_team_and_the_plural_forms(settings: Settings, lang: str) -> None:
    for domain in (SLUG, UI_DOMAIN):
        catalog = load_catalog(settings, lang, domain)
        assert catalog is not None
        headers = dict(catalog.mime_headers)
        assert profile(lang).english_name in headers["Language-Team"]
        assert headers["Plural-Forms"].startswith(f"nplurals={profile(lang).num_plurals};")
        assert "EMAIL@ADDRESS" not in headers.get("Last-Translator", "")


PLURAL_SAMPLES = (1, 2, 5, 21, 22, 25, 111)
"""Numbers that tell the forms of en, be, ru, pl and lt apart (21 and 111 are the usual slips)."""


@pytest.mark.parametrize("lang", ["en", *TARGETS])
def test_every_plural_message_reads_right_for_every_number(settings: Settings, lang: str) -> None:
    """Rendered as the templates render them: the number filled in, in the form that the
    language's plural rule selects for it (English shows its source forms)."""
    catalog = load_catalog(settings, lang, UI_DOMAIN)
    assert catalog is not None
    choose = gettext.c2py(get_plural(lang).plural_expr)
    page = gettext_callables(ui_translations(settings, lang), lang, settings.source_language)
    template = environment(settings.templates_dir).from_string(
        "{{ ngettext(singular, plural, n)|with_lang }}"
    )
    plurals = [message for message in catalog if isinstance(message.id, tuple)]
    assert len(plurals) >= 3
    for message in plurals:
        singular, plural = message.id
        forms = message.string if lang != settings.source_language else message.id
        if lang != settings.source_language:  # each form has its own wording (no copied form)
            assert len(set(forms)) == len(forms) == get_plural(lang).num_plurals, singular
        chosen = set()
        for n in PLURAL_SAMPLES:
            chosen.add(choose(n))
            shown = template.render(singular=singular, plural=plural, n=n, lang=lang, **page)
            expected = forms[choose(n)] % {"num": n}
            assert html.unescape(shown).replace(NBSP, " ") == expected.replace(NBSP, " "), n
            assert "%(" not in shown and str(n) in shown
        assert chosen == set(range(get_plural(lang).num_plurals)), singular


QUOTES = {"be": "«»", "ru": "«»", "pl": "„”", "lt": "„“"}


@pytest.mark.parametrize("lang", TARGETS)
def test_typography_of_the_language(settings: Settings, lang: str) -> None:
    [edition] = load_editions(settings, [lang])
    text = "\n".join(t.text for t in edition.texts)
    assert '"' not in text  # never straight double quotes
    assert " - " not in text  # a hyphen is never a dash
    assert "123\u00a0" in text  # a number stays with the noun it counts
    foreign = set("«»„“”") - set(QUOTES[lang])
    assert not (set(text) & foreign), set(text) & foreign


def test_belarusian_is_not_russian_with_belarusian_letters(settings: Settings) -> None:
    [edition] = load_editions(settings, ["be"])
    text = " ".join(t.text for t in edition.texts)
    assert not set("иъщ") & set(text.lower())  # letters Belarusian does not have
    for word in ("ў", "і"):
        assert word in text
    assert "Беларусь" in text
