"""PDF editions: the article page printed by WeasyPrint as tagged PDF/UA-1, then fixed up.

The PDF is made from the same HTML as the web page (``render_article``) plus a running footer
and a note about the other editions (``templates/pdf/``), styled by ``templates/assets/print.css``
alone. Before rendering, every character that will be drawn is checked against the embedded
fonts; after rendering, :mod:`polyedition.render.pdf.ua` adds what WeasyPrint leaves out.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup

from polyedition import __version__
from polyedition.errors import RenderError
from polyedition.model import Edition
from polyedition.render.html import render_article
from polyedition.render.pdf.loader import load_weasyprint
from polyedition.render.pdf.printhtml import PrintedText, insert_print_parts, printed_text
from polyedition.render.pdf.ua import DocumentInfo, finish
from polyedition.site import Site, article_dir, html_path
from polyedition.theme.fontfaces import (
    PRINT_FONTS,
    SUBSET_SCRIPT,
    describe_characters,
    font_face_css,
    missing_font_files,
    uncovered,
)

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
PRINT_STYLESHEET = Path("assets") / "print.css"
"""The print stylesheet, under the templates folder."""
FOOTER_TEMPLATE = "pdf/footer.html"
LANGUAGE_TEMPLATE = "pdf/language.html"
NOTE_TEMPLATE = "pdf/note.html"
PAGE_DIGITS = "polyedition-digits"
"""The ``@counter-style`` print.css numbers pages with; its digits come from Babel."""


def render_pdf(site: Site, edition: Edition) -> bytes:
    """The PDF edition of ``edition``: same inputs, same bytes. Writes nothing.

    Raises RenderError naming the edition when a font is missing, when the fonts lack a glyph
    for some character of the edition (listing the characters), or when WeasyPrint fails.
    """
    started = time.perf_counter()
    label = f"{edition.lang}/{edition.slug}"
    _require_fonts(edition, label)
    html = print_html(site, edition)
    printed = printed_text(html, edition.lang)
    _require_glyphs(edition, label, printed)
    data = _weasyprint(site, edition, html, label)
    try:
        data, report = finish(data, DocumentInfo(lang=edition.lang), printed.passages)
    except Exception as exc:  # pikepdf raises its own and plain errors alike
        raise RenderError(
            f"{label}: post-processing the PDF failed: {exc}", lang=edition.lang
        ) from exc
    for passage in report.untagged:
        logger.warning(
            "%s: PDF: no structure element holds the %s passage #%s; it keeps the document "
            "language",
            label,
            passage.lang,
            passage.place,
        )
    logger.debug(
        "%s: PDF %d bytes in %.2f s (%d /Lang, %d /Scope, %d artifacts)",
        label,
        len(data),
        time.perf_counter() - started,
        report.lang_elements,
        report.scoped_headers,
        report.artifacts,
    )
    return data


def page_count(pdf: bytes) -> int:
    """The number of pages of a PDF, for the page that offers it for download."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def print_html(site: Site, edition: Edition) -> str:
    """The article page with the PDF-only parts: running footer, language line, closing note."""
    lang, slug = edition.lang, edition.slug
    theme = site.theme
    audio = site.audio.get((slug, lang))
    others = [
        {
            "lang": other.lang,
            "autonym": site.profile(other.lang).autonym,
            "url": site.url(html_path(other.lang, slug)),
        }
        for other in site.translations_of(slug)
        if other.lang != lang
    ]
    footer = theme.render(
        lang,
        FOOTER_TEMPLATE,
        page_number=Markup('<span class="pdf-page-number"></span>'),
        page_count=Markup('<span class="pdf-page-count"></span>'),
    )
    # The language's name is in the language even when the words around it fall back.
    autonym = Markup('<span lang="{}">{}</span>').format(lang, site.profile(lang).autonym)
    language = theme.render(lang, LANGUAGE_TEMPLATE, autonym=autonym)
    note = theme.render(
        lang,
        NOTE_TEMPLATE,
        link=_link,
        page_url=site.url(html_path(lang, slug)),
        audio_url=site.url(audio.mp3) if audio is not None else None,
        others=others,
    )
    try:
        return insert_print_parts(
            render_article(site, edition), body_start=footer, title_end=language, main_end=note
        )
    except ValueError as exc:
        raise RenderError(
            f"{lang}/{slug}: cannot print the article page: {exc}",
            path=theme.template_file("article.html"),
            lang=lang,
        ) from exc


def _link(url: str) -> Markup:
    """A link that shows its address (the PDF may be printed)."""
    return Markup('<a href="{0}">{0}</a>').format(url)


def _require_fonts(edition: Edition, label: str) -> None:
    missing = missing_font_files(PRINT_FONTS)
    if missing:
        raise RenderError(
            f"{label}: PDF font file(s) missing: {', '.join(str(f.path) for f in missing)}",
            lang=edition.lang,
            hint="polyedition is installed incompletely: reinstall it "
            f"(pip install --force-reinstall polyedition), or run {SUBSET_SCRIPT} in its source",
        )


def _require_glyphs(edition: Edition, label: str, printed: PrintedText) -> None:
    missing = uncovered(printed.runs, PRINT_FONTS)
    if missing:
        families = ", ".join(sorted({face.family for face in PRINT_FONTS}))
        raise RenderError(
            f"{label}: the PDF fonts ({families}) have no glyph for {len(missing)} "
            f"character(s): {describe_characters(missing)}",
            lang=edition.lang,
            hint="replace the characters in the translation (check the segments named), or "
            f"add them to the packaged fonts ({SUBSET_SCRIPT})",
        )


def page_counter_style(lang: str) -> str:
    """``@counter-style`` with the language's digits as Babel formats them.

    >>> page_counter_style("be")  # doctest: +ELLIPSIS
    '@counter-style polyedition-digits { system: numeric; symbols: "0" "1" ... "9"; }'
    """
    digits = " ".join(f'"{format_decimal(digit, locale=lang)}"' for digit in range(10))
    return f"@counter-style {PAGE_DIGITS} {{ system: numeric; symbols: {digits}; }}"


def _stylesheets(site: Site, lang: str, font_config: Any, counter_style: Any) -> list[Any]:
    from weasyprint import CSS  # type: ignore[import-untyped]

    path = site.theme.template_file(str(PRINT_STYLESHEET))
    print_css = site.theme.text(str(PRINT_STYLESHEET))
    generated = "\n".join((font_face_css(PRINT_FONTS), page_counter_style(lang)))
    return [
        CSS(string=generated, font_config=font_config, counter_style=counter_style),
        CSS(
            string=print_css,
            base_url=path.as_uri(),
            font_config=font_config,
            counter_style=counter_style,
        ),
    ]


def _weasyprint(site: Site, edition: Edition, html: str, label: str) -> bytes:
    """Lay out and write the tagged PDF, with metadata from the article (not the clock)."""
    from polyedition.render.inline import plain_text

    meta = edition.article.meta
    page_folder = site.settings.output_dir / article_dir(edition.lang, edition.slug)
    try:
        with _weasyprint_log(label):
            load_weasyprint()
            from weasyprint import HTML
            from weasyprint.css.counters import (  # type: ignore[import-untyped]
                CounterStyle,
            )
            from weasyprint.text.fonts import (  # type: ignore[import-untyped]
                FontConfiguration,
            )

            font_config = FontConfiguration()
            counter_style = CounterStyle()
            stylesheets = _stylesheets(site, edition.lang, font_config, counter_style)
            document = HTML(
                string=html, base_url=page_folder.as_uri() + "/", url_fetcher=_fetcher()
            ).render(stylesheets=stylesheets, font_config=font_config, counter_style=counter_style)
            metadata = document.metadata
            metadata.title = plain_text(edition.title.text)
            metadata.description = plain_text(edition.description.text)
            metadata.authors = [meta.author]
            metadata.keywords = [keyword.text for keyword in edition.keywords]
            metadata.generator = f"polyedition {__version__}"
            metadata.created = metadata.modified = meta.date.isoformat()
            metadata.lang = edition.lang
            data: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    except RenderError:
        raise
    except Exception as exc:  # WeasyPrint has no error hierarchy of its own
        raise RenderError(
            f"{label}: WeasyPrint could not render the PDF: {type(exc).__name__}: {exc}",
            lang=edition.lang,
        ) from exc
    return data


def _fetcher() -> Any:
    """A URL fetcher that loads only the PDF's font files and ``data:`` URLs.

    The page's screen stylesheet is answered with an empty one (print.css styles the PDF);
    anything else is refused, so a PDF never depends on, or leaks requests to, other hosts.
    """
    from weasyprint.urls import (  # type: ignore[import-untyped]
        URLFetcher,
        URLFetcherResponse,
    )

    fonts = {face.path.as_uri() for face in PRINT_FONTS}

    class PrintFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url in fonts or url.startswith("data:"):
                return super().fetch(url, headers)
            if url.split("?", maxsplit=1)[0].endswith(".css"):
                return URLFetcherResponse(url, body="", headers={"Content-Type": "text/css"})
            raise ValueError(f"the PDF loads no external resources (refused {url})")

    return PrintFetcher()


@contextmanager
def _weasyprint_log(label: str) -> Iterator[None]:
    """Pass WeasyPrint's warnings on under this module's logger, naming the edition."""

    class Relay(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logger.log(record.levelno, "%s: WeasyPrint: %s", label, record.getMessage())

    weasyprint_logger = logging.getLogger("weasyprint")
    relay = Relay(level=logging.WARNING)
    propagate = weasyprint_logger.propagate
    weasyprint_logger.addHandler(relay)
    weasyprint_logger.propagate = False
    try:
        yield
    finally:
        weasyprint_logger.removeHandler(relay)
        weasyprint_logger.propagate = propagate
