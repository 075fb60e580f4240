"""The translation memory: every translation a language's catalogs hold, found by its source.

The memory of a language is read from every PO file of that language in the project (each
article's catalog, the project's ``ui.po`` and the theme's), obsolete ``#~`` entries included;
fuzzy and empty translations are not part of it. ``update`` fills a message that has no
translation from it (an exact match as translated, a close one as fuzzy), and
``polyedition tm`` searches it.

Similarity is a word-level edit ratio: both sources are cut into words and punctuation marks
(case folded), and :class:`difflib.SequenceMatcher` gives ``2 * M / T``, where ``M`` is the
number of tokens in matching blocks and ``T`` the tokens of both. Counting words rather than
characters is what translation-memory tools do ("fuzzy match percentage"): changing one word of
a twenty-word sentence costs about 5 %, however long the word is, and a shared long name does
not make two different sentences look alike.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from polyedition.pofile import read_catalog

logger = logging.getLogger(__name__)

FUZZY_THRESHOLD = 0.75
"""The lowest similarity at which ``update`` offers a memory translation, marked fuzzy: below
three matching words in four, fixing the candidate costs a translator more than starting over."""
SEARCH_THRESHOLD = 0.5
"""The lowest similarity ``polyedition tm`` lists by default (a search may look further)."""
COMMENT_PREFIX = "Translation memory:"
"""How the translator comment that ``update`` adds to a filled message begins."""

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    """One translation in the memory and where it is written."""

    source: str
    """The singular source text (msgid)."""
    translation: str | tuple[str, ...]
    """The msgstr, or the plural forms of a plural message."""
    path: Path
    line: int
    context: str | None
    obsolete: bool
    plural_source: str | None = None
    """The msgid_plural of a plural message."""


@dataclass(frozen=True, slots=True)
class MemoryMatch:
    entry: MemoryEntry
    score: float
    """1.0 only for an identical source; a close match is below it."""
    contains: bool = False
    """Below the threshold, but the entry's source contains the text searched for (a search
    for a name or a phrase finds the paragraphs that use it)."""

    @property
    def exact(self) -> bool:
        return self.score == 1.0


def tokens(text: str) -> list[str]:
    """The words and punctuation marks of a text, case folded.

    >>> tokens("Maria Kolesnikova’s release, in 2025.")
    ['maria', 'kolesnikova', "'", 's', 'release', ',', 'in', '2025', '.']
    """
    return _TOKEN.findall(text.casefold().replace("\u2019", "'"))


def similarity(first: str, second: str) -> float:
    """How alike two source texts are: 1.0 when identical, else the word-level edit ratio
    (below 1.0 even when only case or spacing differs).

    >>> similarity("The US lifted sanctions.", "The US lifted sanctions.")
    1.0
    >>> round(similarity("The US lifted sanctions.", "The US lifted its sanctions."), 2)
    0.91
    >>> similarity("Key Points", "Key Facts")
    0.5
    """
    if first == second:
        return 1.0
    matcher = difflib.SequenceMatcher(None, tokens(first), tokens(second), autojunk=False)
    return min(matcher.ratio(), 0.99)


class TranslationMemory:
    """The memory of one language: its entries, searchable by source text."""

    def __init__(self, lang: str, entries: Iterable[MemoryEntry]) -> None:
        self.lang = lang
        self.entries = tuple(entries)
        self._by_source: dict[str, list[MemoryEntry]] = {}
        for entry in self.entries:
            self._by_source.setdefault(entry.source, []).append(entry)
        self._tokens = [tokens(entry.source) for entry in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def search(
        self,
        text: str,
        *,
        threshold: float = SEARCH_THRESHOLD,
        plural: bool | None = None,
        containing: bool = False,
    ) -> list[MemoryMatch]:
        """Entries whose source is at least ``threshold`` alike to ``text``, best first (then
        live before obsolete entries, then by file and line); ``plural`` keeps only plural
        (True) or singular (False) entries. With ``containing``, entries whose source contains
        ``text`` follow, however unlike they are as a whole."""
        wanted = tokens(text)
        phrase = f" {' '.join(wanted)} "
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(wanted)
        matches = []
        for entry, entry_tokens in zip(self.entries, self._tokens, strict=True):
            if plural is not None and (entry.plural_source is not None) != plural:
                continue
            if entry.source == text:
                matches.append(MemoryMatch(entry, 1.0))
                continue
            matcher.set_seq1(entry_tokens)
            # The cheap upper bounds first: most entries are nowhere near.
            near = matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            score = min(matcher.ratio(), 0.99) if near or containing else 0.0
            if score >= threshold:
                matches.append(MemoryMatch(entry, score))
            elif containing and wanted and phrase in f" {' '.join(entry_tokens)} ":
                matches.append(MemoryMatch(entry, score, contains=True))
        return sorted(matches, key=_rank)

    def best(self, message: Message, *, exclude: Path | None = None) -> MemoryMatch | None:
        """The best translation for a catalog message: an exact match if there is one, else
        the closest at or above :data:`FUZZY_THRESHOLD`; never an entry of the segment itself
        (the same context in ``exclude``, the file being updated)."""
        source = message.id if isinstance(message.id, str) else message.id[0]
        plural = message.pluralizable
        for match in self.search(source, threshold=FUZZY_THRESHOLD, plural=plural):
            entry = match.entry
            own = message.context is not None and entry.context == message.context
            if own and entry.path == exclude:
                continue  # the segment's own earlier text: ``update`` offers that already
            other_plural = isinstance(message.id, tuple) and entry.plural_source != message.id[1]
            if match.exact and other_plural:
                return MemoryMatch(entry, 0.99)  # the same singular, another plural: review it
            return match
        return None


def _rank(match: MemoryMatch) -> tuple[bool, float, bool, str, int]:
    entry = match.entry
    return (match.contains, -match.score, entry.obsolete, entry.path.as_posix(), entry.line)


def catalog_entries(catalog: Catalog, path: Path) -> Iterable[MemoryEntry]:
    """The translations a parsed catalog contributes: translated, not fuzzy, live or obsolete."""
    for message, obsolete in [
        *((m, False) for m in catalog),
        *((m, True) for m in catalog.obsolete.values()),
    ]:
        if not message.id or message.fuzzy or not _translated(message):
            continue
        string = message.string
        translation = string if isinstance(string, str) else tuple(string or ())
        if isinstance(message.id, str):
            source, plural = message.id, None
        else:
            source, plural = message.id[0], message.id[1]
        yield MemoryEntry(
            source,
            translation,
            path,
            int(message.lineno or 1),
            message.context,
            obsolete,
            plural,
        )


def _translated(message: Message) -> bool:
    string = message.string
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


def load_memory(lang: str, paths: Sequence[Path]) -> TranslationMemory:
    """The memory of ``lang`` from the given PO files (each read strictly; a broken catalog is
    an error naming its file and line)."""
    entries: list[MemoryEntry] = []
    for path in dict.fromkeys(paths):
        entries.extend(catalog_entries(read_catalog(path, locale=lang), path))
    return TranslationMemory(lang, entries)


def memory_comment(match: MemoryMatch, where: str) -> str:
    """The translator comment of a message ``update`` filled from the memory.

    >>> entry = MemoryEntry("Hi", "Прывітанне", Path("x.po"), 12, None, False)
    >>> memory_comment(MemoryMatch(entry, 0.8), "locales/be/LC_MESSAGES/x.po:12")
    'Translation memory: 80% match of locales/be/LC_MESSAGES/x.po:12'
    """
    kind = "exact match" if match.exact else f"{match.score:.0%} match"
    obsolete = " (obsolete entry)" if match.entry.obsolete else ""
    return f"{COMMENT_PREFIX} {kind} of {where}{obsolete}"
