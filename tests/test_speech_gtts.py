"""The gTTS engine at its HTTP boundary: a stand-in endpoint on 127.0.0.1, and the real one offline.

No test here reaches the internet except ``test_the_real_endpoint_offline_fails_cleanly``,
which makes one bounded attempt to show what a machine without a network gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.editions import make_site, translated_project, with_narration
from fakes.gtts_endpoint import FakeEndpoint, fake_endpoint
from polyedition.cache import SpeechCache
from polyedition.config import NarrationSettings
from polyedition.errors import SpeechError
from polyedition.render.audio.narrate import narrate
from polyedition.speech.base import EngineUnavailable
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.gtts import SAMPLE_RATE, GttsEngine, GttsOptions
from polyedition.speech.registry import Engines
from projectkit import SLUG

LONG = (
    "Maria Kolesnikova’s release, celebrated as a victory by many in the opposition and civil "
    "society, highlights the ongoing negotiations between the Belarusian government and "
    "international powers. Observers are keenly watching."
)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEndpoint]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with fake_endpoint() as fake:
        yield fake


class Sleeps:
    """The engine's clock: records its waits (throttle, backoff) and passes them instantly."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 0.0

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def engine_for(fake: FakeEndpoint, sleep: Sleeps | None = None, **options: float) -> GttsEngine:
    settings = {"interval": 0.0, "backoff": 0.5, "timeout": 0.5, **options}
    sleep = sleep or Sleeps()
    return GttsEngine(
        GttsOptions(endpoint=fake.endpoint, **settings),  # type: ignore[arg-type]
        sleep=sleep,
        clock=sleep.clock,
    )


def test_gtts_sends_chunks_of_at_most_100_characters_and_decodes_the_mp3(
    endpoint: FakeEndpoint,
) -> None:
    synthesis = engine_for(endpoint).synthesize(LONG, "en", "co.uk", None)
    texts = [request.text for request in endpoint.requests]
    assert len(texts) >= 3 and all(len(text) <= 100 for text in texts)
    assert LONG.replace(",", "").split() == " ".join(texts).replace(",", "").split()
    assert {request.lang for request in endpoint.requests} == {"en"}
    assert {request.path for request in endpoint.requests} == {"/co.uk/batchexecute"}
    assert synthesis.sample_rate == SAMPLE_RATE
    # The stand-in speaks 0.04 s per character: the decoded chunks add up (gaps added).
    assert synthesis.duration == pytest.approx(0.04 * sum(map(len, texts)), rel=0.25)
    second = LONG.index("Observers")
    assert [mark.offset for mark in synthesis.marks] == [0, second]


def test_gtts_request_is_what_gtts_itself_sends(endpoint: FakeEndpoint) -> None:
    engine_for(endpoint).synthesize("Lukashenko.", "ru", "com", 100)
    (request,) = endpoint.requests
    assert (request.text, request.lang, request.slow) == ("Lukashenko.", "ru", True)


def test_gtts_retries_429_and_5xx_with_backoff(endpoint: FakeEndpoint) -> None:
    endpoint.script[:] = ["429", "503", "ok"]
    sleeps = Sleeps()
    synthesis = engine_for(endpoint, sleeps, backoff=0.5).synthesize(
        "Lithuania.", "lt", "com", None
    )
    assert synthesis.samples > 0
    assert len(endpoint.requests) == 3
    assert sleeps.calls == [0.0, 0.0]  # the stand-in says Retry-After: 0


def test_gtts_backs_off_exponentially_without_retry_after(endpoint: FakeEndpoint) -> None:
    endpoint.script[:] = ["stall", "stall", "stall"]
    sleeps = Sleeps()
    engine = engine_for(endpoint, sleeps, backoff=0.5, timeout=0.2, attempts=3)
    with pytest.raises(EngineUnavailable):
        engine.synthesize("Poland.", "pl", "com", None)
    assert sleeps.calls == [0.5, 1.0]


def test_gtts_throttles_requests(endpoint: FakeEndpoint) -> None:
    sleeps = Sleeps()
    engine_for(endpoint, sleeps, interval=30.0).synthesize(LONG, "en", "com", None)
    assert len(endpoint.requests) > 1
    assert sleeps.calls == [30.0] * (len(endpoint.requests) - 1)


@pytest.mark.parametrize("failure", ["429", "503", "stall"])
def test_gtts_gives_up_naming_the_language(endpoint: FakeEndpoint, failure: str) -> None:
    endpoint.script[:] = [failure] * 3
    engine = engine_for(endpoint, attempts=3, timeout=0.2)
    with pytest.raises(EngineUnavailable, match="after 3 tries") as caught:
        engine.synthesize("Lithuania.", "lt", "com", None)
    assert caught.value.lang == "lt"
    assert "narration.lt" in (caught.value.hint or "")
    assert len(endpoint.requests) == 3


def test_gtts_answer_without_audio_is_an_error_not_silence(endpoint: FakeEndpoint) -> None:
    endpoint.script[:] = ["no-audio"]
    with pytest.raises(SpeechError, match="without audio") as caught:
        engine_for(endpoint).synthesize("Poland.", "pl", "com", None)
    assert not isinstance(caught.value, EngineUnavailable)


def test_gtts_has_no_belarusian() -> None:
    engine = GttsEngine()
    assert "be" not in engine.languages()
    assert engine.voices("be") == ()
    with pytest.raises(SpeechError, match="no Belarusian voice"):
        engine.synthesize("Беларусь.", "be", "com", None)


@pytest.mark.timeout(60)
def test_the_real_endpoint_offline_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This machine has no internet: one real attempt fails fast, names the language and the
    segment, and leaves nothing behind (gTTS's own ``save()`` leaves a 0-byte MP3)."""
    settings = with_narration(
        translated_project(tmp_path / "project"), lt=NarrationSettings(engines=("gtts",))
    )
    site = make_site(settings)
    engines = Engines(
        {"gtts": lambda: GttsEngine(GttsOptions(attempts=1, timeout=5.0)), "espeak": EspeakEngine}
    )
    cache_dir = tmp_path / "cache"
    with pytest.raises(SpeechError, match=r"cannot narrate segment 'title'.*gtts") as caught:
        narrate(site, site.edition(SLUG, "lt"), SpeechCache(cache_dir), engines=engines)
    assert caught.value.lang == "lt"
    # The headline is the first thing read: nothing was synthesized, nothing was written.
    assert not cache_dir.exists() or not [p for p in cache_dir.rglob("*") if p.is_file()]
    assert not list(tmp_path.rglob("*.mp3"))


def test_narration_falls_back_to_espeak_when_gtts_is_unavailable(
    tmp_path: Path, endpoint: FakeEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    settings = with_narration(
        translated_project(tmp_path / "project"),
        lt=NarrationSettings(engines=("gtts", "espeak")),
    )
    site = make_site(settings)
    endpoint.script[:] = ["503"] * 2
    engines = Engines(
        {
            "gtts": lambda: engine_for(endpoint, attempts=2),
            "espeak": EspeakEngine,
        }
    )
    narration = narrate(
        site, site.edition(SLUG, "lt"), SpeechCache(tmp_path / "c"), engines=engines
    )
    assert {placed.engine for placed in narration.placed} == {"espeak"}
    assert "lt: gtts unavailable at segment 'title'" in caplog.text
    assert "narrating lt with espeak (lt)" in caplog.text


def test_a_narration_can_mix_gtts_and_espeak(tmp_path: Path, endpoint: FakeEndpoint) -> None:
    """Lithuanian by gTTS (24 kHz) with English fallbacks by eSpeak (22.05 kHz): one MP3."""
    settings = with_narration(
        translated_project(tmp_path / "project"), lt=NarrationSettings(engines=("gtts",))
    )
    site = make_site(settings)
    edition = site.edition(SLUG, "lt")
    engines = Engines({"gtts": lambda: engine_for(endpoint), "espeak": EspeakEngine})
    narration = narrate(site, edition, SpeechCache(tmp_path / "c"), engines=engines)
    by_engine = {placed.utterance.id: placed.engine for placed in narration.placed}
    assert by_engine["title"] == "gtts" and by_engine["lead-p1"] == "espeak"
    assert narration.sample_rate == SAMPLE_RATE
    sent = " ".join(request.text for request in endpoint.requests)
    # every engine hears the front end's words, gTTS too
    assert "Baltarusija paleido šimtą dvidešimt tris kalinius" in sent
    assert {request.lang for request in endpoint.requests} == {"lt"}
