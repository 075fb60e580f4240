"""What the forkserver of a build's workers (and of the preview server's) imports before it
forks any worker: the renderers, the libraries that take long to import, and the caches every
job would fill first (each worker inherits them).

Imported for its effect (``executors.PRELOAD``); a job imports anything else itself.

Workers are forked from this process. OpenBLAS, which NumPy loads, starts a thread per core at
import (and stops them before each fork, then starts them again): it is told to use one, which
the jobs need no more than (the mastering's products are small, and the workers fill the
cores), so the forkserver has no thread but its own. While it imports, the forkserver leaves
with the process that started it, even by ``kill -9`` (afterwards it sees its pipe to that
process close).

Once it has imported, the forkserver collects its garbage and freezes what is left
(``gc.freeze``): a worker's garbage collections then never walk the 93,000 objects the
imports made, which no job frees (a cold build's collections took 0.39 s of its
jobs' CPU, 0.18–0.20 s with them frozen), nor write to the pages that hold them, which the
workers share with the forkserver until one of them writes.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import gc
import importlib
import logging
import os
import signal

from polyedition.build.executors import FORKSERVER_PARENT

logger = logging.getLogger(__name__)

MODULES = (
    "polyedition.build",
    "polyedition.render.audio.narrate",
    "polyedition.render.html",
    "polyedition.render.pdf.document",
    "pikepdf",
    "polyedition.render.epub",
    "polyedition.render.feed",
    "PIL.Image",
)
"""What a job may need that takes long to import (and WeasyPrint, which ``warm_up`` imports
first, through ``render.pdf.loader``)."""


PR_SET_PDEATHSIG = 1


def _leave_with_parent(sig: int) -> None:
    """Have the kernel send ``sig`` to this process when its parent ends (0: no longer); if
    the parent that started it (``FORKSERVER_PARENT``) has ended already, leave now."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    parent = os.environ.get(FORKSERVER_PARENT)
    if sig and parent is not None and parent != str(os.getppid()):
        os._exit(1)


def warm_up() -> None:
    """Import ``MODULES`` and fill the caches a job fills first: the code's digest, the encoder
    delay and the K-weighting's impulse response at the engines' rates, the true-peak meter's
    filter, Babel's data for the languages polyedition publishes. A failure only leaves them
    cold."""
    with contextlib.suppress(ImportError, OSError):  # a PDF job will say what is missing
        from polyedition.render.pdf.loader import load_weasyprint

        load_weasyprint()
    for name in MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    try:
        from babel import Locale
        from babel.dates import format_date

        from polyedition.fingerprint import code_digest
        from polyedition.languages import PROFILES
        from polyedition.render.audio import mastering
        from polyedition.render.audio.narrate import encoder_delay

        code_digest()
        for rate in (16000, 22050, 24000):
            encoder_delay(rate)
            mastering.k_response(rate)
        mastering.true_peak_dbtp(mastering.samples_of(bytes(64)))
        for code in PROFILES:
            format_date(datetime.date(2000, 1, 1), format="long", locale=Locale.parse(code))
    except Exception:  # a cold cache is slower, never wrong
        logger.debug("warm-up incomplete", exc_info=True)


os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy is imported: see the docstring
_leave_with_parent(signal.SIGKILL)
warm_up()
gc.collect()
gc.freeze()
_leave_with_parent(0)
