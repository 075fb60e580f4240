"""Browser tests' fixtures: the real site built into a tmp folder, served on 127.0.0.1, Chromium.

A missing tool (Playwright, Chromium, Java, the Nu HTML Checker) skips the tests that need it
with a message saying how to install it; under ``CI=true`` it fails them instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

import projectkit
from polyedition.catalogs import load_catalog
from polyedition.localize import localize
from polyedition.render.html.pages import write_html_site
from polyedition.site import (
    AudioInfo,
    PdfInfo,
    Site,
    chapters_path,
    feed_path,
    mp3_path,
    pdf_path,
    vtt_path,
)
from projectkit import CHROMIUM, CHROMIUM_ARGS, REPO, SLUG

VNU_JAR = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGS = ("en", "be", "ru", "pl", "lt")
ARTICLES = tuple(f"{lang}/{SLUG}/index.html" for lang in LANGS)
FRONT_PAGES = tuple(f"{lang}/index.html" for lang in LANGS)
PARTIAL = f"partial/be/{SLUG}/index.html"
"""An article with untranslated segments (see ``built_site``)."""
UNTRANSLATED = ("title", "turning-point", "turning-point-p2", "faq-q3", "key-points-caption")
UNTRANSLATED += ("key-points-r2-c2", "key-points-r3-c1")
PAGES = ("index.html", *FRONT_PAGES, *ARTICLES, PARTIAL)
"""Every page of the site (the chooser, each edition's front page, each article), and the
article with fallbacks."""
SCREENSHOTS = os.environ.get("POLYEDITION_SCREENSHOTS")
"""A folder to save screenshots into while the browser tests run (for people to look at)."""

_SILENT_FRAME = bytes.fromhex("fffb9000") + bytes(413)
"""One MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz) of silence: zero side info, zero data."""


def install_hint(what: str, how: str) -> str:
    return f"{what} is not available; install it with: {how}"


@pytest.fixture(scope="session")
def unavailable() -> Callable[[str], NoReturn]:
    """Skip (or, under CI=true, fail) a test whose tool is missing, saying how to install it."""

    return projectkit.unavailable


@pytest.fixture(scope="module")
def browser(unavailable: Callable[[str], NoReturn]) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download).

    Module-scoped: Playwright's sync API allows one instance at a time, and other test modules
    (tests/test_player.py) start their own.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(install_hint("Playwright", "pip install playwright axe-playwright-python"))
    if not CHROMIUM.exists():
        unavailable(install_hint(f"Chromium ({CHROMIUM})", "sudo scripts/install-test-deps"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source(unavailable: Callable[[str], NoReturn]) -> str:
    """axe-core's script, as shipped in axe-playwright-python (injected into each page once)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable(install_hint("axe-playwright-python", "pip install axe-playwright-python"))
    script: str = Axe().axe_script
    return script


@pytest.fixture(scope="session")
def vnu(unavailable: Callable[[str], NoReturn]) -> list[str]:
    """The command that runs the Nu HTML Checker."""
    java = shutil.which("java")
    if java is None:
        unavailable(install_hint("Java (17 or later)", "sudo apt-get install default-jre-headless"))
    if not VNU_JAR.exists():
        unavailable(
            install_hint(f"The Nu HTML Checker ({VNU_JAR})", "npm install --prefix .tools vnu-jar")
        )
    return [java, "-jar", str(VNU_JAR)]


@dataclass(frozen=True)
class BuiltSite:
    root: Path
    site: Site


def write_narrated_site(site: Site, root: Path) -> Site:
    """Write ``site`` with ``write_html_site``, every edition narrated by a second of silence.

    The silent MP3 and empty caption tracks stand in for the real narration, so that every
    article carries its "Listen to this article" player.
    """
    mp3 = _SILENT_FRAME * 38
    audio = {}
    for slug, lang in site.editions:
        info = AudioInfo(
            duration_seconds=1.0,
            size_bytes=len(mp3),
            mp3=mp3_path(lang, slug),
            captions=vtt_path(lang, slug),
            chapters=chapters_path(lang, slug),
        )
        audio[(slug, lang)] = info
        for path, data in (
            (info.mp3, mp3),
            (info.captions, b"WEBVTT\n"),
            (info.chapters, b"WEBVTT\n"),
        ):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
    # Stand-ins for the PDFs and the feeds, so that the pages carry their "Download PDF",
    # "Subscribe" and format links (axe and the Nu checker see every link the build writes).
    pdfs = {}
    for slug, lang in site.editions:
        pdfs[(slug, lang)] = PdfInfo(pages=7, size_bytes=51_234, path=pdf_path(lang, slug))
        (root / pdf_path(lang, slug)).write_bytes(b"%PDF-1.7\n")
    for lang in site.languages:
        (root / feed_path(lang)).write_bytes(b"<?xml version='1.0'?><rss version='2.0'/>")
    narrated = Site(
        site.settings, site.editions, audio=audio, pdfs=pdfs, feeds=frozenset(site.languages)
    )
    write_html_site(narrated, root)
    return narrated


@pytest.fixture(scope="session")
def built_site(real_site: Site, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The real article and catalogs, written by ``write_html_site``; and under ``partial/``
    the same site with a Belarusian edition missing some translations (whatever state the
    real catalogs are in, the pages with fallbacks are checked too)."""
    root = tmp_path_factory.mktemp("site")
    site = write_narrated_site(real_site, root)
    settings = real_site.settings
    catalog = load_catalog(settings, "be", SLUG)
    assert catalog is not None
    for context in UNTRANSLATED:
        message = next(m for m in catalog if m.context == context)
        catalog.delete(message.id, context=context)
    article = real_site.edition(SLUG, "be").article
    editions = dict(real_site.editions)
    editions[(SLUG, "be")] = localize(article, catalog, "be", settings.source_language)
    write_narrated_site(Site(settings, editions), root / "partial")
    return BuiltSite(root, site)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    timeout = 5  # Chromium opens spare connections; an idle one must not hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def server(built_site: BuiltSite) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Browser contexts by their options, created once per module (a context costs ~0.3 s)."""
    contexts: dict[tuple[Any, ...], Any] = {}

    def context_for(*, width: int = 1280, height: int = 900, **options: Any) -> Any:
        key = (width, height, *sorted(options.items()))
        if key not in contexts:
            contexts[key] = browser.new_context(
                viewport={"width": width, "height": height}, **options
            )
            contexts[key].set_default_timeout(10_000)
        return contexts[key]

    yield context_for
    for context in contexts.values():
        context.close()


@pytest.fixture
def new_page(browser_context: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Open a page (``color_scheme``, ``width``, ``locale`` …); it is closed after the test."""
    pages: list[Any] = []

    def open_page(**options: Any) -> Any:
        page = browser_context(**options).new_page()
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot when POLYEDITION_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def save_screenshot() -> Callable[[Any, str], None]:
    return screenshot


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize browser tests over the site: every page, or every article language."""
    for name, values in (
        ("page_path", PAGES),
        ("article_lang", LANGS),
    ):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, values)


@pytest.fixture(scope="session")
def partial_article() -> tuple[str, tuple[str, ...]]:
    """The path of the article with fallbacks, and the ids of its untranslated segments."""
    return PARTIAL, UNTRANSLATED
