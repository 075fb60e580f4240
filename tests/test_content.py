"""The source article as structured content: words kept, structure added, ids stable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polyedition.content import parse_article, read_article, validate_slug
from polyedition.errors import ContentError
from polyedition.model import FaqItem, Paragraph, Role, Table
from projectkit import ARTICLE, SOURCE_TEXT, unavailable


@pytest.fixture(scope="module")
def source_text() -> str:
    """The newsroom's original text, which lives beside the repository in ``shared/source``."""
    if not SOURCE_TEXT.exists():
        unavailable(f"the source text {SOURCE_TEXT} is not beside the repository")
    return SOURCE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def article_source() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def test_every_source_line_is_kept_word_for_word(source_text: str) -> None:
    article = read_article(ARTICLE)
    texts = {segment.text for segment in article.segments()}
    cells = {segment.text for segment in article.segments() if segment.role is Role.TABLE_CELL}
    header = [s.text for s in article.segments() if s.role is Role.TABLE_HEADER]
    source_lines = [line for line in source_text.splitlines() if line]
    assert source_lines[0] == "Listen to this article"  # an interface label, not article text
    for line in source_lines[1:]:
        if line.startswith("|"):
            cells_in_line = [cell.strip() for cell in line.strip("|").split("|")]
            if set(cells_in_line) <= {"---"}:
                continue
            assert set(cells_in_line) <= cells | set(header), line
        else:
            assert line in texts, line


def test_article_adds_only_structure_and_metadata(source_text: str) -> None:
    article = read_article(ARTICLE)
    source = source_text
    added = [
        s
        for s in article.segments()
        if s.text not in source and s.role not in {Role.TITLE, Role.DESCRIPTION, Role.CAPTION}
    ]
    assert added == []  # even the "Key Points" heading over the table is the table's own label
    # The headline is written from the article's own words.
    lowered = source.lower()
    for word in re.findall(r"\w+", article.title.text.lower()):
        assert word[:4] in lowered, word
    assert article.description.text in source


def test_structure_of_the_real_article() -> None:
    article = read_article(ARTICLE)
    assert article.slug == "belarus-prisoner-release"
    assert str(article.meta.date) == "2025-12-13"
    assert article.meta.language == "en"
    assert [s.id for s in article.sections] == [
        "lead",
        "turning-point",
        "us-sanctions",
        "kolesnikova",
        "bialiatski",
        "lukashenko-negotiations",
        "ukraine",
        "eu-stance",
        "political-landscape",
        "democracy-prospects",
        "faq",
        "key-points",
        "summary",
    ]
    faq = next(s for s in article.sections if s.id == "faq")
    assert len(faq.blocks) == 10
    assert all(isinstance(block, FaqItem) for block in faq.blocks)
    table = next(s for s in article.sections if s.id == "key-points").blocks[0]
    assert isinstance(table, Table)
    assert [cell.text for cell in table.header] == ["Key Points", "Details"]
    assert len(table.rows) == 6
    assert table.caption.text
    lead = article.sections[0]
    assert lead.heading is None
    assert all(isinstance(block, Paragraph) for block in lead.blocks)


def test_segments_have_roles_lines_and_translator_comments() -> None:
    article = read_article(ARTICLE)
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    for segment in article.segments():
        assert segment.text.split()[0] in lines[segment.line - 1], segment.id
        assert segment.comment
    by_id = {s.id: s for s in article.segments()}
    assert by_id["us-sanctions"].comment == "Section 2 heading"
    assert by_id["key-points-r2-c2"].comment == "Key Points table, row 2, details"
    assert by_id["faq-q4"].role is Role.QUESTION
    assert by_id["faq-a4"].role is Role.ANSWER


def test_ids_come_from_structure_not_lines(article_source: str) -> None:
    before = [s.id for s in parse_article(article_source, ARTICLE).segments()]
    edited = article_source.replace(
        "The US’s decision to lift sanctions on certain Belarusian exports",
        "The US’s decision,\nannounced this week,\nto lift sanctions on certain Belarusian exports",
    )
    after = parse_article(edited, ARTICLE)
    assert [s.id for s in after.segments()] == before
    assert after.segments() is not None


def _with_front_matter(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ("date = 2025-12-13\n", "", "field 'date' is missing", 1),
        ("date = 2025-12-13", 'date = "13 December"', "'date' must be a date", 6),
        ('author = "Polyedition Newsroom"', "author = 7", "'author' must be a string", 7),
        ('slug = "belarus-prisoner-release"', 'slug = "../etc"', "invalid slug '../etc'", 2),
        ('slug = "belarus-prisoner-release"', 'slug = "a/b"', "invalid slug 'a/b'", 2),
        ('slug = "belarus-prisoner-release"', 'slug = "other"', "does not match", 2),
        ("tags = [", 'colour = "red"\ntags = [', "unknown front matter field 'colour'", 9),
        ('title = "', 'title = "unterminated\n#"', "not valid TOML", 4),
    ],
)
def test_front_matter_errors_name_the_field_and_line(
    article_source: str, old: str, new: str, message: str, line: int
) -> None:
    with pytest.raises(ContentError) as caught:
        parse_article(_with_front_matter(article_source, old, new), ARTICLE)
    assert message in str(caught.value)
    assert caught.value.path == ARTICLE
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{ARTICLE}:{line}: ")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("## Summary {#summary}", "# Summary", "unexpected level-1 heading"),
        ("## Summary {#summary}", "## Summary {#faq}", "id 'faq' is used twice"),
        ("Table: The Belarus", "The Belarus", "table has no caption"),
        ("## Summary {#summary}\n", "## Summary {#summary}\n\n- a list item\n", "unsupported"),
    ],
)
def test_body_errors_name_the_line(article_source: str, old: str, new: str, message: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_article(article_source.replace(old, new, 1), ARTICLE)
    assert message in str(caught.value)
    assert caught.value.line is not None
    assert caught.value.line > 10


def test_missing_front_matter_is_reported_at_line_one() -> None:
    with pytest.raises(ContentError, match="must start with a TOML front matter") as caught:
        parse_article("# Hello\n", ARTICLE)
    assert caught.value.line == 1
    with pytest.raises(ContentError, match="not closed"):
        parse_article("+++\nslug = 'x'\n", ARTICLE)


@pytest.mark.parametrize("slug", ["..", "a/b", "Upper", "trailing-", "a--b", "", "ü"])
def test_slug_cannot_escape_the_output_folder(slug: str) -> None:
    with pytest.raises(ContentError, match="invalid slug"):
        validate_slug(slug, path=Path("x.md"))


def test_raw_html_in_the_article_stays_text(article_source: str) -> None:
    source = article_source.replace(
        "## Summary {#summary}\n", "## Summary {#summary}\n\nA <script>alert(1)</script> & more.\n"
    )
    article = parse_article(source, ARTICLE)
    texts = [s.text for s in article.segments()]
    assert "A <script>alert(1)</script> & more." in texts
