"""The Nu HTML Checker (vnu.jar) finds no error on any page."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest


@pytest.fixture(scope="session")
def vnu_messages(vnu: list[str], built_site: Any) -> dict[str, list[dict[str, Any]]]:
    """All of the checker's messages, by page (one Java start for the whole site)."""
    pages = sorted(built_site.root.rglob("*.html"))
    result = subprocess.run(
        [*vnu, "--format", "json", "--exit-zero-always", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    by_page: dict[str, list[dict[str, Any]]] = {
        path.relative_to(built_site.root).as_posix(): [] for path in pages
    }
    for message in json.loads(result.stderr)["messages"]:
        url = message.get("url", "")
        page = url.removeprefix(built_site.root.as_uri() + "/").removeprefix(
            "file:" + str(built_site.root) + "/"
        )
        by_page.setdefault(page, []).append(message)
    return by_page


def test_the_checker_read_every_page(vnu_messages: dict[str, Any]) -> None:
    assert len(vnu_messages) == 22  # the site (11 pages) and its copy with fallbacks


def test_the_nu_checker_finds_no_error(
    vnu_messages: dict[str, list[dict[str, Any]]], page_path: str
) -> None:
    errors = [
        f"{m.get('lastLine')}: {m['message']}"
        for m in vnu_messages[page_path]
        if m["type"] in {"error", "non-document-error"}
    ]
    assert errors == []
