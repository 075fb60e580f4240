"""Word stress: the acute accent (U+0301) in written words, and where eSpeak puts the stress."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from polyedition.speech.espeak import EspeakEngine, stressed_vowel

if TYPE_CHECKING:
    from polyedition.speech.lexicon import Lexicon

logger = logging.getLogger(__name__)

ACUTE = "\u0301"
"""The combining acute accent, written after the stressed vowel (``Кале́снікава``)."""

_CYRILLIC_VOWELS = frozenset("аеёиоуыэюяі")
_LATIN_VOWELS = frozenset("aeiouy")


def is_vowel_letter(char: str) -> bool:
    """A letter that makes a syllable: Cyrillic а е ё и о у ы э ю я і, or a Latin vowel.

    >>> [is_vowel_letter(c) for c in "Ўйэу"]
    [False, False, True, True]
    """
    lower = char.lower()
    return lower in _CYRILLIC_VOWELS or unicodedata.normalize("NFD", lower)[:1] in _LATIN_VOWELS


def vowel_count(word: str) -> int:
    """How many syllables a written word has (its vowel letters)."""
    return sum(is_vowel_letter(char) for char in word)


def plain(text: str) -> str:
    """``text`` without stress accents."""
    return text.replace(ACUTE, "")


def accented_vowel(word: str) -> int | None:
    """Which vowel letter of ``word`` (counted from 0) carries the accent; None without one.

    >>> accented_vowel("Кале́снікава"), accented_vowel("вяха́"), accented_vowel("вяха")
    (1, 1, None)

    A word with the accent anywhere but after a vowel, or with two accents, is a ValueError.
    """
    accents = [index for index, char in enumerate(word) if char == ACUTE]
    if not accents:
        return None
    if len(accents) > 1:
        raise ValueError(f"{word!r} has {len(accents)} stress accents; mark one vowel")
    index = accents[0]
    if index == 0 or not is_vowel_letter(word[index - 1]):
        raise ValueError(f"the stress accent in {word!r} must follow a vowel")
    return vowel_count(word[:index]) - 1


def with_accent(word: str, vowel: int) -> str:
    """``word`` with the accent after its vowel letter number ``vowel`` (counted from 0).

    >>> with_accent("Калеснікава", 1)
    'Кале́снікава'
    """
    seen = 0
    for index, char in enumerate(word):
        if is_vowel_letter(char):
            if seen == vowel:
                return word[: index + 1] + ACUTE + word[index + 1 :]
            seen += 1
    raise ValueError(f"{word!r} has no vowel number {vowel + 1}")


@dataclass(frozen=True, slots=True)
class Stressed:
    """A written word of a text and the vowel letter the voice stresses (None: no stress, or
    eSpeak's syllables do not match the spelling)."""

    start: int
    end: int
    word: str
    vowel: int | None

    @property
    def syllables(self) -> int:
        return vowel_count(self.word)


def voice_stress(text: str, lang: str, lexicon: Lexicon, engine: EspeakEngine) -> list[Stressed]:
    """Every word of ``text`` with the vowel eSpeak stresses once the lexicon has applied.

    Words are matched to eSpeak's word events by position; a hyphenated compound, which eSpeak
    reads as one word, is split between its parts by their vowel letters.
    """
    applied = lexicon.apply(text, phonemes=True)
    groups = engine.word_phonemes(applied.text, lang)
    words = applied.words
    # The words each eSpeak word belongs to: the written word its event falls in, and the
    # following words that have no event of their own.
    owners: list[list[int]] = []
    vowels: list[list[str]] = []
    group_index = 0
    for number, (_, _, spoken_start, spoken_end) in enumerate(words):
        found = False
        while group_index < len(groups) and groups[group_index].offset < spoken_end:
            group = groups[group_index]
            if group.offset >= spoken_start and not found:
                owners.append([number])
                vowels.append([])
                found = True
            if owners:
                vowels[-1].extend(group.vowels)
            group_index += 1
        if not found and owners:
            owners[-1].append(number)
    result: dict[int, int | None] = {}
    for members, said in zip(owners, vowels, strict=True):
        counts = [vowel_count(text[words[n][0] : words[n][1]]) for n in members]
        if sum(counts) != len(said):
            continue
        offset = 0
        for number, count in zip(members, counts, strict=True):
            result[number] = stressed_vowel(said[offset : offset + count])
            offset += count
    return [
        Stressed(start, end, text[start:end], result.get(number))
        for number, (start, end, _, _) in enumerate(words)
    ]


def mark_stress(text: str, words: Sequence[Stressed]) -> str:
    """``text`` with the accent after the stressed vowel of every word of two or more syllables.

    >>> mark_stress("вяха ў полі", [Stressed(0, 4, "вяха", 1), Stressed(7, 11, "полі", 0)])
    'вяха́ ў по́лі'
    """
    pieces: list[str] = []
    position = 0
    for word in words:
        if word.vowel is None or word.syllables < 2:
            continue
        pieces += [text[position : word.start], with_accent(word.word, word.vowel)]
        position = word.end
    pieces.append(text[position:])
    return "".join(pieces)
