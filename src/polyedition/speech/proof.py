"""The proofreading view of a narration: every word as the voice says it, and who decided how.

What ``polyedition script --stress`` prints: the words after the front end, the accent stage,
the lexicon and the desk's one-occurrence fixes, each of two or more syllables with U+0301 on
the vowel eSpeak stresses (ё where the text it reads has ё), found by having eSpeak say them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from polyedition.speech.accent import accent_source
from polyedition.speech.espeak import EspeakEngine, stressed_vowel
from polyedition.speech.fixes import place
from polyedition.speech.lexicon import Lexicon
from polyedition.speech.spoken import SpokenText
from polyedition.speech.stress import ACUTE, marked, plain, vowel_count

logger = logging.getLogger(__name__)

Source = Literal["fix", "lexicon", "speech table", "dictionary", "model", "voice rules"]


@dataclass(frozen=True, slots=True)
class Stressed:
    """A written word of a text and the vowel letter the voice stresses (None: no stress, or
    eSpeak's syllables do not match the spelling)."""

    start: int
    end: int
    word: str
    vowel: int | None
    spoken: str = ""
    """What the engine reads for the word (the lexicon's or the accent's phonemes, or itself)."""
    phonemes: str = ""
    """eSpeak's phonemes of the word as it says it (a compound's shared by its parts)."""

    @property
    def syllables(self) -> int:
        return vowel_count(self.word)


def voice_stress(
    text: str,
    lang: str,
    lexicon: Lexicon,
    engine: EspeakEngine,
    fixed: Mapping[int, str] | None = None,
) -> list[Stressed]:
    """Every word of ``text`` with the vowel eSpeak stresses once the lexicon has applied.

    ``text`` may come from the accent stage (ё restored, accents marked): the words are then
    as the accent stage wrote them, and eSpeak says them as the narration does.
    Words are matched to eSpeak's word events by position; a hyphenated compound, which eSpeak
    reads as one word, is split between its parts by their vowel letters.
    """
    applied = lexicon.apply(text, phonemes=True, fixed=fixed)
    groups = engine.word_phonemes(applied.text, lang)
    words = applied.words
    # The words each eSpeak word belongs to: the written word its event falls in, and the
    # following words that have no event of their own.
    owners: list[list[int]] = []
    vowels: list[list[str]] = []
    said: list[list[str]] = []
    group_index = 0
    for number, (_, _, spoken_start, spoken_end) in enumerate(words):
        found = False
        while group_index < len(groups) and groups[group_index].offset < spoken_end:
            group = groups[group_index]
            if group.offset >= spoken_start and not found:
                owners.append([number])
                vowels.append([])
                said.append([])
                found = True
            if owners:
                vowels[-1].extend(group.vowels)
                said[-1].extend(group.phonemes)
            group_index += 1
        if not found and owners:
            owners[-1].append(number)
    result: dict[int, int | None] = {}
    phonemes: dict[int, str] = {}
    for members, heard, sounds in zip(owners, vowels, said, strict=True):
        for number in members:
            phonemes[number] = "".join(sounds)
        counts = [vowel_count(text[words[n][0] : words[n][1]]) for n in members]
        if sum(counts) != len(heard):
            continue
        offset = 0
        for number, count in zip(members, counts, strict=True):
            result[number] = stressed_vowel(heard[offset : offset + count])
            offset += count
    return [
        Stressed(
            start,
            end,
            text[start:end],
            result.get(number),
            applied.text[spoken_start:spoken_end],
            phonemes.get(number, ""),
        )
        for number, (start, end, spoken_start, spoken_end) in enumerate(words)
    ]


def mark_stress(text: str, words: Sequence[Stressed]) -> str:
    """``text`` with the accent after the stressed vowel of every word of two or more syllables.

    >>> mark_stress("вяха ў полі", [Stressed(0, 4, "вяха", 1), Stressed(7, 11, "полі", 0)])
    'вяха́ ў по́лі'

    Accents already in ``text`` (the accent stage's) give way to the voice's.

    >>> mark_stress("за́мок", [Stressed(0, 6, "за́мок", 1)])
    'замо́к'
    """
    pieces: list[str] = []
    position = 0
    for word in words:
        shown = plain(word.word)
        if word.vowel is not None and word.syllables >= 2:
            shown = marked(shown, word.vowel)
        pieces += [text[position : word.start], shown]
        position = word.end
    pieces.append(text[position:])
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class SaidWord:
    """One word of the narration as the voice says it."""

    text: str
    """The word as the front end and the accent stage wrote it (ё restored), without accents."""
    spoken: str
    """What the engine receives for it: the word, or eSpeak phonemes in ``[[…]]``."""
    phonemes: str
    """eSpeak's phonemes as it says it (a hyphenated compound's shared by its parts)."""
    vowel: int | None
    """The vowel letter the voice stresses (counted from 0); None: none or not matched."""
    source: Source
    """Who decided the stress: the desk's one-occurrence fix, the lexicon, the speech table
    (an abbreviation's respelling), the accentor's dictionary or model, or the voice's own
    rules."""
    start: int = 0
    end: int = 0
    """Where the word stands in the accent stage's text."""

    @property
    def stressed(self) -> str:
        """The word with U+0301 on the stressed vowel (words of two or more syllables)."""
        if self.vowel is None or vowel_count(self.text) < 2:
            return self.text
        return marked(self.text, self.vowel)

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "stressed": self.stressed,
            "spoken": self.spoken,
            "phonemes": self.phonemes,
            "vowel": self.vowel,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Proof:
    """An utterance as the voice says it."""

    text: str
    """The accent stage's text with the voice's stress marked on every word."""
    words: tuple[SaidWord, ...]


def proof(spoken: SpokenText, lang: str, lexicon: Lexicon, engine: EspeakEngine) -> Proof:
    """How the voice says ``spoken`` (the front end's words through the accent stage, with the
    desk's fixes of its segment): eSpeak says it, and each word is told apart by who set its
    stress.

    >>> from pathlib import Path
    >>> from polyedition.speech.frontend import load_frontend
    >>> from polyedition.speech.spoken import spoken_text
    >>> frontend = load_frontend(Path("locales"), "ru")
    >>> spoken = spoken_text("Он ведет переговоры", frontend, Lexicon("ru"), phonemes=True)
    >>> said = proof(spoken, "ru", Lexicon("ru"), EspeakEngine())
    >>> said.text
    'Он ведёт перегово́ры'
    >>> [(word.text, word.source) for word in said.words]
    [('Он', 'voice rules'), ('ведёт', 'model'), ('переговоры', 'model')]
    """
    accented, normalized = spoken.accented, spoken.normalized
    fixed = place([accented], spoken.fixes)[0][0]
    stressed = voice_stress(accented, lang, lexicon, engine, fixed)
    words = tuple(
        SaidWord(
            plain(word.word),
            word.spoken,
            word.phonemes,
            word.vowel,
            "fix" if word.start in fixed else _source(word, lang, lexicon, normalized),
            word.start,
            word.end,
        )
        for word in stressed
    )
    return Proof(mark_stress(accented, stressed), words)


def _source(word: Stressed, lang: str, lexicon: Lexicon, normalized: str) -> Source:
    written = plain(word.word)
    if lexicon.entry(word.word) is not None:
        return "lexicon"
    if ACUTE in word.word and word.word in normalized:
        return "speech table"
    if ACUTE not in word.word and written in normalized:
        return "voice rules"
    if written not in normalized:  # the accent stage restored ё: ask about the word as written
        written = written.replace("ё", "е").replace("Ё", "Е")
    return "dictionary" if accent_source(written, lang) == "dictionary" else "model"
