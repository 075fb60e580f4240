"""The built site works opened straight from disk (file://): styles load, links resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projectkit import SLUG


def test_the_site_reads_from_disk_with_its_styles_and_links(
    new_page: Callable[..., Any], built_site: Any
) -> None:
    page = new_page()
    page.goto((built_site.root / "index.html").as_uri())
    page.locator('.choice a[hreflang="be"]').click()
    page.locator("article.article-card h2 a, li.article-card h2 a").first.click()
    assert page.url == (built_site.root / "be" / SLUG / "index.html").as_uri()
    page.wait_for_load_state("load")  # the stylesheet, not just the URL, must have arrived
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(251, 250, 247)"
    page.locator('nav.languages a[hreflang="lt"]').click()
    assert page.url == (built_site.root / "lt" / SLUG / "index.html").as_uri()
