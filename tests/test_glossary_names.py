"""Names in the narration: the glossary's spoken forms (``say:<lang>``), the narration saying
them in every inflected form, and ``check`` asking for the ones a voice would misread."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.checks import unspoken_names
from polyedition.errors import CatalogError, SpeechError
from polyedition.glossary import GLOSSARY_FILE, Term, load_glossary
from polyedition.qa import run_checks
from polyedition.speech.lexicon import load_lexicon
from projectkit import copy_project

COALE = Term("John Coale", {"pl": "John Coale", "lt": "John Coale", "be": "Джон Коўл"}, 11)


@pytest.mark.parametrize("lang", ["pl", "lt"])
def test_an_english_name_kept_in_a_latin_script_edition_needs_a_spoken_form(lang: str) -> None:
    [finding] = unspoken_names(Path("glossary.csv"), [COALE], lang)
    assert (finding.line, finding.check) == (11, "spoken")
    assert "'John Coale'" in finding.message and f"say:{lang}" in finding.message


def test_letters_a_language_does_not_write_make_its_voice_misread_a_name() -> None:
    term = Term("Tikhanovskaya", {"pl": "Cichanouska", "lt": "Cichanouskaja"}, 9)
    assert term.foreign_spelling("pl") == "'ou' is not Polish spelling"
    assert Term("Wex", {"lt": "Veksas", "pl": "Weks"}, 1).foreign_spelling("lt") is None
    assert (
        Term("Wex", {"lt": "Wexas"}, 1).foreign_spelling("lt") == "'w' is not a Lithuanian letter"
    )


def test_cyrillic_forms_and_spoken_forms_given_need_nothing_more() -> None:
    spoken = Term("John Coale", {"pl": "John Coale"}, 11, spoken={"pl": "Dżon Koul"})
    assert unspoken_names(Path("glossary.csv"), [COALE], "be") == []
    assert unspoken_names(Path("glossary.csv"), [spoken], "pl") == []


def test_the_repository_glossary_has_every_spoken_form_its_voices_need(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    findings = run_checks(settings, ["be", "ru", "pl", "lt"])
    assert [str(f) for f in findings if f.check == "spoken"] == []


def test_a_spoken_form_that_is_not_word_for_word_names_the_glossary_line(tmp_path: Path) -> None:
    path = tmp_path / GLOSSARY_FILE
    path.write_text("en,pl,say:pl\nJohn Coale,John Coale,Dżon\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="one word for each word") as caught:
        load_glossary(tmp_path, "en")
    assert (caught.value.path, caught.value.line) == (path, 2)


def test_a_misplaced_accent_in_a_spoken_form_names_the_glossary_line(tmp_path: Path) -> None:
    path = tmp_path / GLOSSARY_FILE
    path.write_text("en,be,say:be\nBabaryko,Бабарыка,Ба́бары́ка\n", encoding="utf-8")
    with pytest.raises(SpeechError, match="2 stress accents") as caught:
        load_lexicon(tmp_path, "be", "en")
    assert (caught.value.path, caught.value.line) == (path, 2)


@pytest.mark.parametrize(
    ("lang", "written", "said"),
    [
        ("lt", "pasiuntinio Johno Coale’o ir Johnas", "pasiuntinio Džono Kolo ir Džonas"),
        ("pl", "Swiatłana Cichanouska i Cichanouskiej", "Swiatłana Cichanołska i Cichanołskiej"),
        ("pl", "Johnson", "Johnson"),
    ],
)
def test_the_narration_says_every_inflected_form_of_a_name_as_the_glossary_says_it(
    tmp_path: Path, lang: str, written: str, said: str
) -> None:
    settings = copy_project(tmp_path)
    lexicon = load_lexicon(settings.locales_dir, lang, settings.source_language)
    assert lexicon.apply(written, phonemes=False).text == said


def test_a_stressed_spoken_form_moves_the_voices_stress_in_every_case(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    lexicon = load_lexicon(settings.locales_dir, "be", settings.source_language)
    said = lexicon.apply("Віктар Бабарыка і Бабарыку", phonemes=True).text
    assert said == "[[v;'iktar]] [[babar'i\"ka]] і [[babar'i\"ku]]"
