"""Terminal output of ``polyedition build``: progress while it runs, a summary table at the end.

On a terminal, rich progress bars per format; elsewhere (CI, pipes) plain log lines.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import defaultdict
from types import TracebackType
from typing import Any

from babel.numbers import format_decimal

from polyedition.build import FORMATS, SITE, BuildReport, Job, JobResult
from polyedition.terminal import table_lines

logger = logging.getLogger(__name__)


def human_size(size: int) -> str:
    """Bytes as a short human figure.

    >>> human_size(512), human_size(2_400_000)
    ('512 B', '2.3 MB')
    """
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    """
    >>> human_duration(905.4)
    '15:05'
    """
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class PlainProgress:
    """One log line per finished job; nothing for jobs that were fresh (unless verbose)."""

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, event: str, item: JobResult | Job, ran: bool) -> None:
        if event != "done":
            return
        if isinstance(item, JobResult):
            logger.info("built %s in %.1f s", item.job.name, item.seconds)
        else:
            logger.debug("fresh %s", item.name)


class RichProgress:
    """A progress bar per format, and a line per edition when all its formats are done."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description:>5}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.console,
            transient=True,
        )
        self.tasks: dict[str, Any] = {}
        self.open_formats: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.failed: set[tuple[str, str]] = set()

    def __enter__(self) -> RichProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.progress.__exit__(kind, value, traceback)

    def __call__(self, event: str, item: JobResult | Job, ran: bool) -> None:
        job = item.job if isinstance(item, JobResult) else item
        if event == "planned":
            if job.kind not in self.tasks:
                self.tasks[job.kind] = self.progress.add_task(job.kind, total=0)
            task = self.tasks[job.kind]
            self.progress.update(task, total=(self.progress.tasks[task].total or 0) + 1)
            if job.slug:  # a job about one edition (not the shared pages, not a feed)
                self.open_formats[(job.lang, job.slug)].add(job.kind)
            return
        self.progress.advance(self.tasks[job.kind])
        if event == "failed":
            self.failed.add((job.lang, job.slug))
        remaining = self.open_formats.get((job.lang, job.slug))
        if remaining is not None:
            remaining.discard(job.kind)
            if not remaining:
                mark = "[red]✗[/]" if (job.lang, job.slug) in self.failed else "[green]✓[/]"
                self.console.print(f"{mark} {job.lang}/{job.slug}")


def progress_reporter(quiet: bool) -> PlainProgress | RichProgress:
    if not quiet and sys.stderr.isatty():
        return RichProgress()
    return PlainProgress()


def summary_rows(report: BuildReport) -> list[dict[str, Any]]:
    """One row per (edition, format) that the build covered, for the table and for --json."""
    by_output: dict[tuple[str, str, str], tuple[int, float, bool, str | None]] = {}
    for job in report.skipped:
        if job.kind != SITE:
            by_output[(job.slug, job.lang, job.kind)] = (-1, 0.0, False, None)
    for failure in report.failures:
        job = failure.job
        if job.kind != SITE:
            by_output[(job.slug, job.lang, job.kind)] = (-1, 0.0, False, failure.message)
    for result in report.results:
        if result.job.kind != SITE and result.job.outputs:  # a narration's chapter has none
            key = (result.job.slug, result.job.lang, result.job.kind)
            by_output[key] = (result.sizes[0], result.seconds, True, None)
    rows = []
    for edition in report.editions:
        for fmt in FORMATS:
            entry = by_output.get((edition.slug, edition.lang, fmt))
            if entry is None:
                continue
            size, seconds, ran, error = entry
            audio = report.audio.get((edition.slug, edition.lang))
            rows.append(
                {
                    "article": edition.slug,
                    "language": edition.lang,
                    "format": fmt,
                    "built": ran,
                    "size": size if size >= 0 else None,
                    "seconds": round(seconds, 2),
                    "audio_duration": round(audio.duration_seconds, 2)
                    if fmt == "mp3" and audio
                    else None,
                    "translated_percent": round(edition.stats.percent, 1),
                    "fallback_segments": edition.stats.fallback_segments,
                    "error": error,
                }
            )
    return rows


def _size_cell(row: dict[str, Any]) -> str:
    if row["error"] is not None:
        return "FAILED"
    return human_size(row["size"]) if row["size"] is not None else "fresh"


def print_summary(report: BuildReport, *, as_json: bool) -> None:
    rows = summary_rows(report)
    if as_json:
        print(
            json.dumps(
                {
                    "seconds": round(report.seconds, 2),
                    "jobs_run": report.ran,
                    "jobs_fresh": len(report.skipped),
                    "jobs": [_job_json(result) for result in report.results],
                    "outputs": rows,
                    "failures": [
                        {"job": failure.job.name, "error": failure.message}
                        for failure in report.failures
                    ],
                    "problems": list(report.problems),
                    "cache": _cache_json(report),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    header = ("edition", "format", "size", "audio", "translated", "time")
    table = [header]
    for row in rows:
        table.append(
            (
                f"{row['language']}/{row['article']}",
                row["format"],
                _size_cell(row),
                human_duration(row["audio_duration"]) if row["audio_duration"] else "",
                format_decimal(row["translated_percent"], locale="en") + "%",
                f"{row['seconds']:.1f} s" if row["built"] else "-",
            )
        )
    for line in table_lines(table):
        print(line)
    for failure in report.failures:
        print(f"FAILED {failure.job.name}: {failure.message}")
    failed = f", {len(report.failures)} failed" if report.failures else ""
    print(
        f"{report.ran} job(s) run, {len(report.skipped)} fresh{failed}, in {report.seconds:.1f} s",
    )
    if report.cache is not None:
        pruned = (
            f", {report.cache.removed} unused removed ({human_size(report.cache.removed_size)})"
            if report.cache.removed
            else ""
        )
        print(
            f"speech cache: {human_size(report.cache.size)} in {report.cache.entries} "
            f"entries{pruned}"
        )


def _job_json(result: JobResult) -> dict[str, Any]:
    """A job that ran: what it was, when it started (``time.time()``), its wall and CPU time,
    its worker (pid) and that worker's peak memory, and its figures (``synthesized`` segments
    for a narration's chapter, ``pages`` for a PDF)."""
    return {
        "job": result.job.name,
        "kind": result.job.kind,
        "started_at": round(result.started_at, 2),
        "seconds": round(result.seconds, 2),
        "cpu_seconds": round(result.cpu_seconds, 2),
        "pid": result.pid,
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "info": {name: _number(value) for name, value in result.info.items()},
    }


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _cache_json(report: BuildReport) -> dict[str, int] | None:
    cache = report.cache
    if cache is None:
        return None
    return {
        "entries": cache.entries,
        "size": cache.size,
        "removed": cache.removed,
        "removed_size": cache.removed_size,
    }
