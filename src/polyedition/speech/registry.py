"""Which engine, voice and rate narrate a language: settings checked against what engines offer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from polyedition.config import PYPROJECT, Settings
from polyedition.errors import ConfigError
from polyedition.languages import profile
from polyedition.speech.base import Engine
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.gtts import GttsEngine
from polyedition.speech.piper import PiperEngine

logger = logging.getLogger(__name__)

FACTORIES: Mapping[str, Callable[[], Engine]] = {
    "espeak": EspeakEngine,
    "gtts": GttsEngine,
    "piper": PiperEngine,
}
"""Every engine by its name in ``engines = [...]``."""


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    """One engine, with the voice and rate it uses for a language."""

    engine: Engine
    voice: str
    rate: int | None

    @property
    def label(self) -> str:
        rate = f", {self.rate} wpm" if self.rate is not None else ""
        return f"{self.engine.name} ({self.voice}{rate})"


class Engines:
    """The engines of one build, each created on first use; tests pass their own factories."""

    def __init__(
        self,
        factories: Mapping[str, Callable[[], Engine]] | None = None,
        *,
        voices_dir: Path | None = None,
    ) -> None:
        """``voices_dir``: the project's Piper voices folder (``Settings.voices_dir``)."""
        self._factories = dict(FACTORIES if factories is None else factories)
        if factories is None and voices_dir is not None:
            self._factories["piper"] = lambda: PiperEngine(voices_dir)
        self._engines: dict[str, Engine] = {}
        self._told: set[tuple[str, str]] = set()
        self._unavailable: set[tuple[str, str]] = set()

    def set_aside(self, name: str, lang: str) -> None:
        """The engine ``name`` went unavailable for ``lang``: the language's later utterances
        (the narration's later chapters) go straight to the next choice, so that a narration
        does not change voice back and forth."""
        self._unavailable.add((name, lang))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def get(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = self._factories[name]()
        return self._engines[name]

    def choices(self, settings: Settings, lang: str) -> tuple[VoiceChoice, ...]:
        """The configured engines that can speak ``lang``, in order of preference.

        An engine without the language (gTTS for Belarusian) is skipped, and the build says so
        once; if no configured engine is left, or the voice is unknown to every engine, that is
        a ConfigError naming the setting.
        """
        narration = settings.narration_for(lang)
        where = f"tool.polyedition.narration.{lang}"
        able = []
        for name in narration.engines:
            if name not in self._factories:
                raise ConfigError(
                    f"{where}.engines: unknown engine {name!r}",
                    path=settings.project_dir / PYPROJECT,
                    hint=f"known engines: {', '.join(self._factories)}",
                )
            engine = self.get(name)
            if lang in engine.languages():
                able.append(engine)
            elif (name, lang) not in self._told:
                self._told.add((name, lang))
                if len(narration.engines) > 1:
                    logger.info(
                        "%s has no %s voice: %s uses the next engine in %s.engines",
                        name,
                        profile(lang).english_name,
                        lang,
                        where,
                    )
        if not able:
            raise ConfigError(
                f"{where}.engines: no engine in {list(narration.engines)} speaks "
                f"{profile(lang).english_name}",
                path=settings.project_dir / PYPROJECT,
                hint="gTTS and Piper have no Belarusian voice; add 'espeak' (offline, every "
                "language), or install a Piper voice for the language (see 'polyedition voices')",
            )
        if any((engine.name, lang) not in self._unavailable for engine in able):
            able = [engine for engine in able if (engine.name, lang) not in self._unavailable]
        choices = [
            VoiceChoice(engine, _voice(engine, lang, narration.voice), narration.rate)
            for engine in able
        ]
        if narration.voice is not None and all(c.voice != narration.voice for c in choices):
            raise ConfigError(
                f"{where}.voice: no engine in {list(narration.engines)} has a voice "
                f"{narration.voice!r}",
                path=settings.project_dir / PYPROJECT,
                hint=f"run 'polyedition voices --lang {lang}' to list the voices",
            )
        return tuple(choices)


def _voice(engine: Engine, lang: str, wanted: str | None) -> str:
    """The configured voice if the engine has it (eSpeak: maybe ``+variant``), else its default."""
    offered = [voice.name for voice in engine.voices(lang)]
    if wanted is not None:
        base = wanted.split("+")[0]
        for name in offered:
            if name.lower() == base.lower():
                return wanted
    return offered[0]
