"""HTML pages: each article edition, each edition's front page and the language chooser."""

from __future__ import annotations

import logging
import math
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from babel import Locale
from babel.core import get_global
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from polyedition.errors import RenderError
from polyedition.fsutil import write_if_changed
from polyedition.model import Edition, TranslationStats, reading_minutes
from polyedition.narration.script import narration_script
from polyedition.render.html.downloads import pdf_facts
from polyedition.render.html.jsonld import news_article, script_json
from polyedition.render.html.listen import listen_facts
from polyedition.render.inline import plain_text
from polyedition.site import Site, feed_path, html_path, mp3_path, pdf_path
from polyedition.theme.assets import site_assets, stale_assets
from polyedition.theme.templating import call_macro, render_template, template_module

logger = logging.getLogger(__name__)

__all__ = [
    "render_article",
    "render_chooser",
    "render_edition_index",
    "site_assets",
    "write_html_site",
]

CHOOSER_PATH = PurePosixPath("index.html")


def edition_index_path(lang: str) -> PurePosixPath:
    """``<lang>/index.html``: the front page of one language edition."""
    return PurePosixPath(lang, "index.html")


def relative_url(page: PurePosixPath, target: PurePosixPath) -> str:
    """The URL of ``target`` relative to ``page`` (both paths under ``output/``).

    Relative URLs keep ``output/`` working under any base URL and from ``file://``.

    >>> relative_url(PurePosixPath("be/x/index.html"), PurePosixPath("assets/site.1.css"))
    '../../assets/site.1.css'
    >>> relative_url(PurePosixPath("index.html"), PurePosixPath("be/index.html"))
    'be/index.html'
    """
    return posixpath.relpath(str(target), str(page.parent))


def og_locale(lang: str) -> str:
    """The Open Graph locale (``language_TERRITORY``) of a language.

    >>> og_locale("be"), og_locale("en")
    ('be_BY', 'en_US')
    """
    likely = Locale.parse(get_global("likely_subtags").get(lang, lang))
    return f"{likely.language}_{likely.territory}" if likely.territory else likely.language


@dataclass(frozen=True, slots=True)
class LanguageLink:
    """One entry of the language switcher."""

    lang: str
    autonym: str
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class Completeness:
    """How much of an edition is translated, in words for the edition's readers."""

    percent: str
    """Share of words translated, rounded down (never "100 %" while something is missing)."""
    fallback_segments: int
    fallback_segments_text: str


def completeness(stats: TranslationStats, lang: str) -> Completeness | None:
    """None for a complete translation; else the figures the page states, formatted by Babel."""
    if stats.complete:
        return None
    locale = Locale.parse(lang)
    return Completeness(
        percent=format_percent(math.floor(stats.percent) / 100, locale=locale),
        fallback_segments=stats.fallback_segments,
        fallback_segments_text=format_decimal(stats.fallback_segments, locale=locale),
    )


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """An article on an edition's front page."""

    edition: Edition
    href: str
    published: str
    published_iso: str
    minutes: int
    completeness: Completeness | None
    pdf_href: str | None
    """The article's PDF, when it has one."""
    mp3_href: str | None
    """The article's narration, when it has one."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A language on the chooser page."""

    lang: str
    autonym: str
    href: str
    original: bool
    completeness: Completeness | None


class _Page:
    """What every template needs about the page being rendered: its place and its language."""

    def __init__(
        self, site: Site, lang: str, path: PurePosixPath, home: PurePosixPath | None = None
    ) -> None:
        self.site = site
        self.lang = lang
        self.path = path
        self.home = home or edition_index_path(lang)
        """Where the site name in the header leads: the edition's front page."""

    def href(self, target: PurePosixPath | str) -> str:
        return relative_url(self.path, PurePosixPath(target))

    def asset(self, name: str) -> str:
        return self.href(self.site.theme.asset(name))

    def context(self, lang: str | None = None) -> dict[str, Any]:
        """The theme's context for every template, and the page's links."""
        return {
            **self.site.theme.context(lang or self.lang),
            "href": self.href,
            "asset": self.asset,
            "home_href": self.href(self.home),
            "chooser_href": self.href(CHOOSER_PATH),
            "xhtml": False,
        }

    def render(self, template: str, **context: Any) -> str:
        return render_template(
            self.site.settings.templates_dir, template, {**self.context(), **context}
        )


def _published(edition: Edition) -> tuple[str, str]:
    date = edition.article.meta.date
    return format_date(date, format="long", locale=edition.lang), date.isoformat()


def render_article(site: Site, edition: Edition) -> str:
    """``output/<lang>/<slug>/index.html``: one article in one language."""
    lang, slug = edition.lang, edition.slug
    page = _Page(site, lang, html_path(lang, slug))
    editions = site.translations_of(slug)
    source_lang = site.settings.source_language
    alternates = [(other.lang, site.url(html_path(other.lang, slug))) for other in editions]
    if any(other.lang == source_lang for other in editions):
        alternates.append(("x-default", site.url(html_path(source_lang, slug))))
    published, published_iso = _published(edition)
    audio = site.audio.get((slug, lang))
    pdf = site.pdfs.get((slug, lang))
    return page.render(
        "article.html",
        edition=edition,
        article=edition.article,
        title_text=plain_text(edition.title.text),
        description_text=plain_text(edition.description.text),
        canonical=site.url(page.path),
        alternates=alternates,
        og_locale=og_locale(lang),
        og_alternate_locales=[og_locale(other.lang) for other in editions if other.lang != lang],
        languages=_switcher(
            page, [other.lang for other in editions], lambda code: html_path(code, slug)
        ),
        published=published,
        published_iso=published_iso,
        minutes=reading_minutes(edition.word_count),
        completeness=completeness(edition.stats, lang),
        audio=audio,
        audio_url=site.url(audio.mp3) if audio else None,
        listen=listen_facts(audio, lang) if audio else None,
        pdf=pdf,
        pdf_facts=pdf_facts(pdf, lang) if pdf else None,
        autonym=site.profile(lang).autonym,
        keywords=[keyword.text for keyword in edition.keywords],
        jsonld=script_json(news_article(site, edition)),
        narrated=frozenset(
            utterance.id for utterance in narration_script(site, edition).utterances
        ),
        **_feed_links(site, page),
    )


def _feed_links(site: Site, page: _Page) -> dict[str, str | None]:
    """The edition's podcast feed, when it has one: its URL (for ``<link rel="alternate">``)
    and its address relative to the page (for the visible "Subscribe" link)."""
    if page.lang not in site.feeds:
        return {"feed_url": None, "feed_href": None}
    return {
        "feed_url": site.url(feed_path(page.lang)),
        "feed_href": page.href(feed_path(page.lang)),
    }


def _switcher(
    page: _Page, codes: Iterable[str], target: Callable[[str], PurePosixPath]
) -> list[LanguageLink]:
    """The language switcher: ``target(code)`` is the same page in language ``code``."""
    return [
        LanguageLink(
            code, page.site.profile(code).autonym, page.href(target(code)), code == page.lang
        )
        for code in codes
    ]


def _language_stats(site: Site, lang: str) -> TranslationStats:
    """Translation progress of a language over all articles, weighted by words."""
    all_stats = [
        site.edition(slug, lang).stats for slug in site.slugs if (slug, lang) in site.editions
    ]
    return TranslationStats(
        translated_segments=sum(s.translated_segments for s in all_stats),
        fallback_segments=sum(s.fallback_segments for s in all_stats),
        translated_words=sum(s.translated_words for s in all_stats),
        fallback_words=sum(s.fallback_words for s in all_stats),
    )


def render_edition_index(site: Site, lang: str) -> str:
    """``output/<lang>/index.html``: the articles of one language edition."""
    site.settings.require_language(lang)
    page = _Page(site, lang, edition_index_path(lang))
    entries = []
    for slug in site.slugs:
        if (slug, lang) not in site.editions:
            continue
        edition = site.edition(slug, lang)
        published, published_iso = _published(edition)
        entries.append(
            IndexEntry(
                edition=edition,
                href=page.href(html_path(lang, slug)),
                published=published,
                published_iso=published_iso,
                minutes=reading_minutes(edition.word_count),
                completeness=completeness(edition.stats, lang),
                pdf_href=page.href(pdf_path(lang, slug)) if (slug, lang) in site.pdfs else None,
                mp3_href=page.href(mp3_path(lang, slug)) if (slug, lang) in site.audio else None,
            )
        )
    alternates = [(code, site.url(edition_index_path(code))) for code in site.languages]
    alternates.append(("x-default", site.url(CHOOSER_PATH)))
    return page.render(
        "edition.html",
        entries=entries,
        autonym=site.profile(lang).autonym,
        canonical=site.url(page.path),
        alternates=alternates,
        og_locale=og_locale(lang),
        languages=_switcher(page, site.languages, edition_index_path),
        **_feed_links(site, page),
    )


def render_chooser(site: Site) -> str:
    """``output/index.html``: the languages by autonym, each described in its own language."""
    source_lang = site.settings.source_language
    page = _Page(site, source_lang, CHOOSER_PATH, home=CHOOSER_PATH)
    templates = site.settings.templates_dir
    choices = []
    for lang in site.languages:
        choice = Choice(
            lang=lang,
            autonym=site.profile(lang).autonym,
            href=page.href(edition_index_path(lang)),
            original=lang == source_lang,
            completeness=completeness(_language_stats(site, lang), lang),
        )
        # Each entry speaks its own language: its macro runs with that language's translations.
        macros = template_module(templates, "macros/chooser.html", page.context(lang))
        choices.append(call_macro(templates, "macros/chooser.html", macros.choice, choice))
    alternates = [(code, site.url(edition_index_path(code))) for code in site.languages]
    alternates.append(("x-default", site.url(CHOOSER_PATH)))
    return page.render(
        "chooser.html",
        choices=choices,
        canonical=site.url(CHOOSER_PATH),
        alternates=alternates,
        og_locale=og_locale(source_lang),
    )


def _pages(site: Site) -> dict[PurePosixPath, Callable[[], str]]:
    pages: dict[PurePosixPath, Callable[[], str]] = {CHOOSER_PATH: partial(render_chooser, site)}
    for lang in site.languages:
        pages[edition_index_path(lang)] = partial(render_edition_index, site, lang)
    for (slug, lang), edition in site.editions.items():
        pages[html_path(lang, slug)] = partial(render_article, site, edition)
    return pages


def write_html_site(site: Site, output_dir: Path) -> list[Path]:
    """Render every page and copy every asset into ``output_dir``; returns the files it holds.

    Everything is rendered before anything is written, so a template error leaves the previous
    site untouched; each file is replaced atomically, and only when its bytes change.
    """
    outputs: dict[PurePosixPath, bytes] = {
        path: render().encode("utf-8") for path, render in _pages(site).items()
    }
    assets = site_assets(site.settings)
    clash = outputs.keys() & assets.keys()
    if clash:
        raise RenderError(
            f"two outputs would be written to {sorted(map(str, clash))[0]}",
            path=site.settings.templates_dir,
        )
    outputs.update(assets)
    written = []
    for path, data in outputs.items():
        target = output_dir / path
        write_if_changed(target, data)
        written.append(target)
    for stale in stale_assets(output_dir, set(assets)):
        logger.info("removing outdated asset %s", stale)
        stale.unlink()
    return written
