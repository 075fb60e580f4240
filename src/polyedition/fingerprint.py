"""Job keys: stable hashes of exactly what an output depends on."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import polyedition
from polyedition.model import Edition

logger = logging.getLogger(__name__)


def json_digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``: sorted keys (dict order never matters),
    no spaces, anything JSON has no type for (a path, a date) as its ``str``. Job keys and the
    keys of the content-addressed store (``cache``) are both made with it.

    >>> json_digest({"b": 1, "a": [2]}) == json_digest({"a": [2], "b": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(*parts: Any) -> str:
    """:func:`json_digest` of ``parts``, a job key's ingredients."""
    return json_digest(parts)


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """Hash of the names (relative to ``root``) and bytes of files; missing files are skipped."""
    hasher = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            hasher.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def tree_digest(root: Path, pattern: str = "**/*") -> str:
    return files_digest(root.glob(pattern), root) if root.is_dir() else "absent"


@cache
def code_digest() -> str:
    """The polyedition code itself: a changed renderer must rebuild what it renders."""
    package = Path(polyedition.__file__).parent
    return digest(polyedition.__version__, files_digest(package.rglob("*.py"), package))


TEXT_LIBRARIES = ("babel", "jinja2", "markdown-it-py", "markupsafe")
"""What every output's text goes through: the article's Markdown, the templates, the catalogs."""
PDF_LIBRARIES = ("weasyprint", "pikepdf", "fonttools", "pydyf")
EPUB_LIBRARIES = ("fonttools",)
FEED_LIBRARIES = ("feedgen", "lxml")
COVER_LIBRARIES = ("pillow",)
AUDIO_LIBRARIES = (
    "espeakng-loader",
    "lameenc",
    "mutagen",
    "gTTS",
    "miniaudio",
    "piper-tts",
    "num2words",
    "numpy",
)


@cache
def library_versions(*names: str) -> tuple[tuple[str, str], ...]:
    """Installed versions of the libraries an output depends on (engines, encoders, PDF), each
    looked up once per process (a lookup searches the path and reads the library's metadata;
    the formats' lists share most names)."""
    return tuple((name, _library_version(name)) for name in names)


def installed_library_versions(*names: str) -> tuple[tuple[str, str], ...]:
    """``library_versions`` read afresh (what is installed now, not what this process saw)."""
    return tuple((name, _library_version.__wrapped__(name)) for name in names)


@cache
def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def forget_library_versions() -> None:
    """Look the versions up again from now on (the preview server's new workers' versions)."""
    library_versions.cache_clear()
    _library_version.cache_clear()


def edition_digest(edition: Edition) -> str:
    """Everything of an edition that a renderer can show: texts, their languages, metadata."""
    meta = edition.article.meta
    return digest(
        edition.lang,
        edition.source_lang,
        [meta.slug, meta.date, meta.author, meta.publisher, list(meta.tags)],
        [[t.id, str(t.role), t.text, t.lang, t.fallback] for t in edition.texts],
        [[t.text, t.lang] for t in edition.keywords],
    )
