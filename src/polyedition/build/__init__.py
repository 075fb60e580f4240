"""The build: plan (article × language × format) jobs, skip fresh ones, run the rest in parallel.

Each job's key hashes exactly what its outputs depend on; ``.cache/build-manifest.json`` records
the key of every file in ``output/``. A job whose outputs all carry its current key (and still
have their recorded size) does not run, so an unchanged output is never rewritten. Jobs run
through a ``concurrent.futures.Executor``; narration runs first, because an article page shows
the duration and size of its MP3.
"""

from __future__ import annotations

from polyedition.build.executors import SerialExecutor, default_executor
from polyedition.build.jobs import FORMATS, SITE, Job, JobResult, run_job
from polyedition.build.lock import build_lock
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.build.plan import Planner
from polyedition.build.run import BuildOptions, BuildReport, Progress, build
from polyedition.site import load_editions, load_site

__all__ = [
    "FORMATS",
    "MANIFEST",
    "SITE",
    "BuildOptions",
    "BuildReport",
    "Job",
    "JobResult",
    "Manifest",
    "Planner",
    "Progress",
    "SerialExecutor",
    "build",
    "build_lock",
    "default_executor",
    "load_editions",
    "load_site",
    "run_job",
]
