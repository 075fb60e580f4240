"""PDF/UA fixes WeasyPrint's tagged output needs, done with pikepdf after rendering.

WeasyPrint 70 tags the document (``pdf_variant="pdf/ua-1"``) but writes ``/Lang`` only on the
catalog, no ``/Scope`` on table headers, and leaves the text of page margins (running header,
page numbers) as marked content of structure elements that are not in the tree. This module:

- sets ``/Lang`` on the structure elements of every passage whose language differs from the
  document's (fallback segments, other languages' names), found by the text they hold;
- adds ``/Scope /Column`` or ``/Scope /Row`` to every ``TH`` through its ``/A`` attribute object;
- turns margin content into ``/Artifact`` (pagination), so readers skip it;
- writes ``dc:language`` into the XMP metadata next to WeasyPrint's ``pdfuaid:part``, title,
  creator, description and keywords, opens the bookmarks pane, and saves with a document ID
  derived from the content (same input, same bytes).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pikepdf

from polyedition.render.pdf.tags import (
    Instructions,
    Node,
    fill_text,
    marked_text,
    squeeze,
    structure,
)

logger = logging.getLogger(__name__)

_PDF_TAGS: dict[str, frozenset[str]] = {
    "p": frozenset({"P"}),
    **{f"h{level}": frozenset({f"H{level}"}) for level in range(1, 7)},
    "td": frozenset({"TD"}),
    "th": frozenset({"TH"}),
    "caption": frozenset({"Caption"}),
    "figcaption": frozenset({"Caption"}),
    "span": frozenset({"Span"}),
    "a": frozenset({"Link"}),
    "li": frozenset({"LI", "LBody"}),
    "dt": frozenset({"LI", "LBody"}),
    "dd": frozenset({"LI", "LBody"}),
    "ul": frozenset({"L"}),
    "ol": frozenset({"L"}),
    "section": frozenset({"Sect"}),
    "article": frozenset({"Art"}),
    "div": frozenset({"Div"}),
    "blockquote": frozenset({"BlockQuote"}),
    "table": frozenset({"Table"}),
    "tr": frozenset({"TR"}),
}
"""The structure type WeasyPrint gives an HTML element (``weasyprint/pdf/tags.py``)."""


@dataclass(frozen=True, slots=True)
class LangPassage:
    """An HTML element in another language than the document, in document order."""

    lang: str
    text: str
    tag: str
    """The HTML tag name, to prefer structure elements of the matching type."""
    place: str
    """Where it is, for messages: the element's id or nearest id."""


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the XMP metadata and the catalog must say about the document."""

    lang: str


@dataclass(frozen=True, slots=True)
class FinishReport:
    """What the post-processing changed, and which passages it could not tag."""

    lang_elements: int
    scoped_headers: int
    artifacts: int
    untagged: tuple[LangPassage, ...]


def finish(
    data: bytes, info: DocumentInfo, passages: Sequence[LangPassage]
) -> tuple[bytes, FinishReport]:
    """Apply the PDF/UA fixes to a PDF WeasyPrint tagged; returns the new bytes and a report."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        contents = [list(pikepdf.parse_content_stream(page)) for page in pdf.pages]
        texts = {
            (number, mcid): text
            for number, page in enumerate(pdf.pages)
            for mcid, text in marked_text(contents[number], page.Resources).items()
        }
        nodes = structure(pdf)
        fill_text(nodes, texts)
        artifacts = _margins_to_artifacts(pdf, contents, nodes)
        scoped = _scope_table_headers(nodes)
        tagged, untagged = _tag_languages(nodes, passages)
        _set_catalog(pdf, info)
        output = io.BytesIO()
        pdf.save(
            output,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
        )
    return output.getvalue(), FinishReport(tagged, scoped, artifacts, tuple(untagged))


def _margins_to_artifacts(pdf: pikepdf.Pdf, contents: list[Instructions], nodes: list[Node]) -> int:
    """Mark content whose structure element is outside the tree as a pagination artifact.

    WeasyPrint builds structure elements for page-margin boxes but links them nowhere (PDF 1.7
    has no way to put artifacts in the tree); PDF/UA wants such content to be an artifact.
    """
    root = pdf.Root.StructTreeRoot
    parent_tree = root.ParentTree
    nums = parent_tree.Nums
    in_tree = {node.element.objgen for node in nodes}
    changed = 0
    for number, page in enumerate(pdf.pages):
        if "/StructParents" not in page.obj:
            continue
        key = int(page.obj.StructParents)
        entries = next((nums[i + 1] for i in range(0, len(nums), 2) if int(nums[i]) == key), None)
        if entries is None:
            continue
        orphans = {
            mcid
            for mcid, element in enumerate(entries)
            if isinstance(element, pikepdf.Dictionary) and element.objgen not in in_tree
        }
        if not orphans:
            continue
        for index, instruction in enumerate(contents[number]):
            if not isinstance(instruction, pikepdf.ContentStreamInstruction):
                continue
            if str(instruction.operator) != "BDC":
                continue
            properties = instruction.operands[1]
            if not isinstance(properties, pikepdf.Dictionary) or "/MCID" not in properties:
                continue
            if int(properties.MCID) in orphans:
                contents[number][index] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)],
                    pikepdf.Operator("BDC"),
                )
                changed += 1
        for mcid in orphans:
            entries[mcid] = None  # null: no structure element owns this MCID any more
        while len(entries) and entries[len(entries) - 1] is None:
            del entries[len(entries) - 1]
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(contents[number]))
    return changed


def _scope_table_headers(nodes: list[Node]) -> int:
    """``/Scope`` on every TH: ``/Row`` when a data cell of its own row names it as header.

    WeasyPrint already links each TD to its headers (``/Headers`` of TH ``/ID``s), following the
    HTML ``scope`` attributes; a header cited by cells of its own row is a row header.
    """
    count = 0
    for node in nodes:
        if node.tag != "TR":
            continue
        cells = [kid for kid in node.kids if isinstance(kid, Node)]
        cited = {
            str(header)
            for cell in cells
            if cell.tag == "TD"
            for header in cell.element.get("/A", pikepdf.Dictionary()).get("/Headers", [])
        }
        for cell in cells:
            if cell.tag != "TH":
                continue
            attributes = cell.element.get("/A")
            if not isinstance(attributes, pikepdf.Dictionary):
                attributes = pikepdf.Dictionary(O=pikepdf.Name.Table)
                cell.element.A = attributes
            is_row = str(cell.element.get("/ID", "")) in cited
            attributes.Scope = pikepdf.Name.Row if is_row else pikepdf.Name.Column
            count += 1
    return count


def _tag_languages(
    nodes: list[Node], passages: Iterable[LangPassage]
) -> tuple[int, list[LangPassage]]:
    """Set ``/Lang`` on the structure elements holding each passage (in document order)."""
    squeezed = [squeeze(node.text) for node in nodes]
    cursor = 0
    tagged = 0
    untagged: list[LangPassage] = []
    for passage in passages:
        text = squeeze(passage.text)
        if not text:
            continue
        pieces = _locate(nodes, squeezed, cursor, text, _PDF_TAGS.get(passage.tag))
        if pieces is None:
            pieces = _locate(nodes, squeezed, cursor, text, None)
        if pieces is None:
            untagged.append(passage)
            continue
        for index in pieces:
            nodes[index].element.Lang = pikepdf.String(passage.lang)
            tagged += 1
        cursor = pieces[0] + 1
    return tagged, untagged


def _locate(
    nodes: list[Node], texts: list[str], start: int, text: str, tags: frozenset[str] | None
) -> list[int] | None:
    """The outermost elements, from ``start`` on, whose texts in a row make up ``text``.

    A passage is one element, or several of one type when a page or line break split it.
    """
    for first in range(start, len(nodes)):
        if not texts[first] or not text.startswith(texts[first]):
            continue
        if tags is not None and nodes[first].tag not in tags:
            continue
        pieces = [first]
        remaining = text[len(texts[first]) :]
        index = nodes[first].end
        while remaining and index < len(nodes):
            if (
                texts[index]
                and nodes[index].tag == nodes[first].tag
                and remaining.startswith(texts[index])
            ):
                pieces.append(index)
                remaining = remaining[len(texts[index]) :]
                index = nodes[index].end
            else:
                index += 1
        if not remaining:
            return pieces
    return None


def _set_catalog(pdf: pikepdf.Pdf, info: DocumentInfo) -> None:
    """Document language, title shown, bookmarks open, and ``dc:language`` in the XMP."""
    pdf.Root.Lang = pikepdf.String(info.lang)
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    preferences = pdf.Root.get("/ViewerPreferences", pikepdf.Dictionary())
    preferences.DisplayDocTitle = True
    pdf.Root.ViewerPreferences = preferences
    if "/Outlines" in pdf.Root:
        pdf.Root.PageMode = pikepdf.Name.UseOutlines
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:language"] = [info.lang]
