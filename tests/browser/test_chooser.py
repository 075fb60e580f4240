"""The chooser suggests the reader's language from the browser's settings, and never redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_the_chooser_suggests_the_browsers_language_and_stays_put(
    new_page: Callable[..., Any], server: str
) -> None:
    page = new_page(locale="pl-PL")
    page.goto(server + "index.html")
    page.wait_for_timeout(300)  # time for any (unwanted) redirect to happen
    assert page.url == server + "index.html"
    suggestion = page.locator("#suggestion")
    assert suggestion.is_visible()
    link = suggestion.locator("a")
    assert link.get_attribute("href") == "pl/index.html"
    assert link.get_attribute("lang") == link.get_attribute("hreflang") == "pl"
    assert link.inner_text() == "Polski"


def test_the_chooser_suggests_nothing_for_a_language_it_does_not_publish(
    new_page: Callable[..., Any], server: str
) -> None:
    page = new_page(locale="de-DE")
    page.goto(server + "index.html")
    assert page.locator("#suggestion").is_hidden()
    assert page.locator(".choice a").count() == 5


def test_without_javascript_every_language_is_still_offered(
    new_page: Callable[..., Any], server: str
) -> None:
    page = new_page(java_script_enabled=False, locale="ru-RU")
    page.goto(server + "index.html")
    assert page.locator("#suggestion").is_hidden()
    assert page.locator(".choice a").all_inner_texts() == [
        "English",
        "Беларуская",
        "Русский",
        "Polski",
        "Lietuvių",
    ]
