"""Following the language switcher from an article lands on the same article in that language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projectkit import SLUG


def test_the_switcher_leads_to_the_same_article_in_each_language(
    new_page: Callable[..., Any], server: str, article_lang: str
) -> None:
    page = new_page()
    start = f"{server}{article_lang}/{SLUG}/index.html"
    for target in ("en", "be", "ru", "pl", "lt"):
        page.goto(start)
        link = page.locator(f'nav.languages a[hreflang="{target}"]')
        assert link.get_attribute("lang") == target
        link.click()
        page.wait_for_load_state()
        assert page.url == f"{server}{target}/{SLUG}/index.html"
        assert page.evaluate("document.documentElement.lang") == target
        canonical = page.locator('link[rel="canonical"]').get_attribute("href")
        assert canonical.endswith(f"/{target}/{SLUG}/")
        assert page.locator("h1#title").count() == 1
        current = page.locator('nav.languages a[aria-current="page"]')
        assert current.get_attribute("hreflang") == target
