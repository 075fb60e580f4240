"""The theme's static files: its and the project's ``assets/``, self-hosted under hashed names."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path, PurePosixPath

from polyedition.config import Settings
from polyedition.errors import RenderError
from polyedition.fsutil import files_below, is_inside
from polyedition.theme import template_dirs

logger = logging.getLogger(__name__)

ASSETS = PurePosixPath("assets")
"""Where assets live under ``output/`` (and under the templates folder)."""
HASH_LENGTH = 8
_HASHED = re.compile(rf"^(?P<stem>[^.]+)\.[0-9a-f]{{{HASH_LENGTH}}}(?P<suffix>(?:\.[^.]+)+)$")


def hashed_name(name: str, data: bytes) -> PurePosixPath:
    """The published path of an asset: its content hash goes into the file name.

    A changed file gets a new URL, so browsers may cache every asset forever.

    >>> hashed_name("site.css", b"body{}")
    PurePosixPath('assets/site.7c98040a.css')
    >>> hashed_name("icons/play.svg", b"<svg/>")
    PurePosixPath('assets/icons/play.d4dc5666.svg')
    """
    source = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    stem = source.name.split(".", 1)[0]
    return ASSETS / source.parent / f"{stem}.{digest}{source.name[len(stem) :]}"


def _sources(settings: Settings) -> list[tuple[str, bytes]]:
    """Every asset by name; a project's file overrides the theme's of the same name."""
    found: dict[str, Path] = {}
    for templates in reversed(template_dirs(settings)):
        folder = templates / ASSETS
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            relative = path.relative_to(folder)
            # Hidden files (an editor's backup, .DS_Store) are not published. Only the parts
            # below the assets folder count: polyedition itself may be installed under a
            # hidden folder (.venv, ~/.local), and so may a project.
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if not is_inside(path, templates):
                raise RenderError(
                    f"asset {relative.as_posix()!r} is a link to {path.resolve()}, outside "
                    "the templates folder; refusing to publish it",
                    path=path,
                    hint="copy the file into the templates folder instead of linking to it",
                )
            found[relative.as_posix()] = path
    return [(name, found[name].read_bytes()) for name in sorted(found)]


def asset_paths(settings: Settings) -> dict[str, PurePosixPath]:
    """Source name (``site.css``) → published path (``assets/site.3f2a9c1d.css``)."""
    return {name: hashed_name(name, data) for name, data in _sources(settings)}


def site_assets(settings: Settings) -> dict[PurePosixPath, bytes]:
    """Every asset's published path under ``output/`` → its bytes."""
    return {hashed_name(name, data): data for name, data in _sources(settings)}


def asset_path(paths: dict[str, PurePosixPath], name: str, settings: Settings) -> PurePosixPath:
    """The published path of one asset, or a RenderError saying where the file should be."""
    try:
        return paths[name]
    except KeyError:
        raise RenderError(
            f"asset {name!r} does not exist",
            path=settings.templates_dir / ASSETS / name,
            hint=f"add the file under {settings.templates_dir / ASSETS} or fix the template",
        ) from None


def stale_assets(output_dir: Path, current: set[PurePosixPath]) -> list[Path]:
    """Hashed copies of current assets left over from earlier builds (safe to delete)."""
    wanted = {
        (path.parent, match["stem"], match["suffix"])
        for path in current
        if (match := _HASHED.match(path.name))
    }
    folder = output_dir / ASSETS
    if not folder.is_dir() or folder.is_symlink():
        return []
    stale = []
    for path in files_below(folder):
        relative = PurePosixPath(path.relative_to(output_dir).as_posix())
        match = _HASHED.match(path.name)
        if (
            path.is_file()
            and match
            and relative not in current
            and (relative.parent, match["stem"], match["suffix"]) in wanted
        ):
            stale.append(path)
    return stale
