"""The proofreading view of a narration: every word as the voice says it, and who decided how.

What ``polyedition script --stress`` prints: the words after the front end, the accent stage,
the lexicon and the desk's one-occurrence fixes, each of two or more syllables with U+0301 on
the vowel eSpeak stresses (ё where the text it reads has ё), found by having eSpeak say them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from polyedition.speech.accent import accent_source
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.fixes import place
from polyedition.speech.lexicon import Lexicon
from polyedition.speech.spoken import SpokenText
from polyedition.speech.stress import (
    ACUTE,
    Stressed,
    mark_stress,
    marked,
    plain,
    voice_stress,
    vowel_count,
)

logger = logging.getLogger(__name__)

Source = Literal["fix", "lexicon", "speech table", "dictionary", "model", "voice rules"]


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
