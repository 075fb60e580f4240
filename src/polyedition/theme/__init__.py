"""The default theme shipped in the package, and how a project's own files override it.

The theme is package data: Jinja templates and static assets under ``templates/``, the
interface catalogs (``ui.pot`` and each language's ``ui.po``) under ``locales/``, and the fonts
the PDF embeds under ``fonts/``. A project overrides any template or asset by a file of the same
name in its own templates folder (project first, like Sphinx and MkDocs themes), and any
interface translation by its own ``locales/<lang>/LC_MESSAGES/ui.po``.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources
from pathlib import Path

from polyedition.config import Settings
from polyedition.errors import ConfigError

logger = logging.getLogger(__name__)

UI_DOMAIN = "ui"
"""The gettext domain of the interface strings (``ui.pot``, each language's ``ui.po``)."""
TEMPLATES = "templates"
LOCALES = "locales"
FONTS = "fonts"


@cache
def theme_dir() -> Path:
    """The installed theme's folder (the package must be installed as files, not zipped)."""
    root = resources.files(__name__)
    if not isinstance(root, Path):
        raise ConfigError(
            f"the polyedition theme is not a folder on disk ({root})",
            hint="install polyedition from a wheel or source, not as a zip archive",
        )
    return root


def theme_templates() -> Path:
    return theme_dir() / TEMPLATES


def theme_locales() -> Path:
    return theme_dir() / LOCALES


def fonts_dir() -> Path:
    return theme_dir() / FONTS


def is_theme_source(settings: Settings) -> bool:
    """Whether the project is polyedition's own source tree, whose theme is the one in use.

    There the ``ui`` catalogs a translator edits are the theme's own; in any other project
    they hold only that project's additions and overrides.
    """
    source = settings.project_dir / "src" / "polyedition" / "theme"
    return source.is_dir() and source.resolve() == theme_dir().resolve()


def source_folders(settings: Settings) -> tuple[Path, ...]:
    """The folders of the sources a build reads besides ``pyproject.toml``: the content,
    locales and templates folders, and the theme where the project is polyedition's own source
    tree (``is_theme_source``)."""
    folders = (settings.content_dir, settings.locales_dir, settings.templates_dir)
    return (*folders, theme_dir()) if is_theme_source(settings) else folders


def template_dirs(settings: Settings) -> tuple[Path, ...]:
    """Where templates and assets are looked up, the project's own folder first."""
    return tuple(dict.fromkeys((settings.templates_dir, theme_templates())))


def template_file(settings: Settings, name: str) -> Path:
    """The file a template or asset name resolves to (the project's override, else the theme's).

    A name found nowhere resolves to where the project would put it, for error messages.
    """
    for folder in template_dirs(settings):
        path = folder / name
        if path.is_file():
            return path
    return settings.templates_dir / name
