"""Careless or hostile input from a translator or an editor: every output is well-formed, or
that output fails with one line naming the file and line; never an internal error."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from babel.messages.catalog import Catalog, Message

from polyedition.checks import check_message, withhold_broken
from polyedition.content import parse_article, read_article
from polyedition.errors import ContentError, SpeechError
from polyedition.pofile import lint_po, read_catalog, write_catalog
from polyedition.qa import run_checks
from polyedition.speech.lexicon import parse_lexicon
from projectkit import (
    ARTICLE,
    SLUG,
    copy_project,
    edit_translation,
    po,
    project_ui_po,
    unavailable,
)

POLYEDITION = [sys.executable, "-m", "polyedition", "--project"]
CONTROL = "\x01"
UNIT_SEPARATOR = "\x1f"


def checks_of(string: str, source: str = "Summary", *, formatted: bool = False) -> set[str]:
    message = Message(source, string)
    found = check_message(
        message, "pl", source_lang="en", num_plurals=3, glossary=[], formatted=formatted
    )
    return {check for check, _ in found}


@pytest.mark.parametrize("char", [CONTROL, UNIT_SEPARATOR, "\x0b", "\x0c", "\ufffe"])
def test_a_translation_with_a_character_xml_cannot_carry_is_a_finding(char: str) -> None:
    assert checks_of(f"Pod{char}sumowanie") == {"characters"}


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\t", "\u00ad", "\u200b"])
def test_characters_xml_can_carry_are_no_finding(char: str) -> None:
    assert checks_of(f"Pod{char}sumowanie") == set()


def test_a_lone_percent_in_an_interface_translation_is_a_finding_but_not_in_an_article() -> None:
    assert checks_of("100% fertig", "Done", formatted=True) == {"percent"}
    assert checks_of("100%% fertig", "Done", formatted=True) == set()
    assert checks_of("100% więźniów", "all prisoners") == set()


def test_a_broken_interface_translation_is_withheld_so_the_page_shows_english() -> None:
    catalog = Catalog(locale="pl")
    catalog.add("Listen", "100%")
    catalog.add("Read", f"Czytaj{CONTROL}")
    catalog.add("Download", "Pobierz")
    withheld = withhold_broken(Path("ui.po"), catalog, "pl", "en")
    assert sorted(f.check for f in withheld) == ["characters", "percent"]
    assert [m.id for m in catalog if m.id] == ["Download"]


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\x0b", "\x0c"])
def test_a_line_separator_inside_a_msgstr_is_valid_gettext(tmp_path: Path, char: str) -> None:
    """msgfmt ends lines at LF only; so does the syntax check."""
    path = tmp_path / "pl.po"
    text = f'msgid ""\nmsgstr ""\n"Language: pl\\n"\n\nmsgid "Summary"\nmsgstr "A{char}B"\n'
    lint_po(text, path)  # no CatalogError
    path.write_text(text, encoding="utf-8")
    assert read_catalog(path, locale="pl").get("Summary").string == f"A{char}B"


def test_an_article_with_a_byte_order_mark_reads_like_one_without(tmp_path: Path) -> None:
    folder = tmp_path / SLUG
    folder.mkdir()
    (folder / "article.md").write_bytes(b"\xef\xbb\xbf" + ARTICLE.read_bytes())
    assert read_article(folder / "article.md").title == read_article(ARTICLE).title


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (f'slug = "{SLUG}"', f'slug = "{SLUG}\\n"', "invalid slug"),
        ('language = "en"', 'language = "xx"', "unsupported article language 'xx'"),
        ("## Summary", f"## Sum{CONTROL}mary", "control character U\\+0001"),
    ],
)
def test_a_front_matter_or_body_value_no_edition_can_carry_names_its_line(
    old: str, new: str, message: str
) -> None:
    source = ARTICLE.read_text(encoding="utf-8")
    assert old in source
    changed = source.replace(old, new, 1)
    with pytest.raises(ContentError, match=message) as caught:
        parse_article(changed, ARTICLE)
    expected = changed[: changed.index(new)].count("\n") + 1
    assert caught.value.line == expected


def test_a_lone_percent_in_a_project_ui_po_is_reported_by_check_and_withheld(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path)
    path = project_ui_po(settings, "pl")
    catalog = read_catalog(path, locale="pl")
    catalog.add("Listen to this article", "Posłuchaj 100%")
    write_catalog(path, catalog)
    findings = [f for f in run_checks(settings, ["pl"]) if f.path == path]
    assert [f.check for f in findings] == ["percent"]
    result = subprocess.run(
        [*POLYEDITION, str(tmp_path), "build", "--lang", "pl", "--format", "html"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr
    assert f"{path}:" in result.stderr  # the warning names the catalog and line
    page = (settings.output_dir / "pl" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Posłuchaj 100%" not in page


def test_a_reader_that_closes_the_pipe_gets_no_error(tmp_path: Path) -> None:
    copy_project(tmp_path)
    command = (
        f"{sys.executable} -m polyedition --project {tmp_path} script --lang pl | head -1; "
        "echo status=${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, check=False, timeout=120
    )
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == ""
    assert result.stdout.strip().splitlines()[-1] in {"status=0", "status=141"}


# A seeded fuzz of what translators type: controls, format characters, markup, XML and
# WebVTT syntax, long words, bidi marks. (A character no packaged font has fails the PDF and
# the EPUB with the language and segment named: tests/test_build_failures.py.)
PIECES = [
    CONTROL,
    UNIT_SEPARATOR,
    "\x0b",
    "\x0c",
    "\u2028",
    "\x85",
    "\ufffe",
    "%",
    "100%",
    "%(author)s",
    "{}",
    "{name}",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "]]>",
    "-->",
    "]]",
    "&amp;",
    "&#0;",
    "*",
    "[link](javascript:alert(1))",
    "<https://example.org/x>",
    "\u202e",
    "W" * 60,
    "\u0301",
    '"',
    "'",
    "\\",
]


def fuzz_string(rng: random.Random) -> str:
    words = ["Więźniowie", "wyszli", "na", "wolność."]
    for _ in range(rng.randint(1, 4)):
        words.insert(rng.randint(0, len(words)), rng.choice(PIECES))
    return " ".join(words)


def _parses_as_xml(data: bytes, name: str) -> None:
    try:
        ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        pytest.fail(f"{name} is not well-formed XML: {error}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_translations_publish_well_formed_outputs_or_fail_with_a_line(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    settings = copy_project(tmp_path, warm_speech=True)
    catalog = read_catalog(po(settings, "pl"), locale="pl")
    contexts = sorted(m.context for m in catalog if m.id and m.context)
    chosen = ["description", "title", *rng.sample(contexts, 6)]
    for context in dict.fromkeys(chosen):
        edit_translation(settings, "pl", context, fuzz_string(rng))

    result = subprocess.run(
        [*POLYEDITION, str(tmp_path), "build", "--json", "--lang", "pl"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert "internal error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    for failure in summary["failures"]:
        assert "\n" not in failure["error"]
        # A file and line, or the language and the message (a glyph no font has).
        assert any(where in failure["error"] for where in (".po:", "article.md:", "[pl]")), failure
    failed = {failure["job"].rsplit(" ", 1)[1] for failure in summary["failures"]}
    assert failed <= {"pdf", "epub"}, summary["failures"]
    folder = settings.output_dir / "pl" / SLUG
    feed = feedparser.parse((settings.output_dir / "pl" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    for entry in feed.entries:
        assert "<img" not in entry.get("summary", "")
        assert "<script" not in entry.get("summary", "")
    assert "epub" not in failed, summary["failures"]
    with zipfile.ZipFile(folder / f"{SLUG}.pl.epub") as book:
        for name in book.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx", ".smil", ".svg", ".xml")):
                _parses_as_xml(book.read(name), name)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    if "pdf" not in failed:
        assert (folder / f"{SLUG}.pl.pdf").read_bytes()[:5] == b"%PDF-"


def test_an_autolink_a_translator_adds_is_a_markup_finding() -> None:
    assert checks_of("Podsumowanie <https://evil.example/>") == {"markup"}
    assert checks_of("<https://x.org/>", "<https://x.org/>") == {"untranslated-copy"}


@pytest.mark.parametrize("say", ["[[ ]]", "[[]]", "[[\t]]"])
def test_a_lexicon_entry_with_empty_phonemes_names_its_line(tmp_path: Path, say: str) -> None:
    path = tmp_path / "lexicon.tsv"
    lines = ["# comment", f"Coale\t{say}"]
    with pytest.raises(SpeechError, match=r"must be the whole value|one tab") as caught:
        parse_lexicon(lines, "en", path)
    assert (caught.value.path, caught.value.line) == (path, 2)


def test_a_narration_longer_than_the_setting_gets_a_warning_naming_the_edition(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from polyedition.build.run import _warn_long_narrations
    from polyedition.site import load_site

    settings = copy_project(tmp_path)
    site = load_site(settings)
    pl = site.editions[(SLUG, "pl")]
    with caplog.at_level("WARNING"):
        _warn_long_narrations([pl], 20000)
        assert not caplog.records  # the real article is far shorter
        _warn_long_narrations([pl], 1000)
    [record] = caplog.records
    assert record.getMessage().startswith(f"pl/{SLUG}: {pl.stats.total_words} words, about ")
    assert "narration-warn-words = 1000" in record.getMessage()


@pytest.mark.slow
def test_a_word_longer_than_the_line_breaks_in_the_pdf_instead_of_running_off_the_page(
    tmp_path: Path,
) -> None:
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext is not installed (apt-get install poppler-utils)")
    settings = copy_project(tmp_path)
    edit_translation(settings, "pl", "summary-p1", "Początek " + "W" * 3000 + " koniec.")
    result = subprocess.run(
        [*POLYEDITION, str(tmp_path), "build", "--lang", "pl", "--format", "pdf"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pdf = settings.output_dir / "pl" / SLUG / f"{SLUG}.pl.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.count("W") >= 3000  # every letter is on a page


@pytest.mark.slow
def test_a_10000_letter_word_is_not_spelled_out_and_the_narration_warns(tmp_path: Path) -> None:
    settings = copy_project(tmp_path, warm_speech=True)
    command = [*POLYEDITION, str(tmp_path), "build", "--json", "--lang", "pl"]
    command += ["--format", "mp3"]

    def duration() -> tuple[float, str]:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        [row] = [row for row in json.loads(result.stdout)["outputs"] if row["format"] == "mp3"]
        return float(row["audio_duration"]), result.stderr

    before, _ = duration()
    edit_translation(settings, "pl", "summary-p1", "Początek " + "W" * 10_000 + " koniec.")
    after, warnings = duration()
    assert "summary-p1" in warnings
    assert "not saying 1 word(s) longer than 40 letters" in warnings
    assert after < before  # the paragraph is shorter now, not ten minutes longer


TABLE_PIECES = [
    "abbr",
    "case",
    "year",
    "day",
    "noun",
    "month",
    "unit",
    "word",
    "США",
    "сэ-шэ-А́",
    "nom",
    "gen",
    "acc loc",
    "range",
    "point",
    "",
    " ",
    "\t",
    "[[",
    "]]",
    "[[ ]]",
    "[[k'oUl]]",
    "\u0301",
    "Коула",
    "Ко́ула",
    "a\u0301\u0301",
    "x" * 300,
    "%",
    "{}",
    "#",
    "\x01",
    "\ufeff",
    "1",
    "-",
]


def fuzz_line(rng: random.Random) -> str:
    return "\t".join(rng.choice(TABLE_PIECES) for _ in range(rng.randint(1, 5)))


@pytest.mark.parametrize("seed", range(5))
def test_fuzzed_lexicon_and_speech_table_lines_parse_or_name_their_line(seed: int) -> None:
    from polyedition.speech.frontend.tables import parse_tables

    rng = random.Random(seed)
    for _ in range(200):
        lines = [fuzz_line(rng) for _ in range(rng.randint(1, 4))]
        for parse, name in ((parse_lexicon, "lexicon.tsv"), (parse_tables, "speech.tsv")):
            path = Path(name)
            try:
                parse(lines, "ru", path)
            except SpeechError as error:
                assert error.path == path, (lines, error)
                assert error.line is not None and 1 <= error.line <= len(lines), (lines, error)
                assert "\n" not in str(error)
