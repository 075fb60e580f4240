"""Segment text (CommonMark inline source) as safe HTML for pages and as plain text for metadata."""

from __future__ import annotations

import logging
from functools import cache
from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup

from polyedition.content import markdown_parser

logger = logging.getLogger(__name__)

_TEXT_TOKENS = frozenset({"text", "text_special", "code_inline"})
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})


@cache
def _parser() -> MarkdownIt:
    parser = markdown_parser()
    # An image would load from wherever its URL points: pages make no third-party requests, and
    # articles have no images, so ![…](…) stays a plain link.
    parser.disable("image")
    parser.options["xhtmlOut"] = False
    return parser


def inline_html(source: str) -> Markup:
    """Render inline Markdown to HTML; raw HTML in the source stays text.

    >>> str(inline_html("**Free** <script>alert(1)</script> & more"))
    '<strong>Free</strong> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more'
    >>> str(inline_html("![x](https://tracker.example/p.gif) [j](javascript:alert(1))"))
    '!<a href="https://tracker.example/p.gif">x</a> [j](javascript:alert(1))'
    """
    # markdown-it escapes text and drops unsafe link targets itself (html is off): its output
    # is the only markup a segment can produce.
    return Markup(_parser().renderInline(source))


def inline_tokens(source: str) -> list[Token]:
    """The inline tokens of ``source``, flat (open and close tokens mark nesting)."""
    blocks = _parser().parseInline(source)
    return list(blocks[0].children or []) if blocks else []


def render_tokens(tokens: list[Token]) -> Markup:
    """HTML of inline tokens, as :func:`inline_html` renders them."""
    parser = _parser()
    renderer = cast(RendererHTML, parser.renderer)  # markdown-it's default renderer
    return Markup(renderer.renderInline(tokens, parser.options, {}))


def token_text(token: Token) -> str:
    """What one inline token contributes to :func:`plain_text` (not counting its children)."""
    if token.type in _TEXT_TOKENS:
        return token.content
    return " " if token.type in _BREAK_TOKENS else ""


def plain_text(source: str) -> str:
    """The words of inline Markdown without markup, for titles, meta tags and JSON-LD.

    >>> plain_text("A *free* [report](https://x.org) &amp; `code`\\nline")
    'A free report & code line'
    """
    return "".join(_texts(_parser().parseInline(source)))


def _texts(tokens: list[Token]) -> list[str]:
    parts: list[str] = []
    for token in tokens:
        parts.append(token_text(token))
        if token.children:
            parts.extend(_texts(token.children))
    return parts
