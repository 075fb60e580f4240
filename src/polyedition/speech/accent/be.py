"""Belarusian word stress: the acute accent (U+0301) on every multi-syllable word it knows.

The stress of a word form comes from the Belarusian Grammar Database (GrammarDB, CC BY-SA
4.0), which attests about 1.9 million forms, through Silero's Belarusian accentor (MIT), a
small character n-gram model that gives GrammarDB's stress for all but 1,736 of them:

1. ``data/be-grammardb.tsv.gz`` holds those 1,736 forms (``scripts/build_be_stress.py``
   builds it; ``data/be-README.md`` names the sources). A homograph there, a spelling
   GrammarDB stresses two ways, takes the stress among its own that the model scores highest.
2. Every other word goes to the accentor (``data/be-silero.npz``): its exception list, then
   its model, which is taken only when it gives its vowel more than even odds. For a form of
   GrammarDB this is GrammarDB's stress; for any other word, the model's guess. A spelling
   that GrammarDB's release stresses two ways without saying which in the table's source
   (былі, мае, правы) is the model's choice too: the simple rule for homographs, which a
   one-occurrence fix or the lexicon overrides.
3. A word the model is unsure of is left as written, and the voice's own rules stress it.

Words that already carry an accent, words of one syllable and words in other scripts are left
as they are.
"""

from __future__ import annotations

import gzip
import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

import numpy
import numpy.typing as npt

from polyedition.errors import SpeechError

logger = logging.getLogger(__name__)

ACUTE = "\u0301"
VOWELS = frozenset("аеёіоуыэюя")
_LETTERS = "а-яёіўА-ЯЁІЎ"
_WORD = re.compile(rf"[{_LETTERS}{ACUTE}]+(?:['’][{_LETTERS}{ACUTE}]+)*")
_TABLE = "be-grammardb.tsv.gz"
_MODEL = "be-silero.npz"
_MODEL_CONFIDENCE = 0.5
"""Silero's own threshold: below even odds its accentor leaves a word unstressed."""

Source = Literal["dictionary", "model"]


@dataclass(frozen=True, slots=True)
class Stress:
    """The stressed vowel letter of a word (counted from 0) and where that came from."""

    vowel: int
    source: Source


def accent(text: str) -> str:
    """``text`` with U+0301 after the stressed vowel of each multi-syllable word known.

    >>> accent("Удзел у выбарах былі вызначаны загадзя.")
    'Удзе́л у вы́барах былі́ вы́значаны за́гадзя.'
    >>> accent("Ён прыйшоў, Кале́снікава — у Polyedition.")
    'Ён прыйшо́ў, Кале́снікава — у Polyedition.'

    Words already accented and words of one syllable keep their spelling; the case of every
    letter is kept.
    """
    return _WORD.sub(_accented, text)


def stress(word: str) -> Stress | None:
    """The stressed vowel of one Belarusian word (any case), or None when neither the
    dictionary nor the model knows it, or it has fewer than two vowels.

    >>> stress("рэжыму"), stress("Краіны")
    (Stress(vowel=1, source='dictionary'), Stress(vowel=1, source='model'))
    >>> stress("ўплыў")
    Stress(vowel=0, source='model')

    ``source`` says which of the two gave the stress: ``dictionary``, the table of forms the
    model gets wrong; ``model``, the accentor, which for a form of GrammarDB gives
    GrammarDB's stress.
    """
    lower = word.lower().replace("'", "’")
    if lower.startswith("ў"):
        # The table and the model know the form with у (a vowel), which ў follows a vowel.
        found = _stress("у" + lower[1:])
        return None if found is None else Stress(found.vowel - 1, found.source)
    return _stress(lower)


def vowel_count(word: str) -> int:
    return sum(char in VOWELS for char in word.lower())


def _accented(match: re.Match[str]) -> str:
    word = match.group(0)
    if ACUTE in word:
        return word
    found = stress(word)
    if found is None:
        return word
    seen = 0
    for index, char in enumerate(word):
        if char.lower() in VOWELS:
            if seen == found.vowel:
                return word[: index + 1] + ACUTE + word[index + 1 :]
            seen += 1
    return word


@lru_cache(maxsize=65536)
def _stress(word: str) -> Stress | None:
    if vowel_count(word) < 2:
        return None
    attested = _table().get(word)
    if attested is None:
        vowel = _model_stress(_model(), word)
        return None if vowel is None else Stress(vowel, "model")
    if len(attested) == 1:
        return Stress(attested[0], "dictionary")
    scores = _model().scores(word)
    return Stress(max(attested, key=lambda vowel: scores[vowel]), "dictionary")


def _model_stress(model: _NgramModel, word: str) -> int | None:
    """The vowel Silero's accentor stresses: its exception list, else its model when that
    gives more than even odds."""
    exception = model.exceptions.get(word)
    if exception is not None:
        return exception
    scores = model.scores(word)
    best = int(numpy.argmax(scores[: vowel_count(word)]))
    return best if scores[best] > _MODEL_CONFIDENCE else None


@cache
def _table() -> dict[str, tuple[int, ...]]:
    """GrammarDB's attested forms: word form → its stressed vowel (several: a homograph)."""
    data = resources.files("polyedition.speech.accent").joinpath("data", _TABLE)
    try:
        lines = gzip.decompress(data.read_bytes()).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpeechError(
            f"the Belarusian stress table is unreadable: {exc}", path=str(data)
        ) from exc
    table: dict[str, tuple[int, ...]] = {}
    for line in lines:
        word, vowels = line.split("\t")
        table[word] = tuple(int(vowel) for vowel in vowels.split(","))
    return table


class _NgramModel:
    """Silero's Belarusian accentor without PyTorch: the mean of a word's character n-gram
    embeddings, through four dense layers, gives a probability for each of its first ten
    vowels."""

    def __init__(self, arrays: dict[str, npt.NDArray[numpy.generic]]) -> None:
        self.ngrams = {str(gram): index for index, gram in enumerate(arrays["ngrams"])}
        self.longest = max(len(gram) for gram in self.ngrams if gram != "UNK")
        scale = numpy.float32(arrays["scale"])
        zero_point = numpy.float32(arrays["zero_point"])
        self.embedding = scale * (arrays["embedding"].astype(numpy.float32) - zero_point)
        self.layers = [
            (arrays[f"layer{n}_weight"].astype(numpy.float32), arrays[f"layer{n}_bias"])
            for n in (0, 2, 4, 6)
        ]
        self.exceptions = {
            str(word): _vowel_at(str(word), int(position))
            for word, position in zip(
                arrays["exception_words"], arrays["exception_stress"], strict=True
            )
        }

    def scores(self, word: str) -> npt.NDArray[numpy.float32]:
        """The probability that each of the word's first ten vowels is the stressed one."""
        padded = f"<{word}>"
        indexes = [
            self.ngrams[padded[start : start + size]]
            for size in range(1, min(len(padded), self.longest) + 1)
            for start in range(len(padded) - size + 1)
            if padded[start : start + size] in self.ngrams
        ] or [self.ngrams["UNK"]]
        values = self.embedding[indexes].mean(axis=0)
        for number, (weight, bias) in enumerate(self.layers):
            values = weight @ values + bias
            if number < len(self.layers) - 1:
                values = numpy.maximum(values, 0)
        exp = numpy.exp(values - values.max())
        probabilities: npt.NDArray[numpy.float32] = (exp / exp.sum()).astype(numpy.float32)
        return probabilities


def _vowel_at(word: str, position: int) -> int:
    """The vowel number of the letter at ``position`` (Silero marks the stressed letter's
    offset)."""
    return sum(char in VOWELS for char in word[:position])


@cache
def _model() -> _NgramModel:
    data = resources.files("polyedition.speech.accent").joinpath("data", _MODEL)
    try:
        with data.open("rb") as handle, numpy.load(handle, allow_pickle=False) as arrays:
            return _NgramModel({name: arrays[name] for name in arrays.files})
    except (OSError, ValueError, KeyError) as exc:
        raise SpeechError(
            f"the Belarusian stress model is unreadable: {exc}", path=str(data)
        ) from exc
