"""The translation memory: a second article takes the first one's translations of the sentences,
names and table rows it shares, and ``polyedition tm`` finds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from polyedition.catalogs import extract, memory_files, update_catalogs
from polyedition.config import Settings
from polyedition.memory import (
    FUZZY_THRESHOLD,
    MemoryEntry,
    TranslationMemory,
    load_memory,
    similarity,
)
from polyedition.pofile import read_catalog, write_catalog
from projectkit import SLUG, copy_project, po, run_polyedition

SECOND = "kolesnikova-profile"
KOLESNIKOVA_P1 = (
    "Maria Kolesnikova’s journey from confinement to liberation tells a compelling story of "
    "resilience and resistance."
)


def _first_article_paragraph(settings: Settings, segment_id: str) -> str:
    catalog = read_catalog(po(settings, "be"), locale="be")
    return next(m.id for m in catalog if m.context == segment_id)


def _second_article(settings: Settings) -> str:
    """An article that shares a paragraph (word for word), another paragraph with one word
    changed, the description, two tags, the table's header and two of its rows with the first
    article, and a heading with an interface string; the rest is new."""
    shared = _first_article_paragraph(settings, "kolesnikova-p1")
    edited = _first_article_paragraph(settings, "kolesnikova-p2").replace(
        "the complex interplay", "the intricate interplay"
    )
    description = _first_article_paragraph(settings, "description")
    return f"""+++
slug = "{SECOND}"
language = "en"
title = "Maria Kolesnikova: A Profile"
description = "{description}"
date = 2025-12-20
author = "Polyedition Newsroom"
publisher = "Polyedition"
tags = ["Belarus", "Maria Kolesnikova", "profiles"]
+++

{shared}

{edited}

## Contents {{#contents}}

Her sister has led the campaign for her release from abroad since 2021.

## Key Points {{#key-points}}

| Key Points | Details |
|---|---|
| Number of Prisoners Released | 123 prisoners, including Maria Kolesnikova and Ales Bialiatski. |
| Reason for Release | US agreed to lift sanctions on Belarus, specifically on potash. |
| Her Next Steps | Kolesnikova plans to keep working for the release of all prisoners. |

Table: Maria Kolesnikova in three points
"""


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    """The publication with a second article, extracted and updated into every language."""
    settings = copy_project(tmp_path)
    folder = settings.content_dir / SECOND
    folder.mkdir()
    (folder / "article.md").write_text(_second_article(settings), encoding="utf-8")
    extract(settings)
    return settings


def _messages(settings: Settings, lang: str) -> dict[str, Message]:
    catalog = read_catalog(po(settings, lang, SECOND), locale=lang)
    return {str(m.context): m for m in catalog if m.id}


def _translation_of(settings: Settings, lang: str, segment_id: str) -> str:
    catalog = read_catalog(po(settings, lang), locale=lang)
    return str(next(m.string for m in catalog if m.context == segment_id))


# --- the similarity measure ------------------------------------------------------------------


def test_one_changed_word_in_a_long_sentence_is_a_close_match() -> None:
    edited = KOLESNIKOVA_P1.replace("compelling", "moving")
    assert FUZZY_THRESHOLD <= similarity(KOLESNIKOVA_P1, edited) < 1.0


def test_a_shared_name_does_not_make_two_sentences_alike() -> None:
    other = "Maria Kolesnikova’s sister lives in Germany."
    assert similarity(KOLESNIKOVA_P1, other) < FUZZY_THRESHOLD


def test_only_an_identical_source_is_an_exact_match() -> None:
    assert similarity("Key Points", "Key Points") == 1.0
    assert similarity("Key Points", "Key points") < 1.0


def test_a_search_ranks_exact_then_close_then_live_before_obsolete() -> None:
    entries = [
        MemoryEntry("Key Points", "Галоўнае", Path("a.po"), 9, "x", obsolete=True),
        MemoryEntry("Key points", "Асноўнае", Path("a.po"), 5, "y", obsolete=False),
        MemoryEntry("Key Points", "Галоўнае", Path("b.po"), 3, "z", obsolete=False),
    ]
    found = TranslationMemory("be", entries).search("Key Points")
    assert [(m.entry.path.name, m.entry.line) for m in found] == [
        ("b.po", 3),
        ("a.po", 9),
        ("a.po", 5),
    ]
    assert [m.exact for m in found] == [True, True, False]


# --- update fills the second article ---------------------------------------------------------


def test_update_fills_the_shared_sentences_names_and_table_rows_as_translated(
    project: Settings,
) -> None:
    results = update_catalogs(project, ["be"])
    [second] = [r for r in results if r.path == po(project, "be", SECOND)]
    messages = _messages(project, "be")
    first_po = "locales/be/LC_MESSAGES/belarus-prisoner-release.po"
    for segment_id, first_id in [
        ("lead-p1", "kolesnikova-p1"),
        ("description", "description"),
        ("key-points-r1-c1", "key-points-r1-c1"),
        ("key-points-r1-c2", "key-points-r1-c2"),
        ("key-points-r2-c2", "key-points-r2-c2"),
        ("key-points-h1", "key-points-h1"),
    ]:
        message = messages[segment_id]
        assert not message.fuzzy, segment_id
        assert message.string == _translation_of(project, "be", first_id), segment_id
        comment = " ".join(message.user_comments)  # Babel wraps long comments
        assert comment.startswith(f"Translation memory: exact match of {first_po}:")
    tags = [m for m in read_catalog(po(project, "be", SECOND), locale="be") if m.id]
    names = {m.id: m.string for m in tags if m.context == "keyword"}
    assert names["Maria Kolesnikova"] == "Марыя Калеснікава"
    assert names["profiles"] == ""  # nothing like it in the memory
    assert second.memory_exact >= 12
    assert second.memory_fuzzy == 1


def test_an_interface_string_comes_from_the_ui_catalog(project: Settings) -> None:
    update_catalogs(project, ["pl"])
    heading = _messages(project, "pl")["contents"]
    assert heading.string == "Spis treści"
    assert "ui.po:" in " ".join(heading.user_comments)


def test_a_close_match_is_fuzzy_with_the_memorys_english_as_previous_msgid(
    project: Settings,
) -> None:
    update_catalogs(project, ["pl"])
    message = _messages(project, "pl")["lead-p2"]
    assert message.fuzzy
    assert message.string == _translation_of(project, "pl", "kolesnikova-p2")
    assert message.previous_id == [_first_article_paragraph(project, "kolesnikova-p2")]
    assert message.user_comments[0].startswith("Translation memory: 9")  # 9x% match
    text = po(project, "pl", SECOND).read_text(encoding="utf-8")
    assert "#| msgid" in text and "the complex interplay" in text


def test_new_sentences_stay_untranslated(project: Settings) -> None:
    update_catalogs(project, ["lt"])
    messages = _messages(project, "lt")
    for segment_id in ("title", "contents-p1", "key-points-r3-c1", "key-points-r3-c2"):
        assert messages[segment_id].string == "", segment_id
        assert not messages[segment_id].user_comments


def test_update_never_replaces_a_translation_a_human_made(project: Settings) -> None:
    update_catalogs(project, ["ru"])
    path = po(project, "ru", SECOND)
    catalog = read_catalog(path, locale="ru")
    mine = next(m for m in catalog if m.context == "key-points-r1-c1")
    mine.string = "Сколько заключенных освободили"
    mine.user_comments = []
    write_catalog(path, catalog)
    [again] = [r for r in update_catalogs(project, ["ru"]) if r.path == path]
    assert (again.memory_exact, again.memory_fuzzy) == (0, 0)
    assert _messages(project, "ru")["key-points-r1-c1"].string == "Сколько заключенных освободили"


def test_an_exact_match_replaces_a_fuzzy_guess_which_is_kept_as_obsolete(
    project: Settings,
) -> None:
    """A paragraph edited into a sentence translated elsewhere takes that translation; its old
    one, which no longer fits, stays in the catalog as ``#~``."""
    first = project.content_dir / SLUG / "article.md"
    source = first.read_text(encoding="utf-8")
    old = _first_article_paragraph(project, "kolesnikova-p2")
    elsewhere = _first_article_paragraph(project, "us-sanctions-p2")
    first.write_text(source.replace(old, elsewhere), encoding="utf-8")
    extract(project)
    [result] = [r for r in update_catalogs(project, ["lt"]) if r.path == po(project, "lt")]
    assert (result.memory_exact, result.fuzzy) == (1, 0)
    catalog = read_catalog(po(project, "lt"), locale="lt")
    message = next(m for m in catalog if m.context == "kolesnikova-p2")
    assert not message.fuzzy
    assert message.string == _translation_of(project, "lt", "us-sanctions-p2")
    assert [m.id for m in catalog.obsolete.values()] == [old]


def test_an_obsolete_translation_is_remembered(project: Settings) -> None:
    """A paragraph removed from the first article lives on as ``#~``; the second one reuses it."""
    first = project.content_dir / SLUG / "article.md"
    source = first.read_text(encoding="utf-8")
    removed = _first_article_paragraph(project, "kolesnikova-p2")
    first.write_text(source.replace(removed + "\n\n", ""), encoding="utf-8")
    extract(project)
    update_catalogs(project, ["be"], use_memory=False)  # the first catalog keeps it as #~
    assert '#~ msgctxt "kolesnikova-p2"' in po(project, "be").read_text(encoding="utf-8")
    update_catalogs(project, ["be"])
    message = _messages(project, "be")["lead-p2"]  # the removed paragraph, one word changed
    assert message.fuzzy and message.previous_id == [removed]
    assert " ".join(message.user_comments).endswith("(obsolete entry)")


def test_the_memory_reads_every_catalog_of_the_language(project: Settings) -> None:
    update_catalogs(project, ["be"], use_memory=False)
    files = [path.name for path in memory_files(project, "be")]
    assert files == [f"{SLUG}.po", f"{SECOND}.po", "ui.po"]
    memory = load_memory("be", memory_files(project, "be"))
    assert any(entry.context is None for entry in memory.entries)  # the interface strings


# --- the command line ------------------------------------------------------------------------


def test_update_says_how_many_messages_came_from_memory(project: Settings) -> None:
    result = run_polyedition(project.project_dir, "update", "--lang", "be")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if f"{SECOND}.po" in line)
    assert "from memory (" in line and "1 fuzzy)" in line


def test_tm_lists_matches_with_score_file_and_line_as_json(project: Settings) -> None:
    result = run_polyedition(
        project.project_dir, "tm", "--lang", "pl", "--json", "Number of prisoners released"
    )
    assert result.returncode == 0, result.stderr
    [best, *_] = json.loads(result.stdout)
    assert best["translation"] == _translation_of(project, "pl", "key-points-r1-c1")
    assert best["path"].endswith(f"pl/LC_MESSAGES/{SLUG}.po") and best["line"] > 1
    assert 0.9 < best["score"] < 1.0  # the case differs
    assert best["context"] == "key-points-r1-c1"


def test_tm_finds_the_paragraphs_that_contain_a_name(project: Settings) -> None:
    result = run_polyedition(project.project_dir, "tm", "--lang", "pl", "John Coale")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("contains  ")
    assert "Johna Coale’a" in result.stdout
