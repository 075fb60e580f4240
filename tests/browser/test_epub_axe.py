"""axe-core finds no WCAG 2.2 AA or best-practice violation in any EPUB content document.

DAISY Ace (which runs axe inside EPUBs) is not used: it installs its own browser from the
network. Instead each EPUB is unpacked and every XHTML document in it (cover, nav, article)
is opened in Chromium as XHTML and checked by axe with the same rules as the web pages; the
package's accessibility metadata is checked in ``tests/test_epub.py``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from browser.test_axe import OPTIONS, describe
from polyedition.catalogs import load_catalog
from polyedition.localize import localize
from polyedition.render.epub import render_epub
from polyedition.site import Site
from projectkit import SLUG

LANGS = ("en", "be", "ru", "pl", "lt")
DOCUMENTS = ("cover.xhtml", "nav.xhtml", "article.xhtml")
BOOKS = (*LANGS, "be-partial")
"""Every edition, and the Belarusian one with untranslated passages (``partial_article``)."""


@pytest.fixture(scope="module")
def unpacked(
    real_site: Site,
    partial_article: tuple[str, tuple[str, ...]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """Each edition's EPUB (text only: the documents are the same with a narration) unpacked
    under ``<book>/``."""
    root = tmp_path_factory.mktemp("epubs")
    editions = {lang: real_site.edition(SLUG, lang) for lang in LANGS}
    catalog = load_catalog(real_site.settings, "be", SLUG)
    assert catalog is not None
    for context in partial_article[1]:
        message = next(m for m in catalog if m.context == context)
        catalog.delete(message.id, context=context)
    article = editions["be"].article
    editions["be-partial"] = localize(article, catalog, "be", real_site.settings.source_language)
    for name, edition in editions.items():
        data = render_epub(real_site, edition, None)
        zipfile.ZipFile(io.BytesIO(data)).extractall(root / name)
    return root


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("book", BOOKS)
def test_axe_finds_no_violations_in_the_epub_documents(
    new_page: Callable[..., Any], axe_source: str, unpacked: Path, book: str, document: str
) -> None:
    page = new_page()
    page.goto((unpacked / book / "EPUB" / document).as_uri())
    assert page.evaluate("document.contentType") == "application/xhtml+xml"
    page.evaluate(axe_source)
    results = page.evaluate("options => axe.run(document, options)", OPTIONS)
    assert results["passes"], "axe ran no check at all"
    assert results["violations"] == [], describe(results["violations"])
