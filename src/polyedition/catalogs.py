"""The translator's workflow on gettext catalogs: extract, init, update, compile and stats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import gettext
import io
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.support import Translations

from polyedition.checks import Finding, withhold_broken
from polyedition.config import Settings
from polyedition.content import discover_articles, read_article
from polyedition.errors import CatalogError
from polyedition.fsutil import write_if_changed
from polyedition.languages import profile
from polyedition.memory import MemoryEntry, TranslationMemory, load_memory, memory_comment
from polyedition.model import Article, count_words
from polyedition.pofile import header_fields, message_key, read_catalog, write_catalog
from polyedition.theme import (
    UI_DOMAIN,
    is_theme_source,
    theme_dir,
    theme_locales,
    theme_templates,
)

logger = logging.getLogger(__name__)

TEMPLATE_PATTERNS = ("**.html", "**.txt", "**.xml", "**.vtt", "**.xhtml", "**.opf", "**.svg")
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}
COMMENT_TAGS = ("Translators:",)
BUGS_ADDRESS = "translations@polyedition.example.org"
FUZZY_CUTOFF = 0.6
"""How alike two interface strings must be (difflib ratio) for update to offer a fuzzy match."""


def source_date() -> dt.datetime:
    """Now, or the time in ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except ValueError as exc:
            raise CatalogError(f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}") from exc
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def _locales(settings: Settings, domain: str) -> Path:
    """The folder of a domain's catalogs: the theme's ``ui`` ones only in polyedition's source."""
    if domain == UI_DOMAIN and is_theme_source(settings):
        return theme_locales()
    return settings.locales_dir


def pot_path(settings: Settings, domain: str) -> Path:
    return _locales(settings, domain) / "templates" / f"{domain}.pot"


def po_path(settings: Settings, lang: str, domain: str) -> Path:
    return _locales(settings, domain) / lang / "LC_MESSAGES" / f"{domain}.po"


def theme_po_path(lang: str) -> Path:
    """The theme's interface catalog for ``lang``, which a project's own ``ui.po`` overrides."""
    return theme_locales() / lang / "LC_MESSAGES" / f"{UI_DOMAIN}.po"


def theme_pot_path() -> Path:
    return theme_locales() / "templates" / f"{UI_DOMAIN}.pot"


def has_ui_domain(settings: Settings) -> bool:
    """Whether the project has interface catalogs of its own to translate.

    In polyedition's source tree these are the theme's; in any other project they exist once
    ``extract`` has found strings in the project's own templates that the theme lacks, or once
    a translator has started a ``ui.po`` to change some of the theme's translations.
    """
    return (
        is_theme_source(settings)
        or pot_path(settings, UI_DOMAIN).exists()
        or any(po_path(settings, lang, UI_DOMAIN).exists() for lang in settings.languages)
    )


def load_articles(settings: Settings) -> list[Article]:
    """Every article of the project, in slug order; ``ui`` is reserved for interface strings."""
    articles = [read_article(path) for path in discover_articles(settings.content_dir)]
    for article in articles:
        if article.slug == UI_DOMAIN:
            raise CatalogError(
                f"the slug {UI_DOMAIN!r} is reserved for interface strings",
                path=article.path,
                hint="choose another slug for this article",
            )
    return articles


def domains(settings: Settings) -> list[str]:
    """Catalog domains of the project: one per article, then ``ui`` if it has its own."""
    ui = [UI_DOMAIN] if has_ui_domain(settings) else []
    return [article.slug for article in load_articles(settings)] + ui


def _relative(settings: Settings, path: Path | str) -> str:
    try:
        return Path(path).resolve().relative_to(settings.project_dir).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _new_template(settings: Settings, domain: str, created: dt.datetime) -> Catalog:
    return Catalog(
        domain=domain,
        project=domain,
        version="1.0",
        copyright_holder=None,
        msgid_bugs_address=BUGS_ADDRESS,
        creation_date=created,
        fuzzy=False,
        header_comment=f"# Translations template for {domain} (polyedition).\n#",
    )


def article_template(settings: Settings, article: Article, created: dt.datetime) -> Catalog:
    """The POT of one article: a message per segment, its id as context, its place as comment."""
    catalog = _new_template(settings, article.slug, created)
    where = _relative(settings, article.path)
    for segment in (*article.segments(), *article.credits, *article.keywords):
        catalog.add(
            segment.text,
            locations=[(where, segment.line)],
            auto_comments=[segment.comment],
            context=segment.id,
        )
    return catalog


def _ui_root(settings: Settings) -> Path:
    """The folder that holds the templates whose strings are the project's ``ui`` domain."""
    return theme_dir() if is_theme_source(settings) else settings.project_dir


def ui_template(settings: Settings, created: dt.datetime) -> Catalog:
    """The POT of interface strings, extracted with Babel's Jinja2 extractor.

    In polyedition's source tree: every string of the theme's templates. In a project: the
    strings of its own templates that the theme's ``ui.pot`` does not have (the theme
    translates the rest). Locations are relative to the folder holding ``templates/``.
    """
    catalog = _new_template(settings, UI_DOMAIN, created)
    root = _ui_root(settings)
    if is_theme_source(settings):
        templates, theme = theme_templates(), None
    else:
        templates, theme = settings.templates_dir, read_catalog(theme_pot_path())
    if not templates.is_dir():
        return catalog
    method_map = [(pattern, "jinja2") for pattern in TEMPLATE_PATTERNS]
    options_map = {pattern: dict(JINJA_OPTIONS) for pattern in TEMPLATE_PATTERNS}
    try:
        extracted = list(
            extract_from_dir(
                str(templates),
                method_map=method_map,
                options_map=options_map,
                comment_tags=COMMENT_TAGS,
                strip_comment_tags=True,
            )
        )
    except Exception as exc:  # a template syntax error surfaces here first
        lineno = getattr(exc, "lineno", None)
        filename = getattr(exc, "filename", None) or templates
        raise CatalogError(f"cannot extract strings: {exc}", path=filename, line=lineno) from exc
    for filename, lineno, message, comments, context in sorted(
        extracted, key=lambda item: (item[0], item[1])
    ):
        if theme is not None and theme.get(message, context=context) is not None:
            continue
        location = ((templates / filename).relative_to(root).as_posix(), lineno)
        existing = catalog.get(message, context=context)
        if existing is not None:
            existing.locations.append(location)
            existing.auto_comments.extend(c for c in comments if c not in existing.auto_comments)
            continue
        catalog.add(message, locations=[location], auto_comments=comments, context=context)
    return catalog


def extract(settings: Settings) -> list[tuple[Path, bool]]:
    """Write every POT; a POT whose only change would be its date is left alone.

    Returns (path, written) for each domain.
    """
    created = source_date()
    templates: list[tuple[str, Catalog]] = [
        (article.slug, article_template(settings, article, created))
        for article in load_articles(settings)
    ]
    ui = ui_template(settings, created)
    if len(ui) or has_ui_domain(settings):
        templates.append((UI_DOMAIN, ui))
    results = []
    for domain, catalog in templates:
        path = pot_path(settings, domain)
        results.append((path, write_catalog(path, catalog, ignore_creation_date=True)))
    return results


def read_template(settings: Settings, domain: str) -> Catalog:
    path = pot_path(settings, domain)
    if not path.exists():
        raise CatalogError(
            "template catalog is missing", path=path, hint="run 'polyedition extract' first"
        )
    return read_catalog(path, domain=domain)


def init_catalogs(
    settings: Settings, lang: str, *, force: bool = False, only: Iterable[str] | None = None
) -> list[Path]:
    """Start the PO catalogs of a language from the POTs, with its Plural-Forms header
    (every domain, or ``only`` those)."""
    settings.require_language(lang)
    lang_profile = profile(lang)
    written = []
    for domain in only if only is not None else domains(settings):
        template = read_template(settings, domain)
        path = po_path(settings, lang, domain)
        if path.exists() and not force:
            raise CatalogError(
                "catalog already exists",
                path=path,
                hint="use 'polyedition update' to merge new strings, or --force to start over",
            )
        catalog = Catalog(
            locale=lang,
            domain=domain,
            project=domain,
            version="1.0",
            copyright_holder=None,
            msgid_bugs_address=BUGS_ADDRESS,
            creation_date=template.creation_date,
            revision_date=template.creation_date,
            language_team=f"{lang_profile.english_name} <{lang}@li.org>",
            fuzzy=False,
            header_comment=f"# {lang_profile.english_name} translations for {domain}.\n#",
        )
        for message in template:
            if message.id:
                catalog.add(
                    message.id,
                    string=_empty_string(message, catalog.num_plurals),
                    locations=message.locations,
                    flags=message.flags,
                    auto_comments=message.auto_comments,
                    context=message.context,
                )
        write_catalog(path, catalog)
        written.append(path)
    return written


def _empty_string(message: Message, num_plurals: int) -> str | tuple[str, ...]:
    return ("",) * num_plurals if message.pluralizable else ""


def _fit_string(
    string: str | tuple[str, ...] | list[str] | None, message: Message, num_plurals: int
) -> str | tuple[str, ...]:
    """Adapt a translation to the shape of a (possibly plural) template message."""
    if string is None:
        return _empty_string(message, num_plurals)
    if message.pluralizable:
        forms = (string,) if isinstance(string, str) else tuple(string)
        return tuple((forms + ("",) * num_plurals)[:num_plurals])
    return string if isinstance(string, str) else (tuple(string) or ("",))[0]


def _has_translation(message: Message) -> bool:
    string = message.string
    return any(string) if isinstance(string, (tuple, list)) else bool(string)


@dataclass(frozen=True, slots=True)
class UpdateResult:
    path: Path
    kept: int
    fuzzy: int
    new: int
    obsolete: int
    written: bool
    memory_exact: int = 0
    """Messages filled from the translation memory with an exact match (translated)."""
    memory_fuzzy: int = 0
    """Messages filled from the translation memory with a close match (fuzzy)."""


def merge(
    template: Catalog,
    catalog: Catalog,
    *,
    memory: TranslationMemory | None = None,
    path: Path | None = None,
    where: Callable[[MemoryEntry], str] | None = None,
) -> tuple[Catalog, UpdateResult]:
    """Merge a POT into a PO: the heart of ``update``.

    - a message still in the template keeps its translation;
    - a message whose context (the segment id) survives with edited text keeps its old
      translation as fuzzy, with the previous msgid so the translator sees the diff;
    - an interface string without context is matched to a similar old one (difflib);
    - a message left without a translation takes one from ``memory`` (the catalog at
      ``path`` excluded for its own context): an exact match as translated, a close one as
      fuzzy with the memory's source as previous msgid; an exact match also replaces an old
      fuzzy guess, which becomes obsolete. A translation already there is never replaced.
      Each filled message gets a translator comment naming ``where`` it came from;
    - messages gone from the template become obsolete (``#~``), never deleted.
    """
    merged = Catalog(locale=catalog.locale, domain=catalog.domain)
    merged.mime_headers = catalog.mime_headers
    merged.header_comment = catalog.header_comment
    merged.creation_date = template.creation_date
    merged.fuzzy = catalog.fuzzy
    old = {(m.context, message_key(m)): m for m in catalog if m.id}
    by_context = {m.context: m for m in catalog if m.id and m.context}
    used: set[tuple[str | None, str]] = set()
    kept = fuzzy = new = memory_exact = memory_fuzzy = 0
    num_plurals = merged.num_plurals
    for message in template:
        if not message.id:
            continue
        key = (message.context, message_key(message))
        previous = old.get(key)
        flags = set(message.flags)
        previous_id: list[str] = []
        guessed = False
        if previous is not None:
            flags |= previous.flags
            previous_id = list(previous.previous_id) if previous.fuzzy else []
        else:
            previous = by_context.get(message.context) if message.context else None
            if previous is None or (previous.context, message_key(previous)) in used:
                previous = _similar(message, catalog, used)
            if previous is not None and _has_translation(previous):
                flags |= {"fuzzy"} | (previous.flags - {"fuzzy"})
                previous_id = [message_key(previous)]
                if previous.pluralizable and isinstance(previous.id, tuple):
                    previous_id = list(previous.id)
                guessed = True
            else:
                previous = None
        recalled = None
        if memory is not None and (previous is None or guessed or not _has_translation(previous)):
            recalled = memory.best(message, exclude=path)
            if recalled is not None and guessed and not recalled.exact:
                recalled = None  # the segment's own old translation is the better guess
        user_comments = list(previous.user_comments) if previous is not None else []
        if recalled is not None:
            entry = recalled.entry
            string = _fit_string(entry.translation, message, num_plurals)
            flags = set(message.flags) | (previous.flags - {"fuzzy"} if previous else set())
            previous_id = []
            if not recalled.exact:
                flags.add("fuzzy")
                previous_id = [entry.source]
                if entry.plural_source:
                    previous_id.append(entry.plural_source)
            comment = memory_comment(recalled, where(entry) if where else str(entry.path))
            # A fuzzy guess's comments were about the guess, which becomes obsolete with them.
            user_comments = [*([] if guessed else user_comments), comment]
            if recalled.exact:
                memory_exact += 1
            else:
                memory_fuzzy += 1
            if previous is not None and not guessed:
                used.add((previous.context, message_key(previous)))
        else:
            string = (
                _fit_string(previous.string, message, num_plurals)
                if previous is not None
                else _empty_string(message, num_plurals)
            )
            if previous is None:
                new += 1
            elif guessed:
                fuzzy += 1
            else:
                kept += 1
            if previous is not None:
                used.add((previous.context, message_key(previous)))
        merged.add(
            message.id,
            string=string,
            locations=message.locations,
            flags=flags,
            auto_comments=message.auto_comments,
            user_comments=user_comments,
            previous_id=previous_id,
            context=message.context,
        )
    obsolete = 0
    for key, message in old.items():
        if key not in used and _has_translation(message):
            merged.obsolete[_obsolete_key(message)] = message
            obsolete += 1
    for message in catalog.obsolete.values():
        obsolete_key = _obsolete_key(message)
        if obsolete_key not in merged.obsolete and merged.get(message.id, message.context) is None:
            merged.obsolete[obsolete_key] = message
    result = UpdateResult(Path(), kept, fuzzy, new, obsolete, False, memory_exact, memory_fuzzy)
    return merged, result


def _obsolete_key(message: Message) -> str | tuple[str, str]:
    """The key Babel files a message under: its msgid, with its context when it has one."""
    return (message_key(message), message.context) if message.context else message_key(message)


def _similar(
    message: Message, catalog: Catalog, used: set[tuple[str | None, str]]
) -> Message | None:
    """The most similar unused old message without context, as Babel's fuzzy matching does."""
    if message.context:
        return None
    candidates = {
        message_key(m): m
        for m in catalog
        if m.id and not m.context and (m.context, message_key(m)) not in used
    }
    matches = difflib.get_close_matches(message_key(message), list(candidates), 1, FUZZY_CUTOFF)
    return candidates[matches[0]] if matches else None


def update_catalogs(
    settings: Settings, langs: Iterable[str], *, use_memory: bool = True
) -> list[UpdateResult]:
    """Merge every POT into the PO of each language (a missing PO is started with ``init``),
    filling untranslated messages from the language's translation memory."""
    results = []
    for lang in langs:
        settings.require_language(lang)
        memory = None
        if use_memory and lang != settings.source_language:
            memory = load_memory(lang, memory_files(settings, lang))

        def where(entry: MemoryEntry) -> str:
            return f"{_relative(settings, entry.path)}:{entry.line}"

        for domain in domains(settings):
            template = read_template(settings, domain)
            path = po_path(settings, lang, domain)
            if not path.exists():
                init_catalogs(settings, lang, only=[domain])
            catalog = read_catalog(path, locale=lang, domain=domain)
            if domain == UI_DOMAIN and not is_theme_source(settings):
                template = _with_theme_overrides(template, catalog)
            merged, result = merge(template, catalog, memory=memory, path=path, where=where)
            written = write_catalog(path, merged)
            results.append(dataclasses.replace(result, path=path, written=written))
    return results


def memory_files(settings: Settings, lang: str) -> list[Path]:
    """Every catalog of ``lang`` the translation memory reads: each PO file in the project's
    ``locales/<lang>/LC_MESSAGES/`` (articles removed since included), then the interface
    catalogs (the theme's and the project's own)."""
    folder = settings.locales_dir / lang / "LC_MESSAGES"
    articles = sorted(folder.glob("*.po")) if folder.is_dir() else []
    return list(dict.fromkeys([*articles, *ui_catalog_files(settings, lang)]))


def _with_theme_overrides(template: Catalog, catalog: Catalog) -> Catalog:
    """A project's ``ui`` template plus the theme's messages its ``ui.po`` translates anew, so
    that ``update`` keeps those overrides instead of making them obsolete."""
    theme = read_catalog(theme_pot_path())
    for message in catalog:
        if not message.id or template.get(message.id, context=message.context) is not None:
            continue
        source = theme.get(message.id, context=message.context)
        if source is not None:
            template[source.id] = source  # keyed by id and context, like Catalog.add
    return template


def mo_path(po: Path) -> Path:
    return po.with_suffix(".mo")


def compile_catalogs(settings: Settings, langs: Iterable[str]) -> list[tuple[Path, bool]]:
    """PO → MO for each language and domain; an MO newer than its PO is left alone."""
    results = []
    names = domains(settings)  # reads every article: once, not once a language
    for lang in langs:
        for domain in names:
            po = po_path(settings, lang, domain)
            if not po.exists():
                continue
            mo = mo_path(po)
            if mo.exists() and mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
                results.append((mo, False))
                continue
            catalog = load_catalog(settings, lang, domain)
            assert catalog is not None
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            write_if_changed(mo, buffer.getvalue())
            os.utime(mo)
            results.append((mo, True))
    return results


_PLURAL_HEADER = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?);?\s*$")


def _plural_expression_problem(expression: str, nplurals: int) -> str | None:
    """What is wrong with a Plural-Forms ``plural=`` expression, as msgfmt would reject it;
    None when it is a valid C expression choosing a form below ``nplurals`` for every n.

    >>> _plural_expression_problem("(n != 1)", 2) is None
    True
    >>> _plural_expression_problem("(n != 1", 2)
    'is not a valid C expression'
    >>> _plural_expression_problem("n", 2)
    'gives form 2 for n=2, but nplurals is 2'
    """
    try:
        choose = gettext.c2py(expression)
        for n in range(1000):
            form = int(choose(n))
            if not 0 <= form < nplurals:
                return f"gives form {form} for n={n}, but nplurals is {nplurals}"
    except (ValueError, SyntaxError, ZeroDivisionError, RecursionError, OverflowError):
        return "is not a valid C expression"
    return None


def header_problems(headers: Mapping[str, str], lang: str) -> list[str]:
    """What is wrong with a PO header for ``lang``, in words a translator can act on."""
    problems = []
    content_type = headers.get("Content-Type", "")
    if "charset=utf-8" not in content_type.lower().replace(" ", ""):
        problems.append(f"Content-Type must declare charset=UTF-8, found {content_type!r}")
    language = headers.get("Language", "")
    if language.replace("-", "_").split("_")[0] != lang:
        problems.append(f"Language header is {language!r}, expected {lang!r}")
    plural_forms = headers.get("Plural-Forms", "")
    match = _PLURAL_HEADER.match(plural_forms)
    expected = profile(lang).num_plurals
    if not match:
        problems.append(
            f"Plural-Forms header is missing or malformed: {plural_forms!r} "
            f"(expected {profile(lang).plural_forms!r})"
        )
    elif int(match.group(1)) != expected:
        problems.append(
            f"Plural-Forms declares nplurals={match.group(1)}, but {profile(lang).english_name} "
            f"has {expected} (use {profile(lang).plural_forms!r})"
        )
    elif (wrong := _plural_expression_problem(match.group(2), expected)) is not None:
        problems.append(
            f"Plural-Forms plural expression {match.group(2)!r} {wrong} "
            f"(use {profile(lang).plural_forms!r})"
        )
    return problems


def header_line(path: Path, name: str) -> int:
    """The line of a header field in a PO file; the header's msgstr line when it is absent."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    for number, line in enumerate(lines, start=1):
        if line.startswith(f'"{name}:'):
            return number
    return next((n for n, line in enumerate(lines, start=1) if line.startswith("msgstr")), 1)


def load_catalog(settings: Settings, lang: str, domain: str) -> Catalog | None:
    """Read and validate a language's PO for a domain; None when the language has none yet."""
    return _read_po(po_path(settings, lang, domain), lang, domain)


def _read_po(path: Path, lang: str, domain: str) -> Catalog | None:
    if not path.exists():
        return None
    try:
        problems = header_problems(header_fields(path), lang)
    except UnicodeDecodeError:
        problems = []  # read_catalog reports the encoding with its byte offset
    if problems:
        field = problems[0].split()[0]
        raise CatalogError(problems[0], path=path, line=header_line(path, field), lang=lang)
    return read_catalog(path, locale=lang, domain=domain)


def publishable_catalog(
    settings: Settings, lang: str, domain: str
) -> tuple[Catalog | None, list[Finding]]:
    """``load_catalog`` without the translations that would break rendering (wrong
    placeholders, inline markup or plural forms): those messages fall back to the source.

    Returns the catalog and the findings of what was withheld, for the build to report.
    """
    return publishable_po(po_path(settings, lang, domain), lang, domain, settings.source_language)


def publishable_po(
    path: Path, lang: str, domain: str, source_language: str
) -> tuple[Catalog | None, list[Finding]]:
    """One PO file, read as :func:`publishable_catalog` reads a language's catalog."""
    catalog = _read_po(path, lang, domain)
    if catalog is None:
        return None, []
    return catalog, withhold_broken(path, catalog, lang, source_language)


def verify_ui_template(settings: Settings) -> None:
    """Fail when a template uses an interface string that ``ui.pot`` does not have yet.

    Such a string would silently stay English in every edition; the fix is to re-extract.
    Strings the theme already has are the theme's to extract.
    """
    current = ui_template(settings, source_date())
    if not len(current):
        return
    exists = pot_path(settings, UI_DOMAIN).exists()
    template = read_template(settings, UI_DOMAIN) if exists else Catalog()
    for message in current:
        if message.id and template.get(message.id, context=message.context) is None:
            where, line = message.locations[0] if message.locations else (None, None)
            raise CatalogError(
                f"template string {message_key(message)!r} is missing from "
                f"{_relative(settings, pot_path(settings, UI_DOMAIN))}",
                path=_ui_root(settings) / where if where else None,
                line=line,
                hint="run 'polyedition extract', then 'polyedition update' for the translators",
            )


def ui_catalog_files(settings: Settings, lang: str) -> list[Path]:
    """The interface catalogs of ``lang`` that exist, the theme's first, the project's last."""
    paths = dict.fromkeys((theme_po_path(lang), po_path(settings, lang, UI_DOMAIN)))
    return [path for path in paths if path.is_file()]


def ui_translations(settings: Settings, lang: str) -> Translations:
    """gettext translations of interface strings for ``lang`` (fuzzy entries, and those that
    would break rendering, are not used).

    A message the project's own ``ui.po`` translates takes that translation; any other takes
    the theme's (and one neither translates stays English).
    """
    translations = Translations()
    for path in ui_catalog_files(settings, lang):
        layer = _translations(publishable_po(path, lang, UI_DOMAIN, settings.source_language)[0])
        layer.add_fallback(translations)
        translations = layer
    return translations


def ui_withheld(settings: Settings, lang: str) -> list[Finding]:
    """What :func:`ui_translations` leaves out of each interface catalog, as ``check`` says it."""
    return [
        finding
        for path in ui_catalog_files(settings, lang)
        for finding in publishable_po(path, lang, UI_DOMAIN, settings.source_language)[1]
    ]


def _translations(catalog: Catalog | None) -> Translations:
    if catalog is None:
        return Translations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=UI_DOMAIN)


@dataclass(frozen=True, slots=True)
class CatalogStats:
    lang: str
    domain: str
    translated: int
    fuzzy: int
    untranslated: int
    words: int
    translated_words: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def _words(message: Message) -> int:
    return sum(
        count_words(part) for part in ([message.id] if isinstance(message.id, str) else message.id)
    )


def catalog_stats(settings: Settings, langs: Iterable[str]) -> Iterator[CatalogStats]:
    """Translated, fuzzy and untranslated counts per language and domain.

    In the source language an empty msgstr means "use the source": it counts as translated.
    """
    for lang in langs:
        for domain in domains(settings):
            catalog = load_catalog(settings, lang, domain)
            messages = [m for m in (catalog or read_template(settings, domain)) if m.id]
            translated = fuzzy = untranslated = words = translated_words = 0
            for message in messages:
                size = _words(message)
                words += size
                if catalog is not None and message.fuzzy:
                    fuzzy += 1
                elif lang == settings.source_language or (
                    catalog is not None and _has_translation(message)
                ):
                    translated += 1
                    translated_words += size
                else:
                    untranslated += 1
            yield CatalogStats(
                lang, domain, translated, fuzzy, untranslated, words, translated_words
            )
