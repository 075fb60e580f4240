"""The "Listen to this article" player in Chromium, over real narrations of the real article.

The site is built into a tmp folder with the English and Belarusian editions narrated, and
served on 127.0.0.1 by a server that answers byte ranges (browsers seek in an MP3 that way).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakes.editions import BELARUSIAN_UI, make_site, translated_project
from fakes.static_server import serve
from polyedition.cache import SpeechCache
from polyedition.narration.script import BYLINE_ID
from polyedition.narration.sentences import CUE_ID_SEPARATOR
from polyedition.render.audio.narrate import narrate, write_narration
from polyedition.render.html.listen import listen_facts
from polyedition.render.html.pages import write_html_site
from polyedition.site import Site, html_path
from projectkit import CHROMIUM, CHROMIUM_ARGS, SLUG, unavailable

PLAYER_ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
NARRATED = ("en", "be")
_CUE = re.compile(r"^(\S+)\n([\d:.]+) --> ", re.MULTILINE)


@dataclass(frozen=True)
class Built:
    root: Path
    site: Site

    def page(self, lang: str) -> Path:
        return self.root / html_path(lang, SLUG)

    def cues(self, lang: str) -> dict[str, float]:
        """Caption cue id (``<element id>.<sentence>``) → its start, in seconds."""
        vtt = (self.root / self.site.audio[(SLUG, lang)].captions).read_text(encoding="utf-8")
        starts: dict[str, float] = {}
        for cue_id, stamp in _CUE.findall(vtt):
            hours, minutes, rest = stamp.split(":")
            starts[cue_id] = int(hours) * 3600 + int(minutes) * 60 + float(rest)
        return starts

    def cue_starts(self, lang: str) -> dict[str, float]:
        """Element id → start of its first caption cue, in seconds."""
        starts: dict[str, float] = {}
        for cue_id, start in self.cues(lang).items():
            starts.setdefault(cue_id.rpartition(CUE_ID_SEPARATOR)[0], start)
        return starts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("player")
    site = make_site(translated_project(root / "project"))
    cache = SpeechCache(root / "cache")
    output = root / "output"
    audio = {}
    for lang in NARRATED:
        narration = narrate(site, site.edition(SLUG, lang), cache)
        audio[(SLUG, lang)] = write_narration(narration, output, lang, SLUG)
    site = Site(site.settings, site.editions, audio=audio)
    write_html_site(site, output)
    return Built(output, site)


@pytest.fixture(scope="module")
def base_url(built: Built) -> Iterator[str]:
    with serve(built.root) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not available; install it with: pip install playwright")
    if not CHROMIUM.exists():
        unavailable(f"Chromium ({CHROMIUM}) is not available; install Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=PLAYER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium: Any, base_url: str) -> Iterator[Callable[..., Any]]:
    """Open an article page once its player has loaded its tracks; console errors fail."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_article(lang: str = "en", *, ready: bool = True, **options: Any) -> Any:
        context = chromium.new_context(viewport={"width": 1000, "height": 800}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base_url}{lang}/{SLUG}/index.html")
        if ready:
            page.wait_for_selector("[data-listen-ready]", state="attached")
            wait_until(page, "() => document.querySelector('audio').readyState >= 1")
        return page

    yield open_article
    for context in contexts:
        context.close()
    assert errors == []


def current_time(page: Any) -> float:
    return float(page.evaluate("document.querySelector('audio').currentTime"))


def highlighted(page: Any) -> list[str]:
    return list(page.evaluate("[...document.querySelectorAll('.listen-current')].map(e => e.id)"))


def current(page: Any) -> list[str]:
    """Ids of the passages exposed to assistive technology as the one being read (the
    player's list of sections marks its current section too)."""
    return list(
        page.evaluate(
            """[...document.querySelectorAll('[aria-current=true]')]
                .filter(e => !e.closest('.listen')).map(e => e.id)"""
        )
    )


READING_IN = "id => document.getElementById(id).querySelector('.listen-current') !== null"
"""True while a sentence of the element is highlighted."""


def wait_until(page: Any, condition: str, arg: Any = None, timeout: float = 10.0) -> None:
    """Poll a JavaScript function until it returns true (``wait_for_function`` evaluates
    strings, which the pages' Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(condition, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        page.wait_for_timeout(50)


def seek(page: Any, seconds: float) -> None:
    page.evaluate(
        """t => new Promise(done => {
            const audio = document.querySelector('audio');
            audio.addEventListener('seeked', () => done(), {once: true});
            audio.currentTime = t;
        })""",
        seconds,
    )


# --- without a browser ------------------------------------------------------------------------


def page_ids(built: Built, lang: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', built.page(lang).read_text(encoding="utf-8")))


@pytest.mark.parametrize("lang", NARRATED)
def test_every_segment_cue_points_at_an_element_of_the_page(built: Built, lang: str) -> None:
    elements = set(built.cue_starts(lang)) - {BYLINE_ID}
    assert len(elements) > 60
    assert elements <= page_ids(built, lang), sorted(elements - page_ids(built, lang))


def test_the_spoken_byline_points_at_the_pages_byline(built: Built) -> None:
    """The narration reads "By … Published on …" after the headline; its cue names the page's
    byline paragraph (``<p class="byline" id="byline">`` in templates/article.html)."""
    assert BYLINE_ID in built.cue_starts("en")
    assert BYLINE_ID in page_ids(built, "en"), 'article.html: add id="byline" to the byline'


def test_the_block_states_duration_and_size_in_the_pages_language(built: Built) -> None:
    html = built.page("be").read_text(encoding="utf-8")
    audio = built.site.audio[(SLUG, "be")]
    facts = listen_facts(audio, "be")
    phrase = built.site.theme.ui("be").ngettext(
        "%(num)d min listen", "%(num)d min listen", facts.minutes
    )
    spoken = phrase % {"num": facts.minutes}
    assert f'<time datetime="{facts.duration_iso}">{spoken}</time>' in html
    assert spoken.startswith((f"{facts.minutes}\u00a0", f"{facts.minutes} "))
    assert "listen" not in spoken  # in Belarusian, in the plural form for this number
    assert re.fullmatch(r"\d+,\d МБ", facts.size)
    assert f"MP3, {facts.size}" in html


# --- without JavaScript -----------------------------------------------------------------------


def test_without_javascript_the_native_player_its_tracks_and_the_download_work(
    open_page: Callable[..., Any], base_url: str
) -> None:
    page = open_page("be", ready=False, java_script_enabled=False)
    audio = page.locator("section.listen audio")
    assert audio.get_attribute("controls") is not None
    assert audio.get_attribute("preload") == "metadata"
    tracks = page.locator("section.listen track")
    assert [tracks.nth(i).get_attribute("kind") for i in range(2)] == ["captions", "chapters"]
    assert {tracks.nth(i).get_attribute("srclang") for i in range(2)} == {"be"}
    link = page.locator(".listen-download a")
    assert link.get_attribute("download") is not None
    page_url = f"{base_url}be/{SLUG}/"
    for url in [
        link.get_attribute("href"),
        audio.get_attribute("src"),
        *(tracks.nth(i).get_attribute("src") for i in range(2)),
    ]:
        response = page.request.get(page_url + str(url))
        assert response.status == 200, url
    assert page.locator(".listen-controls").count() == 0


# --- read-along -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "element", ["title", "turning-point", "turning-point-p1", "faq-q3", "key-points-r2-c2"]
)
def test_seeking_to_a_cue_highlights_its_first_sentence(
    open_page: Callable[..., Any], built: Built, element: str
) -> None:
    page = open_page("be")
    seek(page, built.cue_starts("be")[element] + 0.05)
    sentence = f"{element}{CUE_ID_SEPARATOR}1"
    wait_until(page, READING_IN, element)
    assert highlighted(page) == current(page) == [sentence]
    assert page.evaluate("id => document.getElementById(id).parentElement.id", sentence) == element
    # Not announced: the highlight is a class and aria-current, not a live region or a focus move.
    assert page.evaluate("document.querySelectorAll('[aria-live]').length") == 0


def test_the_highlight_follows_the_sentences_of_a_paragraph_one_by_one(
    open_page: Callable[..., Any], built: Built
) -> None:
    page = open_page("be")
    cues = built.cues("be")
    sentences = [cue for cue in cues if cue.startswith(f"turning-point-p1{CUE_ID_SEPARATOR}")]
    assert len(sentences) == 3
    for sentence in sentences:
        seek(page, cues[sentence] + 0.05)
        wait_until(page, f"() => document.querySelector('.listen-current')?.id === '{sentence}'")
        assert highlighted(page) == current(page) == [sentence]
        assert page.get_attribute(f"[id='{sentence}']", "aria-current") == "true"
    # Seeking back to the first sentence takes the highlight and aria-current with it.
    seek(page, cues[sentences[0]] + 0.05)
    wait_until(page, f"() => document.querySelector('.listen-current')?.id === '{sentences[0]}'")
    assert current(page) == [sentences[0]]


def test_playing_moves_the_highlight_sentence_by_sentence(
    open_page: Callable[..., Any], built: Built
) -> None:
    page = open_page("en")
    cues = built.cues("en")
    paragraph = [cue for cue in cues if cue.startswith(f"lead-p1{CUE_ID_SEPARATOR}")]
    assert len(paragraph) >= 4
    # Record every sentence that becomes current, as a listener's screen reader would see it.
    page.evaluate(
        """() => {
            window.readAlong = [];
            new MutationObserver(records => records.forEach(record => {
                const target = record.target;
                if (target.getAttribute('aria-current') === 'true' && !target.closest('.listen'))
                    window.readAlong.push(target.id);
            })).observe(document.querySelector('article'),
                {subtree: true, attributes: true, attributeFilter: ['aria-current']});
        }"""
    )
    seek(page, cues[paragraph[0]] + 0.05)
    page.evaluate("document.querySelector('audio').playbackRate = 4")
    page.evaluate("document.querySelector('audio').play()")
    wait_until(page, "id => window.readAlong.includes(id)", paragraph[-1], timeout=30)
    page.evaluate("document.querySelector('audio').pause()")
    seen = page.evaluate("window.readAlong")
    assert seen[: len(paragraph)] == paragraph
    assert len(current(page)) == 1


def test_the_spoken_byline_highlights_the_byline_paragraph(
    open_page: Callable[..., Any], built: Built
) -> None:
    """The narration's byline ("By … Published on …") is not the page's text: its cues have no
    sentence on the page, so the whole byline paragraph is highlighted."""
    page = open_page("en")
    seek(page, built.cue_starts("en")[BYLINE_ID] + 0.05)
    wait_until(page, f"() => document.querySelector('.listen-current')?.id === '{BYLINE_ID}'")
    assert current(page) == [BYLINE_ID]


def test_clicking_a_paragraph_plays_it_from_its_first_cue(
    open_page: Callable[..., Any], built: Built
) -> None:
    page = open_page("en")
    page.click(".listen-play")
    page.wait_for_selector(".listen-seekable", state="attached")
    start = built.cue_starts("en")["ukraine-p2"]
    page.click("#ukraine-p2")
    wait_until(page, "() => !document.querySelector('audio').seeking")
    assert start <= current_time(page) < start + 1.5
    assert not page.evaluate("document.querySelector('audio').paused")
    wait_until(page, READING_IN, "ukraine-p2")


def test_enter_on_a_focused_paragraph_plays_it(open_page: Callable[..., Any], built: Built) -> None:
    page = open_page("be")
    page.click(".listen-play")
    page.wait_for_selector(".listen-seekable", state="attached")
    page.focus("#faq-a2")
    page.keyboard.press("Enter")
    start = built.cue_starts("be")["faq-a2"]
    wait_until(page, "() => !document.querySelector('audio').seeking")
    assert start <= current_time(page) < start + 1.5
    described = page.get_attribute("#faq-a2", "aria-describedby")
    assert (
        page.text_content(f"#{described}")
        == BELARUSIAN_UI["Click or press Enter to listen from here"]
    )


def test_paragraphs_are_not_seekable_before_the_listener_presses_play(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("en")
    assert page.locator(".listen-seekable").count() == 0
    assert page.get_attribute("#lead-p1", "tabindex") is None
    page.click("#lead-p1")
    assert page.evaluate("document.querySelector('audio').paused")


# --- controls ---------------------------------------------------------------------------------


def test_the_speed_control_changes_the_playback_rate(open_page: Callable[..., Any]) -> None:
    page = open_page("en")
    options = page.eval_on_selector_all(".listen-speed option", "os => os.map(o => o.value)")
    assert options == ["0.75", "1", "1.25", "1.5", "1.75", "2"]
    for value in ("1.5", "0.75", "2"):
        page.select_option(".listen-speed select", value)
        assert page.evaluate("document.querySelector('audio').playbackRate") == float(value)


def test_play_skip_and_section_buttons_move_through_the_audio(
    open_page: Callable[..., Any], built: Built
) -> None:
    page = open_page("en")
    play = page.locator(".listen-play")
    pressed = "() => document.querySelector('.listen-play').getAttribute('aria-pressed')"
    play.click()
    wait_until(page, f"{pressed} === 'true'")
    play.click()
    wait_until(page, f"{pressed} === 'false'")
    starts = built.cue_starts("en")
    seek(page, starts["us-sanctions"] + 20)
    page.click(".listen-back")
    assert current_time(page) == pytest.approx(starts["us-sanctions"] + 5, abs=0.05)
    page.click(".listen-forward")
    assert current_time(page) == pytest.approx(starts["us-sanctions"] + 20, abs=0.05)
    page.click(".listen-next")
    assert current_time(page) == pytest.approx(starts["kolesnikova"], abs=0.01)
    seek(page, starts["kolesnikova"] + 10)
    page.click(".listen-previous")  # well into a section: back to its start
    assert current_time(page) == pytest.approx(starts["kolesnikova"], abs=0.01)
    page.click(".listen-previous")  # at its start: the section before
    assert current_time(page) == pytest.approx(starts["us-sanctions"], abs=0.01)


def test_the_list_of_sections_plays_each_section(
    open_page: Callable[..., Any], built: Built
) -> None:
    page = open_page("be")
    page.click(".listen-chapters summary")
    buttons = page.locator(".listen-chapter")
    sections = built.site.edition(SLUG, "be").article.sections
    assert buttons.count() == len(sections)
    heading = built.site.edition(SLUG, "be").text("turning-point").text
    button = buttons.filter(has_text=heading)
    button.click()
    wait_until(page, "() => !document.querySelector('audio').seeking")
    start = built.cue_starts("be")["turning-point"]
    assert start <= current_time(page) < start + 1.5
    wait_until(page, "() => document.querySelector('.listen-chapter[aria-current=true]') !== null")
    assert heading in page.text_content(".listen-chapter[aria-current=true]")


def test_every_control_is_named_in_the_pages_language(open_page: Callable[..., Any]) -> None:
    page = open_page("be")
    names = page.eval_on_selector_all(
        ".listen-controls button, .listen-speed, .listen-chapters summary",
        "els => els.map(e => e.textContent.trim())",
    )
    expected = [
        BELARUSIAN_UI[label]
        for label in (
            "Play",
            "Back 15 seconds",
            "Forward 15 seconds",
            "Previous section",
            "Next section",
        )
    ]
    assert names[:5] == expected
    assert names[5].startswith(BELARUSIAN_UI["Speed"])
    assert names[6] == BELARUSIAN_UI["Sections"]
    # Speeds are numbers in the page's language: "0,75×".
    assert page.text_content(".listen-speed option") == "0,75×"


def test_every_control_is_reachable_and_operable_by_keyboard(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("en")
    page.focus(".listen-play")
    page.keyboard.press("Enter")
    wait_until(page, "() => !document.querySelector('audio').paused")
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.className || document.activeElement.tagName")
        )
    assert reached[:4] == [
        "listen-button listen-back",
        "listen-button listen-forward",
        "listen-button listen-previous",
        "listen-button listen-next",
    ]
    assert reached[4] == "SELECT"
    page.focus(".listen-play")
    page.keyboard.press("Space")
    wait_until(page, "() => document.querySelector('audio').paused")


def test_media_session_describes_the_narration(open_page: Callable[..., Any]) -> None:
    page = open_page("be")
    metadata = page.evaluate(
        "(({title, artist, album}) => ({title, artist, album}))(navigator.mediaSession.metadata)"
    )
    title = built_title = page.get_attribute("section.listen", "data-title")
    assert metadata == {"title": title, "artist": "Polyedition Newsroom", "album": "Polyedition"}
    assert built_title and built_title.startswith("Беларусь вызваліла 123")


@pytest.mark.parametrize(("motion", "scrolls"), [("no-preference", True), ("reduce", False)])
def test_reduced_motion_stops_following_the_reading(
    open_page: Callable[..., Any], built: Built, motion: str, scrolls: bool
) -> None:
    page = open_page("en", reduced_motion=motion)
    page.click(".listen-play")
    page.evaluate("window.scrollTo(0, 0)")
    seek(page, built.cue_starts("en")["summary-p1"] + 0.05)
    wait_until(page, READING_IN, "summary-p1")
    if scrolls:
        wait_until(page, "() => window.scrollY > 1000")
    else:
        page.wait_for_timeout(500)
        assert page.evaluate("window.scrollY") == 0


def test_axe_finds_nothing_with_the_player_enhanced(
    open_page: Callable[..., Any], built: Built
) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not available; pip install axe-playwright-python")
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    for scheme in ("light", "dark"):
        page = open_page("be", color_scheme=scheme)
        page.click(".listen-play")  # engaged: passages become focusable
        page.click(".listen-play")  # paused again, so that nothing changes during the audit
        wait_until(page, "() => document.querySelector('audio').paused")
        page.click(".listen-chapters summary")
        seek(page, built.cue_starts("be")["key-points-r1-c2"] + 0.05)
        page.wait_for_selector(".listen-current")
        assert page.locator(".listen-seekable").count() > 60
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
        violations = [
            f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]
        ]
        assert violations == [], scheme
