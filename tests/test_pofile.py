"""Malformed catalogs are rejected with the file and line, as GNU msgfmt would."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.catalogs import load_catalog
from polyedition.errors import CatalogError
from polyedition.pofile import read_catalog
from polyedition.theme import theme_locales
from projectkit import SLUG, copy_project, po

HEADER = """msgid ""
msgstr ""
"Language: pl\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) "
"? 1 : 2);\\n"

"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "broken.po"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('msgid "a"\nmsgstr "b\n', 2, "not terminated"),
        ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 4, "duplicate message"),
        (
            'msgctxt "x"\nmsgid "a"\nmsgstr "b"\n\nmsgctxt "x"\nmsgid "a"\nmsgstr "c"\n',
            5,
            "duplicate",
        ),
        ('msgid "a"\n\n', 1, "has no msgstr"),
        ('msgstr "b"\n', 1, "msgstr without a msgid"),
        ('msgid "a"\nmsgstr "b"\nmsgid_plural "x"\n', 3, "unexpected|twice|plural"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr "b"\n', 3, "needs msgstr\\[N\\]"),
        ('msgid "a"\nmsgstr[1] "b"\nmsgstr[0] "c"\n', 1, "plural msgstr indexes"),
        ('msgid "a"\nmsgstr "b"\nnonsense\n', 3, "unexpected text"),
        ('msgid "a\\q"\nmsgstr "b"\n', 1, "invalid escape"),
    ],
)
def test_syntax_errors_name_the_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(CatalogError, match=message) as caught:
        read_catalog(path)
    assert caught.value.path == path
    assert caught.value.line == HEADER.count("\n") + line  # line within the body


def test_duplicate_error_points_back_at_the_first_definition(tmp_path: Path) -> None:
    path = _write(tmp_path, 'msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n')
    with pytest.raises(CatalogError, match=f"first defined at line {HEADER.count(chr(10)) + 1}"):
        read_catalog(path)


def test_a_catalog_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.po"
    path.write_bytes((HEADER + 'msgid "a"\nmsgstr "é"\n').encode("latin-1"))
    with pytest.raises(CatalogError, match="not valid UTF-8"):
        read_catalog(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("nplurals=3;", "nplurals=2;", "declares nplurals=2, but Polish has 3"),
        ('"Plural-Forms:', '"X-Plural-Forms:', "Plural-Forms header is missing"),
        ('"Language: pl', '"Language: de', "Language header is 'de'"),
        ("charset=utf-8", "charset=latin-1", "charset=UTF-8"),
    ],
)
def test_bad_header_is_an_error_naming_the_header_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    settings = copy_project(tmp_path)
    path = po(settings, "pl")
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=message) as caught:
        load_catalog(settings, "pl", SLUG)
    assert caught.value.path == path
    assert caught.value.line is not None
    assert 1 < caught.value.line < 20


def test_the_repository_catalogs_parse_strictly() -> None:
    locales = Path(__file__).resolve().parent.parent / "locales"
    paths = sorted(locales.glob("*/LC_MESSAGES/*.po")) + sorted(locales.glob("templates/*.pot"))
    theme = theme_locales()
    paths += sorted(theme.glob("*/LC_MESSAGES/*.po")) + sorted(theme.glob("templates/*.pot"))
    assert paths
    for path in paths:
        read_catalog(path)
