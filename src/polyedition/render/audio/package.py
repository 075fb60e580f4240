"""The package stage: the chapters' MPEG frames behind one ID3 tag (with its CHAP frames), the
captions and chapters as WebVTT, the chapters as Podcasting 2.0 JSON; and writing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from polyedition.fsutil import write_if_changed
from polyedition.model import Edition
from polyedition.narration.sentences import speakable
from polyedition.render.audio.chapters import chapters_json
from polyedition.render.audio.cues import Placed
from polyedition.render.audio.id3 import ChapterMark, Tags, id3_tag
from polyedition.render.audio.vtt import Cue, webvtt
from polyedition.site import AudioInfo, Site, chapters_path, html_path, mp3_path, vtt_path


@dataclass(frozen=True, slots=True)
class Packaged:
    """The files of a narration, as bytes and text; the MP3's frames follow its tag."""

    tag: bytes
    captions_vtt: str
    chapters_vtt: str
    chapters_json: str


@dataclass(frozen=True, slots=True)
class Narration:
    """An edition's narration, ready to be written next to its page."""

    mp3: bytes
    captions_vtt: str
    chapters_vtt: str
    chapters_json: str
    """The chapters for podcast apps (``podcast:chapters``), same times as the CHAP frames."""
    duration_seconds: float
    synthesized: int
    """Utterances synthesized by this call (not found in the cache)."""
    cached: int
    """Utterances served from the cache."""
    sample_rate: int
    placed: tuple[Placed, ...]
    chapters: tuple[ChapterMark, ...]
    encoder_delay_samples: int
    """Decoded samples before each chapter's first sample (its encode's delay)."""
    encoded_chapters: int
    """Chapters encoded by this call (not found in the cache)."""
    reused_chapters: int
    """Chapters whose MPEG frames came from the cache."""
    synthesis_seconds: float
    """Time spent in the engines (a benchmark figure; not part of the output)."""
    encode_seconds: float
    """Time spent encoding chapters or finding them in the cache (a benchmark figure)."""


def tags(site: Site, edition: Edition, chapters: tuple[ChapterMark, ...]) -> Tags:
    """The MP3's ID3 tags: the edition's title, author, publisher, language, date and page."""
    return Tags(
        title=speakable(edition.title.text),
        artist=edition.article.meta.author,
        album=edition.article.meta.publisher,
        language=site.profile(edition.lang).iso639_2,
        date=edition.article.meta.date.isoformat(),
        url=site.url(html_path(edition.lang, edition.slug)),
        chapters=chapters,
    )


def package(tagged: Tags, cues: Sequence[Cue]) -> Packaged:
    """The MP3's tag (each chapter's frames follow it), its captions and its chapters."""
    chapter_cues = [
        Cue(chapter.id, chapter.start_ms / 1000, chapter.end_ms / 1000, chapter.title)
        for chapter in tagged.chapters
    ]
    return Packaged(
        tag=id3_tag(tagged),
        captions_vtt=webvtt(cues),
        chapters_vtt=webvtt(chapter_cues),
        chapters_json=chapters_json(tagged.title, tagged.chapters),
    )


def write_narration(narration: Narration, output_dir: Path, lang: str, slug: str) -> AudioInfo:
    """Write the MP3, captions and chapters (WebVTT and JSON) under ``output_dir`` (atomically,
    only when their bytes change) and return the AudioInfo for ``Site.audio``."""
    info = AudioInfo(
        duration_seconds=narration.duration_seconds,
        size_bytes=len(narration.mp3),
        mp3=mp3_path(lang, slug),
        captions=vtt_path(lang, slug),
        chapters=chapters_path(lang, slug),
    )
    write_if_changed(output_dir / info.mp3, narration.mp3)
    write_if_changed(output_dir / info.captions, narration.captions_vtt.encode("utf-8"))
    write_if_changed(output_dir / info.chapters, narration.chapters_vtt.encode("utf-8"))
    write_if_changed(output_dir / info.chapters_json, narration.chapters_json.encode("utf-8"))
    return info
