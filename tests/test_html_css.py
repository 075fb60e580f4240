"""The reading stylesheet: contrast in light and dark, motion, print, fonts, nothing remote."""

from __future__ import annotations

import re

import pytest

from polyedition.config import Settings
from polyedition.theme import theme_templates

TEXT = 4.5
NON_TEXT = 3.0
PAIRS = [
    ("--text", "--bg", TEXT),
    ("--text", "--surface", TEXT),
    ("--text", "--notice", TEXT),
    ("--muted", "--bg", TEXT),
    ("--muted", "--surface", TEXT),
    ("--link", "--bg", TEXT),
    ("--link", "--surface", TEXT),
    ("--link-visited", "--bg", TEXT),
    ("--link-visited", "--surface", TEXT),
    ("--fallback", "--bg", NON_TEXT),
    ("--fallback", "--notice", NON_TEXT),
    ("--focus", "--bg", NON_TEXT),
    ("--focus", "--surface", NON_TEXT),
]
"""(foreground, background, minimum ratio): WCAG 1.4.3 for text, 1.4.11 for meaningful lines."""


def luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio.

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def custom_properties(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


@pytest.fixture(scope="module")
def css(repo_settings: Settings) -> str:
    return (theme_templates() / "assets" / "site.css").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schemes(css: str) -> dict[str, dict[str, str]]:
    light = custom_properties(css[css.index(":root {") : css.index("}", css.index(":root {"))])
    start = css.index("@media (prefers-color-scheme: dark)")
    dark = {**light, **custom_properties(css[start : css.index("}", start)])}
    return {"light": light, "dark": dark}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("foreground", "background", "minimum"), PAIRS)
def test_colours_meet_the_contrast_minimum(
    schemes: dict[str, dict[str, str]],
    scheme: str,
    foreground: str,
    background: str,
    minimum: float,
) -> None:
    colours = schemes[scheme]
    ratio = contrast(colours[foreground], colours[background])
    assert ratio >= minimum, f"{scheme}: {foreground} on {background} is {ratio:.2f}:1"


def test_the_dark_scheme_redefines_every_colour(
    css: str, schemes: dict[str, dict[str, str]]
) -> None:
    start = css.index("@media (prefers-color-scheme: dark)")
    dark_only = custom_properties(css[start : css.index("}", start)])
    assert set(dark_only) == set(schemes["light"])


def test_motion_is_reduced_on_request_and_print_drops_screen_only_parts(css: str) -> None:
    assert "@media (prefers-reduced-motion: reduce)" in css
    smooth = css.index("scroll-behavior: smooth")
    assert css.rindex("@media (prefers-reduced-motion: no-preference)", 0, smooth) >= 0
    print_rules = css[css.index("@media print") :]
    assert re.search(r"\.screen-only\s*\{\s*display:\s*none", print_rules)


def test_focus_is_always_visible(css: str) -> None:
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", css)
    assert not re.search(r"(?<!\[tabindex=\"-1\"\]):focus\s*\{[^}]*outline:\s*(none|0)", css)


def test_font_stacks_use_system_fonts_that_cover_cyrillic_and_lithuanian(css: str) -> None:
    text = re.search(r"--font-text:([^;]+);", css)
    ui = re.search(r"--font-ui:([^;]+);", css)
    assert text and ui
    assert "Noto Serif" in text.group(1) and text.group(1).strip().endswith("serif")
    assert "Noto Sans" in ui.group(1) and ui.group(1).strip().endswith("sans-serif")


def test_no_asset_loads_anything_from_another_server(repo_settings: Settings) -> None:
    for path in (theme_templates() / "assets").iterdir():
        if path.suffix not in {".css", ".js"}:
            continue
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"@import\s+(url\()?\s*['\"]?(https?:)?//", source), path
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", source), path
