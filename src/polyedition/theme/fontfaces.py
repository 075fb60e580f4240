"""The theme's fonts (the PDF embeds them, the EPUB a subset of them, the feed's cover draws with
them): which files they are, and whether they cover every character of a text.

The PDF names its font files instead of asking fontconfig for a family, so that every machine
embeds the same glyphs and the coverage check below tests exactly the fonts that will be used.
Noto Serif (body) and Noto Sans (headings, table, page margins) ship inside the package
(``polyedition/theme/fonts/``, SIL OFL 1.1), subset by ``scripts/subset-fonts`` from Debian's
``fonts-noto-core`` to Latin with Polish and Lithuanian diacritics, Cyrillic with Belarusian
``ў``/``і``, and the punctuation, quotation marks and currency signs of all five languages.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from polyedition.theme import fonts_dir

logger = logging.getLogger(__name__)

SUBSET_SCRIPT = "scripts/subset-fonts"
"""Regenerates the packaged fonts from Debian's fonts-noto-core (in polyedition's source)."""
SERIF = "Noto Serif"
SANS = "Noto Sans"


@dataclass(frozen=True, slots=True)
class FontFace:
    """One font file and the CSS ``@font-face`` it stands for."""

    family: str
    weight: int
    style: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.family} {self.weight} {self.style} ({self.path})"


def _noto(family: str, weight: int, style: str, file_stem: str) -> FontFace:
    return FontFace(family, weight, style, fonts_dir() / f"{file_stem}.ttf")


PRINT_FONTS: tuple[FontFace, ...] = (
    _noto(SERIF, 400, "normal", "NotoSerif-Regular"),
    _noto(SERIF, 400, "italic", "NotoSerif-Italic"),
    _noto(SERIF, 700, "normal", "NotoSerif-Bold"),
    _noto(SERIF, 700, "italic", "NotoSerif-BoldItalic"),
    _noto(SANS, 400, "normal", "NotoSans-Regular"),
    _noto(SANS, 400, "italic", "NotoSans-Italic"),
    _noto(SANS, 700, "normal", "NotoSans-Bold"),
    _noto(SANS, 700, "italic", "NotoSans-BoldItalic"),
)
"""Every face the print stylesheet may select; WeasyPrint embeds (subset) only those it uses."""


def missing_font_files(faces: Iterable[FontFace]) -> list[FontFace]:
    """The faces whose font file is not installed."""
    return [face for face in faces if not face.path.is_file()]


@cache
def _codepoints(path: Path) -> frozenset[int]:
    """The code points a font file maps to glyphs (its best Unicode cmap)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def needs_glyph(char: str) -> bool:
    """Whether a character is drawn: control and format characters (newline, soft hyphen,
    zero-width joiners) are not, every other character is, spaces included.

    >>> needs_glyph("ў"), needs_glyph("\\u00a0"), needs_glyph("\\n"), needs_glyph("\\u00ad")
    (True, True, False, False)
    """
    return unicodedata.category(char) not in {"Cc", "Cf"}


def uncovered(texts: Iterable[tuple[str, str]], faces: Iterable[FontFace]) -> dict[str, list[str]]:
    """Characters of ``texts`` that some face lacks, each with the places it occurs in.

    ``texts`` are ``(place, text)`` pairs (a place is e.g. a segment id). Every face must cover
    every character: the stylesheet may set any text in any of them (bold, italic, headings).
    """
    charsets = [_codepoints(face.path) for face in faces]
    found: dict[str, list[str]] = {}
    for place, text in texts:
        for char in dict.fromkeys(text):
            if not needs_glyph(char) or all(ord(char) in charset for charset in charsets):
                continue
            places = found.setdefault(char, [])
            if place not in places:
                places.append(place)
    return found


def describe_characters(characters: Mapping[str, list[str]], *, limit: int = 3) -> str:
    """``'⟦' U+27E6 MATHEMATICAL LEFT WHITE SQUARE BRACKET (in #title, #lead-p1)`` for each.

    >>> describe_characters({"⟦": ["title"]})
    "'⟦' U+27E6 MATHEMATICAL LEFT WHITE SQUARE BRACKET (in #title)"
    """
    parts = []
    for char, places in characters.items():
        name = unicodedata.name(char, "unnamed character")
        where = ", ".join(f"#{place}" for place in places[:limit])
        if len(places) > limit:
            where += f" and {len(places) - limit} more"
        parts.append(f"{char!r} U+{ord(char):04X} {name} (in {where})")
    return "; ".join(parts)


def font_face_css(faces: Iterable[FontFace]) -> str:
    """``@font-face`` rules that load exactly these files."""
    return "\n".join(
        f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
        f'font-style: {face.style}; src: url("{face.path.as_uri()}"); }}'
        for face in faces
    )
