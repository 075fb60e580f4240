"""What a job's key is made of: the project's sources, hashed once per build, and the named
inputs that a format declares (each a function of the sources and the job's edition).

A format lists the inputs its outputs depend on (``inputs = (edition, templates, ui)``); the
planner hashes exactly those, with the outcomes of the jobs it needs and the versions of the
libraries it declares. An input is any ``(Sources, slug, lang) -> JSON-able`` function, so a
format with an input of its own defines it next to itself.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from polyedition.catalogs import ui_catalog_files
from polyedition.fingerprint import (
    TEXT_LIBRARIES,
    code_digest,
    digest,
    edition_digest,
    files_digest,
    library_versions,
    tree_digest,
)
from polyedition.model import Block, Edition, FaqItem, Paragraph, Table, reading_minutes
from polyedition.narration.script import Script, Utterance, narration_script
from polyedition.site import Site
from polyedition.theme import template_dirs

if TYPE_CHECKING:
    from polyedition.cache import ScriptRecipe, SpeechCache

logger = logging.getLogger(__name__)


class Sources:
    """The project's files and settings as the keys see them, each hashed once per build."""

    def __init__(self, site: Site, scripts: SpeechCache | None = None) -> None:
        self.site = site
        self.settings = site.settings
        self.scripts = scripts
        """Where the editions' scripts are kept between builds (None: made every time)."""
        self._siblings: dict[str, str] = {}
        self._lexicons: dict[str, str] = {}
        self._scripts: dict[tuple[str, str], Script] = {}

    @cached_property
    def common(self) -> str:
        """What every output depends on: the code, the base URL and the languages."""
        settings = self.settings
        return digest(
            code_digest(), settings.base_url, settings.languages, settings.source_language
        )

    def script(self, slug: str, lang: str) -> Script:
        """What the edition's narration says, in order (``narration_script``): loaded from
        ``scripts`` when an earlier build made it from the same ``script_recipe``, else made
        (and kept there)."""
        if (slug, lang) not in self._scripts:
            self._scripts[(slug, lang)] = self._load_or_make_script(slug, lang)
        return self._scripts[(slug, lang)]

    def made_script(self, slug: str, lang: str) -> Script | None:
        """The edition's script if this build has made or loaded it already (else None)."""
        return self._scripts.get((slug, lang))

    def _load_or_make_script(self, slug: str, lang: str) -> Script:
        edition = self.site.edition(slug, lang)
        if self.scripts is None:
            return narration_script(self.site, edition)
        from polyedition.cache import content_key

        key = content_key(self.script_recipe(slug, lang))
        if (stored := self.scripts.script(key)) is not None:
            try:
                return Script.from_json(stored)
            except (KeyError, TypeError, ValueError):
                self.scripts.store.discard("script", key)
        script = narration_script(self.site, edition)
        try:
            self.scripts.put_script(key, script.as_json())
        except OSError as exc:  # a cache that cannot be written costs time, not the build
            logger.debug("cannot keep the %s narration script: %s", lang, exc)
        return script

    def script_recipe(self, slug: str, lang: str) -> ScriptRecipe:
        """Everything ``narration_script`` reads for the edition (see ``ScriptRecipe``)."""
        from polyedition.cache import ScriptRecipe

        edition = self.site.edition(slug, lang)
        settings = self.settings
        return ScriptRecipe(
            code=code_digest(),
            libraries=library_versions(*TEXT_LIBRARIES),
            edition=digest(
                self.editions[(slug, lang)],
                [[text.id, text.text, text.lang] for text in edition.credits],
                _structure(edition),
            ),
            templates=self.templates,
            ui=self.ui[lang],
            publisher=self.site.name,
            settings=digest(settings.source_language, dataclasses.asdict(settings.pauses)),
        )

    @cached_property
    def templates(self) -> str:
        """The theme's files and the project's overrides, in lookup order."""
        return digest([tree_digest(folder) for folder in template_dirs(self.settings)])

    @cached_property
    def narration_templates(self) -> str:
        folders = template_dirs(self.settings)
        return digest([tree_digest(folder / "narration") for folder in folders])

    @cached_property
    def ui(self) -> dict[str, str]:
        """lang → its interface catalogs (the project's and the theme's)."""
        settings = self.settings
        return {
            lang: digest([files_digest([po], po.parent) for po in ui_catalog_files(settings, lang)])
            for lang in settings.languages
        }

    @cached_property
    def editions(self) -> dict[tuple[str, str], str]:
        return {key: edition_digest(edition) for key, edition in self.site.editions.items()}

    def lexicons(self, lang: str) -> str:
        """The pronunciation lexicons and speech tables of ``lang`` and of the source (every
        chapter of the language's narration has them in its key: read once)."""
        if lang not in self._lexicons:
            locales, source = self.settings.locales_dir, self.settings.source_language
            self._lexicons[lang] = files_digest(
                [
                    *locales.glob(f"{lang}/lexicon*"),
                    *locales.glob(f"{source}/lexicon*"),
                    *locales.glob(f"{lang}/speech*"),
                    *locales.glob(f"{source}/speech*"),
                ],
                locales,
            )
        return self._lexicons[lang]

    def siblings(self, slug: str) -> str:
        """What a page shows of the other editions: their languages, titles and completeness."""
        if slug not in self._siblings:
            self._siblings[slug] = digest(
                [
                    [e.lang, e.title.text, e.description.text, round(e.stats.percent, 1)]
                    for e in self.site.translations_of(slug)
                ]
            )
        return self._siblings[slug]


def _structure(edition: Edition) -> list[object]:
    """The edition's sections and the segments of each block, in order (what is read where)."""
    return [
        [section.id, section.heading and section.heading.segment.id]
        + [_block_structure(block) for block in section.blocks]
        for section in edition.article.sections
    ]


def _block_structure(block: Block) -> list[object]:
    match block:
        case Paragraph(segment=segment):
            return ["paragraph", segment.id]
        case FaqItem(question=question, answer=answer):
            return ["faq", question.id, [part.id for part in answer]]
        case Table():
            rows = [[cell.id for cell in row] for row in block.rows]
            return ["table", block.id, block.caption.id, rows]
    return [type(block).__name__]


Input = Callable[[Sources, str, str], object]
"""A part of a job's key: ``input(sources, slug, lang)`` (slug and lang empty when the job is
not about one article or one language)."""


def edition(sources: Sources, slug: str, lang: str) -> object:
    """The edition's texts, their languages and its metadata."""
    return sources.editions[(slug, lang)]


def siblings(sources: Sources, slug: str, lang: str) -> object:
    """The other editions of the article, as its language links show them."""
    return sources.siblings(slug)


def every_article(sources: Sources, slug: str, lang: str) -> object:
    """Every edition as the chooser and the front pages list it: its title and description
    (and the language each is shown in, a fallback's), its date, its reading time and how much
    of it is translated (the language's share on the chooser)."""
    return [
        [
            code,
            each,
            [edition.title.text, edition.title.lang],
            [edition.description.text, edition.description.lang],
            edition.article.meta.date,
            reading_minutes(edition.word_count),
            dataclasses.astuple(edition.stats),
        ]
        for (each, code), edition in sorted(sources.site.editions.items())
    ]


def language_editions(sources: Sources, slug: str, lang: str) -> object:
    """Every edition in the language (a feed's episodes)."""
    return [value for (_, code), value in sorted(sources.editions.items()) if code == lang]


def templates(sources: Sources, slug: str, lang: str) -> object:
    return sources.templates


def narration_templates(sources: Sources, slug: str, lang: str) -> object:
    return sources.narration_templates


def ui(sources: Sources, slug: str, lang: str) -> object:
    """The language's interface strings."""
    return sources.ui[lang]


def every_ui(sources: Sources, slug: str, lang: str) -> object:
    """Every language's interface strings."""
    return sources.ui


def narration(sources: Sources, slug: str, lang: str) -> object:
    """The narration settings of the language and of the source (quotes are read in it)."""
    settings = sources.settings
    source = settings.source_language
    return [settings.narration_for(lang), settings.narration_for(source), settings.pauses]


def lexicons(sources: Sources, slug: str, lang: str) -> object:
    """The pronunciation lexicons and speech tables of the language and of the source."""
    return sources.lexicons(lang)


def piper_voices(sources: Sources, slug: str, lang: str) -> object:
    """The Piper voices on this machine, when the language or the source may narrate with
    Piper."""
    settings = sources.settings
    langs = (lang, settings.source_language)
    if all("piper" not in settings.narration_for(code).engines for code in langs):
        return None
    from polyedition.speech.piper_voices import voices_key

    return voices_key(settings.voices_dir)


def chapter(sources: Sources, slug: str, lang: str, part: str) -> object:
    """A narration chapter's utterances and the next chapter's first one (its lead guard ends
    the chapter), whether it opens the narration, and the narration settings of every language
    the narration is said in (their voices set the rate every chapter is joined at)."""
    script = sources.script(slug, lang)
    number, first, end = next(
        (number, first, end)
        for number, (chapter, first, end) in enumerate(script.spans)
        if chapter == part
    )
    said = {utterance.lang for utterance in script.utterances}
    said |= {code for utterance in script.utterances for _, code in utterance.foreign}
    settings = sources.settings
    return [
        [
            [getattr(utterance, name) for name in _UTTERANCE_FIELDS]
            for utterance in script.utterances[first : end + 1]
        ],
        number == 0,
        [[code, settings.narration_for(code)] for code in sorted(said)],
    ]


_UTTERANCE_FIELDS = tuple(field.name for field in dataclasses.fields(Utterance))
"""Every field of an utterance, in order: a chapter's key holds them all (read one by one, not
by ``dataclasses.asdict``, whose deep copies were a third of planning a no-op's chapters)."""


def publisher(sources: Sources, slug: str, lang: str) -> object:
    """The publication's name, as the first article in the language states it."""
    first = next(e for key, e in sources.site.editions.items() if key[1] == lang)
    return first.article.meta.publisher
