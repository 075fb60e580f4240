"""PDF: a tagged PDF/UA-1 edition from the article's HTML and the print style sheet.

The entry points load on first use (PEP 562), so that a process that imports the package
without rendering does not load the PDF libraries (the fonts are the theme's: ``theme.fontfaces``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polyedition.render.pdf.document import page_count, render_pdf

__all__ = ["page_count", "render_pdf"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from polyedition.render.pdf import document

        return getattr(document, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
