"""Reading and writing gettext catalogs strictly: GNU msgfmt's syntax rules, Babel's data model."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import normalize, read_po, write_po

from polyedition.errors import CatalogError
from polyedition.fsutil import write_if_changed

logger = logging.getLogger(__name__)

PO_WIDTH = 76
"""Line width of written catalogs: Babel's (and pybabel's) default, so rewraps never churn."""

_KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+(\".*)$")
_STRING = re.compile(r'^"((?:[^"\\]|\\["\\abfnrtv]|\\[0-7]{1,3}|\\x[0-9a-fA-F]+)*)"\s*$')
_CREATION_DATE = re.compile(rb'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def _unescape(body: str) -> str:
    return body.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def lint_po(text: str, path: Path) -> dict[tuple[str | None, str], int]:
    """Raise CatalogError at the first line GNU msgfmt would reject (syntax and duplicates).

    Babel's reader accepts an unterminated string or a duplicate message silently; a
    translator must hear about both, with the line, before a build uses the catalog.
    Returns how many ``msgstr[N]`` forms each plural message has, by (msgctxt, msgid).
    """
    entries: dict[tuple[str | None, str], int] = {}
    plural_forms: dict[tuple[str | None, str], int] = {}
    context: str | None = None
    msgid: str | None = None
    entry_line = 0
    last_keyword: str | None = None
    seen: set[str] = set()
    plural_indexes: list[int] = []

    def finish(line: int) -> None:
        nonlocal context, msgid, last_keyword, plural_indexes
        if last_keyword is None:
            return
        if "msgid" not in seen:
            raise CatalogError("message has no msgid", path=path, line=entry_line)
        if "msgstr" not in seen:
            raise CatalogError(
                "message has no msgstr", path=path, line=entry_line, hint='add a line msgstr ""'
            )
        if plural_indexes and plural_indexes != list(range(len(plural_indexes))):
            raise CatalogError(
                f"plural msgstr indexes must be 0, 1, 2, … (found {plural_indexes})",
                path=path,
                line=entry_line,
            )
        if "msgid_plural" in seen and not plural_indexes:
            raise CatalogError(
                "plural message needs msgstr[0], msgstr[1], …", path=path, line=entry_line
            )
        assert msgid is not None
        key = (context, msgid)
        if key in entries:
            raise CatalogError(
                f"duplicate message (first defined at line {entries[key]})",
                path=path,
                line=entry_line,
                msgid=msgid,
                hint="remove one of the two entries",
            )
        entries[key] = entry_line
        if plural_indexes:
            plural_forms[key] = len(plural_indexes)
        context = msgid = last_keyword = None
        seen.clear()
        plural_indexes = []

    current: str | None = None
    # Lines end at "\n" only, as msgfmt reads them: a form feed or U+2028 inside a string is
    # a character of the translation (str.splitlines would cut the string there).
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            # Obsolete entries are ignored by msgfmt; a blank line ends an entry.
            if not line:
                finish(number)
                current = None
            continue
        if line.startswith("#"):
            if last_keyword is not None and "msgstr" in seen:
                finish(number)
            continue
        keyword_match = _KEYWORD.match(line)
        if keyword_match:
            keyword, index, rest = keyword_match.groups()
            base = "msgstr" if keyword.startswith("msgstr") else keyword
            if base in {"msgctxt", "msgid"} and "msgstr" in seen:
                finish(number)
            if last_keyword is None:
                entry_line = number
            if base == "msgstr" and "msgid" not in seen:
                raise CatalogError("msgstr without a msgid before it", path=path, line=number)
            if base == "msgid_plural" and "msgstr" in seen:
                raise CatalogError("msgid_plural must come before msgstr", path=path, line=number)
            if base in seen and base != "msgstr":
                raise CatalogError(
                    f"{keyword} appears twice in one message", path=path, line=number
                )
            if index is not None:
                plural_indexes.append(int(index))
            elif base == "msgstr" and "msgid_plural" in seen:
                raise CatalogError(
                    "plural message needs msgstr[N], not msgstr", path=path, line=number
                )
            seen.add(base)
            last_keyword = current = keyword
            string = rest
        elif line.startswith('"'):
            if current is None:
                raise CatalogError("string without a keyword before it", path=path, line=number)
            string = line
        else:
            raise CatalogError(f"unexpected text {line[:30]!r}", path=path, line=number)
        string_match = _STRING.match(string)
        if not string_match:
            raise CatalogError(
                "string is not terminated or has an invalid escape",
                path=path,
                line=number,
                hint='every string must be one line in double quotes; write \\" for a quote',
            )
        value = _unescape(string_match.group(1))
        if current == "msgid":
            msgid = (msgid or "") + value
        elif current == "msgctxt":
            context = (context or "") + value
    finish(len(lines) + 1)
    return plural_forms


def header_fields(path: Path) -> dict[str, str]:
    """The header fields exactly as the file writes them (Babel fills in missing ones)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r'^msgid ""\nmsgstr ((?:".*"\n?)+)', text, flags=re.MULTILINE)
    if not match:
        return {}
    value = "".join(
        _unescape(string.group(1))
        for line in match.group(1).splitlines()
        if (string := _STRING.match(line.strip()))
    )
    fields = {}
    for line in value.splitlines():
        name, colon, field_value = line.partition(":")
        if colon:
            fields[name.strip()] = field_value.strip()
    return fields


def read_catalog(path: Path, *, locale: str | None = None, domain: str | None = None) -> Catalog:
    """Read a PO or POT file after a strict syntax check; errors name the file and line."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise CatalogError("catalog does not exist", path=path) from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"catalog is not valid UTF-8 (byte {exc.start})",
            path=path,
            hint="save the file as UTF-8, as Poedit and Weblate do",
        ) from exc
    plural_forms = lint_po(text, path)
    try:
        catalog = read_po(io.StringIO(text), locale=locale, domain=domain, abort_invalid=True)
    except Exception as exc:  # Babel raises PoFileError and ValueError for bad values
        line = getattr(exc, "lineno", None)
        raise CatalogError(f"cannot parse catalog: {exc}", path=path, line=line) from exc
    for message in [*catalog, *catalog.obsolete.values()]:
        _restore_previous_id(message)
    for message in catalog:
        # Babel pads missing plural forms with empty strings: keep the file's count, so that
        # ``check`` reports a wrong number of forms as such, as msgfmt -c does.
        forms = message.string
        if not isinstance(message.id, tuple) or not isinstance(forms, tuple):
            continue
        count = plural_forms.get((message.context, message.id[0]))
        if count is not None and count < len(forms):
            message.string = forms[:count]
    return catalog


def _restore_previous_id(message: Message) -> None:
    """Move ``#|`` previous-msgid lines back from user comments to ``previous_id``.

    Babel's reader files them as user comments (``| msgid "…"``) and would write them back as
    ``# | msgid``, losing the translator's diff on the next update.
    """
    previous: dict[str, str] = {}
    kept: list[str] = []
    keyword: str | None = None
    for comment in message.user_comments:
        if not comment.startswith("|"):
            kept.append(comment)
            continue
        line = comment[1:].strip()
        match = re.match(r"^(msgctxt|msgid_plural|msgid)\s+(\".*\")$", line)
        if match:
            keyword, line = match.groups()
        string = _STRING.match(line)
        if keyword is not None and string:
            previous[keyword] = previous.get(keyword, "") + _unescape(string.group(1))
    if not previous:
        return
    message.user_comments = kept
    message.previous_id = [previous[k] for k in ("msgid", "msgid_plural") if k in previous]


def catalog_bytes(catalog: Catalog) -> bytes:
    """Serialize a catalog the way every polyedition command writes it.

    Babel wraps ``#|`` previous-msgid lines into invalid PO; they are written here the way GNU
    msgmerge writes them: each line of the normalized string behind ``#| ``.
    """
    previous: dict[str, list[str]] = {}
    messages = [*catalog, *catalog.obsolete.values()]
    for index, message in enumerate(messages):
        if message.previous_id:
            previous[str(index)] = list(message.previous_id)
            message.previous_id = [f"\0{index}", f"\0{index}p"][: len(message.previous_id)]
    buffer = io.BytesIO()
    try:
        write_po(buffer, catalog, width=PO_WIDTH, include_previous=True, sort_output=False)
    finally:
        for index, message in enumerate(messages):
            if str(index) in previous:
                message.previous_id = previous[str(index)]
    text = buffer.getvalue().decode("utf-8")

    def expand(match: re.Match[str]) -> str:
        keyword, index, plural = match.group(1), match.group(2), match.group(3)
        value = previous[index][1 if plural else 0]
        lines = normalize(value, width=PO_WIDTH).split("\n")
        return "\n".join([f"#| {keyword} {lines[0]}", *(f"#| {line}" for line in lines[1:])])

    text = re.sub(r'^#\| (msgid|msgid_plural) "\x00(\d+)(p?)"$', expand, text, flags=re.MULTILINE)
    return text.encode("utf-8")


def write_catalog(path: Path, catalog: Catalog, *, ignore_creation_date: bool = False) -> bool:
    """Write a catalog atomically unless it is unchanged; True if the file was written.

    With ``ignore_creation_date`` (POT files), a difference in POT-Creation-Date alone does not
    count as a change, so re-extracting unchanged sources leaves the file alone.
    """
    data = catalog_bytes(catalog)
    if ignore_creation_date and path.exists():
        old = path.read_bytes()
        if _CREATION_DATE.sub(b"", old) == _CREATION_DATE.sub(b"", data):
            return False
    return write_if_changed(path, data)


def message_key(message: Message) -> str:
    """The singular msgid of a message (plural messages have a tuple id)."""
    return message.id if isinstance(message.id, str) else message.id[0]
