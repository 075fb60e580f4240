"""Russian stress and ё: silero-stress's word accentor and homograph solver, run without PyTorch.

``scripts/convert_silero_stress.py`` converted both once from silero-stress 1.5 (MIT, Silero
Team; ``data/LICENSE-silero-stress.txt``):

1. A homograph (``стоит``, ``страны``, ``все``…) takes the variant its context selects: one of
   silero's fixed phrases if one matches, else the solver (a small BERT, ``ru_homographs.onnx``,
   run by ONNX Runtime) reading up to 150 characters either side of the word.
2. Any other word takes silero's exception list (``dictionary``), else its character n-gram
   model (``model``, numpy), as silero does: the stress when the model gives its vowel more
   than even odds, and ё where the model puts an ё on the stressed е.

Words that already carry an accent or an ё keep them (an ё is the stressed vowel); words in
capitals (abbreviations, the front end's business) and words of other alphabets are left alone.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from polyedition.errors import SpeechError

logger = logging.getLogger(__name__)

ACUTE = "\u0301"
VOWELS = frozenset("аоуыэиеяёю")
_LETTERS = "а-яёА-ЯЁ"
_WORD = re.compile(rf"[{_LETTERS}{ACUTE}]+")
"""A run of Cyrillic letters: the parts of ``что-то`` are words of their own, as in silero."""
_CONFIDENCE = 0.5
_WINDOW = 300
"""Characters of context the solver reads around a homograph (half either side)."""
_MAX_TOKENS = 512
_DATA = "polyedition.speech.accent.data"

Source = Literal["dictionary", "model", "homograph"]


@dataclass(frozen=True, slots=True)
class Stress:
    """A word as the accentor says it: its stressed vowel letter (counted from 0; None when
    unsure), the word with ё restored, and where that came from."""

    vowel: int | None
    word: str
    source: Source


def accent(text: str) -> str:
    """``text`` with ё restored and U+0301 after the stressed vowel of every word of two or
    more syllables the accentor is sure of (an ё needs none: it is always stressed);
    homographs resolved from the text around them.

    >>> accent("Недавнее освобождение заключенных стоит денег")
    'Неда́внее освобожде́ние заключённых сто́ит де́нег'
    """
    homographs = _resolve_homographs(text)
    pieces: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        found = homographs.get(match.start()) or stress(word)
        pieces += [text[position : match.start()], _written(word, found)]
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


def stress(word: str) -> Stress | None:
    """How the accentor stresses ``word`` out of context (None: a word it leaves alone).

    >>> stress("заключенных")
    Stress(vowel=2, word='заключённых', source='model')
    """
    if ACUTE in word or (len(word) > 1 and word.isupper()):
        return None
    if "ё" in word.lower():
        return Stress(_vowel_at(word, word.lower().index("ё")), word, "dictionary")
    found = _stress_lower(word.lower())
    if found is None:
        return None
    return Stress(found.vowel, _same_case(word, found.word), found.source)


def _written(word: str, found: Stress | None) -> str:
    if found is None:
        return word
    if found.vowel is None or _vowel_count(word) < 2 or "ё" in found.word.lower():
        return found.word  # ё is always stressed: it needs no accent
    return _with_accent(found.word, found.vowel)


@lru_cache(maxsize=65536)
def _stress_lower(word: str) -> Stress | None:
    vowels = [index for index, char in enumerate(word) if char in VOWELS]
    if not vowels:
        return None
    exception = _words().exceptions.get(word)
    if exception is not None:
        at, yo_at = exception
        spelled = word if yo_at < 0 else word[:yo_at] + "ё" + word[yo_at + 1 :]
        return Stress(_vowel_at(word, at), spelled, "dictionary")
    stress_probs, yo_probs = _words().predict(word)
    choice = int(np.argmax(stress_probs))
    sure = float(stress_probs[choice]) > _CONFIDENCE
    stress_at = vowels[choice] if choice < len(vowels) else None
    yo_choice = int(np.argmax(yo_probs))
    yes = [index for index, char in enumerate(word) if char == "е"]
    if (
        0 < yo_choice <= len(yes)
        and float(yo_probs[yo_choice]) > _CONFIDENCE
        and yes[yo_choice - 1] == stress_at  # silero writes ё only on the stressed vowel
    ):
        word = word[:stress_at] + "ё" + word[stress_at + 1 :]
    if len(vowels) == 1:
        return Stress(0, word, "model")
    return Stress(choice if sure and stress_at is not None else None, word, "model")


class _Words:
    """silero's word accentor: character n-grams of ``<word>`` averaged, two perceptrons."""

    def __init__(self, arrays: Any) -> None:
        grams = bytes(arrays["ngrams"]).decode().split("\n")
        self.grams = {gram: index for index, gram in enumerate(grams) if gram}
        scale, zero = float(arrays["scale"]), float(arrays["zero_point"])
        self.embedding = ((arrays["embedding"].astype(np.float32) - zero) * scale).astype(
            np.float32
        )
        self.heads = {
            head: [
                (arrays[f"{head}_w{n}"], arrays[f"{head}_b{n}"])
                for n in range(4)
                if f"{head}_w{n}" in arrays
            ]
            for head in ("stress", "yo")
        }
        self.exceptions: dict[str, tuple[int, int]] = {}
        for line in bytes(arrays["exceptions"]).decode().splitlines():
            word, stress_at, yo_at = line.split("\t")
            self.exceptions[word] = (int(stress_at), int(yo_at))

    def predict(self, word: str) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The stress and ё probabilities of ``word`` (lower case)."""
        framed = f"<{word}>"
        indexes = [
            self.grams[framed[start : start + size]]
            for size in range(1, len(word) + 4)
            for start in range(len(framed) - size + 1)
            if framed[start : start + size] in self.grams
        ]
        if not indexes:
            indexes = [self.grams["UNK"]]
        embedded = self.embedding[indexes].mean(axis=0)
        return _softmax(self._run("stress", embedded)), _softmax(self._run("yo", embedded))

    def _run(self, head: str, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        layers = self.heads[head]
        for number, (weight, bias) in enumerate(layers):
            x = weight @ x + bias
            if number < len(layers) - 1:
                x = np.maximum(x, 0)
        return x


def _softmax(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = np.exp(x - x.max())
    return shifted / shifted.sum()  # type: ignore[no-any-return]


@cache
def _words() -> _Words:
    path = resources.files(_DATA).joinpath("ru_words.npz")
    try:
        with resources.as_file(path) as file, np.load(file, allow_pickle=False) as arrays:
            return _Words(arrays)
    except (OSError, ValueError, KeyError) as exc:
        raise SpeechError(
            f"the Russian stress data is missing or damaged: {exc}",
            path=str(path),
            hint="reinstall polyedition",
        ) from exc


# --- homographs -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Solver:
    vocab: dict[str, int]
    special: dict[str, int]
    homographs: dict[str, list[str]]
    phrases: dict[str, list[tuple[str, list[str]]]]
    """Per homograph, silero's variants in its order (``рАвно``: the capital is the stressed
    vowel), each with its fixed phrases around ``[HOMO] word [/HOMO]``, longest first."""


@cache
def _solver() -> _Solver:
    path = resources.files(_DATA).joinpath("ru_homographs.json.gz")
    try:
        tables = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise SpeechError(
            f"the Russian homograph data is missing or damaged: {exc}",
            path=str(path),
            hint="reinstall polyedition",
        ) from exc
    vocab = {token: index for index, token in enumerate(tables["vocab"]) if token}
    phrases = {
        word: [(name, list(texts)) for name, texts in variants]
        for word, variants in tables["phrases"].items()
    }
    return _Solver(vocab, tables["special"], tables["homographs"], phrases)


_NOT_LETTER = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя-")


def _phrase_variant(word: str, marked: str) -> str | None:
    """The variant (``р+авно``) of the first fixed phrase of ``word`` found in ``marked``, as
    silero's regular expression finds it: the leftmost, the earlier variant and longer phrase
    first at one place, with no Cyrillic letter or hyphen on either side; None without one."""
    variants = _solver().phrases.get(word)
    if not variants:
        return None
    text = marked.lower()
    best: tuple[int, int, str] | None = None
    for order, (name, phrases) in enumerate(variants):
        for phrase in phrases:
            start = text.find(phrase.lower())
            while start >= 0:
                end = start + len(phrase)
                if (start == 0 or text[start - 1] not in _NOT_LETTER) and (
                    end == len(text) or text[end] not in _NOT_LETTER
                ):
                    break
                start = text.find(phrase.lower(), start + 1)
            if start >= 0 and (best is None or (start, order) < best[:2]):
                best = (start, order, name)
    return None if best is None else _from_group(best[2])


@cache
def _session() -> Any:
    import onnxruntime  # type: ignore[import-untyped]

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    path = resources.files(_DATA).joinpath("ru_homographs.onnx")
    try:
        with resources.as_file(path) as file:
            return onnxruntime.InferenceSession(
                str(file), options, providers=["CPUExecutionProvider"]
            )
    except Exception as exc:  # ONNX Runtime raises its own exception types
        raise SpeechError(
            f"the Russian homograph model cannot be loaded: {exc}",
            path=str(path),
            hint="reinstall polyedition",
        ) from exc


def release() -> None:
    """Let go of the word model, the homograph tables and the ONNX session (see
    ``accent.release``); what was already accented stays cached."""
    for loaded in (_words, _solver, _session, _stress_lower):
        loaded.cache_clear()


def _resolve_homographs(text: str) -> dict[int, Stress]:
    """The homographs of ``text`` by their offsets, each as its context selects."""
    solver = _solver()
    found: dict[int, Stress] = {}
    pending: list[tuple[int, str, list[int]]] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        lower = word.lower()
        if ACUTE in word or "ё" in lower or (len(word) > 1 and word.isupper()):
            continue
        if lower not in solver.homographs and lower not in solver.phrases:
            continue
        before = _clean(text[: match.start()], start=True)[-(_WINDOW // 2) :]
        after = _clean(text[match.end() :], start=False)[: _WINDOW // 2]
        marked = f"{before} [HOMO] {lower} [/HOMO] {after}".strip()
        variant = _phrase_variant(lower, marked)
        if variant is not None:
            found[match.start()] = _variant(word, variant)
        elif lower in solver.homographs:
            pending.append((match.start(), word, _token_ids(marked)))
    if pending:
        for (start, word, _), choice in zip(pending, _solve([p[2] for p in pending]), strict=True):
            variant = sorted(solver.homographs[word.lower()])[choice]
            found[start] = _variant(word, variant)
    return found


def _solve(batch: Sequence[list[int]]) -> list[int]:
    """The solver's choice (0 or 1: which variant, sorted) for each marked context."""
    special = _solver().special
    length = max(len(ids) for ids in batch)
    ids = np.full((len(batch), length), special["pad"], dtype=np.int64)
    mask = np.zeros((len(batch), length), dtype=np.float32)
    marker = np.zeros((len(batch), length), dtype=np.float32)
    word_mask = np.zeros((len(batch), length), dtype=np.float32)
    for row, tokens in enumerate(batch):
        ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
        start, end = tokens.index(special["homo_start"]), tokens.index(special["homo_end"])
        marker[row, start] = 1
        word_mask[row, start + 1 : end] = 1
    (logits,) = _session().run(
        None, {"input_ids": ids, "attention_mask": mask, "marker": marker, "word_mask": word_mask}
    )
    return [int(value > 0) for value in logits]


def _variant(word: str, variant: str) -> Stress:
    """A solver's variant (``ст+оит``) as a Stress of ``word``, in its case."""
    at = variant.index("+")
    spelled = variant.replace("+", "")
    return Stress(_vowel_at(spelled, at), _same_case(word, spelled), "homograph")


def _from_group(name: str) -> str:
    """silero's phrase group name (``рАвно``) as a variant (``р+авно``)."""
    for index, char in enumerate(name):
        if char.isupper():
            return name[:index] + "+" + name[index:].lower()
    return name


_REMOVE = re.compile(r"[^a-zA-Zа-яА-ЯёЁ0-9\s.!?,\-]")
_SPACES = re.compile(r"\s+")
_DOUBLE_DASH = re.compile(r"-{2,}")
_REPEAT_PUNCT = re.compile(r"([.!?])\1+")
_REPEAT_COMMA = re.compile(r",{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?])")
_PUNCT_ADD_SPACE = re.compile(r"([.,!?])(?=\S)")


def _clean(text: str, *, start: bool) -> str:
    """Context as silero's solver was trained on it (its ``_clean_text``)."""
    if not text:
        return ""
    text = _REMOVE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _DOUBLE_DASH.sub(" - ", text)
    text = _REPEAT_PUNCT.sub(r"\1", text)
    text = _REPEAT_COMMA.sub(",", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEAT_PUNCT.sub(r"\1", text)
    text = _REPEAT_COMMA.sub(",", text)
    text = _PUNCT_ADD_SPACE.sub(r"\1 ", text)
    text = _SPACES.sub(" ", text).strip()
    if start:
        text = text.lstrip(" .,!?-")
        if text:
            text = text[0].upper() + text[1:].lower()
    else:
        if text:
            text = text[0] + text[1:].lower()
        if text and text[-1] not in ".!?":
            text += "."
    return text


def _token_ids(text: str) -> list[int]:
    """BERT word pieces of ``text`` (silero's tokenizer: cased, split at punctuation)."""
    solver = _solver()
    special = solver.special
    ids = [special["cls"]]
    for token in _basic_tokens(text):
        ids.extend(_word_pieces(token, solver.vocab, special["unk"]))
    ids.append(special["sep"])
    if len(ids) > _MAX_TOKENS:  # never with silero's window; kept safe for the model
        at = ids.index(special["homo_start"])
        keep = max(0, min(at - _MAX_TOKENS // 2, len(ids) - _MAX_TOKENS))
        ids = ids[keep : keep + _MAX_TOKENS]
    return ids


_NEVER_SPLIT = frozenset({"[HOMO]", "[/HOMO]"})


def _basic_tokens(text: str) -> Iterator[str]:
    cleaned = "".join(
        " " if _is_space(char) else char
        for char in text
        if not (ord(char) in (0, 0xFFFD) or _is_control(char))
    )
    for token in cleaned.split():
        if token in _NEVER_SPLIT:
            yield token
            continue
        current = ""
        for char in token:
            if _is_punctuation(char):
                if current:
                    yield current
                    current = ""
                yield char
            else:
                current += char
        if current:
            yield current


def _word_pieces(token: str, vocab: dict[str, int], unknown: int) -> list[int]:
    if len(token) > 100:
        return [unknown]
    pieces: list[int] = []
    start = 0
    while start < len(token):
        end = len(token)
        while start < end:
            piece = token[start:end] if start == 0 else "##" + token[start:end]
            if piece in vocab:
                pieces.append(vocab[piece])
                break
            end -= 1
        else:
            return [unknown]
        start = end
    return pieces


def _is_space(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


# --- letters --------------------------------------------------------------------------------


def _vowel_count(word: str) -> int:
    return sum(char in VOWELS for char in word.lower())


def _vowel_at(word: str, position: int) -> int:
    """Which vowel letter (counted from 0) stands at character ``position`` of ``word``."""
    return _vowel_count(word[:position])


def _with_accent(word: str, vowel: int) -> str:
    seen = 0
    for index, char in enumerate(word):
        if char.lower() in VOWELS:
            if seen == vowel:
                return word[: index + 1] + ACUTE + word[index + 1 :]
            seen += 1
    return word


def _same_case(model: str, word: str) -> str:
    """``word`` with the capitals of ``model`` (same length)."""
    return "".join(
        new.upper() if old.isupper() else new for old, new in zip(model, word, strict=True)
    )
