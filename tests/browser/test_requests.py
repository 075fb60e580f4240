"""Zero third-party requests: everything every page loads comes from 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


def test_no_request_leaves_the_site_in_light_or_dark(
    new_page: Callable[..., Any], server: str, page_path: str
) -> None:
    page = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server + page_path, wait_until="networkidle")
    page.mouse.wheel(0, 100_000)  # anything loaded lazily further down
    page.emulate_media(color_scheme="dark")  # anything only the dark scheme loads
    page.wait_for_load_state("networkidle")
    assert requests, "the page loaded nothing at all"
    outside = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert outside == []
    failed = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter(entry => entry.responseStatus >= 400).map(entry => entry.name)"
    )
    assert failed == []
