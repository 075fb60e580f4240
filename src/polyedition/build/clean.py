"""Housekeeping: ``polyedition clean``, and pruning the speech cache after each build."""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from polyedition.build.lock import build_lock
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.cache import CacheUsage, SpeechCache, copy_ranges, prune_store
from polyedition.config import Settings
from polyedition.fsutil import output_target, write_bytes_atomic
from polyedition.languages import PROFILES
from polyedition.theme.assets import ASSETS

logger = logging.getLogger(__name__)

BUILDS = "cache-builds.json"
"""When the recent builds started (wall clock), to tell how many builds ago an entry was used."""


def clean_output(settings: Settings, *, keep_chapters: bool = True) -> list[Path]:
    """Remove what builds wrote to ``output/`` and forget the manifest: everything is rebuilt.

    Only what polyedition writes goes: the language folders, the home page, the assets and
    the files the manifest lists. Anything else a person put there (a README, a CNAME) stays,
    and a symlink is removed as a link, never followed. With ``keep_chapters`` the speech
    cache's chapters first become copies again (they were ranges of the MP3s that go), so that
    the rebuild encodes none of them again. Returns what was kept.
    """
    output_dir = settings.output_dir
    if keep_chapters:
        copy_ranges(SpeechCache.for_settings(settings).store.root, output_dir)
    manifest = settings.cache_dir / MANIFEST
    listed = {
        target
        for name in Manifest(manifest).outputs
        if (target := output_target(output_dir, name)) is not None
    }
    ours = {*PROFILES, ASSETS.name, "index.html"}
    kept: list[Path] = []
    children = sorted(output_dir.iterdir()) if output_dir.is_dir() else []
    for child in children:
        if child.is_symlink():
            child.unlink()
        elif child.name in ours or child in listed or child.name.endswith(".tmp"):
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        elif child.name != "README.md":
            kept.append(child)
    for path in sorted(listed):
        path.unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)
    return kept


def clean_cache(settings: Settings) -> None:
    """Delete the speech cache (synthesized segments and encoded chapters)."""
    shutil.rmtree(SpeechCache.for_settings(settings).store.root, ignore_errors=True)
    (settings.cache_dir / BUILDS).unlink(missing_ok=True)


def cache_usage(settings: Settings) -> CacheUsage:
    """The speech cache's entries and size, removing nothing."""
    return prune_store(SpeechCache.for_settings(settings).store.root, keep=(), used_since=-math.inf)


def prune_cache(
    settings: Settings, manifest: Manifest, started: float, planned: Iterable[str] = ()
) -> CacheUsage:
    """After a build that started at ``started`` (``time.time()``): remove the speech cache
    entries that no output in the manifest was made from, that the build did not plan from
    (``planned``: the narration scripts it read or kept) and that neither one of the last
    ``cache-keep-builds`` builds nor the last ``cache-keep-days`` days used."""
    starts = _record_build(settings, started)
    needed = manifest.cache_entries()
    if needed is None:
        logger.debug("the manifest predates cache records: the cache is not pruned this time")
        return cache_usage(settings)
    needed |= set(planned)
    keep_builds = settings.cache_keep_builds
    if keep_builds == 0:
        by_builds = math.inf
    elif len(starts) < keep_builds:
        by_builds = -math.inf
    else:
        by_builds = starts[-keep_builds]
    by_days = time.time() - settings.cache_keep_days * 86400
    usage = prune_store(
        SpeechCache.for_settings(settings).store.root,
        keep=needed,
        used_since=min(by_builds, by_days),
    )
    if usage.removed:
        logger.info("removed %d unused speech cache entries", usage.removed)
    return usage


def _record_build(settings: Settings, started: float) -> list[float]:
    """Add a build's start to the record of recent builds; the recent starts, oldest first."""
    path = settings.cache_dir / BUILDS
    try:
        starts = [float(value) for value in json.loads(path.read_text(encoding="utf-8"))]
    except FileNotFoundError:
        starts = []
    except (ValueError, TypeError) as exc:
        logger.warning("%s is unreadable (%s); counting builds from now", path, exc)
        starts = []
    starts = [*starts, started][-max(settings.cache_keep_builds, 1) :]
    write_bytes_atomic(path, json.dumps(starts).encode("utf-8"))
    return starts


def clean(settings: Settings, *, cache: bool, output: bool) -> list[Path]:
    """``polyedition clean``: what was emptied."""
    emptied = []
    with build_lock(settings):
        if output:
            for kept in clean_output(settings, keep_chapters=not cache):
                logger.info("keeping %s: polyedition did not write it", kept)
            emptied.append(settings.output_dir)
        if cache:
            clean_cache(settings)
            emptied.append(SpeechCache.for_settings(settings).store.root)
    return emptied
