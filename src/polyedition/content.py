"""Reading ``content/<slug>/article.md`` (TOML front matter + CommonMark) into an Article."""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from polyedition.errors import ContentError
from polyedition.languages import PROFILES
from polyedition.model import (
    AUTHOR_ID,
    NOT_XML,
    PUBLISHER_ID,
    Article,
    ArticleMeta,
    Block,
    FaqItem,
    Heading,
    Paragraph,
    Role,
    Section,
    Segment,
    Table,
)

logger = logging.getLogger(__name__)

ARTICLE_FILE = "article.md"
FRONT_MATTER_FENCE = "+++"
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ID_SUFFIX = re.compile(r"\s*\{#([a-z][a-z0-9-]*)\}\s*$")
_CAPTION_PREFIX = "Table: "
LEAD_SECTION_ID = "lead"

_REQUIRED_FIELDS: dict[str, type] = {
    "slug": str,
    "language": str,
    "title": str,
    "description": str,
    "date": dt.date,
    "author": str,
    "publisher": str,
}
_OPTIONAL_FIELDS: dict[str, type] = {"tags": list}
CREDIT_COMMENTS = {
    AUTHOR_ID: "Author, named in the byline; keep the name unless your desk writes it otherwise",
    PUBLISHER_ID: (
        "Publisher, named in the byline; keep the name unless your desk writes it otherwise "
        "(„redakcja Polyedition”)"
    ),
}
KEYWORD_CONTEXT = "keyword"
"""The message context of every tag: tags are short and may repeat another message's words."""
KEYWORD_COMMENT = (
    "Keyword (tag) of the article, for search engines, feeds and the PDF's metadata; "
    "translate it as readers would search for it"
)


def markdown_parser() -> MarkdownIt:
    """The CommonMark parser used for articles: tables on, raw HTML off (text stays text)."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def validate_slug(slug: str, *, path: Path | None = None, line: int | None = None) -> str:
    """Return ``slug`` if it is lowercase letters, digits and single hyphens; else ContentError.

    >>> validate_slug("belarus-prisoner-release")
    'belarus-prisoner-release'
    """
    if not SLUG_PATTERN.fullmatch(slug):
        raise ContentError(
            f"invalid slug {slug!r}",
            path=path,
            line=line,
            hint="use lowercase letters, digits and hyphens only, e.g. 'prisoner-release'",
        )
    return slug


def discover_articles(content_dir: Path) -> list[Path]:
    """The article files under ``content_dir``, sorted by slug."""
    if not content_dir.is_dir():
        raise ContentError("content folder does not exist", path=content_dir)
    return sorted(path for path in content_dir.glob(f"*/{ARTICLE_FILE}") if path.is_file())


def read_article(path: Path) -> Article:
    """Parse one article file; every problem is a ContentError naming the file and line."""
    try:
        # utf-8-sig: a byte order mark some editors write is not part of the text.
        source = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"cannot read article: {exc}", path=path) from exc
    return parse_article(source, path)


def parse_article(source: str, path: Path) -> Article:
    """Parse the text of an article file (``path`` is used in messages and for the slug check)."""
    bad = NOT_XML.search(source)
    if bad:
        raise ContentError(
            f"the article holds the control character U+{ord(bad.group()):04X}, which no "
            "edition can carry",
            path=path,
            line=source.count("\n", 0, bad.start()) + 1,
            hint="delete it; an editor may show nothing there",
        )
    front, front_lines, body, body_offset = _split_front_matter(source, path)
    fields = _parse_front_matter(front, front_lines, path)
    slug = validate_slug(fields["slug"], path=path, line=_field_line(front_lines, "slug"))
    if path.parent.name != slug:
        raise ContentError(
            f"slug {slug!r} does not match the article's folder {path.parent.name!r}",
            path=path,
            line=_field_line(front_lines, "slug"),
            hint="rename the folder or change the slug so that they agree",
        )
    title = Segment(
        "title", Role.TITLE, fields["title"], _field_line(front_lines, "title"), "Headline"
    )
    description = Segment(
        "description",
        Role.DESCRIPTION,
        fields["description"],
        _field_line(front_lines, "description"),
        "Description: the standfirst under the headline, also used in search results",
    )
    sections = _BodyParser(path, body_offset).parse(body)
    tags_line = _field_line(front_lines, "tags")
    keywords = tuple(
        Segment(KEYWORD_CONTEXT, Role.KEYWORD, tag, tags_line, KEYWORD_COMMENT)
        for tag in dict.fromkeys(fields.get("tags", ()))
    )
    credits = tuple(
        Segment(credit_id, Role.CREDIT, fields[field], _field_line(front_lines, field), comment)
        for (credit_id, comment), field in zip(
            CREDIT_COMMENTS.items(), ("author", "publisher"), strict=True
        )
    )
    article = Article(
        meta=ArticleMeta(
            slug=slug,
            language=fields["language"],
            date=fields["date"],
            author=fields["author"],
            publisher=fields["publisher"],
            tags=tuple(fields.get("tags", ())),
        ),
        title=title,
        description=description,
        sections=sections,
        path=str(path),
        keywords=keywords,
        credits=credits,
    )
    _check_unique_ids(article, path)
    return article


def _split_front_matter(source: str, path: Path) -> tuple[str, list[str], str, int]:
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ContentError(
            "the article must start with a TOML front matter block",
            path=path,
            line=1,
            hint=f"put a line '{FRONT_MATTER_FENCE}' first, then the fields, "
            f"then '{FRONT_MATTER_FENCE}'",
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            front_lines = lines[1:index]
            return "".join(front_lines), front_lines, "".join(lines[index + 1 :]), index + 1
    raise ContentError(
        "front matter block is not closed",
        path=path,
        line=1,
        hint=f"add a line '{FRONT_MATTER_FENCE}' after the last field",
    )


def _field_line(front_lines: list[str], name: str) -> int:
    for number, line in enumerate(front_lines, start=2):
        if re.match(rf"^\s*{re.escape(name)}\s*=", line):
            return number
    return 1


def _parse_front_matter(front: str, front_lines: list[str], path: Path) -> dict[str, Any]:
    try:
        fields = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) + 1 if match else 1
        raise ContentError(f"front matter is not valid TOML: {exc}", path=path, line=line) from exc
    known = {**_REQUIRED_FIELDS, **_OPTIONAL_FIELDS}
    for name, value in fields.items():
        if name not in known:
            raise ContentError(
                f"unknown front matter field {name!r}",
                path=path,
                line=_field_line(front_lines, name),
                hint=f"known fields: {', '.join(known)}",
            )
        expected = known[name]
        # A TOML datetime is a date too in Python; the publication date must be a plain date.
        wrong_date = expected is dt.date and isinstance(value, dt.datetime)
        if not isinstance(value, expected) or wrong_date:
            raise ContentError(
                f"front matter field {name!r} must be a {_type_name(expected)}, "
                f"not {_type_name(type(value))}",
                path=path,
                line=_field_line(front_lines, name),
            )
        if isinstance(value, str) and not value.strip():
            raise ContentError(
                f"front matter field {name!r} is empty",
                path=path,
                line=_field_line(front_lines, name),
            )
    for name, expected in _REQUIRED_FIELDS.items():
        if name not in fields:
            raise ContentError(
                f"front matter field {name!r} is missing",
                path=path,
                line=1,
                hint=f"add '{name} = …' ({_type_name(expected)})",
            )
    if fields["language"] not in PROFILES:
        raise ContentError(
            f"unsupported article language {fields['language']!r}",
            path=path,
            line=_field_line(front_lines, "language"),
            hint=f"supported: {', '.join(PROFILES)}",
        )
    tags = fields.get("tags", [])
    if not all(isinstance(tag, str) for tag in tags):
        raise ContentError(
            "front matter field 'tags' must be a list of strings",
            path=path,
            line=_field_line(front_lines, "tags"),
        )
    return fields


def _type_name(kind: type) -> str:
    return {str: "string", dt.date: "date (YYYY-MM-DD)", list: "list", int: "number"}.get(
        kind, kind.__name__
    )


@dataclass
class _SectionDraft:
    id: str
    number: int
    heading: Heading | None
    title: str
    blocks: list[Block] = field(default_factory=list)
    paragraphs: int = 0
    questions: int = 0
    tables: int = 0


class _BodyParser:
    """Walks markdown-it tokens and builds sections; knows which structures an article may use."""

    def __init__(self, path: Path, line_offset: int) -> None:
        self.path = path
        self.line_offset = line_offset

    def parse(self, body: str) -> tuple[Section, ...]:
        tokens = markdown_parser().parse(body)
        drafts: list[_SectionDraft] = []
        current = _SectionDraft(LEAD_SECTION_ID, 0, None, "Lead")
        faq: tuple[Segment, list[Segment]] | None = None
        stream = iter(tokens)
        for token in stream:
            line = self._line(token)
            if token.type == "heading_open":
                inline = next(stream)
                level = int(token.tag[1])
                if faq is not None:
                    current.blocks.append(FaqItem(faq[0], tuple(faq[1])))
                    faq = None
                if level == 2:
                    if current.blocks or current.heading is not None:
                        drafts.append(current)
                    current = self._start_section(inline.content, current.number + 1, line)
                elif level == 3 and current.heading is not None:
                    current.questions += 1
                    question = Segment(
                        f"{current.id}-q{current.questions}",
                        Role.QUESTION,
                        inline.content.strip(),
                        line,
                        f"{current.title}: question {current.questions}",
                    )
                    faq = (question, [])
                else:
                    raise ContentError(
                        f"unexpected level-{level} heading",
                        path=self.path,
                        line=line,
                        hint="use '##' for sections and '###' for questions inside a section; "
                        "the headline is the front matter 'title'",
                    )
            elif token.type == "paragraph_open":
                inline = next(stream)
                text = inline.content.strip()
                if text.startswith(_CAPTION_PREFIX):
                    self._attach_caption(current, text[len(_CAPTION_PREFIX) :], line)
                elif faq is not None:
                    number = current.questions
                    suffix = f"-{len(faq[1]) + 1}" if faq[1] else ""
                    faq[1].append(
                        Segment(
                            f"{current.id}-a{number}{suffix}",
                            Role.ANSWER,
                            text,
                            line,
                            f"{current.title}: answer {number}",
                        )
                    )
                else:
                    current.paragraphs += 1
                    where = (
                        "Lead"
                        if current.heading is None
                        else f"Section {current.number} ({current.title})"
                    )
                    current.blocks.append(
                        Paragraph(
                            Segment(
                                f"{current.id}-p{current.paragraphs}",
                                Role.PARAGRAPH,
                                text,
                                line,
                                f"{where}, paragraph {current.paragraphs}",
                            )
                        )
                    )
            elif token.type == "table_open":
                if faq is not None:
                    current.blocks.append(FaqItem(faq[0], tuple(faq[1])))
                    faq = None
                current.blocks.append(self._table(current, stream, line))
            elif token.type in {"paragraph_close", "heading_close"}:
                continue
            else:
                raise ContentError(
                    f"unsupported Markdown block {token.type.removesuffix('_open')!r}",
                    path=self.path,
                    line=line,
                    hint="articles use paragraphs, '##' sections, '###' questions and tables",
                )
        if faq is not None:
            current.blocks.append(FaqItem(faq[0], tuple(faq[1])))
        drafts.append(current)
        for draft in drafts:
            for block in draft.blocks:
                if isinstance(block, FaqItem) and not block.answer:
                    raise ContentError(
                        "question has no answer",
                        path=self.path,
                        line=block.question.line,
                        hint="write the answer as a paragraph under the '###' question",
                    )
        return tuple(Section(d.id, d.heading, tuple(d.blocks)) for d in drafts)

    def _line(self, token: Token) -> int:
        return (token.map[0] if token.map else 0) + self.line_offset + 1

    def _start_section(self, content: str, number: int, line: int) -> _SectionDraft:
        match = _ID_SUFFIX.search(content)
        title = _ID_SUFFIX.sub("", content).strip()
        section_id = match.group(1) if match else _slugify(title)
        if not section_id or section_id == LEAD_SECTION_ID:
            raise ContentError(
                f"section heading needs an id, got {section_id!r}",
                path=self.path,
                line=line,
                hint="end the heading with an id such as {#sanctions}",
            )
        heading = Heading(
            Segment(section_id, Role.HEADING, title, line, f"Section {number} heading"), level=2
        )
        return _SectionDraft(section_id, number, heading, title)

    def _table(self, section: _SectionDraft, stream: Iterator[Token], line: int) -> Table:
        section.tables += 1
        table_id = section.id if section.tables == 1 else f"{section.id}-{section.tables}"
        header_texts: list[tuple[str, int]] = []
        rows: list[list[tuple[str, int]]] = []
        in_head = False
        for token in stream:
            if token.type == "table_close":
                break
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open" and not in_head:
                rows.append([])
            elif token.type == "inline":
                cell = (token.content.strip(), self._line(token))
                (header_texts if in_head else rows[-1]).append(cell)
        names = [text for text, _ in header_texts]
        label = f"{section.title} table"
        header = tuple(
            Segment(
                f"{table_id}-h{c}",
                Role.TABLE_HEADER,
                text,
                cell_line,
                f"{label}, column {c} header",
            )
            for c, (text, cell_line) in enumerate(header_texts, start=1)
        )
        body = tuple(
            tuple(
                Segment(
                    f"{table_id}-r{r}-c{c}",
                    Role.TABLE_CELL,
                    text,
                    cell_line,
                    f"{label}, row {r}, {names[c - 1].lower() if c <= len(names) else c}",
                )
                for c, (text, cell_line) in enumerate(row, start=1)
            )
            for r, row in enumerate(rows, start=1)
        )
        for r, row in enumerate(body, start=1):
            if any(not cell.text for cell in row):
                raise ContentError(
                    f"table row {r} has an empty cell", path=self.path, line=row[0].line
                )
        # The caption follows the table as a 'Table: …' paragraph; until then it is a placeholder.
        caption = Segment(f"{table_id}-caption", Role.CAPTION, "", line, f"{label}, caption")
        return Table(table_id, caption, header, body)

    def _attach_caption(self, section: _SectionDraft, text: str, line: int) -> None:
        last = section.blocks[-1] if section.blocks else None
        if not isinstance(last, Table) or last.caption.text:
            raise ContentError(
                "a 'Table:' caption must directly follow a table",
                path=self.path,
                line=line,
            )
        caption = Segment(last.caption.id, Role.CAPTION, text.strip(), line, last.caption.comment)
        section.blocks[-1] = Table(last.id, caption, last.header, last.rows)


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _check_unique_ids(article: Article, path: Path) -> None:
    seen: dict[str, int] = {}
    for segment in (*article.segments(), *article.credits):
        if segment.role is Role.CAPTION and not segment.text:
            raise ContentError(
                "table has no caption",
                path=path,
                line=segment.line,
                hint="add a paragraph 'Table: <caption>' right after the table",
            )
        if segment.id in seen:
            raise ContentError(
                f"id {segment.id!r} is used twice (first at line {seen[segment.id]})",
                path=path,
                line=segment.line,
                hint="give one of the sections another {#id}",
            )
        seen[segment.id] = segment.line
