"""The Jinja2 environment for the templates: autoescape, StrictUndefined, escaped `ui` gettext."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.support import Translations
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from polyedition.errors import RenderError
from polyedition.fsutil import is_inside
from polyedition.model import FaqItem, LocalizedText, Paragraph, Table
from polyedition.narration.sentences import sentence_html
from polyedition.render.inline import inline_html, typeset
from polyedition.theme import theme_templates

logger = logging.getLogger(__name__)

_VERBATIM_EXTENSIONS = ("txt", "vtt")
"""Plain-text templates (narration scripts, captions) are rendered without HTML escaping."""


class UiText(Markup):
    """Escaped interface text that remembers the language it is in.

    Untranslated messages are shown in the source language; the ``with_lang`` filter marks them
    with a ``lang`` attribute where the text is element content (WCAG 3.1.2).
    """

    lang: str


def gettext_callables(
    translations: Translations, lang: str, source_lang: str
) -> dict[str, Callable[..., str]]:
    """``_``, ``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` for one page language.

    They follow Jinja's "newstyle" gettext (``%(name)s`` placeholders filled from keyword
    arguments, ``num`` set by ``ngettext``) with one difference: under autoescape the
    *translation* is escaped too, so a translator's ``<script>`` stays text (Jinja's own
    newstyle callables would pass translations through as markup), and typeset like segments.
    """

    def finish(
        eval_ctx: EvalContext, text: str, translated: bool, variables: dict[str, Any]
    ) -> str:
        if not eval_ctx.autoescape:
            return text % variables
        result = UiText(escape(typeset(text)) % variables)
        result.lang = lang if translated or lang == source_lang else source_lang
        return result

    # gettext returns its argument object itself when the catalog has no usable translation.
    @jinja2.pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        text = translations.gettext(message)
        return finish(eval_ctx, text, text is not message, variables)

    @jinja2.pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = translations.ngettext(singular, plural, num)
        return finish(eval_ctx, text, text is not singular and text is not plural, variables)

    @jinja2.pass_eval_context
    def pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables: Any) -> str:
        text = translations.pgettext(context, message)
        return finish(eval_ctx, str(text), text is not message, variables)

    @jinja2.pass_eval_context
    def npgettext(
        eval_ctx: EvalContext,
        context: str,
        singular: str,
        plural: str,
        num: int,
        /,
        **variables: Any,
    ) -> str:
        variables.setdefault("num", num)
        text = translations.npgettext(context, singular, plural, num)
        translated = text is not singular and text is not plural
        return finish(eval_ctx, str(text), translated, variables)

    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }


@jinja2.pass_context
def with_lang(context: jinja2.runtime.Context, value: Any) -> Any:
    """Wrap interface text, or a ``LocalizedText``'s text (an author kept in English), in
    ``<span lang>`` when it is not in the page's language."""
    text_lang = getattr(value, "lang", None)
    text = value.text if isinstance(value, LocalizedText) else value
    if text_lang is None or text_lang == context.get("lang"):
        return text
    return Markup('<span lang="{}">{}</span>').format(text_lang, text)


@cache
def environment(templates_dir: Path) -> jinja2.Environment:
    """The one Environment per project templates folder (templates are reloaded when they
    change): a template there overrides the theme's of the same name."""
    env = jinja2.Environment(
        loader=_OverridableLoader(_search_path(templates_dir)),
        autoescape=jinja2.select_autoescape(
            disabled_extensions=_VERBATIM_EXTENSIONS, default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # The same options as the extractor (catalogs.JINJA_OPTIONS), so that msgids agree.
    env.policies["ext.i18n.trimmed"] = True
    # extend() keeps an attribute the i18n extension already set: assign it, or {% trans %}
    # with variables would call gettext the old way and fail.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.filters["inline"] = lambda source: inline_html(str(source))
    env.filters["sentences"] = lambda source, element_id, xhtml=False: sentence_html(
        str(source), element_id, xhtml=xhtml
    )
    env.filters["with_lang"] = with_lang
    env.tests["paragraph"] = lambda block: isinstance(block, Paragraph)
    env.tests["faq"] = lambda block: isinstance(block, FaqItem)
    env.tests["table"] = lambda block: isinstance(block, Table)
    return env


def _search_path(templates_dir: Path) -> list[Path]:
    return list(dict.fromkeys((templates_dir, theme_templates())))


class _OverridableLoader(jinja2.FileSystemLoader):
    """The project's templates, then the theme's; a loaded template is stale when its file
    changes and also when an override appears or goes away (``serve --watch``)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        folder = next((f for f in self.searchpath if Path(filename).is_relative_to(Path(f))), None)
        if folder is None or not is_inside(Path(filename), Path(folder)):
            # Templates are code: a link to a file elsewhere (/etc/passwd) is never rendered.
            raise RenderError(
                f"template {template!r} is a link to {Path(filename).resolve()}, outside the "
                "templates folder; refusing to use it",
                path=filename,
                hint="copy the template into the templates folder instead of linking to it",
            )

        def still_current() -> bool:
            return self._resolve(template) == filename and bool(uptodate())

        return source, filename, still_current

    def _resolve(self, template: str) -> str | None:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if path.is_file():
                return os.path.normpath(path)
        return None


def render_template(templates_dir: Path, name: str, context: Mapping[str, Any]) -> str:
    """Render ``name``; any template problem becomes a RenderError naming the file and line."""
    with _template_errors(templates_dir, name):
        return environment(templates_dir).get_template(name).render(context)


def template_module(templates_dir: Path, name: str, context: Mapping[str, Any]) -> Any:
    """The macros of a template, bound to ``context`` (e.g. one language's gettext)."""
    with _template_errors(templates_dir, name):
        return environment(templates_dir).get_template(name).make_module(dict(context))


def call_macro(templates_dir: Path, name: str, macro: Callable[..., str], *args: Any) -> Markup:
    """Call a macro of ``template_module`` with the same error reporting as a render."""
    with _template_errors(templates_dir, name):
        return Markup(macro(*args))


@contextlib.contextmanager
def _template_errors(templates_dir: Path, name: str) -> Iterator[None]:
    """Turn Jinja's exceptions into RenderErrors that point at the template and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"template syntax error: {exc.message}",
            path=exc.filename or templates_dir / name,
            line=exc.lineno,
            hint="fix the template; see https://jinja.palletsprojects.com/templates/",
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(
            f"template {exc.name!r} not found",
            path=templates_dir,
            hint="templates are looked up relative to the templates folder",
        ) from exc
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc, templates_dir) or (templates_dir / name, None)
        raise RenderError(f"template error: {exc.message}", path=path, line=line) from exc


def _template_frame(exc: BaseException, templates_dir: Path) -> tuple[Path, int] | None:
    """The innermost traceback frame inside a template (Jinja rewrites frames to template lines)."""
    roots = [folder.resolve() for folder in _search_path(templates_dir)]
    found = None
    tb = exc.__traceback__
    while tb is not None:
        filename = Path(tb.tb_frame.f_code.co_filename)
        if filename.is_absolute() and any(filename.resolve().is_relative_to(r) for r in roots):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
