"""The build: plan (article × language × format) jobs, skip fresh ones, run the rest in parallel.

Each format is a plug-in (``formats``) that declares what its outputs depend on; a job's key
hashes exactly that (``plan``), and ``.cache/build-manifest.json`` records the key of every file
in ``output/``. A job whose outputs all carry its current key (and still have their recorded
size) does not run, so an unchanged output is never rewritten. The job graph (``graph``) starts
each job once the jobs it waits for are done (a page after its MP3 and PDF) on a
``JobExecutor`` (``executors``): new local processes, the preview server's (kept while it
runs) or a Dask cluster.
"""

from __future__ import annotations

from polyedition.build.executors import JobExecutor, SerialExecutor, default_executor
from polyedition.build.formats import (
    FORMATS,
    REGISTRY,
    SITE,
    Format,
    Need,
    Scope,
    format_named,
    run_job,
)
from polyedition.build.jobs import Job, JobResult
from polyedition.build.lock import build_lock
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.build.plan import Planner
from polyedition.build.run import BuildOptions, BuildReport, Progress, build
from polyedition.site import load_editions, load_site

__all__ = [
    "FORMATS",
    "MANIFEST",
    "REGISTRY",
    "SITE",
    "BuildOptions",
    "BuildReport",
    "Format",
    "Job",
    "JobExecutor",
    "JobResult",
    "Manifest",
    "Need",
    "Planner",
    "Progress",
    "Scope",
    "SerialExecutor",
    "build",
    "build_lock",
    "default_executor",
    "format_named",
    "load_editions",
    "load_site",
    "run_job",
]
