"""PDF editions: tagged PDF/UA-1 with per-passage languages, table scopes, outline, fonts, text."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pikepdf
import pytest

from polyedition.build import load_editions
from polyedition.catalogs import extract, update_catalogs
from polyedition.config import Settings
from polyedition.errors import RenderError
from polyedition.model import Edition, Role
from polyedition.pofile import read_catalog, write_catalog
from polyedition.render.inline import plain_text
from polyedition.render.pdf.document import print_html, render_pdf
from polyedition.render.pdf.tags import Node, fill_text, marked_text, squeeze, structure
from polyedition.site import (
    AudioInfo,
    Site,
    chapters_path,
    html_path,
    mp3_path,
    pdf_path,
    vtt_path,
)
from polyedition.theme import fontfaces as pdf_fonts
from projectkit import SLUG, copy_project, copy_theme_ui, override, po, pseudo, unavailable

LANGUAGES = ("en", "be", "ru", "pl", "lt")
FALLBACK_IDS = frozenset(
    {
        "lead-p1",
        "turning-point-p2",
        "us-sanctions",
        "faq-q2",
        "key-points-caption",
        "key-points-h2",
        "key-points-r2-c1",
        "key-points-r3-c2",
    }
)
"""Segments left untranslated in the partly translated test edition: one of every kind."""
BODY_POINTS = (68, 780)
"""Top and bottom of the page body on A4 (842 pt): print.css margins are 24 mm and 22 mm."""


def covered_pseudo(text: str) -> str:
    """A pseudo-translation the PDF fonts can draw (no bracket characters)."""
    return pseudo(text)[1:-1]


def translate_catalog(path: Path, lang: str, skip: frozenset[str] = frozenset()) -> None:
    """Translate every message of a PO file but those whose context is in ``skip``."""
    catalog = read_catalog(path, locale=lang)
    for message in catalog:
        if not message.id:
            continue
        if message.context in skip:
            message.string = "" if isinstance(message.id, str) else ("",) * catalog.num_plurals
        elif isinstance(message.id, tuple):
            message.string = (covered_pseudo(message.id[-1]),) * catalog.num_plurals
        else:
            message.string = covered_pseudo(str(message.id))
        message.flags.discard("fuzzy")
    write_catalog(path, catalog)


def make_site(settings: Settings, languages: tuple[str, ...] = LANGUAGES) -> Site:
    editions = load_editions(settings, languages)
    return Site(settings, {(edition.slug, edition.lang): edition for edition in editions})


@dataclass(frozen=True)
class Rendered:
    """A rendered PDF edition, opened for inspection."""

    site: Site
    edition: Edition
    data: bytes
    path: Path

    def open(self) -> pikepdf.Pdf:
        return pikepdf.open(self.path)

    def elements(self) -> list[Node]:
        """Structure elements in reading order, each with the text it holds."""
        with self.open() as pdf:
            texts = {
                (number, mcid): text
                for number, page in enumerate(pdf.pages)
                for mcid, text in marked_text(
                    list(pikepdf.parse_content_stream(page)), page.Resources
                ).items()
            }
            nodes = structure(pdf)
            fill_text(nodes, texts)
            for node in nodes:  # detach from the closed file
                node.element = pikepdf.Dictionary(
                    {
                        key: node.element[key]
                        for key in ("/S", "/Lang", "/A", "/ID")
                        if key in node.element
                    }
                )
            return nodes


def render_all(site: Site, folder: Path) -> dict[str, Rendered]:
    rendered = {}
    for (_, lang), edition in site.editions.items():
        data = render_pdf(site, edition)
        path = folder / f"{lang}.pdf"
        path.write_bytes(data)
        rendered[lang] = Rendered(site, edition, data, path)
    return rendered


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """The five editions of the real article from the real catalogs, as they stand."""
    project = tmp_path_factory.mktemp("real")
    site = make_site(copy_project(project))
    return render_all(site, tmp_path_factory.mktemp("real-pdf"))


@pytest.fixture(scope="module")
def partly(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """A Polish edition translated (pseudo-Polish) but for FALLBACK_IDS, interface included."""
    settings = copy_project(tmp_path_factory.mktemp("partly"))
    extract(settings)
    update_catalogs(settings, ["pl"])
    translate_catalog(po(settings, "pl"), "pl", skip=FALLBACK_IDS)
    translate_catalog(copy_theme_ui(settings, "pl"), "pl")
    site = make_site(settings)
    edition = site.edition(SLUG, "pl")
    data = render_pdf(site, edition)
    path = tmp_path_factory.mktemp("partly-pdf") / "pl.pdf"
    path.write_bytes(data)
    return Rendered(site, edition, data, path)


@pytest.fixture(params=LANGUAGES)
def each(request: pytest.FixtureRequest, real: dict[str, Rendered]) -> Rendered:
    return real[request.param]


def segment_text(edition: Edition, segment_id: str) -> str:
    return plain_text(edition.text(segment_id).text)


# -- structure and metadata ------------------------------------------------------------------


def test_every_edition_is_tagged_pdf_ua_1_in_its_language(each: Rendered) -> None:
    with each.open() as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked)
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        assert str(root.Lang) == each.edition.lang
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"
            assert xmp["dc:language"] == {each.edition.lang}
    tags = {node.tag for node in each.elements()}
    assert {"Document", "H1", "H2", "H3", "P", "Table", "TH", "TD", "Caption", "Link"} <= tags


def test_metadata_comes_from_the_article_not_the_clock(each: Rendered) -> None:
    edition = each.edition
    with each.open() as pdf:
        info = pdf.docinfo
        assert str(info.Title) == plain_text(edition.title.text)
        assert str(info.Subject) == plain_text(edition.description.text)
        assert str(info.Author) == edition.article.meta.author
        keywords = ", ".join(keyword.text for keyword in edition.keywords)  # translated
        assert str(info.Keywords) == keywords
        assert str(info.CreationDate) == str(info.ModDate) == "D:20251213"
        with pdf.open_metadata() as xmp:
            assert xmp["dc:title"] == plain_text(edition.title.text)
            assert xmp["dc:creator"] == [edition.article.meta.author]
            assert xmp["dc:description"] == plain_text(edition.description.text)
            assert xmp["pdf:Keywords"] == keywords
            assert xmp["xmp:CreateDate"] == "2025-12-13"


def test_same_edition_renders_to_the_same_bytes(real: dict[str, Rendered]) -> None:
    rendered = real["lt"]
    assert render_pdf(rendered.site, rendered.edition) == rendered.data


def test_fonts_are_the_chosen_noto_files_embedded_and_subset(each: Rendered) -> None:
    with each.open() as pdf:
        fonts = {
            str(font.BaseFont): font for page in pdf.pages for font in page.Resources.Font.values()
        }
        assert fonts
        for name, font in fonts.items():
            assert re.fullmatch(r"/[A-Z]{6}\+Noto-(Serif|Sans)(-\w+)?", name), name
            descriptor = font.DescendantFonts[0].FontDescriptor
            assert "/FontFile2" in descriptor, f"{name} is not embedded"
            assert "/ToUnicode" in font, f"{name} has no Unicode mapping"


def test_outline_lists_headline_sections_and_questions_as_headings(each: Rendered) -> None:
    with each.open() as pdf, pdf.open_outline() as outline:

        def flatten(items: list[pikepdf.OutlineItem], depth: int) -> Iterator[tuple[int, str]]:
            for item in items:
                yield depth, item.title
                yield from flatten(item.children, depth + 1)

        entries = list(flatten(outline.root, 1))
    headings = [
        (int(node.tag[1]), node.text) for node in each.elements() if node.tag in ("H1", "H2", "H3")
    ]
    assert [(depth, squeeze(title)) for depth, title in entries] == [
        (level, squeeze(text)) for level, text in headings
    ]
    edition = each.edition
    expected = [
        plain_text(t.text)
        for t in edition.texts
        if t.role in (Role.TITLE, Role.HEADING, Role.QUESTION)
    ]
    titles = [title for _, title in entries]
    assert titles[: len(expected)] == expected
    assert entries[0][0] == 1 and all(depth > 1 for depth, _ in entries[1:])


def test_table_headers_carry_scope_column_or_row(each: Rendered) -> None:
    nodes = each.elements()
    scopes: dict[str, list[str]] = {"THead": [], "TBody": []}
    for index, node in enumerate(nodes):
        if node.tag in scopes:
            scopes[node.tag] += [
                str(cell.element.A.Scope) for cell in nodes[index : node.end] if cell.tag == "TH"
            ]
    rows = sum(1 for text in each.edition.texts if re.fullmatch(r"key-points-r\d+-c1", text.id))
    # A table that crosses a page repeats its header row there, tagged like the first.
    assert set(scopes["THead"]) == {"/Column"} and len(scopes["THead"]) % 2 == 0
    assert scopes["TBody"] == ["/Row"] * rows


def test_page_margins_are_pagination_artifacts(each: Rendered) -> None:
    with each.open() as pdf:
        pages = len(pdf.pages)
        for page in pdf.pages:
            artifacts = [
                instruction
                for instruction in pikepdf.parse_content_stream(page, "BDC")
                if instruction.operands[0] == pikepdf.Name.Artifact
                and instruction.operands[1].get("/Type") == pikepdf.Name.Pagination
            ]
            assert artifacts, "the page number is not an artifact"
    tagged = "".join(node.text for node in each.elements() if node.tag == "Document")
    assert f"1{pages}" not in squeeze(tagged[-200:])
    assert pages > 1


# -- languages of parts ----------------------------------------------------------------------


def lang_tagged(nodes: list[Node], lang: str) -> list[str]:
    return [node.text for node in nodes if str(node.element.get("/Lang", "")) == lang]


def test_fallback_segments_and_only_they_are_tagged_english(partly: Rendered) -> None:
    edition = partly.edition
    assert {text.id for text in edition.fallbacks} == FALLBACK_IDS
    fallback_texts = [squeeze(plain_text(text.text)) for text in edition.fallbacks]
    tagged = [squeeze(text) for text in lang_tagged(partly.elements(), "en")]
    # The closing note names the English edition in English: its only other English passage.
    assert tagged[-1] == "English"
    assert "".join(tagged[:-1]) == "".join(fallback_texts)


def test_a_fallback_split_by_a_page_break_is_tagged_on_both_pages(partly: Rendered) -> None:
    nodes = partly.elements()
    paragraphs = [node for node in nodes if node.tag == "P"]
    split = [
        (first, second)
        for first, second in itertools.pairwise(paragraphs)
        if second.page > first.page and str(first.element.get("/Lang", "")) == "en"
    ]
    text = squeeze(segment_text(partly.edition, "turning-point-p2"))
    pieces = [node for node in paragraphs if node.text and text.startswith(squeeze(node.text))]
    assert all(str(node.element.Lang) == "en" for node in pieces)
    assert "".join(squeeze(node.text) for node in pieces) == text
    assert split or len(pieces) == 1  # the paragraph may or may not cross a page


def test_other_languages_named_in_the_note_carry_their_language(each: Rendered) -> None:
    nodes = each.elements()
    for lang in LANGUAGES:
        if lang != each.edition.lang:
            assert each.edition.article and lang_tagged(nodes, lang), f"no /Lang {lang}"


def test_every_fallback_segment_of_the_real_editions_is_tagged(each: Rendered) -> None:
    english = squeeze("".join(lang_tagged(each.elements(), each.edition.source_lang)))
    if each.edition.lang == each.edition.source_lang:
        assert not each.edition.fallbacks
    for text in each.edition.fallbacks:
        assert squeeze(plain_text(text.text)) in english, text.id


# -- text extraction -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pdftotext() -> Callable[[Path], str]:
    tool = shutil.which("pdftotext")
    if tool is None:
        unavailable("pdftotext is missing: apt-get install poppler-utils")

    def extract_body(path: Path) -> str:
        """The text of the page bodies (running header and footer cropped away), joined.

        ``-raw`` keeps the order of the content streams (a table row's cells one after the
        other) and keeps a hyphen that ends a line, which the default mode takes for
        hyphenation and drops ("US-Belarus" broken after its hyphen would come out "USBelarus").
        """
        top, bottom = BODY_POINTS
        result = subprocess.run(
            [
                tool,
                "-enc",
                "UTF-8",
                "-r",
                "72",
                "-x",
                "0",
                "-y",
                str(top),
                "-W",
                "595",
                "-H",
                str(bottom - top),
                str(path),
                "-",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    return extract_body


def words(text: str) -> str:
    """Whitespace normalised; a line break after a hyphen joins the two parts again."""
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


def test_extracted_text_gives_back_every_paragraph_whole(
    each: Rendered, pdftotext: Callable[[Path], str]
) -> None:
    text = pdftotext(each.path)
    assert "\ufffd" not in text
    flowing = words(text)
    for localized in each.edition.texts:
        assert words(plain_text(localized.text)) in flowing, localized.id


def test_no_line_starts_with_a_spaced_dash(
    each: Rendered, pdftotext: Callable[[Path], str]
) -> None:
    """The dash stays at the end of the line with the word before it (issue 14)."""
    lines = pdftotext(each.path).splitlines()
    assert [line for line in lines if re.match(r"\s*[–—](\s|$)", line)] == []


def test_footer_says_page_n_of_m_in_the_edition_language(partly: Rendered) -> None:
    with partly.open() as pdf:
        pages = len(pdf.pages)
    result = subprocess.run(
        [
            "pdftotext",
            "-enc",
            "UTF-8",
            "-f",
            str(pages),
            "-l",
            str(pages),
            "-y",
            "780",
            "-H",
            "62",
            "-W",
            "595",
            "-x",
            "0",
            str(partly.path),
            "-",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    expected = covered_pseudo("Page %(page)s of %(pages)s") % {"page": pages, "pages": pages}
    assert words(result.stdout) == expected


# -- bad input -------------------------------------------------------------------------------


def test_a_character_without_glyph_fails_naming_edition_and_characters(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    catalog_path = po(settings, "lt")
    catalog = read_catalog(catalog_path, locale="lt")
    for message in catalog:
        if message.context == "faq-q3":
            message.string = "Kas paleisti? \u27e6\U0001f54a\u27e7"
            message.flags.discard("fuzzy")
    write_catalog(catalog_path, catalog)
    site = make_site(settings, ("lt",))
    with pytest.raises(RenderError) as error:
        render_pdf(site, site.edition(SLUG, "lt"))
    text = str(error.value)
    assert f"lt/{SLUG}" in text
    assert "U+27E6" in text and "U+27E7" in text and "U+1F54A" in text
    assert "(in #faq-q3)" in text  # the segment a translator finds, not its sentence


def test_a_missing_font_file_says_how_to_repair_the_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = copy_project(tmp_path)
    site = make_site(settings, ("en",))
    gone = pdf_fonts.FontFace("Noto Serif", 400, "normal", tmp_path / "gone.ttf")
    monkeypatch.setattr("polyedition.render.pdf.document.PRINT_FONTS", (gone,))
    with pytest.raises(RenderError, match=r"en/belarus-prisoner-release.*gone\.ttf") as error:
        render_pdf(site, site.edition(SLUG, "en"))
    assert "pip install --force-reinstall polyedition" in str(error.value)


def test_rendering_writes_nothing_and_a_failure_leaves_the_earlier_pdf(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    site = make_site(settings, ("en",))
    edition = site.edition(SLUG, "en")
    earlier = settings.output_dir / pdf_path("en", SLUG)
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"%PDF- earlier")
    render_pdf(site, edition)
    override(settings, "assets/print.css").write_bytes(b"\xff not UTF-8")
    site = make_site(settings, ("en",))  # the theme reads its stylesheets once per site
    with pytest.raises(RenderError, match=r"cannot read assets/print\.css"):
        render_pdf(site, site.edition(SLUG, "en"))
    assert [path for path in settings.output_dir.rglob("*") if path.is_file()] == [earlier]
    assert earlier.read_bytes() == b"%PDF- earlier"


def test_the_note_points_to_the_audio_edition_and_every_other_language(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    plain = make_site(settings)
    audio = AudioInfo(
        600.0, 1000, mp3_path("ru", SLUG), vtt_path("ru", SLUG), chapters_path("ru", SLUG)
    )
    site = Site(settings, plain.editions, MappingProxyType({(SLUG, "ru"): audio}))
    html = print_html(site, site.edition(SLUG, "ru"))
    note = html[html.index('class="pdf-note"') :]
    assert f'href="{site.url(mp3_path("ru", SLUG))}"' in note
    assert f'href="{site.url(html_path("ru", SLUG))}"' in note
    for lang in LANGUAGES:
        if lang != "ru":
            assert f'<span lang="{lang}">{site.profile(lang).autonym}</span>' in note
            assert f'href="{site.url(html_path(lang, SLUG))}"' in note
    assert ".mp3" not in print_html(plain, plain.edition(SLUG, "ru"))
