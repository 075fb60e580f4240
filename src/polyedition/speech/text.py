"""Plain text as engines receive it: normalized, split into sentences and words."""

from __future__ import annotations

import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_BREAK = re.compile(r"([.!?…])[\"'”»“)\]]*\s+[\"'“„«(\[]*(\w)")
_INITIAL = re.compile(r"(?:^|\W)\w$")
LANGUAGE_SPAN = re.compile(r"\{\{([a-z]{2,3})\|([^{}]*)\}\}")
"""``{{en|Polyedition Newsroom}}``: words in another language than the utterance's, in the text
an engine that reads phonemes (eSpeak) receives; it speaks them with that language's voice."""


def normalize(text: str) -> str:
    """NFC, one space between words, no space at either end.

    >>> normalize("  Kolesnikova\\u00a0 was   freed.\\n")
    'Kolesnikova was freed.'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def sentence_starts(text: str) -> list[int]:
    """Offsets where the sentences of normalized ``text`` start (always 0 first).

    >>> text = "Belarus freed 123 prisoners. Ales Bialiatski is one! J. Coale said so."
    >>> [text[i:i + 4] for i in sentence_starts(text)]
    ['Bela', 'Ales', 'J. C']
    >>> sentence_starts("Вызвалена 123 чалавекі. «Гэта толькі пачатак», — сказала яна.")
    [0, 24]
    >>> sentence_starts("2025 m. gruodžio 13 d.")
    [0]
    """
    starts = [0]
    for match in _BREAK.finditer(text):
        first = match.group(2)
        if not (first.isupper() or first.isdigit()):
            continue
        # A single capital before a full stop is an initial ("J. Coale"), not a sentence end.
        if match.group(1) == "." and _INITIAL.search(text, 0, match.start()):
            continue
        starts.append(match.start(2) - _opening_length(text, match.start(2)))
    return starts


def _opening_length(text: str, letter: int) -> int:
    """How many opening quotes or brackets stand right before the sentence's first letter."""
    length = 0
    while letter - length > 0 and text[letter - length - 1] in "\"'“„«([":
        length += 1
    return length


def sentences(text: str) -> list[str]:
    """The sentences of normalized ``text``.

    >>> sentences("One. Two? Three")
    ['One.', 'Two?', 'Three']
    """
    starts = sentence_starts(text)
    ends = [*starts[1:], len(text)]
    return [text[start:end].strip() for start, end in zip(starts, ends, strict=True)]


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word: letters and digits, with inner apostrophes.

    >>> [("Kolesnikova’s US-based", s, e) for s, e in word_spans("Kolesnikova’s US-based")][1:]
    [('Kolesnikova’s US-based', 14, 16), ('Kolesnikova’s US-based', 17, 22)]
    """
    return [match.span() for match in _WORD.finditer(text)]


def in_language(text: str, lang: str) -> str:
    """``text`` marked as spoken in ``lang`` (see ``LANGUAGE_SPAN``).

    >>> in_language("Polyedition Newsroom", "en")
    '{{en|Polyedition Newsroom}}'
    """
    return f"{{{{{lang}|{text}}}}}"


def without_language_spans(text: str) -> str:
    """``text`` with its language marks removed, their words kept.

    >>> without_language_spans("Autor: {{en|Polyedition Newsroom}}.")
    'Autor: Polyedition Newsroom.'
    """
    return LANGUAGE_SPAN.sub(lambda match: match.group(2), text)
