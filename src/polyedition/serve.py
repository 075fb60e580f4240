"""The preview server: ``output/`` on 127.0.0.1, rebuilt when a source file is saved."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from polyedition.config import Settings
from polyedition.errors import ConfigError, PolyeditionError
from polyedition.fsutil import is_inside
from polyedition.theme import source_folders

logger = logging.getLogger(__name__)

WATCHED_SUFFIXES = {".po", ".md", ".html", ".txt", ".css", ".js", ".csv", ".tsv", ".toml", ".svg"}


_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
"""One byte range; a number too long for any file is no range (the whole file is sent)."""
REVIEW_PREFIX = "/_review/"
"""Where the server answers with the desk's review pages (``polyedition review``), which live
outside ``output/`` so that they are never published."""


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves files and answers byte-range requests, as real web servers do: browsers seek in
    an MP3 by asking for a range, which SimpleHTTPRequestHandler alone would ignore. Paths
    under ``/_review/`` come from ``review_dir`` when it is given."""

    def __init__(self, *args: Any, review_dir: Path | None = None, **kwargs: Any) -> None:
        self.review_dir = review_dir  # set first: the base class handles the request at once
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        if self.review_dir is None or not path.startswith(REVIEW_PREFIX):
            return super().translate_path(path)
        # The base class cleans the path (no "..", no query) relative to ``directory``.
        inside = Path(super().translate_path("/" + path.removeprefix(REVIEW_PREFIX)))
        return str(self.review_dir / inside.relative_to(self.directory))

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def send_head(self) -> Any:
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        review = self.review_dir is not None and self.path.startswith(REVIEW_PREFIX)
        root = self.review_dir if review and self.review_dir else Path(self.directory)
        if "\0" in str(path) or not is_inside(path, root):
            # A NUL byte, or a symlink in output/ leading elsewhere: nothing to serve.
            self.send_error(404, "File not found")
            return None
        match = _RANGE.match(header or "")
        if match is None or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first = int(match[1]) if match[1] else max(0, size - int(match[2] or 0))
        last = min(int(match[2]), size - 1) if match[1] and match[2] else size - 1
        if first >= size or first > last:
            self.send_error(416, "Range Not Satisfiable")
            return None
        handle = path.open("rb")
        handle.seek(first)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        self._remaining = last - first + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        try:
            while remaining > 0:
                chunk = source.read(min(65536, remaining))
                if not chunk:
                    break
                outputfile.write(chunk)
                remaining -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser had enough (it often cancels a range it asked for)

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


def make_server(
    output_dir: Path, port: int, *, review_dir: Path | None = None
) -> ThreadingHTTPServer:
    """An HTTP server for ``output_dir`` bound to the loopback address only; with
    ``review_dir``, the review pages under ``/_review/`` too."""
    handler = functools.partial(
        PreviewHandler, directory=str(output_dir.resolve()), review_dir=review_dir
    )
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            f"cannot serve on 127.0.0.1:{port}: {reason}",
            hint="choose another port with --port (0 takes any free one)",
        ) from exc


def is_source_change(path: str) -> bool:
    """True for a saved PO, article, template or asset; False for builds' own files.

    >>> is_source_change("locales/be/LC_MESSAGES/ui.po"), is_source_change("locales/be/x.mo")
    (True, False)
    >>> is_source_change("templates/.base.html.swp")
    False
    """
    name = Path(path).name
    return not name.startswith(".") and Path(path).suffix in WATCHED_SUFFIXES


def watch_and_rebuild(
    settings: Settings, rebuild: Callable[[], object], stop: threading.Event
) -> None:
    """Call ``rebuild`` after every batch of saved source files until ``stop`` is set."""
    from watchfiles import watch

    folders = [folder for folder in source_folders(settings) if folder.is_dir()]
    for changes in watch(*folders, stop_event=stop, debounce=300):
        changed = sorted({path for _, path in changes if is_source_change(path)})
        if not changed:
            continue
        logger.info("changed: %s", ", ".join(Path(p).name for p in changed))
        try:
            rebuild()
        except PolyeditionError as error:
            # A translator's typo must not stop the preview: say what is wrong and keep serving.
            logger.error("%s: %s", error.category, error)
