"""One language's speech tables (front end, lexicon, the desk's one-occurrence fixes), read
once per process for a publication (``Site.speech``) and handed to the narration, which reads
nothing from disk itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from polyedition.speech.fixes import Fixes, load_fixes
from polyedition.speech.frontend import Frontend, load_frontend
from polyedition.speech.lexicon import Lexicon, load_lexicon
from polyedition.speech.spoken import Accented, SpokenText, prepare, spoken_text


class Said(Protocol):
    """What the tables need of an utterance (``narration.script.Utterance`` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def foreign(self) -> Sequence[tuple[str, str]]: ...


@dataclass(frozen=True, slots=True)
class Speaker:
    """One language's speech tables: its front end, lexicon and one-occurrence fixes."""

    frontend: Frontend
    lexicon: Lexicon
    fixes: Fixes
    prepared: dict[str, Accented] = field(default_factory=dict, compare=False, repr=False)
    """The texts of the last ``prepare`` after the front end and the accent stage."""

    def text(self, utterance: Said, *, phonemes: bool) -> SpokenText:
        """What the engine reads for ``utterance`` (phonemes only if it reads them)."""
        return spoken_text(
            utterance.text,
            self.frontend,
            self.lexicon,
            phonemes=phonemes,
            fixes=self.fixes.of(utterance.id),
            foreign=utterance.foreign,
            prepared=self.prepared,
        )

    def prepare(self, texts: Sequence[str]) -> None:
        """Have the accent stage and eSpeak respell the accented words of ``texts`` (a
        narration's utterances of this language) at once, not one utterance at a time; what
        the front end and the accent stage made of them is kept for ``text`` until texts not
        prepared yet are (texts all prepared already, with others, are not prepared again)."""
        if texts and all(text in self.prepared for text in texts):
            return
        done = prepare(texts, self.frontend, self.lexicon)
        self.prepared.clear()
        self.prepared.update(done)


def load_speaker(
    locales_dir: Path, lang: str, source_language: str | None, texts: list[str] | None = None
) -> Speaker:
    """``lang``'s tables, with ``texts`` prepared (their accented words respelled at once)."""
    lexicon = load_lexicon(locales_dir, lang, source_language)
    fixes = load_fixes(locales_dir, lang)
    frontend = load_frontend(locales_dir, lang)
    speaker = Speaker(frontend, lexicon, fixes)
    if texts is not None:
        speaker.prepare(texts)
    return speaker


class SpeechTables:
    """Every language's ``Speaker``, each read on first use and then kept."""

    def __init__(self, locales_dir: Path, source_language: str | None) -> None:
        self.locales_dir, self.source_language = locales_dir, source_language
        self._loaded: dict[str, Speaker] = {}

    def of(self, lang: str) -> Speaker:
        if lang not in self._loaded:
            self._loaded[lang] = load_speaker(self.locales_dir, lang, self.source_language)
        return self._loaded[lang]
