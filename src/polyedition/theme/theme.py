"""The theme as renderers receive it: templates, assets, interface strings, fonts, loaded once.

A :class:`Theme` is made once per process for a publication (``Site.theme``) and passed to every
renderer inside the ``Site``: the Jinja environment (project templates over the theme's), the
static assets' published names (read and hashed once), each language's ``ui`` translations (read
on first use, then kept), its stylesheets' text (read once), the fonts the PDF and EPUB embed,
and the context every template gets.
Renderers ask it instead of reading catalogs, templates or assets from disk themselves.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from babel.support import Translations

from polyedition.catalogs import ui_translations
from polyedition.config import Settings
from polyedition.errors import RenderError
from polyedition.languages import profile
from polyedition.render.inline import plain_text
from polyedition.theme import template_file
from polyedition.theme.assets import asset_path, asset_paths
from polyedition.theme.fontfaces import PRINT_FONTS, FontFace
from polyedition.theme.templating import (
    environment,
    gettext_callables,
    render_template,
    template_module,
)

logger = logging.getLogger(__name__)


class Theme:
    """Templates, static assets, ``ui`` translations and fonts of one publication."""

    fonts: tuple[FontFace, ...] = PRINT_FONTS
    """Every face the print stylesheet may select (the EPUB embeds a subset of them)."""

    def __init__(self, settings: Settings, publisher: str) -> None:
        self.settings = settings
        self.publisher = publisher
        """The publication's name, as templates show it (``site_name``)."""
        self._ui: dict[str, Translations] = {}
        self._texts: dict[str, str] = {}

    @property
    def templates_dir(self) -> Path:
        return self.settings.templates_dir

    @property
    def environment(self) -> jinja2.Environment:
        return environment(self.templates_dir)

    def ui(self, lang: str) -> Translations:
        """The interface translations of ``lang`` (read once)."""
        if lang not in self._ui:
            self._ui[lang] = ui_translations(self.settings, lang)
        return self._ui[lang]

    @cached_property
    def assets(self) -> dict[str, PurePosixPath]:
        """Each asset's name (``site.css``) → its published path (``assets/site.3f2a9c1d.css``),
        the files read and hashed once."""
        return asset_paths(self.settings)

    def asset(self, name: str) -> PurePosixPath:
        """The published path of one asset; a RenderError says where a missing one belongs."""
        return asset_path(self.assets, name, self.settings)

    def template_file(self, name: str) -> Path:
        """The file a template or asset resolves to: the project's override, else the theme's."""
        return template_file(self.settings, name)

    def text(self, name: str) -> str:
        """The text of a theme file that is not a template (a stylesheet), read once; a
        RenderError names the file that cannot be read."""
        if name not in self._texts:
            path = self.template_file(name)
            try:
                self._texts[name] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RenderError(f"cannot read {name}: {exc}", path=path) from exc
        return self._texts[name]

    def context(self, lang: str) -> dict[str, Any]:
        """What every template gets: its language and direction, the publication's name, the
        ``plain`` filter and the ``ui`` gettext callables of ``lang``."""
        return {
            "lang": lang,
            "direction": profile(lang).direction,
            "site_name": self.publisher,
            "plain": plain_text,
            **gettext_callables(self.ui(lang), lang, self.settings.source_language),
        }

    def render(self, lang: str, template: str, **context: Any) -> str:
        """Render any template in ``lang`` (a narration script, an EPUB document, a PDF part).

        ``.txt`` and ``.vtt`` templates are not HTML-escaped.
        """
        return render_template(self.templates_dir, template, {**self.context(lang), **context})

    def module(self, lang: str, template: str) -> Any:
        """The top-level ``{% set %}`` values and macros of a template rendered in ``lang``."""
        return template_module(self.templates_dir, template, self.context(lang))
