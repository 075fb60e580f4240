"""PDF: a tagged PDF/UA-1 edition from the article's HTML and the print style sheet."""

from __future__ import annotations

from polyedition.render.pdf.document import page_count, render_pdf

__all__ = ["page_count", "render_pdf"]
