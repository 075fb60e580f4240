"""The review page opened from disk: axe finds nothing, nothing is fetched from elsewhere, and a
desk filters the rows and plays one segment's audio with the keyboard alone (from disk, and
through ``polyedition serve``)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.test_axe import OPTIONS, describe
from fakes.desk import FUZZY, desk_project
from polyedition.review.collect import collect_review
from polyedition.review.page import review_html
from polyedition.serve import REVIEW_PREFIX, make_server

SEGMENT = "bialiatski"
"""A heading: one sentence, so its span is one cue."""


@pytest.fixture(scope="module")
def review_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = desk_project(tmp_path_factory.mktemp("desk") / "project")
    page = settings.cache_dir / "review" / "be.html"
    page.parent.mkdir(parents=True)
    page.write_text(review_html(collect_review(settings, "be"), page), encoding="utf-8")
    return page


def test_the_review_page_has_no_axe_violations_in_light_or_dark(
    new_page: Callable[..., Any], review_page: Path, axe_source: str
) -> None:
    page = new_page()
    page.goto(review_page.as_uri())
    page.evaluate(axe_source)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        results = page.evaluate("options => axe.run(document, options)", OPTIONS)
        assert results["passes"], "axe ran no check at all"
        assert results["violations"] == [], f"{scheme}:\n{describe(results['violations'])}"


def test_the_nu_checker_finds_no_error_in_the_review_page(
    vnu: list[str], review_page: Path
) -> None:
    result = subprocess.run(
        [*vnu, "--format", "json", "--exit-zero-always", str(review_page)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    errors = [
        f"{m.get('lastLine')}: {m['message']}"
        for m in json.loads(result.stderr)["messages"]
        if m["type"] in {"error", "non-document-error"}
    ]
    assert errors == []


def test_the_review_page_loads_nothing_but_files_beside_the_project(
    new_page: Callable[..., Any], review_page: Path
) -> None:
    page = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(review_page.as_uri())
    page.wait_for_load_state("load")
    project = review_page.parent.parent.parent.as_uri()
    assert requests and all(url.startswith(project) for url in requests), requests


def test_a_desk_filters_the_rows_with_the_keyboard(
    new_page: Callable[..., Any], review_page: Path
) -> None:
    page = new_page()
    page.goto(review_page.as_uri())
    fuzzy = page.locator('input[value="fuzzy"]')
    for _ in range(10):
        page.keyboard.press("Tab")
        if fuzzy.evaluate("box => box === document.activeElement"):
            break
    page.keyboard.press("Space")
    assert fuzzy.is_checked()
    visible = page.locator("tr[data-kinds]:visible")
    assert visible.count() == 1
    assert visible.first.get_attribute("id", timeout=1000) == f"belarus-prisoner-release--{FUZZY}"
    assert "Showing 1 of" in page.locator("#shown").inner_text()


@pytest.fixture(scope="module")
def served(review_page: Path) -> Iterator[str]:
    """The project's output/ and review pages as ``polyedition serve`` shows them."""
    project = review_page.parent.parent.parent
    server = make_server(project / "output", 0, review_dir=review_page.parent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{REVIEW_PREFIX}{review_page.name}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("where", ["disk", "serve"])
def test_a_play_button_plays_exactly_its_segment(
    new_page: Callable[..., Any], review_page: Path, served: str, where: str
) -> None:
    page = new_page()
    page.goto(review_page.as_uri() if where == "disk" else served)
    button = page.locator(f'tr[id$="--{SEGMENT}"] button.play')
    start, end = (
        float(button.get_attribute("data-start") or 0),
        float(button.get_attribute("data-end") or 0),
    )
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#player-status').textContent.length")
    assert button.get_attribute("aria-pressed") == "true"
    assert page.locator("#player-status").inner_text() == f"Playing {SEGMENT}"
    page.wait_for_function(
        "() => document.querySelector('#player-status').textContent.startsWith('Played')",
        timeout=(end - start) * 1000 + 5000,
    )
    audio = page.locator("audio.narration")
    position = audio.evaluate("audio => audio.currentTime")
    assert audio.evaluate("audio => audio.paused")
    assert end - 0.05 <= position <= end + 0.3, (start, end, position)
    assert button.get_attribute("aria-pressed") == "false"
