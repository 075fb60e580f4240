"""Reading a tagged PDF's structure tree: its elements in reading order and the text of each.

WeasyPrint's structure elements do not say which HTML element they came from (no ids, no
``lang``), so the post-processing in :mod:`polyedition.render.pdf.ua` finds elements by the text
they hold. This module decodes that text from the content streams (marked-content ids through
each font's ``ToUnicode`` map) without extracting it by position.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

import pikepdf

logger = logging.getLogger(__name__)

_CMAP_CODESPACE = re.compile(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>")
_CMAP_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_CMAP_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_HEX_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
Instructions = list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage]
"""A parsed content stream."""

_INVISIBLE = re.compile(r"[\s\u00ad\u200b-\u200d\u2060\ufeff]+")


def squeeze(text: str) -> str:
    """Text reduced to what survives any line breaking: NFC, without spaces or soft hyphens.

    >>> squeeze("Mary\\u00adland,  now\\n here")
    'Maryland,nowhere'
    """
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text))


@dataclass(slots=True)
class ToUnicode:
    """A font's character-code to Unicode map (the subset of CMap syntax PDF writers emit)."""

    code_length: int
    mapping: dict[int, str]

    @classmethod
    def parse(cls, data: bytes, default_length: int) -> ToUnicode:
        match = _CMAP_CODESPACE.search(data)
        code_length = len(match.group(1)) // 2 if match else default_length
        mapping: dict[int, str] = {}
        for block in _CMAP_BFCHAR.findall(data):
            for source, target in _HEX_PAIR.findall(block):
                mapping[int(source, 16)] = _utf16(target)
        for block in _CMAP_BFRANGE.findall(data):
            for low, high, target in _HEX_RANGE.findall(block):
                first, last = int(low, 16), int(high, 16)
                if target.startswith(b"["):
                    for code, item in zip(
                        range(first, last + 1), _HEX.findall(target), strict=False
                    ):
                        mapping[code] = _utf16(item)
                else:
                    base = _utf16(target[1:-1])
                    for offset in range(last - first + 1):
                        mapping[first + offset] = base[:-1] + chr(ord(base[-1]) + offset)
        return cls(code_length, mapping)

    def decode(self, data: bytes) -> str:
        step = self.code_length
        return "".join(
            self.mapping.get(int.from_bytes(data[i : i + step], "big"), "\ufffd")
            for i in range(0, len(data) - step + 1, step)
        )


def _utf16(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode("ascii")).decode("utf-16-be", errors="replace")


def _font_decoder(font: pikepdf.Object, cache: dict[tuple[int, int], ToUnicode]) -> ToUnicode:
    key = font.objgen
    if key not in cache:
        default_length = 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1
        if "/ToUnicode" in font:
            cache[key] = ToUnicode.parse(font.ToUnicode.read_bytes(), default_length)
        else:
            cache[key] = ToUnicode(default_length, {})
    return cache[key]


def _shown_bytes(operands: list[pikepdf.Object], operator: str) -> bytes:
    if operator in ("Tj", "'"):
        return bytes(operands[0])
    if operator == '"':
        return bytes(operands[2])
    # TJ: strings interleaved with kerning numbers
    return b"".join(bytes(item) for item in operands[0] if isinstance(item, pikepdf.String))


def marked_text(instructions: Instructions, resources: pikepdf.Object) -> dict[int, str]:
    """The text shown inside each marked-content sequence with an MCID, keyed by MCID."""
    fonts = resources.get("/Font", pikepdf.Dictionary())
    decoders: dict[tuple[int, int], ToUnicode] = {}
    decoder: ToUnicode | None = None
    stack: list[int | None] = []
    texts: dict[int, list[str]] = {}
    for instruction in instructions:
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # inline images
        operator = str(instruction.operator)
        operands = list(instruction.operands)
        if operator == "BDC":
            properties = operands[1]
            mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
            stack.append(int(mcid) if mcid is not None else None)
        elif operator == "BMC":
            stack.append(None)
        elif operator == "EMC" and stack:
            stack.pop()
        elif operator == "Tf":
            font = fonts.get(str(operands[0]))
            decoder = _font_decoder(font, decoders) if font is not None else None
        elif operator in ("Tj", "TJ", "'", '"') and decoder is not None:
            current = next((mcid for mcid in reversed(stack) if mcid is not None), None)
            if current is not None:
                texts.setdefault(current, []).append(
                    decoder.decode(_shown_bytes(operands, operator))
                )
    return {mcid: "".join(parts) for mcid, parts in texts.items()}


@dataclass(slots=True)
class Node:
    """A structure element in reading order, with the text of its whole subtree."""

    element: pikepdf.Dictionary
    depth: int
    end: int = 0
    """Index (in the pre-order list) just after this element's last descendant."""
    page: int = -1
    text: str = ""
    kids: list[Node | tuple[int, int]] = field(default_factory=list)
    """Child elements and marked content (page index, MCID), in the order of ``/K``."""

    @property
    def tag(self) -> str:
        return str(self.element.get("/S", "/NonStruct"))[1:]


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def structure(pdf: pikepdf.Pdf) -> list[Node]:
    """Every structure element under the StructTreeRoot, in pre-order (reading order)."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    page_index = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    nodes: list[Node] = []

    def visit(element: pikepdf.Dictionary, depth: int, page: int) -> Node:
        if "/Pg" in element:
            page = page_index.get(element.Pg.objgen, page)
        node = Node(element, depth, page=page)
        nodes.append(node)
        for kid in _kids(element):
            if isinstance(kid, int):
                node.kids.append((page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary):
                if kid.get("/Type") == pikepdf.Name.MCR:
                    kid_page = page_index.get(kid.Pg.objgen, page) if "/Pg" in kid else page
                    node.kids.append((kid_page, int(kid.MCID)))
                elif kid.get("/Type") != pikepdf.Name.OBJR:
                    node.kids.append(visit(kid, depth + 1, page))
        node.end = len(nodes)
        return node

    for kid in _kids(root):
        if isinstance(kid, pikepdf.Dictionary):
            visit(kid, 0, -1)
    return nodes


def fill_text(nodes: list[Node], texts: dict[tuple[int, int], str]) -> None:
    """Give each node the text of its subtree, from ``(page, MCID) → text``."""
    for node in reversed(nodes):  # children before parents
        node.text = "".join(
            kid.text if isinstance(kid, Node) else texts.get(kid, "") for kid in node.kids
        )
