"""HTML: article pages, edition front pages and the language chooser, with their assets.

The entry points load on first use (PEP 562), so that the build's planner, which needs only
the list of assets (the theme's: ``theme.assets``), does not load the templates' machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polyedition.render.html.pages import (
        render_article,
        render_chooser,
        render_edition_index,
        site_assets,
        write_html_site,
    )

__all__ = [
    "render_article",
    "render_chooser",
    "render_edition_index",
    "site_assets",
    "write_html_site",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from polyedition.render.html import pages

        return getattr(pages, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
