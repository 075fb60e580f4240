"""The speech text front end: written text of one language → the words a newsreader says.

It runs on each sentence before the pronunciation lexicon, for every engine: numbers in the
case and gender their context needs (years, dates, counts, ranges, percentages and units),
abbreviations as listeners hear them, initials before a surname without a pause, and
dashes, quotes and ellipses made safe for any engine. The language's number words come from
its module (``en``, ``be``, ``ru``, ``pl``, ``lt``); its words from ``locales/<lang>/speech.tsv``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from polyedition.speech.frontend import be, en, lt, pl, ru
from polyedition.speech.frontend.grammar import Grammar
from polyedition.speech.frontend.tables import Tables, load_tables, speech_path

logger = logging.getLogger(__name__)

__all__ = ["Frontend", "load_frontend", "speech_path"]

GRAMMARS: dict[str, Grammar] = {
    "en": en.GRAMMAR,
    "be": be.GRAMMAR,
    "ru": ru.GRAMMAR,
    "pl": pl.GRAMMAR,
    "lt": lt.GRAMMAR,
}

_QUOTES = re.compile(r"[«»„“”\"]|(?<!\w)['‘’]|['‘’](?!\w)")
_SPACED_DASH = re.compile(r"\s*,?\s+[—–-]\s+|^[—–-]\s+|\s+[—–]$|(?<=[^\W\d_])—(?=[^\W\d_])")
_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.)")
_INITIAL = re.compile(r"(?<![\w.])([^\W\d_])\.\s+(?=[^\W\d_])")
_DAY_CASE = "gen"
"""A day of the month before its month is in the genitive unless a word governs it."""


@dataclass(frozen=True, slots=True)
class Frontend:
    """The front end of one language: its number words and its tables."""

    lang: str
    grammar: Grammar
    tables: Tables

    def spoken(self, text: str) -> str:
        """``text`` (one sentence, normalized) as the engine should hear it; a sentence that
        starts with a number or an abbreviation still starts with a capital.

        >>> load_frontend(Path("locales"), "lt").spoken("JAV – 2020 m. – paleido 123 kalinius.")
        'Jot-a-vė́, du tūkstančiai dvidešimtaisiais metais, paleido šimtą dvidešimt tris kalinius.'
        """
        spoken = _typography(text)
        spoken = _INITIAL.sub(_drop_initial, spoken)
        spoken = _Numbers(self).read(spoken)
        spoken = self._abbreviations(spoken)
        spoken = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r" {2,}", " ", spoken)).strip()
        if text[:1].isupper() or text[:1].isdigit():
            spoken = spoken[:1].upper() + spoken[1:]
        return spoken

    def _abbreviations(self, text: str) -> str:
        table = self.tables.abbreviations
        if not table:
            return text
        pattern = "|".join(re.escape(key) for key in sorted(table, key=len, reverse=True))

        def spell(match: re.Match[str]) -> str:
            # "U.S." at the end keeps the full stop that also ends the sentence
            written = match.group(0)
            end_of_text = written.endswith(".") and match.end() == len(text)
            return table[written] + ("." if end_of_text else "")

        return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", spell, text)


def load_frontend(locales_dir: Path, lang: str) -> Frontend:
    """The front end of ``lang`` with the desk's tables (a language with no number words of
    its own reads digits through the English module)."""
    return Frontend(lang, GRAMMARS.get(lang, en.GRAMMAR), load_tables(locales_dir, lang))


def _typography(text: str) -> str:
    """Quotes dropped, a spaced dash a comma, an ellipsis a comma (a full stop at the end).

    >>> _typography("«Гэта толькі пачатак», — сказала яна…")
    'Гэта толькі пачатак, сказала яна.'
    >>> _typography("Freedom – not charity – he said... and left Minsk—for good.")
    'Freedom, not charity, he said, and left Minsk, for good.'
    """
    text = _QUOTES.sub("", text)
    text = _SPACED_DASH.sub(lambda m: "" if m.start() == 0 else ", ", text)
    text = _ELLIPSIS.sub(lambda m: "." if m.end() == len(text) else ",", text)
    return re.sub(r",\s*([,.])", r"\1", text).strip()


def _drop_initial(match: re.Match[str]) -> str:
    """An initial before a surname is not read: "A. Lukašenka" is said "Lukašenka", as
    newsreaders do once a name is known; its full stop must not make a sentence pause."""
    return "" if match.group(1).isupper() else match.group(0)


_NUMBER = {
    "en": r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?",
    "other": r"(?<![\w.,])(\d{1,3}(?: \d{3})+(?!\d)|\d+)(?:,(\d+))?",
}
_RANGE = re.compile(r"\s?[–-]\s?(\d+)")
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b")
_TOKEN = re.compile(r"\s*([^\s]+)")
_TRAILING = ",;:!?)]»”\"'"


@dataclass(frozen=True, slots=True)
class _Next:
    """The token after a number: its text as a table knows it, and where it ends."""

    key: str
    end: int
    dot: bool
    """The key ends with an abbreviation's full stop that also ends a sentence part."""


class _Numbers:
    """Reads every number of a sentence in the words and case its context needs."""

    def __init__(self, frontend: Frontend) -> None:
        self.lang = frontend.lang
        self.grammar = frontend.grammar
        self.tables = frontend.tables
        self.pattern = re.compile(_NUMBER["en" if self.lang == "en" else "other"])
        self.unit_pattern = (
            re.compile(
                r"\s?("
                + "|".join(re.escape(u) for u in sorted(self.tables.units, key=len, reverse=True))
                + r")(?!\w)"
            )
            if self.tables.units
            else None
        )

    def read(self, text: str) -> str:
        out: list[str] = []
        position = 0
        while (match := self.pattern.search(text, position)) is not None:
            out.append(text[position : match.start()])
            words, position = self._number(text, match)
            out.append(words)
        out.append(text[position:])
        return "".join(out)

    def _number(self, text: str, match: re.Match[str]) -> tuple[str, int]:
        """The words for the number at ``match`` and where the text they replace ends."""
        value = int(re.sub(r"\D", "", match.group(1)))
        fraction = match.group(2)
        end = match.end()
        upper: int | None = None
        if fraction is None and (found := _RANGE.match(text, end)) is not None:
            upper, end = int(found.group(1)), found.end()
        previous = _previous_word(text, match.start())
        governed = self.tables.governs.get(previous.lower()) if previous else None
        after_month = previous in self.tables.months
        if self.lang == "en" and fraction is None and (suffix := _ORDINAL_SUFFIX.match(text, end)):
            return self.grammar.ordinal(value, "nom", "m"), suffix.end()
        unit = self.unit_pattern.match(text, end) if self.unit_pattern else None
        if unit is not None:
            return self._with_unit(value, fraction, upper, governed, unit.group(1)), unit.end()
        following = self._next(text, end)
        if fraction is not None:
            point = self.tables.word("point", "point" if self.lang == "en" else ",")
            return f"{self._cardinal(value, 'nom')} {point} {_digits(self, fraction)}", end
        if following.key in self.tables.years and _is_year(value):
            allowed = self.tables.years[following.key]
            if "gen" in allowed and (
                after_month or self._next(text, following.end).key in self.tables.months
            ):
                # a date's year: "13 декабря 2025 г.", "2025 m. gruodžio 13 d."
                allowed = ("gen",)
            case = _resolve(governed, allowed)
            if following.key.endswith("."):
                noun = _form(self.tables.years, case, following.key)
                stop = "." if following.dot else ""
                return f"{self._years(value, upper, case)} {noun}{stop}", following.end
            return self._years(value, upper, case), end
        if following.key in self.tables.months and 1 <= value <= 31 and self.lang != "lt":
            case = _resolve(governed, (_DAY_CASE,)) if governed else _DAY_CASE
            return self._ordinals(value, upper, case, self.grammar.day_gender), end
        if following.key in self.tables.days and 1 <= value <= 31:
            case = _resolve(governed, self.tables.days[following.key])
            noun = _form(self.tables.days, case, following.key)
            stop = "." if following.dot else ""
            words = self._ordinals(value, upper, case, self.grammar.day_gender)
            return f"{words} {noun}{stop}", following.end
        if after_month and 1 <= value <= 31 and self.lang == "en":
            return self.grammar.ordinal(value, "nom", "m"), end
        if after_month and _is_year(value):
            if self.lang == "en":
                return self._years(value, upper, "nom"), end
            noun = _form(self.tables.years, "gen", "")
            return f"{self._years(value, upper, 'gen')} {noun}".rstrip(), end
        if (
            self.lang == "en"
            and _is_year(value)
            and "," not in match.group(1)
            and following.key not in self.tables.nouns
        ):
            return self._years(value, upper, "nom"), end
        nouns = self.tables.nouns.get(following.key)
        case = _resolve(governed, nouns) if governed or nouns else "nom"
        if (
            not governed
            and nouns == ("gen",)
            and self.grammar.count_genitive_is_nominative
            and self.grammar.plural(upper or value) == "many"
        ):
            case = "nom"
        return self._cardinals(value, upper, case), end

    def _next(self, text: str, end: int) -> _Next:
        found = _TOKEN.match(text, end)
        if found is None:
            return _Next("", end, dot=False)
        token = found.group(1)
        known = {*self.tables.years, *self.tables.days, *self.tables.nouns, *self.tables.months}
        for key in (token, token.rstrip(_TRAILING)):
            if key in known:
                stop = key.endswith(".") and _ends_sentence(text, found.start(1) + len(key))
                return _Next(key, found.start(1) + len(key), dot=stop)
        bare = token.rstrip(_TRAILING + ".")
        return _Next(bare, found.start(1) + len(bare), dot=False)

    def _with_unit(
        self,
        value: int,
        fraction: str | None,
        upper: int | None,
        governed: tuple[str, ...] | None,
        sign: str,
    ) -> str:
        unit = self.tables.units[sign]
        case = governed[0] if governed else "nom"
        last = upper if upper is not None else value
        if fraction is not None:
            point = self.tables.word("point", "point" if self.lang == "en" else ",")
            number = f"{self._cardinal(value, case)} {point} {_digits(self, fraction)}"
            return f"{number} {unit.fraction}"
        category = self.grammar.plural(last)
        if case not in ("nom", "acc"):
            form = unit.fraction if category == "one" else unit.many
        else:
            form = {"one": unit.one, "few": unit.few}.get(category, unit.many)
        return f"{self._cardinals(value, upper, case)} {form}"

    def _cardinal(self, value: int, case: str) -> str:
        return self.grammar.cardinal(value, case)

    def _cardinals(self, value: int, upper: int | None, case: str) -> str:
        words = self.grammar.cardinal(value, case)
        if upper is None:
            return words
        return self._range(words, self.grammar.cardinal(upper, case))

    def _ordinals(self, value: int, upper: int | None, case: str, gender: str) -> str:
        words = self.grammar.ordinal(value, case, gender)
        if upper is None:
            return words
        return self._range(words, self.grammar.ordinal(upper, case, gender))

    def _years(self, value: int, upper: int | None, case: str) -> str:
        words = self.grammar.year(value, case)
        if upper is None:
            return words
        return self._range(words, self.grammar.year(upper, case))

    def _range(self, lower: str, upper: str) -> str:
        """Two numbers of a range, joined by the table's word ("to"), or by a hyphen
        ("десять-пятнадцать") when the word is "-"."""
        word = self.tables.word("range", "to" if self.lang == "en" else "-")
        return f"{lower}-{upper}" if word == "-" else f"{lower} {word} {upper}"


def _digits(numbers: _Numbers, fraction: str) -> str:
    """The digits after the decimal point one by one when they start with zero ("0,05")."""
    if fraction.startswith("0"):
        return " ".join(numbers.grammar.cardinal(int(digit), "nom") for digit in fraction)
    return numbers.grammar.cardinal(int(fraction), "nom")


def _is_year(value: int) -> bool:
    return 1000 <= value <= 2199


def _previous_word(text: str, start: int) -> str:
    found = re.search(r"([\w.]+)[^\w]*$", text[:start])
    return found.group(1).rstrip(".") if found else ""


def _ends_sentence(text: str, end: int) -> bool:
    """True when an abbreviation's full stop at ``end - 1`` also ends a sentence: a capital
    follows, or nothing does."""
    rest = text[end:].lstrip()
    return not rest or rest[0].isupper()


def _resolve(governed: tuple[str, ...] | None, allowed: tuple[str, ...] | None) -> str:
    """The case a number takes: what the word before it governs and the noun after it can be
    agree; else the noun's form decides; else the governing word's first case."""
    if governed and allowed:
        for case in allowed:
            if case in governed:
                return case
    if allowed:
        return allowed[0]
    return governed[0] if governed else "nom"


def _form(table: dict[str, tuple[str, ...]], case: str, written: str) -> str:
    """The full word of ``table`` (not an abbreviation) in ``case``; the written word if none."""
    for word, cases in table.items():
        if not word.endswith(".") and case in cases:
            return word
    return written
