"""Word stress: accented respellings in the lexicon, and the narration stressed as a native
speaker would stress it."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.cli import main
from polyedition.errors import SpeechError
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.lexicon import Lexicon, load_lexicon, parse_lexicon
from polyedition.speech.proof import voice_stress
from projectkit import REPO

# Each language's narration is measured with its accent stage, token by token against a
# reference made independently of its model and lexicon: test_stress_ru.py, test_stress_be.py.


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


# --- the lexicon's accented respellings -------------------------------------------------------


def test_an_accented_respelling_becomes_espeaks_phonemes_with_the_stress_moved() -> None:
    lexicon = parse_lexicon(["Калеснікава\tКале́снікава", "вяха\tвяха́"], "be", Path("lexicon.tsv"))
    assert lexicon.apply("Марыя Калеснікава, вяха.", phonemes=True).text == (
        "Марыя [[kal;'Es;n;ikava]], [[v;ax'a]]."
    )


def test_engines_without_phonemes_read_the_respelling_without_its_accent() -> None:
    lexicon = parse_lexicon(["Бабарико\tБабарико́"], "ru", Path("lexicon.tsv"))
    applied = lexicon.apply("Виктор Бабарико.", phonemes=False)
    assert applied.text == "Виктор Бабарико."
    assert [entry.word for entry in applied.entries] == ["Бабарико"]


def test_russian_respellings_keep_espeaks_vowels_with_the_stress_moved(
    espeak: EspeakEngine,
) -> None:
    lexicon = parse_lexicon(["Коула\tКо́ула"], "ru", Path("lexicon.tsv"))
    spoken = lexicon.apply("Коула", phonemes=True).text
    assert spoken.startswith("[[k'o") and "'" not in spoken[5:]
    assert [w.stressed for w in espeak.word_phonemes(spoken, "ru")] == [0]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("вяха\tвя́ха́", "2 stress accents"),
        ("вяха\tвях́а", "must follow a vowel"),
        ("вяха\t\u0301вяха", "must follow a vowel"),
    ],
)
def test_a_badly_placed_accent_names_the_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "lexicon.tsv"
    with pytest.raises(SpeechError, match=problem) as caught:
        parse_lexicon(["# comment", line], "be", path)
    assert (caught.value.path, caught.value.line) == (path, 2)


def test_a_respelling_espeak_cannot_match_to_its_vowels_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    lexicon = parse_lexicon(["# eSpeak: two words", "Ньюёрк\tНью Ё́рк"], "be", path)
    with pytest.raises(SpeechError, match="does not match its 2 vowel") as caught:
        lexicon.apply("Ньюёрк", phonemes=True)
    assert (caught.value.path, caught.value.line) == (path, 2)


def test_the_real_lexicons_are_readable_respellings_where_possible() -> None:
    for lang in ("be", "ru"):
        entries = load_lexicon(REPO / "locales", lang).entries
        assert sum(entry.stressed for entry in entries) > 0.9 * len(entries), lang


# --- what the desk reviews --------------------------------------------------------------------


def test_voices_stress_marks_the_vowel_the_voice_stresses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "Марыя Калеснікава выйшла на волю"
    assert main(["--project", str(REPO), "voices", "--lang", "be", "--stress", text]) == 0
    assert capsys.readouterr().out == "be  Мары́я Кале́снікава вы́йшла на во́лю\n"


def test_stress_of_a_hyphenated_compound_is_split_between_its_parts(
    espeak: EspeakEngine,
) -> None:
    words = voice_stress("па-ранейшаму", "ru", Lexicon("ru"), espeak)
    assert [(w.word, w.vowel) for w in words] == [("па", 0), ("ранейшаму", 1)]
