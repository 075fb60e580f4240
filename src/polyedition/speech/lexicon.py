"""Pronunciation lexicons: ``locales/<lang>/lexicon.tsv``, applied to text before synthesis.

One entry per line, ``word<TAB>say``; ``#`` starts a comment line. ``say`` is either a
respelling in the language's own alphabet (read by every engine) or eSpeak NG phonemes in
``[[double brackets]]`` (read by eSpeak only; other engines keep the word). A respelling may
mark its stressed vowel with the combining acute accent U+0301 (``Калеснікава<TAB>Кале́снікава``):
eSpeak then reads its own phonemes of the respelling with the stress moved to that vowel, and
other engines read the respelling without the accent. A word matches whole words exactly as
written, case included (``US`` is not ``us``); list each inflected or possessive form that needs
help (``Kolesnikova``, ``Kolesnikova’s``). Written with е, an entry also matches the word where
the accent stage restored ё (``все`` matches ``всё``).

The lexicon reads text from the accent stage (``polyedition.speech.accent``): a word it lists
is said as listed, whatever the accent stage made of it; any other accented word (a model's
stress, or an abbreviation's respelling from ``speech.tsv``, hyphens and all: ``е-э́с``) is
said the same way as an accented respelling.

The glossary's spoken forms of names (``say:<lang>``, see ``polyedition.glossary``) join the
lexicon as ``Name`` entries, which match their inflected forms too; an entry of the lexicon for
the exact word comes first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from polyedition.errors import SpeechError
from polyedition.glossary import GLOSSARY_FILE, load_glossary, stem
from polyedition.speech.stress import (
    ACUTE,
    accented_vowel,
    is_vowel_letter,
    phonemes_alone,
    plain,
    respell,
    stressed_phonemes,
    vowel_count,
    with_accent,
)
from polyedition.speech.text import normalize
from polyedition.speech.tsv import read_tsv, rows

logger = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.tsv"
_WORD = re.compile(r"\w+(?:['’]\w+)*")
SPOKEN_WORD = re.compile(
    rf"(?=[\w{ACUTE}-]*{ACUTE})[\w{ACUTE}]+(?:-[\w{ACUTE}]+)+|[\w{ACUTE}]+(?:['’][\w{ACUTE}]+)*"
)
"""A word of the accent stage's text: an accented hyphenated compound is one word."""
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

    @property
    def stressed(self) -> bool:
        """True when ``say`` is a respelling with its stressed vowel marked (U+0301)."""
        return ACUTE in self.say


@dataclass(frozen=True, slots=True)
class Name:
    """A word of a glossary name and how the narration says it (``say:<lang>``); the word's
    inflected forms are said with the same change."""

    written: str
    say: str
    line: int
    """The glossary line of the term."""

    def saying(self, word: str) -> str | None:
        """How ``word`` is said if it is this name's word or an inflected form of it: the
        respelling's stem with ``word``'s own ending (apostrophes dropped), the accent kept
        where the stem still holds its vowel.

        >>> Name("John", "Džon", 11).saying("Johno"), Name("Coale", "Kol", 11).saying("Coale’as")
        ('Džono', 'Kolas')
        >>> Name("Калеснікава", "Кале́снікава", 2).saying("Калеснікаву")
        'Кале́снікаву'
        >>> Name("John", "Džon", 11).saying("Johnson") is None
        True
        """
        if word == self.written:
            return self.say
        common = 0
        while common < min(len(word), len(self.written)) and word[common] == self.written[common]:
            common += 1
        ending = re.sub(r"['’]", "", word[common:])
        cut = len(self.written) - common
        if common < len(stem(self.written)) or len(ending) > 3 or cut > 2:
            return None
        if cut == 0 and ending and not (is_vowel_letter(ending[0]) or ending[0] in "йj"):
            return None  # Johnson is another name than John
        said = plain(self.say)
        base = said[: len(said) - cut]
        stressed = accented_vowel(self.say)
        if stressed is not None and vowel_count(base) > stressed:
            return with_accent(base + ending, stressed)
        return base + ending


@dataclass(frozen=True, slots=True)
class Applied:
    """Text as an engine should read it, and the lexicon entries that changed it."""

    text: str
    entries: tuple[Entry, ...]
    words: tuple[tuple[int, int, int, int], ...] = ()
    """Every word of the text: (start, end) as written, then (start, end) in ``text``."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The entries of one language, looked up by word (apostrophes compared as ``'``)."""

    lang: str
    entries: tuple[Entry, ...] = ()
    path: Path | None = None
    names: tuple[Name, ...] = ()
    names_path: Path | None = None
    """The glossary the names come from."""

    def saying(self, word: str) -> Entry | None:
        """The entry that says ``word``: the lexicon's own, else a glossary name's (with the
        respelling of the inflected form)."""
        return self.entry(word) or self._name_entry(plain(word))

    def entry(self, word: str) -> Entry | None:
        """The entry a word of the accent stage's text takes (accents aside; ё as е too)."""
        return _lookup({_key(entry.word): entry for entry in self.entries}, word)

    def apply(
        self, text: str, *, phonemes: bool, fixed: Mapping[int, str] | None = None
    ) -> Applied:
        """Replace every whole word that has an entry; phoneme entries only if ``phonemes``.

        With ``phonemes`` (eSpeak), a stress-marked respelling becomes eSpeak's phonemes with
        the stress moved; without, the respelling is read without its accent.

        >>> lexicon = Lexicon("en", (Entry("US", "U.S.", 1), Entry("Coale", "[[k'oUl]]", 2)))
        >>> lexicon.apply("The US and us, said Coale.", phonemes=True).text
        "The U.S. and us, said [[k'oUl]]."
        >>> lexicon.apply("The US and us, said Coale.", phonemes=False).text
        'The U.S. and us, said Coale.'
        """
        table = {
            _key(entry.word): entry for entry in self.entries if phonemes or not entry.phonemes
        }
        stressed = _espeak_stress(self) if phonemes else {}
        fixed = fixed or {}
        matches = list(SPOKEN_WORD.finditer(text))
        entries = [_lookup(table, match.group(0)) for match in matches]
        accented: list[str] = []  # what may need eSpeak's phonemes with the stress moved
        for match, entry in zip(matches, entries, strict=True):
            say = fixed.get(match.start(), match.group(0) if entry is None else "")
            if ACUTE in say:
                accented.append(say)
        respelled = respell(accented, self.lang) if phonemes else {}
        used: dict[str, Entry] = {}
        pieces: list[str] = []
        words: list[tuple[int, int, int, int]] = []
        position = length = 0
        for match, entry in zip(matches, entries, strict=True):
            say = match.group(0)
            if match.start() in fixed:  # the desk's fix of this one occurrence wins
                say = _fixed(fixed[match.start()], say, phonemes=phonemes)
                say = respelled.get(say, plain(say))
            elif entry is not None:
                used[entry.word] = entry
                say = stressed.get(entry.word, plain(entry.say))
            elif (named := self._name_entry(plain(say))) is not None:
                used[named.word] = named
                say = self._name_said(named, phonemes=phonemes)
            else:
                say = respelled.get(say, plain(say))
            pieces += [text[position : match.start()], say]
            length += match.start() - position
            words.append((match.start(), match.end(), length, length + len(say)))
            length += len(say)
            position = match.end()
        pieces.append(text[position:])
        return Applied(
            "".join(pieces), tuple(sorted(used.values(), key=lambda e: e.word)), tuple(words)
        )

    def _name_entry(self, word: str) -> Entry | None:
        """An entry for ``word`` from the glossary name it is a form of, if any."""
        for name in self.names:
            say = name.saying(word)
            if say is not None:
                return Entry(word, say, name.line)
        return None

    def _name_said(self, entry: Entry, *, phonemes: bool) -> str:
        """What the engine reads for a name's entry: a stressed respelling becomes eSpeak's
        phonemes with the stress moved, as a lexicon entry does."""
        if phonemes and entry.stressed:
            return _espeak_stress(Lexicon(self.lang, (entry,), self.names_path))[entry.word]
        return plain(entry.say)


@cache
def _espeak_stress(lexicon: Lexicon) -> dict[str, str]:
    """eSpeak phonemes (``[[…]]``) for each stress-marked respelling, by word.

    eSpeak reads all the respellings at once; each must be one word to it, with as many
    vowels as the respelling has vowel letters, else the entry is an error naming its line.
    """
    from polyedition.speech.espeak import EspeakEngine

    entries = [entry for entry in lexicon.entries if entry.stressed]
    if not entries:
        return {}
    phonemes_alone([plain(entry.say) for entry in entries], lexicon.lang)  # one eSpeak call
    result: dict[str, str] = {}
    for entry in entries:
        said = stressed_phonemes(entry.say, lexicon.lang)
        if said is None:
            heard = " ".join(EspeakEngine().phonemes(plain(entry.say), lexicon.lang).split())
            raise SpeechError(
                f"eSpeak reads {plain(entry.say)!r} as {heard!r}, which does not match its "
                f"{vowel_count(plain(entry.say))} vowel letters, so the accent cannot be placed",
                path=lexicon.path,
                line=entry.line,
                lang=lexicon.lang,
                hint="give eSpeak phonemes in [[double brackets]] instead",
            )
        result[entry.word] = f"[[{said}]]"
    return result


def accented_words(text: str) -> list[str]:
    """The accented words of the accent stage's ``text`` (hyphenated compounds whole).

    >>> accented_words("Сэ-шэ-а́ и е-э́с, за́мок и дом")
    ['Сэ-шэ-а́', 'е-э́с', 'за́мок']
    """
    return [match.group(0) for match in SPOKEN_WORD.finditer(text) if ACUTE in match.group(0)]


def _fixed(say: str, word: str, *, phonemes: bool) -> str:
    """What a one-occurrence fix makes of ``word``: phonemes only for an engine that reads them
    (another keeps the word), a respelling as it is."""
    if _PHONEMES.match(say) is not None and not phonemes:
        return word
    return say


def _lookup(table: dict[str, Entry], word: str) -> Entry | None:
    """The entry of a word of the accent stage's text: as written without accents, else with
    the ё it restored written е."""
    key = _key(plain(word))
    entry = table.get(key)
    if entry is None and ("ё" in key or "Ё" in key):
        entry = table.get(key.replace("ё", "е").replace("Ё", "Е"))
    return entry


def _key(word: str) -> str:
    return word.replace("’", "'")


def lexicon_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / LEXICON_FILE


def check_say(word: str, say: str, path: Path, line: int) -> None:
    """A SpeechError naming the file and line if ``say`` is neither a respelling with at most
    one well-placed accent nor phonemes in ``[[…]]``, the whole value."""
    if ("[[" in say or "]]" in say) and (_PHONEMES.match(say) is None or not say[2:-2].strip()):
        raise SpeechError(
            f"phonemes for {word!r} must be the whole value, in [[double brackets]]",
            path=path,
            line=line,
        )
    if ACUTE in say:
        try:
            accented_vowel(say)
        except ValueError as exc:
            raise SpeechError(
                str(exc),
                path=path,
                line=line,
                hint="write U+0301 once, right after the stressed vowel: 'вяха́'",
            ) from None


def parse_lexicon(lines: Iterable[str], lang: str, path: Path) -> Lexicon:
    """Read lexicon lines; a malformed line is a SpeechError naming the file and line."""
    entries: dict[str, Entry] = {}
    for number, fields in rows(lines):
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
        check_say(word, say, path, number)
        if _key(word) in entries:
            first = entries[_key(word)].line
            raise SpeechError(
                f"{word!r} is listed twice (first on line {first})",
                path=path,
                line=number,
                hint="keep one entry per word",
            )
        entries[_key(word)] = Entry(word, say, number)
    return Lexicon(lang, tuple(entries.values()), path)


def load_lexicon(locales_dir: Path, lang: str, source_language: str | None = None) -> Lexicon:
    """The lexicon of ``lang``; a language without a lexicon file has an empty one.

    With the project's ``source_language``, the glossary's spoken forms of names for ``lang``
    join it.
    """
    path = lexicon_path(locales_dir, lang)
    lexicon = read_tsv(
        path, lambda lines: parse_lexicon(lines, lang, path), Lexicon(lang), "lexicon is"
    )
    if source_language is None:
        return lexicon
    glossary = locales_dir / GLOSSARY_FILE
    names = []
    for term in load_glossary(locales_dir, source_language):
        for written, say in term.spoken_words(lang):
            try:
                accented_vowel(say)
            except ValueError as exc:
                raise SpeechError(
                    str(exc), path=glossary, line=term.line, lang=lang, hint="in say:" + lang
                ) from None
            names.append(Name(normalize(written), normalize(say), term.line))
    return replace(lexicon, names=tuple(names), names_path=glossary)
