"""``polyedition new``: a new publication project with an example article, ready to build."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from polyedition.catalogs import extract, init_catalogs
from polyedition.config import load_settings
from polyedition.errors import ConfigError
from polyedition.languages import PROFILES
from polyedition.theme import theme_dir

logger = logging.getLogger(__name__)

SKELETON = "skeleton"
EXAMPLE_SLUG = "harbour-library"
_FILES = {
    "pyproject.toml": "pyproject.toml.in",
    "README.md": "README.md.in",
    ".gitignore": "gitignore",
    f"content/{EXAMPLE_SLUG}/article.md": "article.md",
}
"""Project file → its source in the theme's skeleton folder."""


def create_project(folder: Path, languages: Sequence[str]) -> list[Path]:
    """Write a new project into ``folder`` (missing or empty) and start the catalogs of every
    language; returns the files written, relative to ``folder``. English is the source
    language and comes first."""
    for code in languages:
        if code not in PROFILES:
            raise ConfigError(
                f"unsupported language {code!r}", hint=f"supported: {', '.join(PROFILES)}"
            )
    chosen = list(dict.fromkeys(["en", *languages]))
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(
            "folder is not empty", path=folder, hint="choose a new or empty folder for the project"
        )
    values = {"languages": json.dumps(chosen), "title": folder.resolve().name}
    written = []
    for target, source in _FILES.items():
        text = (theme_dir() / SKELETON / source).read_text(encoding="utf-8")
        if target in {"pyproject.toml", "README.md"}:
            text = text.format(**values)
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    settings = load_settings(folder)
    written.extend(path for path, _ in extract(settings))
    for code in chosen:
        written.extend(init_catalogs(settings, code))
    root = folder.resolve()
    return [path.resolve().relative_to(root) for path in written]
