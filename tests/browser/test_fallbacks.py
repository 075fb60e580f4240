"""Untranslated passages: read as English (lang="en"), quietly flagged, announced at the top."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SEGMENTS = """() => [...document.querySelectorAll("main [id]")].map((el) => {
  const style = getComputedStyle(el);
  return {
    id: el.id,
    lang: el.closest("[lang]").getAttribute("lang"),
    line: style.borderLeftStyle === "dashed" && parseFloat(style.borderLeftWidth) >= 2,
    seen: el.getBoundingClientRect().width > 0,
  };
})"""


def test_untranslated_passages_are_english_and_flagged_at_any_width(
    new_page: Callable[..., Any], server: str, partial_article: tuple[str, tuple[str, ...]]
) -> None:
    path, untranslated = partial_article
    for width in (1280, 320):
        page = new_page(width=width)
        page.goto(server + path)
        segments = {item["id"]: item for item in page.evaluate(SEGMENTS) if item["seen"]}
        for segment_id in untranslated:
            assert segments[segment_id]["lang"] == "en", (width, segment_id)
            assert segments[segment_id]["line"], (width, segment_id)
        flagged = {segment_id for segment_id, item in segments.items() if item["line"]}
        assert flagged == set(untranslated), width
        notice = page.locator(".completeness")
        assert notice.is_visible()
        assert str(len(untranslated)) in notice.inner_text()
