"""The text an engine hears: each sentence through the speech front end, then the lexicon."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from polyedition.speech.frontend import Frontend
from polyedition.speech.lexicon import Applied, Entry, Lexicon
from polyedition.speech.text import in_language, sentences

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SpokenText:
    """One utterance as written (what captions show) and as the engine will say it."""

    written: str
    text: str
    """What the engine receives: the front end's words with the lexicon applied."""
    normalized: str
    """The front end's words before the lexicon (what ``polyedition script`` shows as
    changed by the front end)."""
    sentences: tuple[tuple[int, str], ...]
    """Each sentence: its offset in ``text`` and its text as written."""
    entries: tuple[Entry, ...]
    """The lexicon entries used."""

    @property
    def said_sentences(self) -> tuple[str, ...]:
        """Each sentence as the engine will say it (``text`` cut at the sentence offsets)."""
        starts = [offset for offset, _ in self.sentences]
        ends = [start - 1 for start in starts[1:]] + [len(self.text)]
        return tuple(self.text[start:end] for start, end in zip(starts, ends, strict=True))


def spoken_text(
    written: str,
    frontend: Frontend,
    lexicon: Lexicon,
    *,
    phonemes: bool,
    foreign: Sequence[tuple[str, str]] = (),
) -> SpokenText:
    """``written`` sentence by sentence as an engine should hear it; ``phonemes`` says whether
    the engine reads the lexicon's ``[[phoneme]]`` entries.

    ``foreign`` lists phrases in another language (phrase, language): for an engine that reads
    phonemes (eSpeak) they are marked ``{{en|…}}`` and said with that language's voice, and the
    lexicon leaves them alone; other engines read them with the utterance's voice.

    >>> from pathlib import Path
    >>> from polyedition.speech.frontend import GRAMMARS
    >>> from polyedition.speech.frontend.tables import parse_tables
    >>> lines = ["abbr\\tСША\\tсэ-шэ-а", "case\\tв\\tacc loc", "year\\tгоду\\tdat loc"]
    >>> frontend = Frontend("ru", GRAMMARS["ru"], parse_tables(lines, "ru", Path("speech.tsv")))
    >>> spoken = spoken_text("В 2020 году. США и ЕС.", frontend, Lexicon("ru"), phonemes=True)
    >>> spoken.text
    'В две тысячи двадцатом году. Сэ-шэ-а и ЕС.'
    >>> spoken.sentences
    ((0, 'В 2020 году.'), (29, 'США и ЕС.'))
    """
    parts: list[tuple[int, str]] = []
    said: list[str] = []
    normalized: list[str] = []
    used: dict[str, Entry] = {}
    offset = 0
    for sentence in sentences(written):
        words = frontend.spoken(sentence)
        applied = _applied(words, lexicon, phonemes=phonemes, foreign=foreign)
        parts.append((offset, sentence))
        said.append(applied.text)
        normalized.append(words)
        offset += len(applied.text) + 1
        for entry in applied.entries:
            used[entry.word] = entry
    return SpokenText(
        written,
        " ".join(said),
        " ".join(normalized),
        tuple(parts),
        tuple(sorted(used.values(), key=lambda entry: entry.word)),
    )


def _applied(
    words: str, lexicon: Lexicon, *, phonemes: bool, foreign: Sequence[tuple[str, str]]
) -> Applied:
    """The lexicon applied to ``words`` outside the foreign phrases, which are marked with
    their language when the engine reads phonemes.

    >>> _applied("Autor: Polyedition Newsroom.", Lexicon("pl"), phonemes=True,
    ...          foreign=[("Polyedition Newsroom", "en")]).text
    'Autor: {{en|Polyedition Newsroom}}.'
    """
    languages = {phrase: lang for phrase, lang in foreign if phrase}
    if not phonemes or not languages:
        return lexicon.apply(words, phonemes=phonemes)
    pattern = "|".join(
        rf"(?<!\w){re.escape(phrase)}(?!\w)" for phrase in sorted(languages, key=len, reverse=True)
    )
    pieces: list[str] = []
    used: dict[str, Entry] = {}
    position = 0
    for match in re.finditer(pattern, words):
        outside = lexicon.apply(words[position : match.start()], phonemes=phonemes)
        used.update((entry.word, entry) for entry in outside.entries)
        pieces += [outside.text, in_language(match.group(0), languages[match.group(0)])]
        position = match.end()
    rest = lexicon.apply(words[position:], phonemes=phonemes)
    used.update((entry.word, entry) for entry in rest.entries)
    pieces.append(rest.text)
    return Applied("".join(pieces), tuple(sorted(used.values(), key=lambda entry: entry.word)))
