"""What the preview server's forkserver imports before it forks any worker: the renderers,
the libraries that take long to import, and the caches every job would fill first (each
worker inherits them).

Imported for its effect (``PreviewWorkers.PRELOAD``); a job imports anything else itself.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import logging

logger = logging.getLogger(__name__)

MODULES = (
    "polyedition.build",
    "polyedition.render.audio.narrate",
    "polyedition.render.html",
    "polyedition.render.pdf.document",
    "weasyprint",
    "pikepdf",
    "polyedition.render.epub",
    "polyedition.render.feed",
    "PIL.Image",
)
"""What a job may need that takes long to import."""


def warm_up() -> None:
    """Import ``MODULES`` and fill the caches a job fills first: the code's digest, the encoder
    delay and the K-weighting's impulse response at the engines' rates, the true-peak meter's
    filter, Babel's data for the languages polyedition publishes. A failure only leaves them
    cold."""
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


warm_up()
