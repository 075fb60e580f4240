"""Read-along markup: every narrated sentence of an article page is a span named after its cue.

The spans are what the player highlights; their ids must be exactly the caption cues' ids, and
wrapping them must leave the page's text and markup intact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from polyedition.cache import SpeechCache
from polyedition.model import Edition
from polyedition.narration.script import BYLINE_ID, narration_script
from polyedition.narration.sentences import CUE_ID_SEPARATOR, sentence_html
from polyedition.render.html.pages import render_article
from polyedition.render.inline import inline_html, plain_text
from polyedition.site import Site
from polyedition.speech.text import normalize, sentences
from projectkit import SLUG, warm_speech_cache

LANGS = ("en", "be", "ru", "pl", "lt")
_VOID = frozenset({"br", "wbr"})
_CUE_ID = re.compile(r"^(\S+)\n[\d:.]+ --> ", re.MULTILINE)
_SPAN = re.compile(r'<span id="([^"]+)">')


class _Balance(HTMLParser):
    """Fails on an end tag that does not close the element open last."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def assert_well_nested(html: str) -> None:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    assert checker.open == [], f"left open: {checker.open}"


def spans(html: str, parse_html: Callable[[str], Any]) -> dict[str, str]:
    """Sentence span id → its text, as a reader sees it."""
    root = parse_html(f"<div>{html}</div>")
    return {node.attrs["id"]: node.text() for node in root.find_all("span", id=True)}


def narrated(site: Site, edition: Edition) -> dict[str, str]:
    """Element id → the text the narration reads for it (the byline is not page text)."""
    return {
        utterance.id: utterance.text
        for utterance in narration_script(site, edition).utterances
        if utterance.id != BYLINE_ID
    }


# --- one segment --------------------------------------------------------------------------


def lead_paragraph(real_site: Site) -> str:
    return real_site.edition(SLUG, "en").text("lead-p1").text


@pytest.mark.parametrize(
    "markup",
    [
        "*{first} {second}*",  # emphasis crossing the boundary
        "**{first}** *{second}*",  # each sentence in its own element
        "[{first} {second}](https://example.org/release)",  # a link crossing it
        "{first}\n{second}",  # a line break between them
        "*{first}* {second}",
    ],
)
def test_markup_across_a_sentence_boundary_stays_valid_and_keeps_every_word(
    real_site: Site, parse_html: Callable[[str], Any], markup: str
) -> None:
    first, second, *_ = sentences(lead_paragraph(real_site))
    source = markup.format(first=first, second=second)
    html = str(sentence_html(source, "lead-p1"))
    assert_well_nested(html)
    assert spans(html, parse_html) == {"lead-p1.1": first, "lead-p1.2": second}
    # Nothing is added or lost for the reader: the same text, the same elements around it.
    assert parse_html(html).text() == parse_html(str(inline_html(source))).text()
    for tag in ("em", "strong", "a"):
        if f"<{tag}" in str(inline_html(source)):
            assert all(
                node.parent.tag == "span" or node.parent.parent.tag == "span"
                for node in parse_html(html).find_all(tag)
            )


def test_the_space_between_sentences_is_outside_their_spans(real_site: Site) -> None:
    html = str(sentence_html(lead_paragraph(real_site), "lead-p1"))
    assert "</span> <span" in html
    assert re.search(r'<span id="[^"]+"> |\s</span>', html) is None


def test_a_link_split_by_a_sentence_boundary_keeps_its_target_in_both_parts(
    real_site: Site, parse_html: Callable[[str], Any]
) -> None:
    first, second, *_ = sentences(lead_paragraph(real_site))
    html = str(sentence_html(f"[{first} {second}](https://example.org/release)", "p"))
    links = parse_html(html).find_all("a")
    assert [link.attrs["href"] for link in links] == ["https://example.org/release"] * 2


def test_an_initial_is_not_a_sentence_end_on_the_page_either() -> None:
    html = str(sentence_html("US envoy J. Coale met A. Lukashenko. Talks went on.", "p"))
    assert _SPAN.findall(html) == ["p.1", "p.2"]


# --- every real edition -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_narrated_sentence_of_the_real_edition_is_a_span_of_its_element(
    real_site: Site, parse_html: Callable[[str], Any], lang: str
) -> None:
    edition = real_site.edition(SLUG, lang)
    page = parse_html(render_article(real_site, edition))
    read = narrated(real_site, edition)
    assert len(read) > 60
    for element_id, text in read.items():
        element = page.find(id=element_id)
        expected = {
            f"{element_id}{CUE_ID_SEPARATOR}{number}": normalize(sentence).removesuffix(":")
            for number, sentence in enumerate(sentences(text), start=1)
        }
        found = {
            node.attrs["id"]: normalize(node.text()) for node in element.find_all("span", id=True)
        }
        assert found == expected
        assert normalize(element.text()) == normalize(plain_text(edition.text(element_id).text))


@pytest.mark.parametrize("lang", LANGS)
def test_only_narrated_elements_have_sentence_spans(
    real_site: Site, parse_html: Callable[[str], Any], lang: str
) -> None:
    edition = real_site.edition(SLUG, lang)
    page = parse_html(render_article(real_site, edition))
    read = narrated(real_site, edition)
    for span in page.find("article").find_all("span", id=True):
        element_id, separator, number = span.attrs["id"].rpartition(CUE_ID_SEPARATOR)
        assert separator and number.isdigit() and element_id in read, span.attrs["id"]
    # The standfirst and the table's column headings are not read aloud.
    for element_id in ("description", "key-points-h1"):
        assert page.find(id=element_id).find_all("span") == []


@pytest.mark.slow
def test_every_cue_of_every_real_narration_names_a_sentence_of_its_page_and_back(
    real_site: Site, tmp_path: Path
) -> None:
    """The cue ids of the five real narrations (as the build writes them) and the sentence
    spans of the five pages are the same sets; only the spoken byline points at a whole
    paragraph, since the page's byline is not the sentence the narration speaks."""
    from polyedition.render.audio.narrate import narrate

    cache = SpeechCache(warm_speech_cache())
    for lang in LANGS:
        edition = real_site.edition(SLUG, lang)
        cues = set(_CUE_ID.findall(narrate(real_site, edition, cache).captions_vtt))
        html = render_article(real_site, edition)
        on_page = set(_SPAN.findall(html))
        byline = {cue for cue in cues if cue.startswith(BYLINE_ID + CUE_ID_SEPARATOR)}
        assert len(cues) > 100, lang
        assert cues - byline == on_page, lang
        assert byline and f'id="{BYLINE_ID}"' in html
