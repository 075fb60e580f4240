"""The speech script: what a listener hears, in which order and language, with which pauses."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from fakes.editions import BELARUSIAN, BELARUSIAN_FALLBACKS, make_site, translated_project
from polyedition.build import load_site
from polyedition.config import Pauses
from polyedition.model import FaqItem, Paragraph, Table
from polyedition.narration.script import BYLINE_ID, Script, narration_script
from polyedition.narration.sentences import speakable, written_sentences
from polyedition.site import Site
from polyedition.theme import theme_locales
from projectkit import SLUG, copy_project, edit_translation, override

PAUSES = Pauses()
"""The default pauses (the project configures none)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return make_site(translated_project(tmp_path_factory.mktemp("narration") / "project"))


@pytest.fixture(scope="module")
def english(site: Site) -> Script:
    return narration_script(site, site.edition(SLUG, "en"))


@pytest.fixture(scope="module")
def belarusian(site: Site) -> Script:
    return narration_script(site, site.edition(SLUG, "be"))


def test_headline_then_byline_and_date_then_the_sections(site: Site, english: Script) -> None:
    article = site.edition(SLUG, "en").article
    expected = ["title", BYLINE_ID]
    for section in article.sections:
        if section.heading is not None:
            expected.append(section.heading.segment.id)
        for block in section.blocks:
            match block:
                case Paragraph(segment=segment):
                    expected.append(segment.id)
                case FaqItem(question=question, answer=answer):
                    expected += [question.id, *(part.id for part in answer)]
                case Table(caption=caption, rows=rows):
                    expected.append(caption.id)
                    expected += [cell.id for row in rows for cell in row]
    assert [utterance.id for utterance in english.utterances] == expected
    assert english.utterances[1].text == "By Polyedition Newsroom. Published on December 13, 2025."


def test_the_standfirst_table_header_and_interface_labels_are_not_read(english: Script) -> None:
    ids = {utterance.id for utterance in english.utterances}
    assert "description" not in ids
    assert not {i for i in ids if i.startswith("key-points-h")}
    assert not any("Listen to this article" in u.text for u in english.utterances)


def test_the_table_is_read_row_by_row_as_label_then_details(english: Script) -> None:
    row = [u for u in english.utterances if u.id.startswith("key-points-r2-")]
    assert [u.text for u in row] == [
        "Reason for Release:",
        "US agreed to lift sanctions on Belarus, specifically on potash.",
    ]
    assert row[0].pause < row[1].pause


def test_pauses_set_headings_and_sections_apart(english: Script) -> None:
    by_id = {u.id: u for u in english.utterances}
    assert by_id["us-sanctions"].pause == PAUSES.heading
    assert by_id["us-sanctions-p1"].pause == PAUSES.paragraph
    assert by_id["us-sanctions-p2"].pause == PAUSES.section  # the section's last
    assert by_id["faq-q1"].pause == PAUSES.question
    assert PAUSES.question < PAUSES.heading < PAUSES.section


def test_a_chapter_per_section_titled_in_the_editions_language(
    site: Site, belarusian: Script
) -> None:
    sections = site.edition(SLUG, "be").article.sections
    assert [chapter.id for chapter in belarusian.chapters] == [s.id for s in sections]
    titles = {chapter.id: chapter.title for chapter in belarusian.chapters}
    assert titles["turning-point"] == BELARUSIAN["turning-point"]
    assert titles["lead"] == BELARUSIAN["title"]  # the lead has no heading: the headline
    assert {u.chapter for u in belarusian.utterances} == set(titles)
    first = belarusian.utterances[0]
    assert (first.id, first.chapter) == ("title", "lead")


def test_fallback_segments_are_read_in_english(belarusian: Script) -> None:
    langs = {utterance.id: utterance.lang for utterance in belarusian.utterances}
    for segment_id in BELARUSIAN_FALLBACKS:
        assert langs[segment_id] == "en"
    for segment_id in BELARUSIAN:
        assert langs[segment_id] == "be"


def test_the_byline_is_spoken_in_the_editions_language_when_translated(
    belarusian: Script,
) -> None:
    byline = belarusian.utterances[1]
    assert (byline.id, byline.lang) == (BYLINE_ID, "be")
    # The date is Babel's long Belarusian date, its "г." not doubled by the sentence's stop.
    assert byline.text == "Аўтар: Polyedition Newsroom. Апублікавана 13 снежня 2025 г."


def test_an_untranslated_byline_is_english_with_an_english_date(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    byline_template = override(settings, "narration/byline.txt")
    source = byline_template.read_text(encoding="utf-8")
    assert "By %(author)s." in source
    byline_template.write_text(source.replace("By %(author)s.", "Written by %(author)s."), "utf-8")
    site = load_site(settings)
    byline = narration_script(site, site.edition(SLUG, "ru")).utterances[1]
    assert byline.lang == "en"
    assert byline.text == "Written by Polyedition Newsroom. Published on December 13, 2025."


def test_the_byline_message_is_in_the_ui_catalog_for_translators() -> None:
    pot = (theme_locales() / "templates" / "ui.pot").read_text(encoding="utf-8")
    assert 'msgid "By %(author)s. Published on %(date)s."' in pot
    assert "templates/narration/byline.txt" in pot


def test_speech_is_plain_text() -> None:
    assert speakable("*Kolesnikova’s* [release](https://x.org/a)  was `news`") == (
        "Kolesnikova’s release was news"
    )


def test_the_voice_gets_no_double_brackets_but_the_captions_keep_them(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    edit_translation(settings, "pl", "summary-p1", "Tablice jak a[b[0]] są proste. [[Tak]].")
    site = load_site(settings)
    [said] = [
        u
        for u in narration_script(site, site.edition(SLUG, "pl")).utterances
        if u.id == "summary-p1"
    ]
    assert said.text == "Tablice jak a[b[0 są proste. Tak."
    assert said.written == "Tablice jak a[b[0]] są proste. [[Tak]]."
    assert written_sentences(said.written, said.text, ["Tablice jak a[b[0 są proste.", "Tak."]) == (
        "Tablice jak a[b[0]] są proste.",
        "[[Tak]].",
    )


def test_each_chapter_with_utterances_is_one_span_of_the_script(english: Script) -> None:
    spans = english.spans
    assert [chapter for chapter, _, _ in spans] == [
        chapter.id
        for chapter in english.chapters
        if any(u.chapter == chapter.id for u in english.utterances)
    ]
    assert spans[0][1] == 0 and spans[-1][2] == len(english.utterances)
    for (_, _, end), (_, first, _) in itertools.pairwise(spans):
        assert end == first
    for chapter, first, end in spans:
        assert {u.chapter for u in english.utterances[first:end]} == {chapter}
