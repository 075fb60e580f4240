"""Pronunciation lexicons: ``locales/<lang>/lexicon.tsv``, applied to text before synthesis.

One entry per line, ``word<TAB>say``; ``#`` starts a comment line. ``say`` is either a
respelling in the language's own alphabet (read by every engine) or eSpeak NG phonemes in
``[[double brackets]]`` (read by eSpeak only; other engines keep the word). A word matches
whole words exactly as written, case included (``US`` is not ``us``); list each inflected or
possessive form that needs help (``Kolesnikova``, ``Kolesnikova’s``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from polyedition.errors import SpeechError
from polyedition.speech.text import normalize

logger = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.tsv"
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_PHONEMES = re.compile(r"^\[\[[^\[\]]+\]\]$")


@dataclass(frozen=True, slots=True)
class Entry:
    word: str
    say: str
    line: int

    @property
    def phonemes(self) -> bool:
        """True when ``say`` is engine phonemes (``[[…]]``) rather than a respelling."""
        return _PHONEMES.match(self.say) is not None


@dataclass(frozen=True, slots=True)
class Applied:
    """Text as an engine should read it, and the lexicon entries that changed it."""

    text: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The entries of one language, looked up by word (apostrophes compared as ``'``)."""

    lang: str
    entries: tuple[Entry, ...] = ()

    def apply(self, text: str, *, phonemes: bool) -> Applied:
        """Replace every whole word that has an entry; phoneme entries only if ``phonemes``.

        >>> lexicon = Lexicon("en", (Entry("US", "U.S.", 1), Entry("Coale", "[[k'oUl]]", 2)))
        >>> lexicon.apply("The US and us, said Coale.", phonemes=True).text
        "The U.S. and us, said [[k'oUl]]."
        >>> lexicon.apply("The US and us, said Coale.", phonemes=False).text
        'The U.S. and us, said Coale.'
        """
        table = {
            _key(entry.word): entry for entry in self.entries if phonemes or not entry.phonemes
        }
        if not table:
            return Applied(text, ())
        used: dict[str, Entry] = {}

        def replace(match: re.Match[str]) -> str:
            entry = table.get(_key(match.group(0)))
            if entry is None:
                return match.group(0)
            used[entry.word] = entry
            return entry.say

        spoken = _WORD.sub(replace, text)
        return Applied(spoken, tuple(sorted(used.values(), key=lambda e: e.word)))


def _key(word: str) -> str:
    return word.replace("’", "'")


def lexicon_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / LEXICON_FILE


def parse_lexicon(lines: Iterable[str], lang: str, path: Path) -> Lexicon:
    """Read lexicon lines; a malformed line is a SpeechError naming the file and line."""
    entries: dict[str, Entry] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not all(field.strip() for field in fields):
            raise SpeechError(
                "a lexicon line must be a word, one tab, and how to say it",
                path=path,
                line=number,
                hint="e.g. 'Coale<TAB>Cole' or 'Калеснікава<TAB>[[kal;'Es;n;ikava]]'",
            )
        word, say = (normalize(field) for field in fields)
        if _WORD.fullmatch(word) is None:
            raise SpeechError(
                f"lexicon word {word!r} is not a single word",
                path=path,
                line=number,
                hint="entries match whole words: letters and digits, apostrophes inside",
            )
        if ("[[" in say or "]]" in say) and _PHONEMES.match(say) is None:
            raise SpeechError(
                f"phonemes for {word!r} must be the whole value, in [[double brackets]]",
                path=path,
                line=number,
            )
        if _key(word) in entries:
            first = entries[_key(word)].line
            raise SpeechError(
                f"{word!r} is listed twice (first on line {first})",
                path=path,
                line=number,
                hint="keep one entry per word",
            )
        entries[_key(word)] = Entry(word, say, number)
    return Lexicon(lang, tuple(entries.values()))


def load_lexicon(locales_dir: Path, lang: str) -> Lexicon:
    """The lexicon of ``lang``; a language without a lexicon file has an empty one."""
    path = lexicon_path(locales_dir, lang)
    try:
        with path.open(encoding="utf-8") as handle:
            return parse_lexicon(handle, lang, path)
    except FileNotFoundError:
        return Lexicon(lang)
    except UnicodeDecodeError as exc:
        raise SpeechError(f"lexicon is not UTF-8: {exc}", path=path) from exc
