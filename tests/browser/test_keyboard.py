"""Keyboard use: the skip link comes first and moves focus to main; the switcher is reachable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projectkit import SLUG

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, href: el.getAttribute("href"),
    lang: el.getAttribute("lang"), inNav: !!el.closest("nav.languages"),
    outline: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
    visible: box.width > 1 && box.height > 1 && box.bottom > 0 && box.top < innerHeight,
  };
}"""


def test_the_first_tab_reaches_the_skip_link_and_enter_moves_focus_to_main(
    new_page: Callable[..., Any], server: str, page_path: str
) -> None:
    page = new_page()
    page.goto(server + page_path)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["cls"] == "skip-link screen-only"
    assert first["href"] == "#main"
    assert first["visible"], "the skip link must show when it has focus"
    assert first["outline"] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["id"] == "main"
    assert page.url.endswith("#main")


def test_every_language_in_the_switcher_is_reachable_by_tab_with_visible_focus(
    new_page: Callable[..., Any], server: str, article_lang: str
) -> None:
    page = new_page()
    page.goto(f"{server}{article_lang}/{SLUG}/index.html")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["inNav"]:
            assert focused["visible"] and focused["outline"] >= 2, focused
            reached.append(focused["lang"])
    assert reached == ["en", "be", "ru", "pl", "lt"]
