"""Reflow at 320 CSS px (WCAG 1.4.10) and text spacing (1.4.12): no sideways scroll, no clipping."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from projectkit import SLUG

TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p, li, dd, caption, td, th { margin-bottom: 2em !important; }
"""
"""The WCAG 1.4.12 text-spacing bookmarklet's overrides."""

OVERFLOW = """() => {
  const wide = document.documentElement.scrollWidth > document.documentElement.clientWidth;
  const clipped = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.clipPath !== "none" || style.display === "none" || !el.textContent.trim()) continue;
    const hides = (v) => v === "hidden" || v === "clip";
    if ((hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
        (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      clipped.push(el.tagName + "#" + el.id + "." + el.className);
    }
  }
  const shown = (el) => {
    for (let node = el; node; node = node.parentElement) {
      if (getComputedStyle(node).clipPath !== "none") return false;  // visually hidden
    }
    return true;
  };
  const outside = [...document.body.querySelectorAll("*")]
    .filter(shown)
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width && (box.right > innerWidth + 1 || box.left < -1);
    })
    .map((el) => el.tagName + "#" + el.id + "." + el.className);
  return { wide, clipped, outside, width: document.documentElement.scrollWidth };
}"""


def test_at_320_px_nothing_scrolls_sideways(
    new_page: Callable[..., Any],
    server: str,
    save_screenshot: Callable[[Any, str], None],
    page_path: str,
) -> None:
    page = new_page(width=320, height=640)
    page.goto(server + page_path)
    result = page.evaluate(OVERFLOW)
    assert result == {"wide": False, "clipped": [], "outside": [], "width": 320}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        save_screenshot(page, f"{page_path.replace('/', '_').removesuffix('.html')}-{scheme}-320")


def test_with_wcag_text_spacing_at_320_px_nothing_scrolls_sideways_or_clips(
    new_page: Callable[..., Any], server: str, page_path: str
) -> None:
    page = new_page(width=320, height=640)
    page.goto(server + page_path)
    page.add_style_tag(content=TEXT_SPACING)
    result = page.evaluate(OVERFLOW)
    assert result == {"wide": False, "clipped": [], "outside": [], "width": 320}


def test_at_320_px_the_stacked_key_points_are_still_a_table_with_row_headers(
    new_page: Callable[..., Any], server: str, article_lang: str
) -> None:
    page = new_page(width=320, height=640)
    page.goto(f"{server}{article_lang}/{SLUG}/index.html")
    table = page.locator("table")
    assert table.evaluate("t => getComputedStyle(t.querySelector('tbody tr')).display") == "block"
    tree = table.aria_snapshot()
    caption = page.locator("caption").inner_text().replace("\N{NO-BREAK SPACE}", " ")
    assert f'table "{caption}"' in tree.splitlines()[0]
    roles = re.findall(r"- '?(columnheader|rowheader|cell)\b", tree)
    assert (roles.count("columnheader"), roles.count("rowheader"), roles.count("cell")) == (2, 6, 6)
