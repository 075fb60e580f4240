"""One frozen settings object read from ``[tool.polyedition]`` in the project's pyproject.toml."""

from __future__ import annotations

import logging
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from polyedition.errors import ConfigError
from polyedition.languages import PROFILES

logger = logging.getLogger(__name__)

PYPROJECT = "pyproject.toml"
KNOWN_ENGINES = ("espeak", "gtts", "piper")


def user_data_dir() -> Path:
    """Where polyedition keeps a user's files: XDG on Linux, the platform's folder elsewhere."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # The XDG spec: a relative path is invalid and must be ignored.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "polyedition"


def default_voices_dir() -> Path:
    """The voices folder when ``voices-dir`` is not set: ``<user data dir>/voices``."""
    return user_data_dir() / "voices"


@dataclass(frozen=True, slots=True)
class NarrationSettings:
    """How one language is narrated: engines in order of preference, voice and speaking rate."""

    engines: tuple[str, ...] = ()
    """Empty when not configured: ``Settings.narration_for`` fills in the default."""
    voice: str | None = None
    """Engine-specific voice name; None takes the language's default voice."""
    rate: int | None = None
    """Speaking rate in words per minute; None takes the engine's default."""


@dataclass(frozen=True, slots=True)
class Pauses:
    """Seconds of silence after each kind of utterance, from the end of its speech to the start
    of the next (the same whichever engine speaks): a heading is followed by a clear pause, a
    table row by a short one; a section ends with the longest."""

    sentence: float = 0.4
    """Between two sentences of one paragraph."""
    title: float = 0.9
    byline: float = 1.2
    heading: float = 0.8
    paragraph: float = 0.6
    question: float = 0.5
    caption: float = 0.6
    label: float = 0.15
    """After a table row's label, before its details."""
    row: float = 0.45
    section: float = 1.3
    """After a section's last utterance (instead of its own pause)."""


PAUSE_RANGE = (0.1, 5.0)
"""Allowed pause lengths in seconds: shorter would eat into the guards kept around speech."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the build needs to know about a project, validated once."""

    project_dir: Path
    source_language: str = "en"
    languages: tuple[str, ...] = ("en", "be", "ru", "pl", "lt")
    base_url: str = "https://example.org/"
    content_dir: Path = Path("content")
    locales_dir: Path = Path("locales")
    templates_dir: Path = Path("templates")
    output_dir: Path = Path("output")
    cache_dir: Path = Path(".cache")
    voices_dir: Path = field(default_factory=default_voices_dir)
    """Piper voices (``*.onnx`` with ``*.onnx.json``) besides those installed as packages."""
    narration: tuple[tuple[str, NarrationSettings], ...] = ()
    """(language, settings) pairs for the languages with narration settings of their own."""
    cache_keep_builds: int = 5
    """A cache entry no current output needs is kept while one of the last this many builds
    used it …"""
    cache_keep_days: float = 30.0
    """… or while it was used within this many days; after both, the build removes it."""
    narration_warn_words: int = 20000
    """Above this many words an edition's narration gets a warning before it is made (about
    two and a quarter hours of audio at the voices' pace); 0: never warn."""
    scheduler: str | None = None
    """A Dask scheduler to build on (``tcp://host:8786``, or ``local:N``); None: this machine."""
    pauses: Pauses = Pauses()
    """``[tool.polyedition.narration] pauses = {sentence = 0.4, …}``; unset kinds keep defaults."""

    def require_language(self, code: str) -> str:
        """Return ``code`` if the project publishes in it, else raise a ConfigError."""
        if code not in self.languages:
            raise ConfigError(
                f"language {code!r} is not configured for this project",
                path=self.project_dir / PYPROJECT,
                hint=f"configured languages: {', '.join(self.languages)}",
            )
        return code

    @property
    def target_languages(self) -> tuple[str, ...]:
        """The configured languages other than the source language."""
        return tuple(code for code in self.languages if code != self.source_language)

    def narration_for(self, code: str) -> NarrationSettings:
        """The language's narration settings, with the default engines where none are set.

        The default is Piper, then eSpeak, for a language with an installed Piper voice whose
        model card clears it for publishing; eSpeak alone otherwise. A voice that is not
        cleared (or whose licence is unknown) narrates only when configured explicitly.
        """
        configured = dict(self.narration).get(code, NarrationSettings())
        if configured.engines:
            return configured
        from polyedition.speech.piper_voices import publishable_languages

        engines = ("piper", "espeak") if code in publishable_languages(self.voices_dir) else ()
        return NarrationSettings(engines or ("espeak",), configured.voice, configured.rate)

    def with_narration_resolved(self) -> Settings:
        """These settings with every language's engines spelled out: the default is found once
        (finding it reads every installed distribution's file list), not in every worker."""
        resolved = tuple((code, self.narration_for(code)) for code in self.languages)
        return replace(self, narration=resolved)

    def page_url(self, *parts: str) -> str:
        """An absolute URL under the configured base URL (``page_url("be", slug, "")``)."""
        return self.base_url + "/".join(parts)


_DEFAULTS = Settings(project_dir=Path())

_PATH_KEYS = {
    "content-dir": "content_dir",
    "locales-dir": "locales_dir",
    "templates-dir": "templates_dir",
    "output-dir": "output_dir",
    "cache-dir": "cache_dir",
    "voices-dir": "voices_dir",
}
_NUMBER_KEYS = {
    "cache-keep-builds": "cache_keep_builds",
    "cache-keep-days": "cache_keep_days",
    "narration-warn-words": "narration_warn_words",
}
_TOP_KEYS = {
    "source-language",
    "languages",
    "base-url",
    "narration",
    "scheduler",
    *_PATH_KEYS,
    *_NUMBER_KEYS,
}
_RETIRED_KEYS = {
    "warm-workers-minutes": "a build leaves no process running; "
    "serve --watch keeps its workers while it runs",
}
"""Settings that are read no more: accepted with a warning for one release, then unknown."""
_NARRATION_KEYS = {"engines", "voice", "rate"}


def load_settings(project_dir: Path) -> Settings:
    """Read and validate ``[tool.polyedition]`` from ``project_dir/pyproject.toml``.

    A project without a pyproject.toml, or without the table, gets the defaults.
    """
    project_dir = project_dir.resolve()
    if not project_dir.is_dir():
        raise ConfigError("project folder does not exist", path=project_dir)
    pyproject = project_dir / PYPROJECT
    raw: Mapping[str, Any] = {}
    source = ""
    if pyproject.is_file():
        try:
            source = pyproject.read_text(encoding="utf-8")
            document = tomllib.loads(source)
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not UTF-8: {exc}", path=pyproject) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML: {exc}", path=pyproject) from exc
        tool = document.get("tool", {})
        raw = tool.get("polyedition", {}) if isinstance(tool, dict) else {}
        if not isinstance(raw, dict):
            raise ConfigError(
                "tool.polyedition must be a table of settings",
                path=pyproject,
                line=_line_of(source, "polyedition"),
                hint="write a [tool.polyedition] section",
            )
    return _parse(raw, project_dir, pyproject, source)


def _parse(raw: Mapping[str, Any], project_dir: Path, pyproject: Path, source: str) -> Settings:
    def fail(message: str, key: str, hint: str | None = None) -> ConfigError:
        return ConfigError(message, path=pyproject, line=_line_of(source, key), hint=hint)

    for key in raw:
        if key in _RETIRED_KEYS:
            line = _line_of(source, key)
            where = f"{pyproject}:{line}" if line else str(pyproject)
            logger.warning(
                "%s: tool.polyedition.%s is no longer used (%s); remove it",
                where,
                key,
                _RETIRED_KEYS[key],
            )
        elif key not in _TOP_KEYS:
            raise fail(
                f"unknown setting tool.polyedition.{key}",
                key,
                hint=f"known settings: {', '.join(sorted(_TOP_KEYS))}",
            )
    values: dict[str, Any] = {"project_dir": project_dir}

    languages = raw.get("languages", list(_DEFAULTS.languages))
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise fail("tool.polyedition.languages must be a list of language codes", "languages")
    for code in languages:
        if code not in PROFILES:
            raise fail(
                f"unsupported language {code!r} in tool.polyedition.languages",
                "languages",
                hint=f"supported: {', '.join(PROFILES)}",
            )
    if len(set(languages)) != len(languages) or not languages:
        raise fail("tool.polyedition.languages must list each language once", "languages")
    values["languages"] = tuple(languages)

    source_language = raw.get("source-language", _DEFAULTS.source_language)
    if source_language not in languages:
        raise fail(
            f"source-language {source_language!r} is not among the languages", "source-language"
        )
    values["source_language"] = source_language

    base_url = raw.get("base-url", _DEFAULTS.base_url)
    if not isinstance(base_url, str) or not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
        raise fail("tool.polyedition.base-url must be an http(s) URL", "base-url")
    values["base_url"] = base_url if base_url.endswith("/") else base_url + "/"

    for key, attr in _PATH_KEYS.items():
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise fail(f"tool.polyedition.{key} must be a folder path", key)
            folder = Path(raw[key])
            values[attr] = folder if folder.is_absolute() else project_dir / folder
        elif attr != "voices_dir":  # the voices folder is the user's, not the project's
            values[attr] = project_dir / getattr(_DEFAULTS, attr)
    _check_folders(values, raw, project_dir, fail)

    for key, attr in _NUMBER_KEYS.items():
        value = raw.get(key, getattr(_DEFAULTS, attr))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"tool.polyedition.{key} must be a number, 0 or more", key)
        if attr == "cache_keep_builds" and not isinstance(value, int):
            raise fail(f"tool.polyedition.{key} must be a whole number of builds", key)
        if attr == "narration_warn_words" and not isinstance(value, int):
            raise fail(f"tool.polyedition.{key} must be a whole number of words", key)
        values[attr] = value
    scheduler = raw.get("scheduler")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise fail(
            "tool.polyedition.scheduler must be a Dask scheduler address or 'local:N'",
            "scheduler",
        )
    values["scheduler"] = scheduler

    narration_raw = raw.get("narration", {})
    if not isinstance(narration_raw, dict):
        raise fail("tool.polyedition.narration must be a table of languages", "narration")
    narration: dict[str, NarrationSettings] = {}
    values["pauses"] = _parse_pauses(narration_raw.get("pauses", {}), fail)
    for code, options in narration_raw.items():
        if code == "pauses":
            continue
        if code not in languages:
            raise fail(f"tool.polyedition.narration.{code}: language not configured", code)
        narration[code] = _parse_narration(code, options, fail)
    values["narration"] = tuple(narration.items())
    return Settings(**values)


_SOURCE_KEYS = ("content-dir", "locales-dir", "templates-dir")
_WRITTEN_KEYS = ("output-dir", "cache-dir")


def _check_folders(
    values: Mapping[str, Any], raw: Mapping[str, Any], project_dir: Path, fail: Any
) -> None:
    """Nothing is read, written or deleted outside the project: every project folder lies in
    it (after symlinks), and the folders polyedition writes and empties (output, cache) are
    neither the project itself nor hold or sit in its sources or each other. A problem is
    blamed on the setting the user wrote."""
    resolved = {
        key: Path(values[attr]).resolve()
        for key, attr in _PATH_KEYS.items()
        if attr != "voices_dir"
    }
    for key, folder in resolved.items():
        if not folder.is_relative_to(project_dir):
            raise fail(
                f"tool.polyedition.{key} leads to {folder}, outside the project",
                key,
                hint=f"use a folder inside {project_dir}",
            )
    for key in _WRITTEN_KEYS:
        if resolved[key] == project_dir:
            raise fail(
                f"tool.polyedition.{key} is the project folder itself; polyedition empties "
                "and prunes it",
                key,
                hint=f"use a folder of its own, e.g. {getattr(_DEFAULTS, _PATH_KEYS[key]).name}",
            )
    for key in sorted(_WRITTEN_KEYS, key=lambda k: k not in raw):
        folder = resolved[key]
        for other in (*_SOURCE_KEYS, *(k for k in _WRITTEN_KEYS if k != key)):
            there = resolved[other]
            if folder == there or folder.is_relative_to(there) or there.is_relative_to(folder):
                blamed, against = (key, other) if key in raw or other not in raw else (other, key)
                raise fail(
                    f"tool.polyedition.{blamed} ({resolved[blamed]}) overlaps {against} "
                    f"({resolved[against]})",
                    blamed,
                    hint="give the output and the cache folders of their own",
                )
        for marker in (PYPROJECT, ".git", "src"):
            if (folder / marker).exists():
                raise fail(
                    f"tool.polyedition.{key} ({folder}) holds {marker}: it is not a folder "
                    "polyedition may empty",
                    key,
                    hint="use a folder of its own",
                )


def _parse_narration(code: str, options: Any, fail: Any) -> NarrationSettings:
    where = f"tool.polyedition.narration.{code}"
    if not isinstance(options, dict):
        raise fail(f"{where} must be a table", code)
    for key in options:
        if key not in _NARRATION_KEYS:
            raise fail(
                f"unknown setting {where}.{key}",
                key,
                hint=f"known: {', '.join(sorted(_NARRATION_KEYS))}",
            )
    if "engines" not in options:
        return NarrationSettings(
            voice=_voice(options, where, fail), rate=_rate(options, where, fail)
        )
    engines = options["engines"]
    if isinstance(engines, str):
        engines = [engines]
    if not isinstance(engines, list) or not engines:
        raise fail(f"{where}.engines must be a non-empty list of engine names", "engines")
    for engine in engines:
        if engine not in KNOWN_ENGINES:
            raise fail(
                f"{where}.engines: unknown engine {engine!r}",
                "engines",
                hint=f"known engines: {', '.join(KNOWN_ENGINES)}",
            )
    return NarrationSettings(
        engines=tuple(engines), voice=_voice(options, where, fail), rate=_rate(options, where, fail)
    )


def _voice(options: Mapping[str, Any], where: str, fail: Any) -> str | None:
    voice = options.get("voice")
    if voice is not None and not isinstance(voice, str):
        raise fail(f"{where}.voice must be a string", "voice")
    return voice


def _rate(options: Mapping[str, Any], where: str, fail: Any) -> int | None:
    rate = options.get("rate")
    if rate is not None and (not isinstance(rate, int) or not 80 <= rate <= 450):
        raise fail(f"{where}.rate must be words per minute between 80 and 450", "rate")
    return rate


def _parse_pauses(options: Any, fail: Any) -> Pauses:
    where = "tool.polyedition.narration.pauses"
    if not isinstance(options, dict):
        raise fail(f"{where} must be a table of seconds (sentence = 0.4, …)", "pauses")
    known = [field.name for field in fields(Pauses)]
    low, high = PAUSE_RANGE
    for kind, seconds in options.items():
        if kind not in known:
            raise fail(f"unknown pause {where}.{kind}", "pauses", hint=f"known: {', '.join(known)}")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise fail(f"{where}.{kind} must be a number of seconds", "pauses")
        if not low <= seconds <= high:
            raise fail(f"{where}.{kind} must be between {low} and {high} seconds", "pauses")
    return Pauses(**{kind: float(seconds) for kind, seconds in options.items()})


def _line_of(source: str, key: str) -> int | None:
    """The first line of pyproject.toml that sets ``key``, to point the user at it."""
    pattern = re.compile(rf"^\s*(\[.*\b{re.escape(key)}\b.*\]|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(source.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None
