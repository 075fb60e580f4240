"""Belarusian stress from the accent stage: the table and model it reads, and the narration of
the article and of a second text stressed as a native speaker stresses them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from polyedition.render.audio.script import narration_script
from polyedition.site import Site
from polyedition.speech.accent.be import accent, stress
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.lexicon import Entry, Lexicon, load_lexicon
from polyedition.speech.stress import ACUTE, Stressed, accented_vowel, plain, voice_stress
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


def _voice_stress_after_accent(text: str, lexicon: Lexicon, espeak: EspeakEngine) -> list[Stressed]:
    """Where the Belarusian voice stresses ``text`` once the accent stage and then the lexicon
    have applied: each accented word becomes a stress-marked respelling, which eSpeak reads with
    its stress moved, unless the lexicon or a glossary name says the word."""
    entries = list(lexicon.entries)
    for match in _ACCENTED_WORD.finditer(accent(text)):
        word = match.group(0)
        if ACUTE in word and lexicon.saying(plain(word)) is None:
            entries.append(Entry(plain(word), word, 0))
    return voice_stress(text, "be", replace(lexicon, entries=tuple(dict.fromkeys(entries))), espeak)


def _tally(
    texts: list[str], reference: dict[str, int], lexicon: Lexicon, espeak: EspeakEngine
) -> tuple[int, Counter[str]]:
    """Multi-syllable Belarusian word tokens of ``texts``, and the wrongly stressed ones."""
    tokens = 0
    wrong: Counter[str] = Counter()
    for text in texts:
        for word in _voice_stress_after_accent(text, lexicon, espeak):
            if word.syllables < 2 or not _CYRILLIC_WORD.fullmatch(word.word):
                continue  # numbers and Latin names are the front end's and English's
            form = word.word.lower()
            assert form in reference, f"{form!r} is missing from the reference"
            tokens += 1
            if word.vowel != reference[form]:
                wrong[form] += 1
    return tokens, wrong


def test_the_article_narration_is_stressed_as_a_native_speaker_stresses_it(
    real_site: Site, espeak: EspeakEngine
) -> None:
    script = narration_script(real_site, real_site.edition(SLUG, "be"))
    texts = [utterance.text for utterance in script.utterances if utterance.lang == "be"]
    lexicon = load_lexicon(real_site.settings.locales_dir, "be", "en")
    tokens, wrong = _tally(texts, _reference("be.tsv"), lexicon, espeak)
    assert tokens > 1500
    assert 1 - sum(wrong.values()) / tokens >= 0.99, wrong.most_common()


def test_a_new_text_is_stressed_right_without_a_single_lexicon_entry(
    espeak: EspeakEngine,
) -> None:
    text = (REFERENCE / "be-winter.txt").read_text(encoding="utf-8")
    tokens, wrong = _tally(text.splitlines(), _reference("be-winter.tsv"), Lexicon("be"), espeak)
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
