"""EPUB 3: an edition as an ebook with Media Overlays (text and narration in sync)."""

from __future__ import annotations

from polyedition.render.epub.book import NarrationFiles, render_epub

__all__ = ["NarrationFiles", "render_epub"]
