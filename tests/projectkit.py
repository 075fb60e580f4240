"""Test support: tmp copies of the real publication project and a pseudo-locale."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

from polyedition.config import Settings, load_settings
from polyedition.pofile import read_catalog, write_catalog

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "content" / "belarus-prisoner-release" / "article.md"
SLUG = "belarus-prisoner-release"
SOURCE_TEXT = REPO.parent / "shared" / "source" / "belarus-prisoner-release.txt"

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, driven by Playwright (no browser download)."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_PROTECTED = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|\[[^\]]*\]\([^)]*\)|`[^`]*`|\*+")


def unavailable(message: str) -> NoReturn:
    """Skip a test whose tool is missing, saying how to install it; under CI=true, fail it:
    CI installs every tool, so a missing one there is a broken setup, not a skip."""
    if os.environ.get("CI", "").lower() in {"true", "1"}:
        pytest.fail(f"{message} (required when CI=true)", pytrace=False)
    pytest.skip(message)


def copy_project(destination: Path) -> Settings:
    """A private copy of the publication project (content, locales, templates, settings)."""
    for name in ("content", "locales", "templates"):
        shutil.copytree(REPO / name, destination / name, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(REPO / "pyproject.toml", destination / "pyproject.toml")
    return load_settings(destination)


def pseudo(text: str) -> str:
    """Pseudo-translate: wrap in brackets and swap letters, keeping placeholders and markup.

    >>> pseudo("Hi %(num)d [x](http://a)")
    '⟦Ĥî %(num)d [x](http://a)⟧'
    """
    table = str.maketrans("aeiouAEIOUcnsyHh", "âéîöûÂÉÎÖÛçñšýĤĥ")
    pieces, last = [], 0
    for match in _PROTECTED.finditer(text):
        pieces.append(text[last : match.start()].translate(table))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(text[last:].translate(table))
    return "⟦" + "".join(pieces) + "⟧"


def pseudo_translate_catalog(path: Path, lang: str) -> None:
    """Fill every message of a PO file with its pseudo-translation (all plural forms)."""
    catalog = read_catalog(path, locale=lang)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(pseudo(message.id[-1]) for _ in range(catalog.num_plurals))
        else:
            message.string = pseudo(message.id)
        message.flags.discard("fuzzy")
    write_catalog(path, catalog)


def po(settings: Settings, lang: str, domain: str = SLUG) -> Path:
    return settings.locales_dir / lang / "LC_MESSAGES" / f"{domain}.po"


def snapshot(output: Path) -> dict[str, tuple[int, bytes]]:
    """mtime and bytes of every built file."""
    return {
        str(path.relative_to(output)): (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


def edit_translation(settings: Settings, lang: str, context: str, text: str) -> None:
    """Set one article message's translation (by its context) in a project copy."""
    path = po(settings, lang)
    catalog = read_catalog(path, locale=lang)
    message = next(m for m in catalog if m.context == context)
    message.string = text
    message.flags.discard("fuzzy")
    write_catalog(path, catalog)
