"""Test support: tmp copies of the real publication project and a pseudo-locale."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import pytest

from polyedition.config import Settings, load_settings
from polyedition.pofile import read_catalog, write_catalog
from polyedition.theme import theme_locales, theme_templates

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


def run_polyedition(
    project: Path, *args: str, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """``polyedition --project PROJECT ARGS…`` as a user runs it; its exit code, stdout, stderr."""
    return subprocess.run(
        [sys.executable, "-m", "polyedition", "--project", str(project), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def copy_project(destination: Path, *, warm_speech: bool = False) -> Settings:
    """A private copy of the publication project (content, locales, settings); like any
    project but polyedition's own source tree, it uses the installed theme.

    With ``warm_speech`` its speech cache starts with the real article's narrations (hard
    links into :func:`warm_speech_cache`), as a project that was built before: for tests of
    what a build makes, not of how long synthesis takes or what a cold build synthesizes.
    """
    for name in ("content", "locales"):
        shutil.copytree(REPO / name, destination / name, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(REPO / "pyproject.toml", destination / "pyproject.toml")
    settings = load_settings(destination)
    if warm_speech:
        shutil.copytree(warm_speech_cache(), settings.cache_dir / "speech", copy_function=os.link)
    return settings


def shorten_article(settings: Settings, sections: int) -> None:
    """Cut the project's copy of the real article after its lead and first ``sections``
    sections (``##``), for a test that needs a whole narration of several chapters but not
    the article's length. The catalogs stay as they are: the cut sections' messages are
    simply not used, and the kept ones are the real article's translations."""
    article = settings.content_dir / SLUG / "article.md"
    text = article.read_text(encoding="utf-8")
    starts = [match.start() for match in re.finditer(r"^## ", text, flags=re.MULTILINE)]
    assert len(starts) > sections, f"the article has {len(starts)} sections"
    article.write_text(text[: starts[sections]], encoding="utf-8")


def warm_speech_cache() -> Path:
    """The speech cache of the real article's five narrations, made once per version of the
    code (cache entries are named by everything that made them, so none is ever stale)."""
    from polyedition.build import BuildOptions, build
    from polyedition.cache import copy_ranges
    from polyedition.fingerprint import code_digest

    warm = REPO / ".cache" / "test-speech" / code_digest()[:16]
    if warm.is_dir():
        return warm
    with tempfile.TemporaryDirectory(prefix="warm-speech-") as temp:
        settings = copy_project(Path(temp))
        report = build(
            settings, BuildOptions(languages=settings.languages, formats=("mp3",), jobs=2)
        )
        assert not report.failures, report.failures
        # The build keeps each chapter as a range of its MP3; copies serve without output/.
        copy_ranges(settings.cache_dir / "speech", settings.output_dir)
        staging = warm.with_name(warm.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(settings.cache_dir / "speech", staging)
        staging.rename(warm)
    return warm


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


def override(settings: Settings, name: str) -> Path:
    """Copy a theme template or asset into the project's templates folder, where it overrides
    the theme's; returns the project's copy for the test to change."""
    target = settings.templates_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(theme_templates() / name, target)
    return target


def project_ui_po(settings: Settings, lang: str) -> Path:
    """The project's own ``ui.po`` for ``lang``, started with the theme's header and no
    messages when the project has none (its translations override the theme's)."""
    path = po(settings, lang, "ui")
    if not path.exists():
        theme = read_catalog(theme_locales() / lang / "LC_MESSAGES" / "ui.po", locale=lang)
        for message in list(theme):
            if message.id:
                theme.delete(message.id, context=message.context)
        theme.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_catalog(path, theme)
    return path


def copy_theme_ui(settings: Settings, lang: str) -> Path:
    """Give the project a full copy of the theme's ``ui.po`` for ``lang`` as its own."""
    path = po(settings, lang, "ui")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(theme_locales() / lang / "LC_MESSAGES" / "ui.po", path)
    return path


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


def add_to_translation(settings: Settings, lang: str, context: str, words: str) -> None:
    """Add ``words`` to one article message's translation (by its context) in a project copy."""
    catalog = read_catalog(po(settings, lang), locale=lang)
    message = next(m for m in catalog if m.context == context)
    edit_translation(settings, lang, context, f"{message.string}{words}")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie that its parent has not reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def lingering(variable: str, project: Path) -> list[str]:
    """Running processes whose environment holds ``variable`` (``NAME=value``: whatever a
    command run with it started, even a daemon in a session of its own), or whose command line
    or working folder names ``project``; each as ``pid: command line``."""
    found = []
    mark = os.fsencode(project)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        folder = stat.parent
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
            command = (folder / "cmdline").read_bytes()
            cwd = os.fsencode((folder / "cwd").readlink())
            environment = (folder / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if state == "Z":
            continue
        if os.fsencode(variable) in environment or mark in command or cwd.startswith(mark):
            shown = command.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{folder.name}: {shown}")
    return found
