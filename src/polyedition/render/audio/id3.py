"""ID3v2.4 tags for the narration (mutagen): title, people, language, date, URL, chapters."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

TOC_ID = "toc"
TOC_ENTRIES = 255
"""The most entries one CTOC frame holds (its count is one byte): a narration with more
chapters (an article of 200,000 words has about 1,000) gets a top-level table of tables of at
most 255 chapters each, ``toc/1``, ``toc/2``… (the ID3v2 chapter addendum's nested tables)."""
_HEADER = 10
_ORDER = ("TIT2", "TPE1", "TALB", "TLAN", "TDRC", "COMM", "CTOC", "CHAP")


@dataclass(frozen=True, slots=True)
class ChapterMark:
    id: str
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Tags:
    title: str
    artist: str
    album: str
    language: str
    """ISO 639-2 (``bel``)."""
    date: str
    """ISO 8601 (``2025-12-13``)."""
    url: str
    chapters: tuple[ChapterMark, ...]


def id3_tag(tags: Tags) -> bytes:
    """The ID3v2.4 tag as bytes to put before the MPEG frames.

    Frames come in a fixed order, chapters in time order (mutagen orders frames by size,
    and some players list CHAP frames in file order), with no padding: the same tags give
    the same bytes.
    """
    import mutagen.id3

    # mutagen's frame classes are untyped: use the module as Any rather than silence each call.
    id3: Any = mutagen.id3
    CHAP, COMM, CTOC, TALB, TDRC, TIT2, TLAN, TPE1 = (
        id3.CHAP,
        id3.COMM,
        id3.CTOC,
        id3.TALB,
        id3.TDRC,
        id3.TIT2,
        id3.TLAN,
        id3.TPE1,
    )
    CTOCFlags = id3.CTOCFlags
    frames = id3.ID3()
    frames.add(TIT2(encoding=3, text=[tags.title]))
    frames.add(TPE1(encoding=3, text=[tags.artist]))
    frames.add(TALB(encoding=3, text=[tags.album]))
    frames.add(TLAN(encoding=3, text=[tags.language]))
    frames.add(TDRC(encoding=3, text=[tags.date]))
    frames.add(COMM(encoding=3, lang=tags.language, desc="", text=[tags.url]))
    ids = [chapter.id for chapter in tags.chapters]
    groups = [ids[start : start + TOC_ENTRIES] for start in range(0, len(ids), TOC_ENTRIES)]
    tables = [f"{TOC_ID}/{number}" for number in range(1, len(groups) + 1)]
    frames.add(
        CTOC(
            element_id=TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids if len(groups) <= 1 else tables,
            sub_frames=[TIT2(encoding=3, text=[tags.title])],
        )
    )
    if len(groups) > 1:
        for table, group in zip(tables, groups, strict=True):
            first, last = ids.index(group[0]) + 1, ids.index(group[-1]) + 1
            frames.add(
                CTOC(
                    element_id=table,
                    flags=CTOCFlags.ORDERED,
                    child_element_ids=group,
                    sub_frames=[TIT2(encoding=3, text=[f"{tags.title} ({first}–{last})"])],
                )
            )
    for chapter in tags.chapters:
        frames.add(
            CHAP(
                element_id=chapter.id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=[chapter.title])],
            )
        )
    buffer = io.BytesIO()
    frames.save(buffer, v1=0, v2_version=4, padding=lambda info: 0)
    return _reordered(buffer.getvalue(), ids, [TOC_ID, *tables] if len(groups) > 1 else [TOC_ID])


def _reordered(tag: bytes, chapter_ids: list[str], toc_ids: list[str]) -> bytes:
    """The same tag with its frames in ``_ORDER``, CHAP frames in ``chapter_ids`` order and
    CTOC frames in ``toc_ids`` order."""
    frames: list[tuple[tuple[int, int], bytes]] = []
    position = _HEADER
    while position + _HEADER <= len(tag) and tag[position] != 0:
        frame_id = tag[position : position + 4].decode("ascii")
        size = _syncsafe(tag[position + 4 : position + 8])
        data = tag[position : position + _HEADER + size]
        rank = 0
        if frame_id in ("CHAP", "CTOC"):
            element_id = data[_HEADER : data.index(b"\0", _HEADER)].decode("latin-1")
            rank = (chapter_ids if frame_id == "CHAP" else toc_ids).index(element_id)
        frames.append(((_ORDER.index(frame_id), rank), data))
        position += _HEADER + size
    body = b"".join(data for _, data in sorted(frames, key=lambda item: item[0]))
    return tag[:_HEADER] + body + tag[position:]


def _syncsafe(data: bytes) -> int:
    """A size in ID3v2.4's 7-bits-per-byte notation.

    >>> _syncsafe(bytes([0, 0, 2, 1]))
    257
    """
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value
