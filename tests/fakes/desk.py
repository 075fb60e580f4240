"""A project copy as a language desk finds it: a message gone fuzzy after an edit of the English,
one never translated, and a narration stand-in (silence, with the real script's cues)."""

from __future__ import annotations

from pathlib import Path

from polyedition.build import load_editions
from polyedition.config import Settings
from polyedition.narration.sentences import cue_id
from polyedition.pofile import read_catalog, write_catalog
from polyedition.render.audio.narrate import spoken_script
from polyedition.render.audio.vtt import Cue, webvtt
from polyedition.site import Site, mp3_path, vtt_path
from projectkit import SLUG, copy_project, po

SILENT_FRAME = bytes.fromhex("fffb9000") + bytes(413)
"""One MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz) of silence: 1152 samples."""
FRAME_SECONDS = 1152 / 44100
SENTENCE_SECONDS = 0.5
"""How long each sentence of the stand-in narration lasts."""
FUZZY = "turning-point-p2"
UNTRANSLATED = "faq-q3"
EDITED_WORD = ("dramatic", "long")
"""A word of the English of ``FUZZY`` now, and the word it had before (in the catalog's
``#|`` previous msgid)."""


def desk_project(folder: Path, lang: str = "be") -> Settings:
    settings = copy_project(folder)
    path = po(settings, lang)
    catalog = read_catalog(path, locale=lang)
    for message in catalog:
        if message.context == FUZZY:
            message.flags.add("fuzzy")
            message.previous_id = [str(message.id).replace(*EDITED_WORD)]
        elif message.context == UNTRANSLATED:
            message.string = ""
    write_catalog(path, catalog)
    write_narration_stand_in(settings, lang)
    return settings


def write_narration_stand_in(settings: Settings, lang: str) -> dict[str, tuple[float, float]]:
    """A silent MP3 and its caption cues, each sentence ``SENTENCE_SECONDS`` long, where the
    build writes them; returns each segment's (start, end)."""
    editions = load_editions(settings, [lang])
    site = Site(settings, {(edition.slug, edition.lang): edition for edition in editions})
    cues = []
    spans: dict[str, tuple[float, float]] = {}
    time = 0.0
    for utterance, spoken in spoken_script(site, site.edition(SLUG, lang)):
        start = time
        for number, (_, written) in enumerate(spoken.sentences, start=1):
            language = utterance.lang if utterance.lang != lang else None
            cues.append(
                Cue(cue_id(utterance.id, number), time, time + SENTENCE_SECONDS, written, language)
            )
            time += SENTENCE_SECONDS
        spans[utterance.id] = (start, time)
    output = settings.output_dir
    (output / vtt_path(lang, SLUG)).parent.mkdir(parents=True, exist_ok=True)
    (output / vtt_path(lang, SLUG)).write_text(webvtt(cues), encoding="utf-8")
    frames = int((time + 1) / FRAME_SECONDS)
    (output / mp3_path(lang, SLUG)).write_bytes(SILENT_FRAME * frames)
    return spans
