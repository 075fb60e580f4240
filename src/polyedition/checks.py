"""Catalog QA that a translator can act on: each finding is ``path:line: [check] message``.

The checks of one message, one catalog and the glossary's names; the ``check`` command runs
them over a project (``qa``), and reading a catalog for a build withholds what they find
would break a page (``catalogs.publishable_catalog``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from polyedition.glossary import SAY_PREFIX, Term
from polyedition.model import not_xml
from polyedition.pofile import message_key
from polyedition.theme import UI_DOMAIN

logger = logging.getLogger(__name__)

IGNORE_SAME_FLAG = "ignore-same"
"""Weblate's flag for a message whose translation may equal its source (a name, a number)."""

CHECKS: dict[str, str] = {
    "missing": "a language has no catalog for a domain",
    "header": "the PO header's charset, Language or Plural-Forms is wrong",
    "syntax": "the file is not valid gettext (GNU msgfmt would reject it)",
    "fuzzy": "a translation waits for review against its new source",
    "plural-forms": "a plural message has the wrong number of forms",
    "untranslated": "a message, or one of its plural forms, is empty",
    "untranslated-copy": "a translation is a copy of the English source",
    "placeholders": "a translation lost or invented a placeholder",
    "markup": "a translation's inline Markdown differs from the source's",
    "characters": "a translation holds a control character that no XML output can carry",
    "percent": "an interface translation has a lone '%' (write '%%' for a percent sign)",
    "glossary": "a glossary term is not in its approved form",
    "spoken": "a glossary name the voice would read by other rules has no spoken form",
}
"""Every kind of finding ``check`` reports, by the name it prints in brackets."""

SPEECH_CHECKS: dict[str, str] = {
    "speech-fix": "a one-occurrence speech fix matches no word of the narration any more",
}
"""Findings about the narration's speech files (``locales/<lang>/speech-fixes.tsv``)."""

RENDER_BREAKING = frozenset({"plural-forms", "placeholders", "markup", "characters", "percent"})
"""Findings that make a translation unpublishable: it would crash or garble a page. The build
publishes the source text for such a message instead, marked like any fallback."""

_PERCENT_PLACEHOLDER = r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdif]"
_PLACEHOLDER = re.compile(rf"{_PERCENT_PLACEHOLDER}|\{{\w*(?:[!:][^{{}}]*)?\}}")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)|<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>")
"""A link's target: ``[text](target)``, or an autolink ``<https://…>``."""
_CODE_SPAN = re.compile(r"`+[^`]+`+")
_EMPHASIS = re.compile(r"(?<![\w*_])(\*\*|__|\*|_)(?=\S)")
_LETTER = re.compile(r"[^\W\d_]")
_FORMAT_TOKEN = re.compile(rf"%%|{_PERCENT_PLACEHOLDER}")


def lone_percent(text: str) -> bool:
    """Whether a %-formatted string has a ``%`` that is neither ``%%`` nor a placeholder.

    >>> lone_percent("100%"), lone_percent("100%% of %(count)d"), lone_percent("50 % off")
    (True, False, True)
    """
    return "%" in _FORMAT_TOKEN.sub("", text)


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One thing for a translator to fix."""

    path: Path
    line: int
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.check}] {self.message}"


def placeholders(text: str) -> Counter[str]:
    """Placeholders in a message: ``%(name)s``, ``%d`` and ``{name}``.

    >>> sorted(placeholders("%(num)d min read, by {author}"))
    ['%(num)d', '{author}']
    """
    return Counter(match.group(0) for match in _PLACEHOLDER.finditer(text))


def markup(text: str) -> Counter[str]:
    """Inline Markdown a translation must keep: link targets, code spans and emphasis markers.

    >>> sorted(markup("see [the report](https://x.org/r) and `code` in **bold**").elements())
    ['**', '`code`', 'https://x.org/r']
    """
    found: Counter[str] = Counter()
    found.update(_link_targets(text))
    found.update(_CODE_SPAN.findall(text))
    found.update(_EMPHASIS.findall(_CODE_SPAN.sub("", text)))
    return found


def _link_targets(text: str) -> list[str]:
    """Where the links of inline Markdown lead.

    >>> _link_targets("[a](https://x.org/a) and <https://evil.example/> or <b>")
    ['https://x.org/a', 'https://evil.example/']
    """
    return [inline or auto for inline, auto in _LINK_TARGET.findall(text)]


def _strings(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, (tuple, list)) else [string or ""]


def _sources(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def check_message(
    message: Message,
    lang: str,
    *,
    source_lang: str,
    num_plurals: int,
    glossary: Iterable[Term],
    formatted: bool = False,
) -> Iterator[tuple[str, str]]:
    """(check, message) pairs for one catalog entry; pure, so each rule is tested on its own.

    ``formatted``: the message is %-formatted when shown (every interface string is).
    """
    strings = _strings(message)
    sources = _sources(message)
    for index, string in enumerate(strings):
        bad = not_xml(string)
        if bad:
            yield (
                "characters",
                f"translation holds control character(s) {', '.join(bad)}"
                + (f" in form {index}" if len(strings) > 1 else "")
                + "; delete them, an editor may show nothing there",
            )
        if formatted and lone_percent(string) and not lone_percent(sources[0]):
            yield (
                "percent",
                "a lone '%' would break the page: write '%%' for a percent sign"
                + (f" (form {index})" if len(strings) > 1 else ""),
            )
    is_source = lang == source_lang
    if message.fuzzy:
        yield (
            "fuzzy",
            "translation is marked fuzzy: review it against the new source, then unmark it",
        )
    if message.pluralizable and len(strings) != num_plurals:
        yield "plural-forms", f"needs {num_plurals} plural forms (msgstr[0]…), has {len(strings)}"
    if not any(strings):
        if not is_source:
            yield "untranslated", "message is not translated"
        return
    if not is_source:
        for index, string in enumerate(strings):
            if not string:
                yield "untranslated", f"plural form msgstr[{index}] is empty"
    if (
        not is_source
        and IGNORE_SAME_FLAG not in message.flags
        and any(
            string == source and _LETTER.search(source) for string in strings for source in sources
        )
    ):
        yield (
            "untranslated-copy",
            "translation is a copy of the English source; translate it, or add the flag "
            f"'#, {IGNORE_SAME_FLAG}' if it is meant to stay the same",
        )
    reference = placeholders(sources[-1] if len(sources) > 1 else sources[0])
    singular = placeholders(sources[0])
    for index, string in enumerate(strings):
        if not string:
            continue
        found = placeholders(string)
        # Plural forms may drop the number ("one minute"), but never invent a placeholder.
        allowed = reference | singular
        missing = set(reference) - set(found) if not message.pluralizable else set()
        extra = set(found) - set(allowed)
        if missing:
            yield "placeholders", f"missing placeholder(s) {', '.join(sorted(missing))}"
        if extra:
            yield (
                "placeholders",
                f"unknown placeholder(s) {', '.join(sorted(extra))} in form {index}",
            )
        source_markup, string_markup = markup(sources[0]), markup(string)
        if set(_link_targets(sources[0])) != set(_link_targets(string)) or sum(
            source_markup.values()
        ) != sum(string_markup.values()):
            yield "markup", "inline Markdown (links, code, emphasis) differs from the source"
    if not is_source:
        for term in glossary:
            if any(term.occurs_in(source) for source in sources) and not all(
                term.used_in(lang, string) for string in strings if string
            ):
                yield (
                    "glossary",
                    f"{term.source!r} should be translated as {term.forms[lang]!r} "
                    f"(in a grammatical form; glossary.csv line {term.line})",
                )


def _breaks_rendering(check: str, message: Message) -> bool:
    """Whether a finding makes the translation unpublishable (see ``RENDER_BREAKING``).

    A plural message with only some forms empty counts too: gettext would show the English for
    those forms as if it were the translation, without a ``lang`` mark.
    """
    return check in RENDER_BREAKING or (check == "untranslated" and any(_strings(message)))


def withhold_broken(path: Path, catalog: Catalog, lang: str, source_lang: str) -> list[Finding]:
    """Remove every translation that would break rendering from ``catalog`` (read from
    ``path``), so that its message falls back to the source like an untranslated one.

    Returns the findings that caused each removal; fuzzy messages are never published, so they
    are left alone.
    """
    withheld: list[Finding] = []
    for message in list(catalog):
        if not message.id or message.fuzzy:
            continue
        breaking = [
            finding
            for finding in _message_findings(path, message, catalog, lang, source_lang, glossary=[])
            if _breaks_rendering(finding.check, message)
        ]
        if breaking:
            withheld.extend(breaking)
            catalog.delete(message.id, context=message.context)
    return withheld


def _message_findings(
    path: Path,
    message: Message,
    catalog: Catalog,
    lang: str,
    source_lang: str,
    *,
    glossary: list[Term],
) -> list[Finding]:
    return [
        Finding(path, _entry_line(message), check, f"{text} ({_label(message)})")
        for check, text in check_message(
            message,
            lang,
            source_lang=source_lang,
            num_plurals=catalog.num_plurals,
            glossary=glossary,
            formatted=path.stem == UI_DOMAIN,
        )
    ]


def check_catalog(
    path: Path, catalog: Catalog, lang: str, source_lang: str, glossary: list[Term]
) -> list[Finding]:
    """Findings for every message of a parsed catalog (its header is checked before parsing)."""
    findings = []
    for message in catalog:
        if message.id:
            findings.extend(
                _message_findings(path, message, catalog, lang, source_lang, glossary=glossary)
            )
    return findings


def _entry_line(message: Message) -> int:
    # Babel records the line of the msgid keyword, which is where msgfmt points too.
    return int(message.lineno or 1)


def _label(message: Message) -> str:
    key = message_key(message)
    short = key if len(key) <= 50 else key[:47] + "..."
    return f"{message.context}: {short!r}" if message.context else repr(short)


def unspoken_names(path: Path, glossary: Iterable[Term], lang: str) -> list[Finding]:
    """A finding for each glossary term whose ``lang`` form the voice would read by other
    rules than the language's (see ``Term.foreign_spelling``) and that has no ``say:<lang>``."""
    findings = []
    for term in glossary:
        reason = term.foreign_spelling(lang)
        if reason is not None and lang not in term.spoken:
            findings.append(
                Finding(
                    path,
                    term.line,
                    "spoken",
                    f"{term.written(lang)!r} ({lang}): {reason}, so the voice would misread "
                    f"it; write how it is said in column {SAY_PREFIX}{lang} (the same "
                    "spelling if the voice says it right)",
                )
            )
    return findings
