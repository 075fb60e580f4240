"""Belarusian stress from the accent stage: the table and model it reads, and the narration of
the article and of a second text stressed as a native speaker stresses them."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site
from polyedition.speech.accent.be import accent, stress
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.frontend import load_frontend
from polyedition.speech.lexicon import Lexicon, load_lexicon
from polyedition.speech.proof import proof
from polyedition.speech.spoken import SpokenText, spoken_text
from polyedition.speech.stress import ACUTE, accented_vowel, plain, vowel_count
from projectkit import SLUG

REFERENCE = Path(__file__).parent / "data" / "stress"
_CYRILLIC_WORD = re.compile(r"[а-яёіў’']+", re.IGNORECASE)
_ACCENTED_WORD = re.compile(rf"[\w{ACUTE}]+(?:['’][\w{ACUTE}]+)*")


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


# --- accent() ---------------------------------------------------------------------------------


def test_everyday_words_the_issue_found_unstressed_get_their_dictionary_stress() -> None:
    text = "Удзел у перамовах былі ўплыў на вагу ваенныя весці прывесці прынесці"
    assert accent(text) == ("Удзе́л у перамо́вах былі́ ўплы́ў на ва́гу вае́нныя ве́сці прыве́сці прыне́сці")


def test_a_form_the_model_gets_wrong_takes_the_stress_of_the_dictionary_table() -> None:
    assert stress("рэжыму") == stress("Рэжыму")
    assert accent("рэжыму Рэжыму РЭЖЫМУ") == "рэжы́му Рэжы́му РЭЖЫ́МУ"


def test_a_word_spelled_with_short_u_after_a_vowel_is_stressed_like_its_form_with_u() -> None:
    assert accent("ва ўмовах і ўладамі") == "ва ўмо́вах і ўла́дамі"
    assert accent("у ўмовах") == "у ўмо́вах"


def test_accented_words_words_of_one_syllable_and_other_scripts_are_left_as_written() -> None:
    text = "Ён — Кале́снікава, Polyedition Newsroom, 2025 г., зноў"
    assert accent(text) == text


def test_the_stress_data_is_small_and_carries_its_sources_and_licences() -> None:
    data = resources.files("polyedition.speech.accent").joinpath("data")
    sizes = {item.name: len(item.read_bytes()) for item in data.iterdir()}
    assert sum(size for name, size in sizes.items() if name.startswith("be-")) < 3_000_000
    notice = data.joinpath("be-README.md").read_text(encoding="utf-8")
    for needed in ("GrammarDB", "CC BY-SA 4.0", "MIT License", "Silero"):
        assert needed in notice


# --- the measurement --------------------------------------------------------------------------


def _reference(name: str) -> dict[str, int]:
    """Word form (lower case) → the vowel a native speaker stresses, from tests/data/stress."""
    reference: dict[str, int] = {}
    path = REFERENCE / name
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            continue
        word, accented = line.split("\t")
        vowel = accented_vowel(accented)
        assert vowel is not None and plain(accented) == word, f"{path}:{number}"
        reference[word] = vowel
    return reference


def _tally(
    spoken: list[SpokenText], reference: dict[str, int], lexicon: Lexicon, espeak: EspeakEngine
) -> tuple[int, Counter[str]]:
    """Multi-syllable Belarusian word tokens of the texts as the narration says them (the
    front end, the accent stage, the lexicon and the glossary's names, then eSpeak's own
    phonemes, read by ``polyedition script --stress``), and the wrongly stressed ones."""
    tokens = 0
    wrong: Counter[str] = Counter()
    for said in spoken:
        for word in proof(said, "be", lexicon, espeak).words:
            if vowel_count(word.text) < 2 or not _CYRILLIC_WORD.fullmatch(word.text):
                continue  # Latin names are English's
            form = word.text.lower()
            assert form in reference, f"{form!r} is missing from the reference"
            tokens += 1
            if word.vowel != reference[form]:
                wrong[form] += 1
    return tokens, wrong


def test_the_article_narration_is_stressed_as_a_native_speaker_stresses_it(
    real_site: Site, espeak: EspeakEngine
) -> None:
    narration = spoken_script(real_site, real_site.edition(SLUG, "be"))
    spoken = [said for utterance, said in narration if utterance.lang == "be"]
    lexicon = load_lexicon(real_site.settings.locales_dir, "be", "en")
    tokens, wrong = _tally(spoken, _reference("be.tsv"), lexicon, espeak)
    assert tokens > 1500
    assert 1 - sum(wrong.values()) / tokens >= 0.99, wrong.most_common()


def test_a_new_text_is_stressed_right_without_a_single_lexicon_entry(
    real_site: Site, espeak: EspeakEngine
) -> None:
    text = (REFERENCE / "be-winter.txt").read_text(encoding="utf-8")
    frontend = load_frontend(real_site.settings.locales_dir, "be")
    spoken = [
        spoken_text(line, frontend, Lexicon("be"), phonemes=True)
        for line in text.splitlines()
        if line.strip()
    ]
    tokens, wrong = _tally(spoken, _reference("be-winter.tsv"), Lexicon("be"), espeak)
    assert tokens > 140
    assert 1 - sum(wrong.values()) / tokens >= 0.97, wrong.most_common()


def test_the_lexicon_keeps_true_exceptions_only_and_names_come_from_the_glossary() -> None:
    lexicon = load_lexicon(REFERENCE.parent.parent.parent / "locales", "be", "en")
    assert len(lexicon.entries) < 10
    assert {"весці", "удзел", "былі", "прывесці", "прынесці"}.isdisjoint(
        entry.word for entry in lexicon.entries
    )
    said = {word: lexicon.saying(word) for word in ("Калеснікавай", "Бабарыкі", "Бяляцкага")}
    assert {word: entry and entry.say for word, entry in said.items()} == {
        "Калеснікавай": "Кале́снікавай",
        "Бабарыкі": "Бабары́кі",
        "Бяляцкага": "Бяля́цкага",
    }
