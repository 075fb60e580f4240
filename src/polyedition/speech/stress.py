"""Word stress: the acute accent (U+0301) in written words, and where eSpeak puts the stress."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence

from polyedition.speech.espeak import EspeakEngine, WordPhonemes, stressed_vowel

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


_LETTERS_WITH_ACUTE = {"pl": frozenset("óÓ")}
"""Letters of an alphabet that look like a vowel with the accent (Polish ó is a letter)."""


def accents_apart(text: str, lang: str) -> str:
    """``text`` with each Latin vowel that NFC wrote with an acute (á) as the vowel and U+0301,
    except where the language's alphabet has that letter.

    >>> [len(accents_apart("u-es-á", lang)) for lang in ("pl", "lt")]
    [7, 7]
    >>> accents_apart("wó", "pl") == "wó", len(accents_apart("wó", "lt"))
    (True, 3)
    """
    letters = _LETTERS_WITH_ACUTE.get(lang, frozenset())
    pieces: list[str] = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        if (
            char not in letters
            and len(parts) == 2
            and parts[1] == ACUTE
            and parts[0].lower() in _LATIN_VOWELS
        ):
            pieces.append(parts)
        else:
            pieces.append(char)
    return "".join(pieces)


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


_ALONE: dict[tuple[str, str], tuple[str, ...] | None] = {}
"""eSpeak's phonemes of each word form read alone, by language and form (read once a process)."""


def phonemes_alone(words: Iterable[str], lang: str) -> dict[str, tuple[str, ...] | None]:
    """eSpeak's phonemes of each word read alone, the forms not seen before translated in one
    call of eSpeak (None: eSpeak reads the form as more than one word)."""
    wanted = list(dict.fromkeys(words))
    missing = [word for word in wanted if (lang, word) not in _ALONE]
    if missing:
        translated = EspeakEngine().phonemes_alone(missing, lang)
        _ALONE.update({(lang, w): said for w, said in zip(missing, translated, strict=True)})
    return {word: _ALONE[lang, word] for word in wanted}


def stressed_phonemes(accented: str, lang: str) -> str | None:
    """eSpeak's phonemes of an accented respelling with the stress moved to its accent (only
    there), in the notation ``[[…]]`` takes; None when eSpeak reads it as more than one word or
    with another number of vowels than it has vowel letters.

    >>> stressed_phonemes("е-э́с", "ru"), stressed_phonemes("Нью Ё́рк", "ru")
    ("ji'Es", None)
    """
    word = plain(accented)
    said = phonemes_alone([word], lang)[word]
    vowel = accented_vowel(accented)
    if said is None or vowel is None:
        return None
    spoken = WordPhonemes(0, said)
    if len(spoken.vowels) != vowel_count(word):
        return None
    letters = "".join(char for char in word if is_vowel_letter(char))
    return spoken.stressed_on(vowel, lang, letters)


def respell(words: Sequence[str], lang: str) -> dict[str, str]:
    """What eSpeak should read for each accented word: the word without its accent where
    eSpeak already stresses that vowel (or cannot be matched to the letters), else its
    phonemes with the stress moved, in ``[[…]]``. One eSpeak call for the forms not seen before.

    >>> respell(["за́мок", "замо́к"], "ru")
    {'за́мок': "[[z'AmVk]]", 'замо́к': 'замок'}
    """
    said = phonemes_alone([plain(word) for word in words], lang)
    result: dict[str, str] = {}
    for word in words:
        phonemes = said[plain(word)]
        vowel = _accent_of(word)
        if (
            phonemes is None
            or vowel is None
            or stressed_vowel(WordPhonemes(0, phonemes).vowels) == vowel
        ):
            result[word] = plain(word)
            continue
        moved = stressed_phonemes(word, lang)
        result[word] = plain(word) if moved is None else f"[[{moved}]]"
    return result


def _accent_of(word: str) -> int | None:
    try:
        return accented_vowel(word)
    except ValueError:
        return None


def marked(word: str, vowel: int) -> str:
    """``word`` with its stressed vowel shown: the accent, unless the vowel is ё, which is
    always stressed and needs none.

    >>> marked("ведёт", 1), marked("переговоры", 3)
    ('ведёт', 'перегово́ры')
    """
    letters = [char for char in word if is_vowel_letter(char)]
    if vowel < len(letters) and letters[vowel] in "ёЁ":
        return word
    return with_accent(word, vowel)
