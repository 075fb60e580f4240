"""Catalog QA: each check, on its own and on the real catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message

from polyedition.checks import check_message, withhold_broken
from polyedition.glossary import Term, load_glossary, matches_inflected
from polyedition.pofile import message_key, read_catalog, write_catalog
from polyedition.qa import run_checks
from projectkit import SLUG, copy_project, po, pseudo_translate_catalog

GLOSSARY = [
    Term("Maria Kolesnikova", {"pl": "Maria Kalesnikawa", "be": "Марыя Калеснікава"}, 2),
    Term("Lukashenko", {"pl": "Łukaszenka", "lt": "Lukašenka"}, 7),
]


def findings(message: Message, lang: str = "pl") -> list[str]:
    return [
        check
        for check, _ in check_message(
            message, lang, source_lang="en", num_plurals=3, glossary=GLOSSARY
        )
    ]


def test_a_good_translation_has_no_findings() -> None:
    message = Message("Maria Kolesnikova was freed.", "Maria Kalesnikawa została uwolniona.")
    assert findings(message) == []


def test_untranslated_and_fuzzy_messages_are_reported() -> None:
    assert findings(Message("Summary", "")) == ["untranslated"]
    assert findings(Message("Summary", "Podsumowanie", flags={"fuzzy"})) == ["fuzzy"]


def test_empty_source_language_strings_are_fine() -> None:
    assert findings(Message("Summary", ""), lang="en") == []


def test_a_copy_of_the_english_source_is_reported_unless_flagged() -> None:
    assert findings(Message("Key Points", "Key Points")) == ["untranslated-copy"]
    assert findings(Message("Key Points", "Key Points", flags={"ignore-same"})) == []
    assert findings(Message("123", "123")) == []


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("%(num)d min read", "min czytania"),
        ("By {author}", "Autor: {autor}"),
        ("%(size)s MB", "%(num)s MB"),
    ],
)
def test_placeholders_must_be_preserved(source: str, translation: str) -> None:
    assert "placeholders" in findings(Message(source, translation))


def test_plural_forms_need_every_form_and_may_drop_the_number() -> None:
    ok = Message(
        ("%(num)d min read", "%(num)d min read"),
        ("%(num)d minuta", "%(num)d minuty", "%(num)d minut"),
    )
    assert findings(ok) == []
    short = Message(("%(num)d min read", "%(num)d min read"), ("%(num)d minuta", "%(num)d minuty"))
    assert "plural-forms" in findings(short)
    invented = Message(("%(num)d min", "%(num)d min"), ("%(num)d", "%(n)d", "%(num)d"))
    assert "placeholders" in findings(invented)


@pytest.mark.parametrize(
    "translation",
    [
        "Zobacz raport",  # link dropped
        "Zobacz [raport](https://example.org/other)",  # target changed
        "Zobacz [raport](https://example.org/r) i kod",  # code span dropped
    ],
)
def test_inline_markup_must_be_preserved(translation: str) -> None:
    message = Message("See [the report](https://example.org/r) and `code`", translation)
    assert "markup" in findings(message)


def test_inline_markup_kept_is_fine() -> None:
    message = Message(
        "See [the report](https://example.org/r) and *this*",
        "Zobacz [raport](https://example.org/r) i *to*",
    )
    assert findings(message) == []


def test_glossary_requires_the_approved_form_in_any_case() -> None:
    wrong = Message("Lukashenko agreed.", "Lukaszenko się zgodził.")
    assert findings(wrong) == ["glossary"]
    inflected = Message("The regime of Lukashenko.", "Reżim Łukaszenki.")
    assert findings(inflected) == []
    assert findings(Message("Maria Kolesnikova’s release", "Uwolnienie Marii Kalesnikawej")) == []
    assert findings(Message("Maria Kolesnikova’s release", "Uwolnienie Marii Kolesnikowej")) == [
        "glossary"
    ]


@pytest.mark.parametrize(
    ("form", "text", "expected"),
    [
        ("Марыя Калеснікава", "вызваленне Марыі Калеснікавай", True),
        ("Алесь Беляцкий", "освобождение Алеся Беляцкого", True),
        ("Alaksandr Łukaszenka", "z Alaksandrem Łukaszenką", True),
        ("Sviatlana Cichanouskaja", "Sviatlanos Cichanouskajos teigimu", True),
        ("Pokojowa Nagroda Nobla", "laureat Pokojowej Nagrody Nobla", True),
        ("Беларусь", "в Белоруссии", False),
        ("Lukašenka", "Lukašenkai", True),
        ("Lukašenka", "Lukašenko", True),  # same stem: the check is deliberately lenient
        ("Łukaszenka", "Lukaszenka", False),
    ],
)
def test_inflected_forms_match_by_stem(form: str, text: str, expected: bool) -> None:
    assert matches_inflected(form, text) is expected


def test_the_repository_glossary_loads_with_every_language(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    terms = load_glossary(settings.locales_dir, "en")
    names = {term.source for term in terms}
    assert {"Maria Kolesnikova", "Ales Bialiatski", "Alexander Lukashenko"} <= names
    assert {"Svetlana Tikhanovskaya", "Viktor Babaryko", "John Coale", "Belarus"} <= names
    for term in terms:
        assert set(term.forms) == {"be", "ru", "pl", "lt"}, term.source


def test_run_checks_reports_path_line_and_check(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    path = po(settings, "pl")
    pseudo_translate_catalog(path, "pl")
    catalog = read_catalog(path, locale="pl")
    message = next(m for m in catalog if m.context == "summary")
    message.string = "Summary"
    write_catalog(path, catalog)
    results = run_checks(settings, ["pl"])
    copies = [f for f in results if f.check == "untranslated-copy"]
    assert len(copies) == 1
    assert copies[0].path == path
    line = path.read_text(encoding="utf-8").splitlines()[copies[0].line - 1]
    assert line.startswith(("msgctxt", "msgid"))
    assert str(copies[0]).startswith(f"{path}:{copies[0].line}: [untranslated-copy] ")
    # The pseudo-locale keeps English names, so the glossary check reports them too.
    assert any(f.check == "glossary" for f in results)


def test_a_malformed_catalog_is_one_syntax_finding(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    path = po(settings, "lt")
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "x\n', encoding="utf-8")
    results = [f for f in run_checks(settings, ["lt"]) if f.path == path]
    assert [f.check for f in results] == ["syntax"]
    assert results[0].line == len(path.read_text(encoding="utf-8").splitlines())


def test_slug_domain_name_is_the_article(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    assert po(settings, "be").name == f"{SLUG}.po"


def test_only_translations_that_would_break_a_page_are_withheld() -> None:
    catalog = Catalog(locale="pl")
    catalog.add("By %(author)s", "Autor: %(autor)s")
    catalog.add("See *this*", "Zobacz to")
    catalog.add(("%(num)d min", "%(num)d min"), ("%(num)d minuta", "", ""))
    catalog.add("Lukashenko spoke", "Lukashenko spoke")  # a copy: ugly, but publishable
    catalog.add("Maria Kolesnikova", "Maria Kolesnikova")  # off-glossary: publishable
    catalog.add("Summary", "Podsumowanie", flags=["fuzzy"])  # never published anyway
    path = Path("ui.po")
    withheld = withhold_broken(path, catalog, "pl", "en")
    assert {(f.check, f.message.split(" (")[-1]) for f in withheld} == {
        ("placeholders", "'By %(author)s')"),
        ("markup", "'See *this*')"),
        ("untranslated", "'%(num)d min')"),
    }
    assert [message_key(m) for m in catalog if m.id] == [
        "Lukashenko spoke",
        "Maria Kolesnikova",
        "Summary",
    ]


def test_a_plural_message_with_too_few_forms_in_the_file_is_reported_as_such(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ui.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && '
        '(n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n'
        'msgid "%(num)d min"\nmsgid_plural "%(num)d min"\n'
        'msgstr[0] "%(num)d minuta"\nmsgstr[1] "%(num)d minuty"\n',
        encoding="utf-8",
    )
    catalog = read_catalog(path, locale="pl")
    [finding] = withhold_broken(path, catalog, "pl", "en")
    assert (finding.line, finding.check) == (6, "plural-forms")
