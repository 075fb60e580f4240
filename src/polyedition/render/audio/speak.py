"""The speak stage: each utterance of the script through the front end, the accent stage, the
lexicon and the desk's fixes to its engine, mastered (``mastering.master``) and cached by
everything that determines it, or found in the cache by its timing alone (no PCM read).

A freshly synthesized utterance's PCM is held for its chapter while ``FRESH_BUDGET_BYTES``
allows; beyond it, its chapter reads it back from the speech cache, or, for an engine that
says a text the same way every time (``Engine.reproducible``: eSpeak), says it again: the cache
keeps only the audio that could not be made again.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from polyedition.cache import SpeechCache, SynthesisRecipe, content_key
from polyedition.errors import SpeechError
from polyedition.model import Edition
from polyedition.narration.script import Script, Utterance, narration_script
from polyedition.render.audio.mastering import master, recipe
from polyedition.site import Site
from polyedition.speech.base import EngineUnavailable, Synthesis, Timing
from polyedition.speech.registry import Engines, VoiceChoice
from polyedition.speech.speaker import Speaker, load_speaker
from polyedition.speech.spoken import SpokenText

logger = logging.getLogger(__name__)

__all__ = ["Speaker", "load_speaker", "speak", "speak_script", "spoken_script"]

FRESH_BUDGET_BYTES = 64 * 1024 * 1024
"""How much freshly made audio a narration keeps in memory for its chapters, for each of the
synthesized and the paced PCM (about 25 minutes at 22 kHz each); beyond it, a chapter reads
its segments back from the speech cache and paces them again, so memory stays bounded however
long the article."""

LONGEST_SPOKEN_WORD = 40
"""Letters in the longest word a narration says; a longer one is not said (German's longest
words in real use have about 40; a voice would spell a run of letters one by one)."""
_OVERLONG = re.compile(rf"[^\W\d_]{{{LONGEST_SPOKEN_WORD + 1},}}")


@dataclass
class Budget:
    """PCM bytes held in memory for chapters not yet encoded, at most ``limit``."""

    limit: int = FRESH_BUDGET_BYTES
    held: int = 0

    def admit(self, size: int) -> bool:
        """Whether ``size`` more bytes may be held; if so, they count as held."""
        if self.held + size > self.limit:
            return False
        self.held += size
        return True

    def release(self, size: int) -> None:
        self.held -= size


@dataclass
class SpeechCounts:
    """What the speak stage did (a synthesis made again when its chapter reads it counts too)."""

    synthesized: int = 0
    """Utterances synthesized (not found in the cache)."""
    cached: int = 0
    """Utterances served from the cache."""
    said_again: int = 0
    """Utterances of a reproducible engine said again for a chapter encoded again (their
    audio is not cached)."""
    seconds: float = 0.0
    """Time spent in the engines."""
    budget: Budget = field(default_factory=Budget)
    """The fresh PCM held for chapters."""


class Audio(Protocol):
    """Where a spoken utterance's PCM comes from when a later stage needs it."""

    def load(self) -> Synthesis: ...


@dataclass(frozen=True, slots=True)
class Spoken:
    """One utterance spoken: its timing now, its PCM when its chapter needs it."""

    utterance: Utterance
    timing: Timing
    sentences: tuple[tuple[int, str], ...]
    """Each sentence: its offset in the text the engine read, and its text as written."""
    engine: str
    key: str
    """The synthesis's key in the speech cache."""
    audio: Audio
    """The synthesis with its PCM: held, from the cache, or made again if the entry went bad."""

    def load(self) -> Synthesis:
        return self.audio.load()


def speak_script(
    site: Site,
    script: Script,
    cache: SpeechCache,
    engines: Engines,
    counts: SpeechCounts,
    *,
    ahead: Sequence[Utterance] = (),
) -> list[Spoken]:
    """Every utterance spoken, each language by its first engine that is available; the texts
    of the utterances to be spoken next (``ahead``) are prepared with theirs, so that speaking
    those loads eSpeak and the accent models no second time."""
    by_lang: dict[str, list[int]] = {}
    for index, utterance in enumerate(script.utterances):
        by_lang.setdefault(utterance.lang, []).append(index)
    spoken: dict[int, Spoken] = {}
    for lang, indexes in by_lang.items():
        texts = [script.utterances[index].text for index in indexes]
        speaker = _speaker(site, lang, texts + [u.text for u in ahead if u.lang == lang])
        choices = engines.choices(site.settings, lang)
        for number, choice in enumerate(choices, start=1):
            try:
                for index in indexes:
                    spoken[index] = speak(script.utterances[index], choice, speaker, cache, counts)
                break
            except EngineUnavailable as exc:
                utterance = script.utterances[index]
                if number == len(choices):
                    raise SpeechError(
                        f"cannot narrate segment {utterance.id!r}: "
                        f"{choice.engine.name}: {exc.message}",
                        lang=lang,
                        hint=exc.hint,
                    ) from exc
                engines.set_aside(choice.engine.name, lang)
                logger.warning(
                    "%s: %s unavailable at segment %r (%s); narrating %s with %s",
                    lang,
                    choice.engine.name,
                    utterance.id,
                    exc.message,
                    lang,
                    choices[number].label,
                )
    return [spoken[index] for index in range(len(script.utterances))]


def _speaker(site: Site, lang: str, texts: list[str] | None) -> Speaker:
    """``lang``'s speech tables as the site read them, with ``texts`` prepared."""
    speaker = site.speech.of(lang)
    if texts is not None:
        speaker.prepare(texts)
    return speaker


def spoken_script(
    site: Site, edition: Edition, *, engines: Engines | None = None
) -> tuple[tuple[Utterance, SpokenText], ...]:
    """Every utterance of the edition's narration with the text its engine will read: after
    the front end, the accent stage, the lexicon and the desk's one-occurrence fixes (phonemes
    only where the engine in use reads them)."""
    engines = engines or Engines()
    script = narration_script(site, edition)
    speakers: dict[str, tuple[Speaker, bool]] = {}
    for lang in dict.fromkeys(utterance.lang for utterance in script.utterances):
        phonemes = engines.choices(site.settings, lang)[0].engine.accepts_phonemes
        texts = [utterance.text for utterance in script.utterances if utterance.lang == lang]
        speakers[lang] = (_speaker(site, lang, texts if phonemes else None), phonemes)
    spoken = []
    for utterance in script.utterances:
        speaker, phonemes = speakers[utterance.lang]
        spoken.append((utterance, speaker.text(utterance, phonemes=phonemes)))
    return tuple(spoken)


def speak(
    utterance: Utterance,
    choice: VoiceChoice,
    speaker: Speaker,
    cache: SpeechCache,
    counts: SpeechCounts,
) -> Spoken:
    """One utterance through the front end, the lexicon and the engine, or from the cache.

    The cache key holds the words the engine reads, so that editing the speech tables
    re-narrates exactly the utterances whose spoken text changes."""
    engine = choice.engine
    spoken = speaker.text(utterance, phonemes=engine.accepts_phonemes)
    said, overlong = without_overlong_words(spoken.text)
    if overlong:
        logger.warning(
            "%s: segment %r: not saying %d word(s) longer than %d letters (%s…): a typo or a "
            "missing space? A voice would spell it letter by letter",
            utterance.lang,
            utterance.id,
            len(overlong),
            LONGEST_SPOKEN_WORD,
            overlong[0][:20],
        )
        spoken = replace(spoken, text=said)
    key = content_key(
        SynthesisRecipe(
            engine=engine.name,
            version=engine.version(),
            voice=engine.voice_id(utterance.lang, choice.voice),
            rate=choice.rate,
            lexicon=tuple((entry.word, entry.say) for entry in spoken.entries),
            text=spoken.text,
            mastering=recipe(),
        )
    )
    audio = _Audio(utterance, choice, text=spoken.text, key=key, cache=cache, counts=counts)
    timing = cache.timing(key)
    # Without its audio, a timing is as good as the engine is reproducible.
    if timing is not None and (engine.reproducible or cache.has_audio(key)):
        counts.cached += 1
        return Spoken(utterance, timing, spoken.sentences, engine.name, key, audio)
    stored = None if engine.reproducible else cache.audio(key)
    if stored is None:
        stored = audio.synthesize()
    else:  # its timing entry went missing
        cache.put_timing(key, stored.timing)
        counts.cached += 1
    audio.keep(stored)
    return Spoken(utterance, stored.timing, spoken.sentences, engine.name, key, audio)


class _Audio:
    """One utterance's PCM: held since it was made (within the budget), read from the cache,
    or said and mastered again."""

    def __init__(
        self,
        utterance: Utterance,
        choice: VoiceChoice,
        *,
        text: str,
        key: str,
        cache: SpeechCache,
        counts: SpeechCounts,
    ) -> None:
        self.utterance, self.choice, self.text, self.key = utterance, choice, text, key
        self.cache, self.counts = cache, counts
        self._fresh: list[Synthesis] = []

    def synthesize(self) -> Synthesis:
        """The engine's synthesis, mastered; its timing cached, and its audio too unless the
        engine is reproducible (if another job kept that utterance's audio first, that audio:
        an engine that draws noise must give every chapter the same)."""
        made = self._said()
        if not self.choice.engine.reproducible:
            made = self.cache.put_audio(self.key, made)
        self.cache.put_timing(self.key, made.timing)
        self.counts.synthesized += 1
        return made

    def _said(self) -> Synthesis:
        """The engine's synthesis, mastered."""
        utterance, engine, choice = self.utterance, self.choice.engine, self.choice
        started = time.perf_counter()
        try:
            made = engine.synthesize(self.text, utterance.lang, choice.voice, choice.rate)
        except EngineUnavailable:
            raise
        except SpeechError as exc:
            raise SpeechError(
                f"cannot narrate segment {utterance.id!r}: {engine.name}: {exc.message}",
                lang=utterance.lang,
                hint=exc.hint,
            ) from exc
        self.counts.seconds += time.perf_counter() - started
        if made.samples == 0:
            raise SpeechError(
                f"cannot narrate segment {utterance.id!r}: {engine.name} produced no audio",
                lang=utterance.lang,
                hint="check the segment's text and the lexicon entries it uses",
            )
        return master(made)

    def keep(self, made: Synthesis) -> None:
        """Hold fresh audio for its chapter while the budget allows; else it is read back."""
        if self.counts.budget.admit(len(made.pcm)):
            self._fresh.append(made)

    def load(self) -> Synthesis:
        """The PCM, made only when a chapter is encoded again: said again by a reproducible
        engine, else read from the cache (synthesized again if it went bad)."""
        if self._fresh:
            self.counts.budget.release(len(self._fresh[0].pcm))
            return self._fresh.pop()
        if self.choice.engine.reproducible:
            self.counts.said_again += 1
            made = self._said()
            if made.timing != self.cache.timing(self.key):
                # Said otherwise than before (its library changed): its chapter will find
                # the layout stale, and the narration speaks again with this timing.
                self.cache.put_timing(self.key, made.timing)
            return made
        return self.cache.audio(self.key) or self.synthesize()


def without_overlong_words(text: str) -> tuple[str, list[str]]:
    """``text`` with every word longer than ``LONGEST_SPOKEN_WORD`` letters blanked (spaces of
    its length, so every offset into the text still holds), and those words.

    >>> without_overlong_words("A " + "W" * 50 + " word.")[0] == "A " + " " * 50 + " word."
    True
    """
    found = _OVERLONG.findall(text)
    if not found:
        return text, []
    return _OVERLONG.sub(lambda match: " " * len(match.group()), text), found
