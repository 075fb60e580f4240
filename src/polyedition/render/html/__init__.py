"""HTML: article pages, edition front pages and the language chooser, with their assets."""

from __future__ import annotations

from polyedition.render.html.pages import (
    render_article,
    render_chooser,
    render_edition_index,
    render_localized,
    site_assets,
    write_html_site,
)

__all__ = [
    "render_article",
    "render_chooser",
    "render_edition_index",
    "render_localized",
    "site_assets",
    "write_html_site",
]
