"""The EPUB's zip container (OCF): ``mimetype`` first and stored, then every file, reproducibly."""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

MIMETYPE = b"application/epub+zip"
_UNIX = 3
"""``create_system`` of every entry: zipfile's default depends on the platform that writes."""
_STORED_SUFFIXES = (".mp3",)
"""Already compressed: deflating them again costs time and saves nothing."""


def ocf_zip(files: Mapping[str, bytes | Path], date: dt.date) -> bytes:
    """The container of ``files`` (paths inside the EPUB → their bytes, or the file to copy
    them from, as the narration's MP3 is): ``mimetype`` first, uncompressed and without extra
    fields, then the files in sorted order, each dated ``date`` at midnight, so that the same
    files give the same bytes.

    >>> data = ocf_zip({"EPUB/b.txt": b"b", "META-INF/container.xml": b"c"}, dt.date(2025, 12, 13))
    >>> data[30:38], data[38:58]
    (b'mimetype', b'application/epub+zip')
    >>> zipfile.ZipFile(io.BytesIO(data)).namelist()
    ['mimetype', 'EPUB/b.txt', 'META-INF/container.xml']
    """
    timestamp = (date.year, date.month, date.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entries = [("mimetype", MIMETYPE), *sorted(files.items())]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=timestamp)
            info.create_system = _UNIX
            info.external_attr = 0o644 << 16
            stored = name == "mimetype" or name.endswith(_STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            if isinstance(data, Path):
                _copy(archive, info, data)
            else:
                archive.writestr(info, data, compresslevel=None if stored else 9)
    return buffer.getvalue()


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Path) -> None:
    """The file ``source`` into ``archive`` a piece at a time, stored (only files already
    compressed, as the MP3, are given as files), as ``writestr`` would store its bytes: its
    size is set first, as ``writestr`` does."""
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = source.stat().st_size
    with source.open("rb") as data, archive.open(info, "w") as entry:
        shutil.copyfileobj(data, entry, 1 << 20)
