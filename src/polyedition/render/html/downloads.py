"""What the page states about an edition's PDF: its pages and size, in the page's language."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from babel.numbers import format_decimal
from babel.units import format_unit

from polyedition.site import PdfInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PdfFacts:
    pages: int
    """For the plural form of "%(num)s pages"."""
    pages_text: str
    """The number of pages in the language's digits."""
    size: str
    """``412 kB``, ``412 КБ``, ``1,2 MB``."""


def file_size(size_bytes: int, lang: str) -> str:
    """A file's size for readers: kilobytes below one megabyte, else megabytes with a decimal.

    >>> file_size(412_345, "be"), file_size(1_234_567, "pl"), file_size(5_857_898, "en")
    ('412 КБ', '1,2 MB', '5.9 MB')
    """
    if size_bytes < 1_000_000:
        return format_unit(round(size_bytes / 1000), "digital-kilobyte", "short", locale=lang)
    megabytes = round(size_bytes / 1_000_000, 1)
    return format_unit(megabytes, "digital-megabyte", length="short", locale=lang)


def pdf_facts(pdf: PdfInfo, lang: str) -> PdfFacts:
    """The PDF's pages and size, formatted by Babel for ``lang``.

    >>> pdf_facts(PdfInfo(12, 420_000, "a.pdf"), "lt")
    PdfFacts(pages=12, pages_text='12', size='420 kB')
    """
    return PdfFacts(
        pdf.pages, format_decimal(pdf.pages, locale=lang), file_size(pdf.size_bytes, lang)
    )
