"""WeasyPrint, imported without the compiler runs of its library search on Linux.

WeasyPrint opens GObject, Pango, HarfBuzz and fontconfig through cffi by trying several names
for each, the Windows ones first (``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``,
then ``libgobject-2.0.so.0``). For every name that is not a file, cffi asks
``ctypes.util.find_library``, which on Linux reads the dynamic linker's cache
(``ldconfig -p``) and, when the name is not there, runs ``gcc`` and then ``ld`` to look for it:
11 ms for each of the 16 names that fail, 0.19 s of WeasyPrint's 0.46 s import on the
machines we measure (WeasyPrint's issue 1125). That import is on the way of every PDF job of
an incremental build, and of the workers' warm forkserver.

``load_weasyprint`` imports it with ``find_library`` answering from the linker's cache alone.
The same libraries load: what ``gcc`` or ``ld`` would find is a file whose soname
(``libgobject-2.0.so.0``) the dynamic loader then opens by its own search, and WeasyPrint
tries that soname itself, which the loader opens by the same search.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from ctypes import util
from types import ModuleType


def load_weasyprint() -> ModuleType:
    """``import weasyprint``, 0.2 s sooner on Linux; it raises as that import would."""
    with _linker_cache_only():
        return importlib.import_module("weasyprint")


@contextlib.contextmanager
def _linker_cache_only() -> Iterator[None]:
    """``ctypes.util.find_library`` without its compiler and linker runs, where it has the
    linker's cache to read (Linux); elsewhere as it is."""
    cache_only = getattr(util, "_findSoname_ldconfig", None)
    if cache_only is None or not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        yield
        return
    search = util.find_library
    util.find_library = cache_only
    try:
        yield
    finally:
        util.find_library = search
