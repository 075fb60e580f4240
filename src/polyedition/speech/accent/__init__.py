"""The accent stage of speech: stress and ё of each language, marked in the text a voice reads.

Each language with an accentor has a module here with the same contract::

    def accent(text: str) -> str

``text`` is a sentence as the speech front end spells it; the result is the same text with the
acute accent U+0301 right after the stressed vowel of every word of two or more syllables the
accentor knows, letters it restores in place (Russian ё, which needs no accent: it is always
stressed), and everything else unchanged (spaces, punctuation, words it does not know, words
already accented). A module may also offer ``stress(word: str)`` returning an object whose
``source`` names where a word's stress came from (``"dictionary"``, ``"model"``…), for
``polyedition script --stress --json``.

The lexicon runs after this stage and wins over it; eSpeak then reads an accented word as its
own phonemes with the stress moved to the accent (other engines read it without the accent).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from functools import cache, lru_cache
from types import ModuleType

logger = logging.getLogger(__name__)

MODULES = {"ru": "polyedition.speech.accent.ru", "be": "polyedition.speech.accent.be"}
"""The accentor of each language, imported when a text of that language is first accented."""


@cache
def _module(lang: str) -> ModuleType | None:
    name = MODULES.get(lang)
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        logger.debug("%s: no accentor module %s", lang, name)
        return None


def accentor(lang: str) -> Callable[[str], str] | None:
    """The accent function of ``lang``; None for a language without one."""
    module = _module(lang)
    return None if module is None else module.accent


@lru_cache(maxsize=8192)
def accent(text: str, lang: str) -> str:
    """``text`` with the stress accents and letters the accentor of ``lang`` restores; the
    text itself for a language without an accentor.

    >>> accent("Заключенных освободили.", "ru")
    'Заключённых освободи́ли.'
    >>> accent("Prisoners were freed.", "en")
    'Prisoners were freed.'
    """
    function = accentor(lang)  # a sentence met again (a narration, then its proof) is cached
    return text if function is None else function(text)


def release(keep: str | None = None) -> None:
    """Let go of the models the accentors imported so far have loaded (Russian's: about
    125 MB), but those of the language ``keep``: for a worker process whose next job may not
    need them; the next text accented loads them again (about 0.25 s of CPU for Russian)."""
    for lang, name in MODULES.items():
        if lang == keep:
            continue
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "release"):
            module.release()


def accent_source(word: str, lang: str) -> str:
    """Where the accentor of ``lang`` takes the stress of ``word`` from (``"model"`` when the
    module does not say)."""
    module = _module(lang)
    stress = getattr(module, "stress", None)
    found = stress(word) if stress is not None else None
    return str(getattr(found, "source", "model"))
