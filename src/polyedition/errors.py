"""The one exception hierarchy: expected failures a translator or editor can act on."""

from __future__ import annotations

from pathlib import Path


class PolyeditionError(Exception):
    """An expected failure, reported as ``category: location: message`` and exit code 2.

    ``location`` is ``path:line`` when the problem sits in a file, or the language and
    message id when it sits in a catalog entry; ``hint`` says what to do about it.
    """

    category = "error"

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        lang: str | None = None,
        msgid: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.lang = lang
        self.msgid = msgid
        self.hint = hint

    @property
    def location(self) -> str:
        parts: list[str] = []
        if self.path is not None:
            parts.append(f"{self.path}:{self.line}" if self.line else str(self.path))
        if self.lang is not None:
            parts.append(f"[{self.lang}]")
        if self.msgid is not None:
            short = self.msgid if len(self.msgid) <= 60 else self.msgid[:57] + "..."
            parts.append(f"message {short!r}")
        return " ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(PolyeditionError):
    """Settings in ``[tool.polyedition]`` or on the command line are wrong."""

    category = "config"


class ContentError(PolyeditionError):
    """An article under ``content/`` cannot be read."""

    category = "content"


class CatalogError(PolyeditionError):
    """A POT or PO catalog is malformed or does not fit the project."""

    category = "catalog"


class RenderError(PolyeditionError):
    """An edition could not be rendered to HTML or PDF."""

    category = "render"


class SpeechError(PolyeditionError):
    """Narration failed: an engine, a voice or the audio encoder."""

    category = "speech"


class BuildError(PolyeditionError):
    """The build as a whole could not run (lock held, output clash)."""

    category = "build"
