"""Words in another language inside an utterance, such as the English author of a translated
byline, are said by a voice of that language: eSpeak switches voices within the utterance. The
byline's author and publisher are messages a desk may translate."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.build import load_site
from polyedition.model import AUTHOR_ID
from polyedition.narration.script import BYLINE_ID, narration_script
from polyedition.pofile import read_catalog, write_catalog
from polyedition.render.html.pages import render_article
from polyedition.site import Site
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.frontend import load_frontend
from polyedition.speech.lexicon import load_lexicon
from polyedition.speech.spoken import spoken_text
from projectkit import SLUG, copy_project, po

ENGLISH_POLYEDITION = "p,0lI;I2d'IS@n nj'u:zru:m"
"""How eSpeak's English voice says "Polyedition Newsroom"."""


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


@pytest.mark.parametrize("lang", ["be", "ru", "pl", "lt"])
def test_the_english_author_of_a_translated_byline_is_said_with_english_phonemes(
    real_site: Site, espeak: EspeakEngine, lang: str
) -> None:
    byline = narration_script(real_site, real_site.edition(SLUG, lang)).utterances[1]
    assert (byline.id, byline.lang, byline.foreign) == (
        BYLINE_ID,
        lang,
        (("Polyedition Newsroom", "en"),),
    )
    settings = real_site.settings
    spoken = spoken_text(
        byline.text,
        load_frontend(settings.locales_dir, lang),
        load_lexicon(settings.locales_dir, lang, settings.source_language),
        phonemes=True,
        foreign=byline.foreign,
    )
    assert "{{en|Polyedition Newsroom}}" in spoken.text
    said = espeak.phonemes(spoken.text, lang)
    assert ENGLISH_POLYEDITION in said
    # The edition's voice comes back for the rest of the byline.
    following = spoken.text.split("}}.")[1].split()[0]
    assert espeak.phonemes(following, lang).strip("_:") in said


def test_engines_without_phonemes_get_the_words_without_marks(real_site: Site) -> None:
    byline = narration_script(real_site, real_site.edition(SLUG, "pl")).utterances[1]
    settings = real_site.settings
    spoken = spoken_text(
        byline.text,
        load_frontend(settings.locales_dir, "pl"),
        load_lexicon(settings.locales_dir, "pl"),
        phonemes=False,
        foreign=byline.foreign,
    )
    assert "{{" not in spoken.text and "Polyedition Newsroom" in spoken.text


def test_the_english_byline_has_nothing_foreign(real_site: Site) -> None:
    byline = narration_script(real_site, real_site.edition(SLUG, "en")).utterances[1]
    assert byline.foreign == ()


def test_word_timings_of_a_mixed_utterance_point_into_its_text(espeak: EspeakEngine) -> None:
    text = "Autor: {{en|Polyedition Newsroom}}. Opublikowano dziś."
    synthesis = espeak.synthesize(text, "pl", "pl", None)
    offsets = [mark.offset for mark in synthesis.marks]
    assert [text[offset:].split(maxsplit=1)[0] for offset in offsets] == [
        "Autor:",
        "Polyedition",
        "Newsroom}}.",
        "Opublikowano",
        "dziś.",
    ]


def test_a_desk_that_translates_the_author_has_it_said_by_its_own_voice(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    path = po(settings, "pl")
    catalog = read_catalog(path, locale="pl")
    for message in catalog:
        if message.context == AUTHOR_ID:
            message.string = "redakcja Polyedition"
    write_catalog(path, catalog)
    site = load_site(settings)
    edition = site.edition(SLUG, "pl")
    assert (edition.author.text, edition.author.lang) == ("redakcja Polyedition", "pl")
    byline = narration_script(site, edition).utterances[1]
    assert byline.text.startswith("Autor: redakcja Polyedition.")
    assert byline.foreign == ()
    assert "redakcja Polyedition" in render_article(site, edition)
