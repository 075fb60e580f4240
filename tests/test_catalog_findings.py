"""Every kind of finding ``check`` reports is survivable at build time.

For each kind, a copy of the project gets a Polish catalog with that finding, and the build
either publishes the page with the English text in place of the broken message, marked
``lang="en"`` like any fallback, or stops with one line a translator can act on. Never a
traceback.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from polyedition.checks import CHECKS
from polyedition.config import Settings
from polyedition.pofile import message_key, read_catalog, write_catalog
from polyedition.qa import run_checks
from polyedition.theme import UI_DOMAIN
from projectkit import SLUG, copy_project, copy_theme_ui, po, run_polyedition

LANG = "pl"
FALLBACK, PUBLISHED, THEME, ERROR = "fallback", "published", "theme", "error"

Edit = Callable[[Path], None]


def replace(old: str, new: str) -> Edit:
    """Edit the PO file as a translator's text editor would."""

    def edit(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def translate(context: str, string: str | tuple[str, ...], *, fuzzy: bool = False) -> Edit:
    """Set the translation of an article segment (by its id) or ``ui`` message (by its msgid)."""

    def edit(path: Path) -> None:
        catalog = read_catalog(path, locale=LANG)
        message = next(m for m in catalog if m.id and context in {m.context, message_key(m)})
        message.string = string
        if fuzzy:
            message.flags.add("fuzzy")
        write_catalog(path, catalog)

    return edit


def rewrite(context: str, old: str, new: str) -> Edit:
    """Change part of an article segment's translation."""

    def edit(path: Path) -> None:
        catalog = read_catalog(path, locale=LANG)
        message = next(m for m in catalog if m.context == context)
        string = message.string
        assert isinstance(string, str) and old in string
        message.string = string.replace(old, new)
        write_catalog(path, catalog)

    return edit


def delete(path: Path) -> None:
    path.unlink()


def invalid_utf8(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace("Artykuły".encode(), b"Artyku\xb3y"))


def duplicate_entry(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\nmsgid "Articles"\nmsgstr "Artykuły"\n', encoding="utf-8")


BYLINE = 'id="byline"'
READING_TIME = 'class="reading-time"'
SUMMARY = 'id="summary-p1"'
SUMMARY_EN = "The recent Belarus prisoner release"
SUMMARY_PL = "Niedawne uwolnienie więźniów"


@dataclass(frozen=True)
class Case:
    kind: str
    """The finding ``check`` reports for the edit."""
    domain: str
    edit: Edit
    outcome: str
    """FALLBACK: the page shows ``text`` marked lang="en" at ``where``; PUBLISHED: the page shows
    the translation ``text`` as it is; THEME: the project's broken ``ui`` translation is left out
    and the theme's own translation ``text`` shows instead (not marked); ERROR: the build stops
    with one line."""
    where: str = ""
    text: str = ""


CASES = {
    "missing catalog": Case("missing", SLUG, delete, FALLBACK, SUMMARY, SUMMARY_EN),
    "Plural-Forms header": Case(
        "header",
        UI_DOMAIN,
        replace('"Plural-Forms: nplurals=3;', '"Plural-Forms: nplurals=2;'),
        ERROR,
    ),
    "Plural-Forms expression": Case(
        "header",
        UI_DOMAIN,
        replace("plural=n == 1 ? 0 :", "plural=n == 1 ? 0 : ("),
        ERROR,
    ),
    "unterminated string": Case(
        "syntax", UI_DOMAIN, replace('msgstr "Artykuły"', 'msgstr "Artykuły'), ERROR
    ),
    "not UTF-8": Case("syntax", UI_DOMAIN, invalid_utf8, ERROR),
    "duplicate message": Case("syntax", UI_DOMAIN, duplicate_entry, ERROR),
    "fuzzy segment": Case(
        "fuzzy",
        SLUG,
        translate("summary-p1", SUMMARY_PL + ".", fuzzy=True),
        FALLBACK,
        SUMMARY,
        SUMMARY_EN,
    ),
    "plural form missing": Case(
        "plural-forms",
        UI_DOMAIN,
        replace('msgstr[2] "%(num)d\u00a0minut czytania"\n', ""),
        THEME,
        READING_TIME,
        "minut czytania",
    ),
    "plural form empty": Case(
        "untranslated",
        UI_DOMAIN,
        translate("%(num)d min read", ("%(num)d minuta", "%(num)d minuty", "")),
        THEME,
        READING_TIME,
        "minut czytania",
    ),
    "untranslated segment": Case(
        "untranslated", SLUG, translate("summary-p1", ""), FALLBACK, SUMMARY, SUMMARY_EN
    ),
    "copy of the English": Case(
        "untranslated-copy",
        UI_DOMAIN,
        translate("Articles", "Articles"),
        PUBLISHED,
        "<h1",
        "Articles",
    ),
    "mistyped placeholder": Case(
        "placeholders",
        UI_DOMAIN,
        replace('msgstr "Autor: %(author)s', 'msgstr "Autor: %(autor)s'),
        THEME,
        BYLINE,
        "Autor: Polyedition Newsroom",
    ),
    "unbalanced emphasis": Case(
        "markup", SLUG, translate("summary-p1", "**" + SUMMARY_PL), FALLBACK, SUMMARY, SUMMARY_EN
    ),
    "control character": Case(
        "characters",
        SLUG,
        translate("summary-p1", SUMMARY_PL + "\x01"),
        FALLBACK,
        SUMMARY,
        SUMMARY_EN,
    ),
    "lone percent sign": Case(
        "percent",
        UI_DOMAIN,
        replace('msgstr "Autor: %(author)s', 'msgstr "100% Autor: %(author)s'),
        THEME,
        BYLINE,
        "Autor: Polyedition Newsroom",
    ),
    "glossary term": Case(
        "glossary",
        SLUG,
        rewrite("summary-p1", "Maria Kalesnikawa", "Maria Kolesnikova"),
        PUBLISHED,
        SUMMARY,
        "Maria Kolesnikova",
    ),
}


def test_the_cases_cover_every_kind_of_finding() -> None:
    # "spoken" is the glossary's, not a catalog's: see test_glossary_names.py.
    assert {case.kind for case in CASES.values()} == set(CHECKS) - {"spoken"}


def build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_polyedition(
        project, "build", "--lang", LANG, "--format", "html", "--jobs", "1", *args
    )


def page_part(settings: Settings, page: str, marker: str) -> str:
    """From ``marker`` to the end of its paragraph or heading."""
    html = (settings.output_dir / page).read_text(encoding="utf-8")
    start = html.index(marker)
    ends = [i for tag in ("</p>", "</h1>") if (i := html.find(tag, start)) >= 0]
    return html[start : min(ends)]


@pytest.fixture
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Case, Settings]:
    case: Case = CASES[request.param]
    settings = copy_project(tmp_path)
    if case.domain == UI_DOMAIN:
        copy_theme_ui(settings, LANG)  # the project's own ui.po, which a translator edits
    case.edit(po(settings, LANG, case.domain))
    found = {finding.check for finding in run_checks(settings, [LANG])}
    assert case.kind in found, f"the edit should make 'check' report {case.kind}, got {found}"
    return case, settings


@pytest.mark.slow
@pytest.mark.parametrize("broken", list(CASES), indirect=True)
def test_a_catalog_finding_is_a_marked_fallback_or_one_line_never_a_traceback(
    broken: tuple[Case, Settings],
) -> None:
    case, settings = broken
    result = build(settings.project_dir)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr + result.stdout
    if case.outcome == ERROR:
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.splitlines()
        path = po(settings, LANG, case.domain)
        assert line.startswith(f"catalog: {path}:"), line
        return
    assert result.returncode == 0, result.stderr
    page = f"{LANG}/{SLUG}/index.html" if case.where != "<h1" else f"{LANG}/index.html"
    # The byline's names are English in every edition, and marked so: not a fallback.
    part = re.sub(
        r'<span lang="en">(Polyedition(?: Newsroom)?)</span>',
        r"\1",
        page_part(settings, page, case.where),
    )
    assert case.text in part
    assert ('lang="en"' in part) == (case.outcome == FALLBACK), part


@pytest.mark.slow
def test_a_withheld_translation_is_a_warning_naming_its_line_and_strict_fails(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path)
    path = copy_theme_ui(settings, LANG)
    line = (
        path.read_text(encoding="utf-8").splitlines().index('msgid "By %(author)s, %(publisher)s"')
    )
    CASES["mistyped placeholder"].edit(path)
    result = build(settings.project_dir)
    assert result.returncode == 0
    assert f"{path}:{line + 1}: [placeholders] unknown placeholder(s) %(autor)s" in result.stderr
    assert "published in English instead" in result.stderr
    strict = build(settings.project_dir, "--strict")
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[-1].startswith("strict: ")
