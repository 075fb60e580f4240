"""The language profiles: what each of the five editions' languages needs to know about itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.messages.plurals import get_plural

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LanguageProfile:
    """Facts about one language that renderers, catalogs and narration share."""

    code: str
    """BCP 47 / gettext code used in paths and ``lang`` attributes (``be``)."""
    iso639_2: str
    """Three-letter code for ID3 ``TLAN`` and similar (``bel``)."""
    quotes: tuple[str, str]
    """Primary opening and closing quotation marks of the language's press."""
    espeak_voice: str
    """eSpeak NG voice name for the language."""
    gtts_lang: str | None
    """gTTS language code, or None where gTTS has no voice."""
    direction: str = "ltr"

    @property
    def locale(self) -> Locale:
        return _locale(self.code)

    @property
    def autonym(self) -> str:
        """The language's name in itself, capitalised as a menu item (``Беларуская``)."""
        name = self.locale.get_display_name(self.code) or self.code
        return name[:1].upper() + name[1:]

    @property
    def english_name(self) -> str:
        return self.locale.get_display_name("en") or self.code

    @property
    def plural_forms(self) -> str:
        """The gettext ``Plural-Forms`` header value for the language."""
        plural = get_plural(self.code)
        return f"nplurals={plural.num_plurals}; plural={plural.plural_expr};"

    @property
    def num_plurals(self) -> int:
        return get_plural(self.code).num_plurals


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


PROFILES: dict[str, LanguageProfile] = {
    "en": LanguageProfile("en", "eng", ("\u201c", "\u201d"), "en", "en"),
    "be": LanguageProfile("be", "bel", ("\u00ab", "\u00bb"), "be", None),
    "ru": LanguageProfile("ru", "rus", ("\u00ab", "\u00bb"), "ru", "ru"),
    "pl": LanguageProfile("pl", "pol", ("\u201e", "\u201d"), "pl", "pl"),
    "lt": LanguageProfile("lt", "lit", ("\u201e", "\u201c"), "lt", "lt"),
}
"""The languages polyedition knows how to publish in."""


def profile(code: str) -> LanguageProfile:
    """Return the profile of a known language; KeyError for an unknown code."""
    return PROFILES[code]
