"""Editions for speech tests: a private copy of the project with known translations.

The translators are still at work, so these tests fix what they depend on: a handful of
segments translated here (the headline, a heading, a paragraph with the names, a table row),
two left untranslated so that they fall back to English, and the Belarusian interface strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from polyedition.build import load_editions
from polyedition.catalogs import extract
from polyedition.config import NarrationSettings, Settings
from polyedition.pofile import read_catalog, write_catalog
from polyedition.site import Site
from projectkit import SLUG, copy_project, po, project_ui_po

BELARUSIAN = {
    "title": "Беларусь вызваліла 123 палітвязні, сярод іх Марыя Калеснікава і Алесь Бяляцкі",
    "turning-point": "Вызваленне палітвязняў: гістарычны паварот",
    "turning-point-p1": (
        "Вызваленне 123 палітвязняў у Беларусі — гістарычны паварот для краіны. "
        "Сярод вызваленых — апазіцыйная актывістка Марыя Калеснікава. "
        "На волі і лаўрэат Нобелеўскай прэміі міру Алесь Бяляцкі."
    ),
    "key-points-r1-c1": "Колькасць вызваленых",
    "key-points-r1-c2": "123 палітвязні, сярод іх Марыя Калеснікава і Алесь Бяляцкі.",
}
BELARUSIAN_UI = {
    "By %(author)s. Published on %(date)s.": "Аўтар: %(author)s. Апублікавана %(date)s.",
    "Play": "Прайграць",
    "Pause": "Паўза",
    "Back 15 seconds": "Назад на 15 секунд",
    "Forward 15 seconds": "Наперад на 15 секунд",
    "Previous section": "Папярэдні раздзел",
    "Next section": "Наступны раздзел",
    "Speed": "Хуткасць",
    "Sections": "Раздзелы",
    "Click or press Enter to listen from here": "Націсніце, каб слухаць адсюль",
    "Listen to this article": "Паслухаць артыкул",
}
BELARUSIAN_FALLBACKS = ("lead-p2", "faq-a1")
"""Segments of the Belarusian edition left in English (read with the English voice)."""
LITHUANIAN = {
    "title": "Baltarusija paleido 123 kalinius, tarp jų Mariją Kalesnikavą ir Alesį Bialiackį",
    "turning-point-p1": (
        "Baltarusija paleido 123 kalinius. Tai istorinis posūkis šaliai. "
        "JAV pasiuntinys Johnas Coale dalyvavo derybose."
    ),
}


def translate(settings: Settings, lang: str, texts: Mapping[str, str], domain: str = SLUG) -> None:
    """Set the given messages of a PO file (by segment id, or by msgid for ``ui``); an empty
    text leaves the message untranslated. ``ui`` messages go into the project's own ``ui.po``,
    which overrides the theme's translations."""
    if domain == "ui":
        path = project_ui_po(settings, lang)
        catalog = read_catalog(path, locale=lang)
        for msgid, string in texts.items():
            catalog.add(msgid, string=string)
        write_catalog(path, catalog)
        return
    path = po(settings, lang, domain)
    catalog = read_catalog(path, locale=lang)
    for message in catalog:
        key = message.context if domain == SLUG else message.id
        if message.id and key in texts:
            message.string = texts[key]
            message.flags.discard("fuzzy")
    write_catalog(path, catalog)


def translated_project(root: Path) -> Settings:
    """A project copy with the translations above: Belarusian as the translators left it but
    for those segments, Lithuanian with only its two, and the Belarusian interface strings."""
    settings = copy_project(root)
    extract(settings)
    translate(settings, "be", {**BELARUSIAN, **dict.fromkeys(BELARUSIAN_FALLBACKS, "")})
    translate(settings, "be", BELARUSIAN_UI, domain="ui")
    # Lithuanian: only the segments above, the rest in English (keeps gTTS stand-in tests small).
    translate(settings, "lt", {**_all_messages(settings, "lt"), **LITHUANIAN})
    return settings


def _all_messages(settings: Settings, lang: str) -> dict[str, str]:
    """Every segment id of the article's catalog, mapped to "" (untranslated)."""
    catalog = read_catalog(po(settings, lang, SLUG), locale=lang)
    return {message.context: "" for message in catalog if message.id and message.context}


def with_narration(settings: Settings, **languages: NarrationSettings) -> Settings:
    """The same settings with ``[tool.polyedition.narration.<lang>]`` tables."""
    return dataclasses.replace(settings, narration=tuple(languages.items()))


def make_site(settings: Settings) -> Site:
    editions = load_editions(settings, settings.languages)
    return Site(settings, {(edition.slug, edition.lang): edition for edition in editions})
