"""Segment text (CommonMark inline source) as safe HTML for pages and as plain text for metadata."""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any, cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup

from polyedition.content import markdown_parser

logger = logging.getLogger(__name__)

_TEXT_TOKENS = frozenset({"text", "text_special", "code_inline"})
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})

NBSP = "\u00a0"
_DASHES = "\u2013\u2014"
_SPACE_BEFORE_DASH = re.compile(rf"[ \t\n]+(?=[{_DASHES}](?:\s|$))")
_STARTS_WITH_DASH = re.compile(rf"[{_DASHES}](?:\s|$)")


@cache
def _parser(*, xhtml: bool = False) -> MarkdownIt:
    parser = markdown_parser()
    # An image would load from wherever its URL points: pages make no third-party requests, and
    # articles have no images, so ![…](…) stays a plain link.
    parser.disable("image")
    parser.options["xhtmlOut"] = xhtml
    return parser


def typeset(text: str) -> str:
    """The typography every language's text gets when shown: the space before a spaced en or
    em dash becomes a no-break space, so a line never starts with the dash (a dash without
    spaces, as in ``2020–2025``, is left alone).

    >>> typeset("Сярод вызваленых — Калеснікава; 2020–2025 –\\nnext") == (
    ...     "Сярод вызваленых\\u00a0— Калеснікава; 2020–2025\\u00a0–\\nnext"
    ... )
    True
    """
    return _SPACE_BEFORE_DASH.sub(NBSP, text)


def inline_html(source: str) -> Markup:
    """Render inline Markdown to typeset HTML; raw HTML in the source stays text.

    >>> str(inline_html("**Free** <script>alert(1)</script> & more"))
    '<strong>Free</strong> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more'
    >>> str(inline_html("![x](https://tracker.example/p.gif) [j](javascript:alert(1))"))
    '!<a href="https://tracker.example/p.gif">x</a> [j](javascript:alert(1))'
    >>> str(inline_html("*Free* — at last\\n— `a — b`")) == (
    ...     "<em>Free</em>\\u00a0— at last\\u00a0— <code>a — b</code>"
    ... )
    True
    """
    # markdown-it escapes text and drops unsafe link targets itself (html is off): its output
    # is the only markup a segment can produce. Typography touches text, never code or URLs.
    parser = _parser()
    env: dict[str, Any] = {}
    tokens = parser.parseInline(source, env)
    _typeset_tokens(tokens)
    return Markup(parser.renderer.render(tokens, parser.options, env))


def inline_tokens(source: str) -> list[Token]:
    """The inline tokens of ``source``, flat (open and close tokens mark nesting)."""
    blocks = _parser().parseInline(source)
    return list(blocks[0].children or []) if blocks else []


def render_tokens(tokens: list[Token], *, xhtml: bool = False) -> Markup:
    """HTML of inline tokens, typeset as :func:`inline_html` renders them (the tokens' text is
    typeset in place); ``xhtml`` writes void elements self-closed (``<br />``).

    >>> str(render_tokens(inline_tokens("a  \\nb"), xhtml=True))
    'a<br />\\nb'
    """
    _typeset_tokens(tokens)
    parser = _parser(xhtml=xhtml)
    renderer = cast(RendererHTML, parser.renderer)  # markdown-it's default renderer
    return Markup(renderer.renderInline(tokens, parser.options, {}))


def token_text(token: Token) -> str:
    """What one inline token contributes to :func:`plain_text` (not counting its children)."""
    if token.type in _TEXT_TOKENS:
        return token.content
    return " " if token.type in _BREAK_TOKENS else ""


def plain_text(source: str) -> str:
    """The typeset words of inline Markdown without markup, for titles, meta tags and JSON-LD.

    >>> plain_text("A *free* [report](https://x.org) &amp; `code`\\nline")
    'A free report & code line'
    """
    return typeset("".join(_texts(_parser().parseInline(source))))


def _typeset_tokens(tokens: list[Token]) -> None:
    """Typeset text tokens in place; a line break right before a spaced dash becomes a no-break
    space too (the dash opens the next token, so the text pattern cannot see the break)."""
    for index, token in enumerate(tokens):
        if token.type == "text":
            token.content = typeset(token.content)
        elif (
            token.type == "softbreak"
            and index + 1 < len(tokens)
            and tokens[index + 1].type == "text"
            and _STARTS_WITH_DASH.match(tokens[index + 1].content)
        ):
            token.type, token.content = "text", NBSP
        if token.children:
            _typeset_tokens(token.children)


def _texts(tokens: list[Token]) -> list[str]:
    parts: list[str] = []
    for token in tokens:
        parts.append(token_text(token))
        if token.children:
            parts.extend(_texts(token.children))
    return parts
