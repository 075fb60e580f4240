"""Shared fixtures: the real publication (settings, article, editions) and an HTML reader."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from polyedition.build import load_editions
from polyedition.config import Settings, load_settings
from polyedition.content import read_article
from polyedition.model import Article
from polyedition.pofile import read_catalog, write_catalog
from polyedition.site import Site
from projectkit import ARTICLE, REPO, SLUG, copy_project, po, project_ui_po


@pytest.fixture(scope="session")
def repo_settings() -> Settings:
    """Settings of the real publication project; tests read it and never write into it."""
    return load_settings(REPO)


@pytest.fixture(scope="session")
def real_article() -> Article:
    """The real article, parsed once."""
    return read_article(ARTICLE)


@pytest.fixture(scope="session")
def real_site(repo_settings: Settings) -> Site:
    """Every edition of the real article with the real catalogs, as the build sees them."""
    editions = load_editions(repo_settings, repo_settings.languages)
    return Site(repo_settings, {(edition.slug, edition.lang): edition for edition in editions})


@pytest.fixture
def project_copy(tmp_path: Path) -> Settings:
    """A private copy of the publication project that a test may change."""
    return copy_project(tmp_path / "project")


def set_translations(settings: Settings, lang: str, domain: str, strings: dict[Any, Any]) -> None:
    """Translate messages of a PO file: article messages by msgctxt, ``ui`` ones by msgid
    (in the project's own ``ui.po``, which overrides the theme's translations)."""
    path = project_ui_po(settings, lang) if domain == "ui" else po(settings, lang, domain)
    catalog = read_catalog(path, locale=lang)
    for key, string in strings.items():
        if domain == SLUG:
            message = next(m for m in catalog if m.context == key)
        else:
            message = catalog.get(key if isinstance(key, str) else key[0])
        if message is None:
            catalog.add(key, string=string)
        else:
            message.string = string
            message.flags.discard("fuzzy")
    write_catalog(path, catalog)


@pytest.fixture(scope="session")
def translate() -> Callable[[Settings, str, str, dict[Any, Any]], None]:
    """Set translations in a project copy (``translate(settings, "pl", "ui", {...})``)."""
    return set_translations


# --- reading HTML --------------------------------------------------------------------------

_VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)


_SPACE = re.compile(r"[ \t\n\r\f]+")
"""HTML's whitespace; collapsing it keeps no-break spaces, which Babel's formats use."""


@dataclass
class Node:
    """An element of a parsed page: enough DOM for tests to read structure and text."""

    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Node]:
        """Descendants by tag and attributes (``class_`` matches one class; True: present)."""
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if all(node.matches(name, value) for name, value in attrs.items()):
                found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> Node:
        """The one descendant that matches (fails the test if there are none or several)."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag}> {attrs}, found {len(found)}"
        return found[0]

    def matches(self, name: str, value: str | bool) -> bool:
        name = name.rstrip("_").replace("_", "-")
        if value is True:
            return name in self.attrs
        if value is False:
            return name not in self.attrs
        if name == "class":
            return value in (self.attrs.get("class") or "").split()
        return self.attrs.get(name) == value

    def text(self) -> str:
        """The text content with whitespace collapsed, as a reader sees it."""
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return _SPACE.sub(" ", "".join(parts)).strip(" ")

    def lang(self) -> str | None:
        """The language in effect for this element (its own ``lang`` or an ancestor's)."""
        node: Node | None = self
        while node is not None:
            if "lang" in node.attrs:
                return node.attrs["lang"]
            node = node.parent
        return None

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse_page(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@pytest.fixture(scope="session")
def parse_html() -> Callable[[str], Node]:
    """Parse a page into Nodes (``find``, ``find_all``, ``text``, ``lang``)."""
    return parse_page
