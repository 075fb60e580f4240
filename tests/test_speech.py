"""Speech engines, voices, lexicons and the speech cache: the parts narration is built from."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from fakes.editions import with_narration
from polyedition.cache import (
    ChapterRecipe,
    ContentStore,
    LayoutRecipe,
    SpeechCache,
    SynthesisRecipe,
    content_key,
)
from polyedition.config import NarrationSettings, Settings
from polyedition.content import read_article
from polyedition.errors import ConfigError, SpeechError
from polyedition.languages import PROFILES
from polyedition.narration.sentences import speakable
from polyedition.speech.base import Mark, Synthesis
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.lexicon import Entry, Lexicon, load_lexicon, parse_lexicon
from polyedition.speech.proof import voice_stress
from polyedition.speech.registry import Engines
from polyedition.speech.stress import accented_vowel
from polyedition.speech.text import sentence_starts, sentences, word_spans
from projectkit import ARTICLE, REPO

LANGS = tuple(PROFILES)
SAMPLES = {
    "en": "Belarus has released 123 prisoners. Maria Kolesnikova is among them.",
    "be": "Беларусь вызваліла 123 палітвязні. Сярод іх Марыя Калеснікава.",
    "ru": "Беларусь освободила 123 заключённых. Среди них Мария Колесникова.",
    "pl": "Białoruś uwolniła 123 więźniów. Wśród nich jest Maria Kalesnikawa.",
    "lt": "Baltarusija paleido 123 kalinius. Tarp jų yra Marija Kalesnikava.",
}


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


def peak(pcm: bytes) -> int:
    from array import array

    return max(abs(sample) for sample in array("h", pcm))


# --- eSpeak NG -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_espeak_speaks_every_language_with_a_mark_per_sentence(
    espeak: EspeakEngine, lang: str
) -> None:
    text = SAMPLES[lang]
    synthesis = espeak.synthesize(text, lang, PROFILES[lang].espeak_voice, None)
    assert synthesis.sample_rate == 22050
    assert 2.0 < synthesis.duration < 10.0
    assert peak(synthesis.pcm) > 3000  # speech, not silence
    second = sentence_starts(text)[1]
    start = synthesis.sample_at(second)
    assert any(mark.offset == second for mark in synthesis.marks)  # a word event, exact
    assert 0.3 * synthesis.samples < start < 0.8 * synthesis.samples


def test_espeak_output_depends_on_the_text_alone(espeak: EspeakEngine) -> None:
    """libespeak-ng keeps pitch state between calls; reloading it makes builds reproducible."""
    text = SAMPLES["en"]
    first = espeak.synthesize(text, "en", "en", None)
    espeak.synthesize(SAMPLES["ru"], "ru", "ru", None)
    espeak.synthesize("Something else entirely, to move its state on.", "en", "en", None)
    assert espeak.synthesize(text, "en", "en", None) == first


def test_espeak_words_without_events_are_timed_by_position(espeak: EspeakEngine) -> None:
    text = "The US’s decision to lift sanctions on Belarusian potash was announced."
    synthesis = espeak.synthesize(text, "en", "en", None)
    offsets = [start for start, _ in word_spans(text)]
    marked = {mark.offset for mark in synthesis.marks}
    assert set(offsets) - marked, "eSpeak gave every word an event: nothing to fill in here"
    times = [synthesis.sample_at(offset) for offset in offsets]
    assert times == sorted(times)
    assert times[0] >= 0 and times[-1] < synthesis.samples


def test_espeak_rate_is_words_per_minute(espeak: EspeakEngine) -> None:
    slow = espeak.synthesize(SAMPLES["en"], "en", "en", 120)
    fast = espeak.synthesize(SAMPLES["en"], "en", "en", 300)
    assert fast.duration < 0.6 * slow.duration


def test_espeak_unknown_voice_is_an_error_naming_the_language(espeak: EspeakEngine) -> None:
    with pytest.raises(SpeechError, match="no voice 'xx-nowhere'") as caught:
        espeak.synthesize("Hello.", "en", "xx-nowhere", None)
    assert caught.value.lang == "en"


@pytest.mark.parametrize("lang", LANGS)
def test_espeak_offers_the_language_default_voice_first(espeak: EspeakEngine, lang: str) -> None:
    voices = espeak.voices(lang)
    assert voices[0].name == PROFILES[lang].espeak_voice
    assert all(voice.lang == lang for voice in voices)


def test_espeak_version_names_library_and_package(espeak: EspeakEngine) -> None:
    assert espeak.version().startswith("espeak-ng 1.")
    assert "espeakng-loader" in espeak.version()


# --- choosing engines and voices ------------------------------------------------------------


def test_by_default_every_language_is_narrated_offline_by_espeak(repo_settings: Settings) -> None:
    engines = Engines()
    for lang in repo_settings.languages:
        (choice,) = engines.choices(repo_settings, lang)
        assert (choice.engine.name, choice.voice) == ("espeak", PROFILES[lang].espeak_voice)


def test_gtts_for_belarusian_alone_is_a_config_error(repo_settings: Settings) -> None:
    settings = with_narration(repo_settings, be=NarrationSettings(engines=("gtts",)))
    with pytest.raises(ConfigError, match=r"narration\.be\.engines.*Belarusian") as caught:
        Engines().choices(settings, "be")
    assert caught.value.path == repo_settings.project_dir / "pyproject.toml"


def test_gtts_for_belarusian_falls_back_and_says_so_once(
    repo_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = with_narration(repo_settings, be=NarrationSettings(engines=("gtts", "espeak")))
    engines = Engines()
    with caplog.at_level(logging.INFO, logger="polyedition.speech.registry"):
        for _ in range(3):
            (choice,) = engines.choices(settings, "be")
            assert choice.engine.name == "espeak"
    assert [r.getMessage() for r in caplog.records] == [
        "gtts has no Belarusian voice: be uses the next engine in "
        "tool.polyedition.narration.be.engines"
    ]


def test_gtts_then_espeak_keeps_both_in_order_where_gtts_has_the_language(
    repo_settings: Settings,
) -> None:
    settings = with_narration(repo_settings, lt=NarrationSettings(engines=("gtts", "espeak")))
    names = [choice.engine.name for choice in Engines().choices(settings, "lt")]
    assert names == ["gtts", "espeak"]


def test_a_voice_is_used_by_the_engine_that_has_it(repo_settings: Settings) -> None:
    settings = with_narration(
        repo_settings, en=NarrationSettings(engines=("gtts", "espeak"), voice="en-US+f3", rate=160)
    )
    gtts, espeak = Engines().choices(settings, "en")
    assert (gtts.voice, espeak.voice, espeak.rate) == ("com", "en-US+f3", 160)


def test_a_voice_no_engine_has_is_a_config_error(repo_settings: Settings) -> None:
    settings = with_narration(repo_settings, ru=NarrationSettings(voice="ru-nowhere"))
    with pytest.raises(ConfigError, match=r"narration\.ru\.voice.*'ru-nowhere'"):
        Engines().choices(settings, "ru")


# --- sentences --------------------------------------------------------------------------------


def test_every_paragraph_of_the_article_splits_into_sentences_that_rejoin() -> None:
    article = read_article(ARTICLE)
    for segment in article.segments():
        text = speakable(segment.text)
        parts = sentences(text)
        assert " ".join(parts) == text
        assert all(part[:1].isupper() or part[:1].isdigit() for part in parts), parts
    lead = speakable(article.sections[0].blocks[0].segment.text)  # type: ignore[union-attr]
    assert len(sentences(lead)) == 5


# --- lexicons ---------------------------------------------------------------------------------


def test_lexicon_replaces_whole_words_exactly_as_written() -> None:
    lexicon = Lexicon(
        "en",
        (
            Entry("Coale", "Cole", 1),
            Entry("Kolesnikova’s", "[[k@l'EsnIk@v@z]]", 2),
        ),
    )
    applied = lexicon.apply(
        "Coale met Kolesnikova's team; Coales and coale did not.", phonemes=True
    )
    assert applied.text == "Cole met [[k@l'EsnIk@v@z]] team; Coales and coale did not."
    assert [entry.word for entry in applied.entries] == ["Coale", "Kolesnikova’s"]
    respelled = lexicon.apply("Coale met Kolesnikova’s team.", phonemes=False)
    assert respelled.text == "Cole met Kolesnikova’s team."  # phonemes are eSpeak's only
    assert [entry.word for entry in respelled.entries] == ["Coale"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Coale Cole", "a word, one tab"),
        ("Coale\tCole\tKoul", "a word, one tab"),
        ("US envoy\tenvoy", "not a single word"),
        ("Coale\t[[k'oUl] extra", "double brackets"),
    ],
)
def test_a_bad_lexicon_line_names_the_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "lexicon.tsv"
    with pytest.raises(SpeechError, match=problem) as caught:
        parse_lexicon(["# comment", "", line], "en", path)
    assert (caught.value.path, caught.value.line) == (path, 3)


def test_a_word_listed_twice_is_an_error() -> None:
    with pytest.raises(SpeechError, match="listed twice"):
        parse_lexicon(["Coale\tCole", "Coale\tKoul"], "en", Path("lexicon.tsv"))


def test_a_language_without_a_lexicon_has_an_empty_one(tmp_path: Path) -> None:
    assert load_lexicon(tmp_path, "be") == Lexicon("be")


@pytest.mark.parametrize("lang", LANGS)
def test_every_lexicon_entry_changes_what_espeak_says(espeak: EspeakEngine, lang: str) -> None:
    """An entry that eSpeak already says right, or whose phonemes it drops, is a dead entry."""
    lexicon = load_lexicon(REPO / "locales", lang)
    assert lexicon.entries, f"locales/{lang}/lexicon.tsv has no entries"
    for entry in lexicon.entries:
        if entry.stressed:
            continue  # below, all at once
        said = espeak.phonemes(entry.say, lang)
        assert said != espeak.phonemes(entry.word, lang), entry
        if entry.phonemes:
            # Every phoneme written is spoken (eSpeak silently drops ones it does not know).
            assert _bare(said) == _bare(entry.say.strip("[]")), entry
    # An accented respelling moves eSpeak's stress to the vowel it marks.
    stressed = [entry for entry in lexicon.entries if entry.stressed]
    if not stressed:
        return
    text = ", ".join(entry.word for entry in stressed)
    wanted = [accented_vowel(entry.say) for entry in stressed]
    assert [w.vowel for w in voice_stress(text, lang, lexicon, espeak)] == wanted
    unaided = [w.vowel for w in voice_stress(text, lang, Lexicon(lang), espeak)]
    assert not [e.word for e, v, w in zip(stressed, unaided, wanted, strict=True) if v == w]


def _bare(phonemes: str) -> str:
    """Phonemes without stress marks and pauses (eSpeak moves stress marks around)."""
    return "".join(ch for ch in phonemes if ch not in "',_: ")


# --- the cache --------------------------------------------------------------------------------


def test_cache_keys_change_with_every_input() -> None:
    base = SynthesisRecipe(
        engine="espeak",
        version="1",
        voice="be",
        rate=None,
        lexicon=(("Калеснікава", "[[kal;'Es;n;ikava]]"),),
        text="Марыя Калеснікава.",
        mastering="-16.0 LUFS",
    )
    keys = {content_key(base)}
    for name, other in [
        ("engine", "gtts"),
        ("version", "2"),
        ("voice", "be+f3"),
        ("rate", 150),
        ("lexicon", ()),
        ("text", "Марыя Калеснікава!"),
        ("mastering", "-14.0 LUFS"),
    ]:
        keys.add(content_key(dataclasses.replace(base, **{name: other})))
    assert len(keys) == 8


def test_every_kind_of_entry_is_named_by_the_one_key_of_its_recipe() -> None:
    """The same ingredients name the same entry; a layout's or a chapter's recipe never names
    what another kind of recipe names."""
    layout = LayoutRecipe(speech="ab" * 32, rate=22050, sentences=(10, 42), pause=0.4, pacing="1")
    chapter = ChapterRecipe(
        utterances=((content_key(layout), 800),),
        skip=0,
        tail=None,
        sample_rate=22050,
        bitrate=48,
        quality=2,
        encoder="lameenc",
    )
    assert content_key(layout) == content_key(dataclasses.replace(layout))
    assert content_key(layout) != content_key(dataclasses.replace(layout, pause=0.5))
    assert content_key(chapter) != content_key(dataclasses.replace(chapter, tail=("cd", 100)))
    assert all(len(content_key(recipe)) == 64 for recipe in (layout, chapter))


def test_cache_round_trips_a_synthesis_bit_for_bit_compressed(tmp_path: Path) -> None:
    """What the cache keeps of a synthesis (an engine that cannot say it again) is FLAC:
    smaller than the PCM, and the very same samples when read."""
    rng = np.random.default_rng(7)
    tone = np.sin(np.arange(44100) / 22050 * 2 * np.pi * 180) * 9000
    pcm = np.round(tone + rng.normal(0, 30, tone.size)).astype("<i2").tobytes()
    synthesis = Synthesis(pcm, 22050, (Mark(0, 0), Mark(6, 40)), 12)
    cache = SpeechCache(tmp_path)
    cache.put_audio("ab" * 32, synthesis)
    assert cache.audio("ab" * 32) == synthesis
    assert cache.audio("cd" * 32) is None
    assert cache.store.path("audio", "ab" * 32).stat().st_size < 0.5 * len(pcm)


def test_the_first_audio_kept_for_an_utterance_is_the_one_every_chapter_gets(
    tmp_path: Path,
) -> None:
    """Two chapter jobs may say the same utterance at once (a chapter ends with the next one's
    first utterance). An engine that draws noise says it otherwise each time, so the one kept
    first stands, and the later job goes on with it: both chapters are made of the same audio,
    and so is any chapter encoded again from the cache later."""
    rng = np.random.default_rng(11)
    first, second = (
        Synthesis(rng.integers(-900, 900, 2000, dtype="<i2").tobytes(), 22050, (Mark(0, 0),), 5)
        for _ in range(2)
    )
    one, other = SpeechCache(tmp_path), SpeechCache(tmp_path)  # two workers' caches
    assert one.put_audio("ab" * 32, first) == first
    assert other.put_audio("ab" * 32, second) == first
    assert SpeechCache(tmp_path).audio("ab" * 32) == first


def test_an_audio_entry_of_another_format_is_made_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An entry whose checksum holds but whose content is not what this version writes (raw
    PCM as older versions stored it, another codec) is missing, with a warning."""
    cache = SpeechCache(tmp_path)
    meta = b'{"sample_rate":22050,"text_length":12,"marks":[[0,0]]}'
    cache.store.write("audio", "ab" * 32, meta + b"\n" + b"\x01\x00" * 100)
    cache.store.write("audio", "cd" * 32, meta[:-1] + b',"codec":"opus","samples":100}\n')
    with caplog.at_level(logging.WARNING):
        assert cache.audio("ab" * 32) is None
        assert cache.audio("cd" * 32) is None
    assert caplog.text.count("unreadable cache entry, making it again") == 2
    assert not cache.store.path("audio", "ab" * 32).exists()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_corrupt_cache_entry_is_reported_and_dropped_never_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    store = ContentStore(tmp_path)
    key = "0f" * 32
    store.write("timing", key, b"speech" * 100)
    path = store.path("timing", key)
    data = path.read_bytes()
    path.write_bytes(
        {"truncate": data[:-7], "flip": data[:-1] + bytes([data[-1] ^ 1]), "garbage": b"x"}[damage]
    )
    with caplog.at_level(logging.WARNING):
        assert store.read("timing", key) is None
    assert "corrupt cache entry" in caplog.text
    assert not path.exists()
