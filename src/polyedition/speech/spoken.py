"""The text an engine hears: each sentence through the speech front end, the accent stage
(stress and ё from the language's accentor), then the lexicon."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from polyedition.speech.accent import accent
from polyedition.speech.fixes import Fix, place
from polyedition.speech.frontend import Frontend
from polyedition.speech.lexicon import Applied, Entry, Lexicon, accented_words
from polyedition.speech.stress import phonemes_alone, plain
from polyedition.speech.text import in_language, sentences

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SpokenText:
    """One utterance as written (what captions show) and as the engine will say it."""

    written: str
    text: str
    """What the engine receives: the front end's words with the lexicon applied."""
    normalized: str
    """The front end's words before the accent stage and the lexicon (what ``polyedition
    script --diff`` shows as changed by the front end)."""
    sentences: tuple[tuple[int, str], ...]
    """Each sentence: its offset in ``text`` and its text as written."""
    entries: tuple[Entry, ...]
    """The lexicon entries used."""
    accented: str = ""
    """The front end's words with the accent stage's stress and ё, before the lexicon."""
    fixes: tuple[Fix, ...] = ()
    """The desk's one-occurrence fixes that found their word."""

    @property
    def said_sentences(self) -> tuple[str, ...]:
        """Each sentence as the engine will say it (``text`` cut at the sentence offsets)."""
        starts = [offset for offset, _ in self.sentences]
        ends = [start - 1 for start in starts[1:]] + [len(self.text)]
        return tuple(self.text[start:end] for start, end in zip(starts, ends, strict=True))


Accented = tuple[tuple[str, ...], tuple[str, ...]]
"""A text's sentences after the front end, and after the accent stage (``_accented``)."""


def spoken_text(
    written: str,
    frontend: Frontend,
    lexicon: Lexicon,
    *,
    phonemes: bool,
    fixes: Sequence[Fix] = (),
    foreign: Sequence[tuple[str, str]] = (),
    prepared: Mapping[str, Accented] | None = None,
) -> SpokenText:
    """``written`` sentence by sentence as an engine should hear it; ``phonemes`` says whether
    the engine reads the lexicon's ``[[phoneme]]`` entries; ``fixes`` are the desk's fixes of
    single occurrences in this segment, which win over the accent stage and the lexicon.

    ``foreign`` lists phrases in another language (phrase, language): for an engine that reads
    phonemes (eSpeak) they are marked ``{{en|…}}`` and said with that language's voice, and the
    lexicon leaves them alone; other engines read them with the utterance's voice.
    ``prepared`` holds what ``prepare`` made of texts (the front end and accent stage are
    not run twice on them).

    >>> from pathlib import Path
    >>> from polyedition.speech.frontend import GRAMMARS
    >>> from polyedition.speech.frontend.tables import parse_tables
    >>> lines = ["abbr\\tСША\\tсэ-шэ-а", "case\\tв\\tacc loc", "year\\tгоду\\tdat loc"]
    >>> frontend = Frontend("ru", GRAMMARS["ru"], parse_tables(lines, "ru", Path("speech.tsv")))
    >>> spoken = spoken_text("В 2020 году. США и ЕС.", frontend, Lexicon("ru"), phonemes=True)
    >>> spoken.text  # eSpeak alone says го́ду
    "В две тысячи двадцатом [[gVd'u]]. Сэ-шэ-а и ЕС."
    >>> spoken.sentences
    ((0, 'В 2020 году.'), (34, 'США и ЕС.'))

    The accent stage restores ё for every engine; eSpeak reads a word it stresses otherwise
    than the accentor as its phonemes with the stress moved, other engines without accents:

    >>> spoken_text("Он ведет переговоры.", frontend, Lexicon("ru"), phonemes=False).text
    'Он ведёт переговоры.'
    """
    parts: list[tuple[int, str]] = []
    found = prepared.get(written) if prepared is not None else None
    normalized, accented = found or _accented(written, frontend)
    if phonemes:  # eSpeak translates the utterance's accented words in one call
        _translate(accented, lexicon.lang)
    placed, unmatched = place(accented, fixes)
    said: list[str] = []
    used: dict[str, Entry] = {}
    offset = 0
    for sentence, words, fixed in zip(sentences(written), accented, placed, strict=True):
        applied = _applied(words, lexicon, phonemes=phonemes, foreign=foreign, fixed=fixed)
        parts.append((offset, sentence))
        said.append(applied.text)
        offset += len(applied.text) + 1
        for entry in applied.entries:
            used[entry.word] = entry
    return SpokenText(
        written,
        " ".join(said),
        " ".join(normalized),
        tuple(parts),
        tuple(sorted(used.values(), key=lambda entry: entry.word)),
        " ".join(accented),
        tuple(fix for fix in fixes if fix not in unmatched),
    )


def prepare(texts: Iterable[str], frontend: Frontend, lexicon: Lexicon) -> dict[str, Accented]:
    """Have eSpeak translate the accented words of all ``texts`` (a narration's utterances of
    one language) in one call, which ``spoken_text`` then finds done: eSpeak is loaded once
    for a narration rather than once per utterance. Returns each text's sentences after the
    front end and the accent stage, for ``spoken_text``."""
    done = {written: _accented(written, frontend) for written in dict.fromkeys(texts)}
    _translate([text for _, accented in done.values() for text in accented], lexicon.lang)
    return done


def _translate(accented: Iterable[str], lang: str) -> None:
    """eSpeak's phonemes of every accented word of the accent stage's ``accented`` sentences,
    in one call (``phonemes_alone`` keeps them for the lexicon)."""
    phonemes_alone([plain(word) for text in accented for word in accented_words(text)], lang)


def _accented(written: str, frontend: Frontend) -> Accented:
    """Each sentence of ``written`` after the front end, and after the accent stage."""
    normalized = tuple(frontend.spoken(sentence) for sentence in sentences(written))
    return normalized, tuple(accent(words, frontend.lang) for words in normalized)


def _applied(
    words: str,
    lexicon: Lexicon,
    *,
    phonemes: bool,
    foreign: Sequence[tuple[str, str]],
    fixed: Mapping[int, str] | None = None,
) -> Applied:
    """The lexicon (and the desk's ``fixed`` words, by offset) applied to ``words`` outside
    the foreign phrases, which are marked with their language when the engine reads phonemes.

    >>> _applied("Autor: Polyedition Newsroom.", Lexicon("pl"), phonemes=True,
    ...          foreign=[("Polyedition Newsroom", "en")]).text
    'Autor: {{en|Polyedition Newsroom}}.'
    """
    fixed = fixed or {}
    languages = {phrase: lang for phrase, lang in foreign if phrase}
    if not phonemes or not languages:
        return lexicon.apply(words, phonemes=phonemes, fixed=fixed)
    pattern = "|".join(
        rf"(?<!\w){re.escape(phrase)}(?!\w)" for phrase in sorted(languages, key=len, reverse=True)
    )
    pieces: list[str] = []
    used: dict[str, Entry] = {}
    position = 0

    def outside(start: int, end: int) -> str:
        here = {at - start: say for at, say in fixed.items() if start <= at < end}
        applied = lexicon.apply(words[start:end], phonemes=phonemes, fixed=here)
        used.update((entry.word, entry) for entry in applied.entries)
        return applied.text

    for match in re.finditer(pattern, words):
        pieces += [
            outside(position, match.start()),
            in_language(match.group(0), languages[match.group(0)]),
        ]
        position = match.end()
    pieces.append(outside(position, len(words)))
    return Applied("".join(pieces), tuple(sorted(used.values(), key=lambda entry: entry.word)))
