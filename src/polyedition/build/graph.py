"""The job graph: every job of a build, started as soon as the jobs it waits for are done.

One node per (format, what the job is about); a format's needs are the edges (see
``formats.Need``). The run is the same for every format and every executor (local processes,
the preview server's, a Dask cluster):

- a job starts when every job it waits for is settled: done, fresh, or failed (it then sees what
  an earlier build made, or nothing: a page still builds without a failed PDF);
- a job whose outputs carry its key already is fresh and does not run;
- in a preview (``provisional``), a job with a provisional need (``Need.provisional``) on an
  output an earlier build made starts at once with that build's figures; once the needed jobs
  are all settled it is planned again, and if its key changed it runs again (superseding the
  first run if that is still going);
- when a job fails, each started job that anticipated it is planned again; if its key changes
  (a PDF that linked a narration which never existed) the job sent off is superseded (its
  result is dropped) and the new one runs;
- a failure stops nothing else (``make -k``), unless ``fail_fast``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from polyedition.build.executors import JobExecutor
from polyedition.build.formats import REGISTRY, Format, Id, format_named, in_order, run_job
from polyedition.build.jobs import Job, JobFailure, JobResult, write_outputs
from polyedition.build.manifest import Manifest
from polyedition.build.plan import Planned, Planner
from polyedition.errors import PolyeditionError
from polyedition.model import Edition
from polyedition.site import AudioInfo, Site

logger = logging.getLogger(__name__)

Notify = Callable[[str, JobResult | Job, bool], None]


@dataclass(eq=False)
class Node:
    """One job of the build, as it goes: planned, sent off, settled."""

    fmt: Format
    ident: Id
    waits_for: list[Node] = field(default_factory=list)
    waited_by: list[Node] = field(default_factory=list)
    anticipated_by: list[Node] = field(default_factory=list)
    revised_by: list[Node] = field(default_factory=list)
    """Nodes that started with an earlier build's figures of this one (a provisional need)."""
    provisional_on: list[Node] = field(default_factory=list)
    """The nodes whose earlier figures this one started with; it is planned again once they
    are all settled."""
    job: Job | None = None
    """The job as last planned; None until it starts."""
    settled: bool = False
    failed: bool = False
    outcome: object | None = None
    """What it made (``Format.outcome``), once done."""

    @property
    def ready(self) -> bool:
        return self.job is None and all(node.settled for node in self.waits_for)


@dataclass
class Outcome:
    """What the run did: the results, the fresh jobs, the failures."""

    results: list[JobResult] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failures: list[JobFailure] = field(default_factory=list)
    audio: dict[tuple[str, str], AudioInfo] = field(default_factory=dict)


class JobGraph:
    """The jobs of one build over ``selected`` editions in ``formats``, run on ``pool``."""

    def __init__(
        self,
        planner: Planner,
        manifest: Manifest,
        pool: JobExecutor,
        *,
        selected: tuple[Edition, ...],
        languages: tuple[str, ...],
        formats: tuple[str, ...],
        notify: Notify,
        provisional: bool = False,
    ) -> None:
        self.planner = planner
        self.site: Site = planner.site
        self.settings = self.site.settings
        self.output_dir: Path = self.settings.output_dir
        self.manifest = manifest
        self.selected = selected
        self.languages = languages
        self.formats = formats
        self.notify = notify
        self.provisional = provisional
        """Whether provisional needs start at once (a preview), or wait like any other."""
        self.pool = pool
        self.pending: dict[Future[JobResult], Job] = {}
        self.superseded: set[Job] = set()
        """Jobs sent off before a failure made what they show untrue; their results are
        dropped."""
        self.outcome = Outcome()
        self._targets: dict[str, tuple[Id, ...]] = {}
        self._target_sets: dict[str, set[Id]] = {}
        self.nodes: dict[tuple[str, ...], Node] = {}
        for fmt in in_order(REGISTRY):
            for ident in self.targets(fmt.name):
                self.nodes[(fmt.name, *ident)] = Node(fmt, ident)
        for node in self.nodes.values():
            self._link(node)

    # --------------------------------------------------------------- what formats see

    def targets(self, name: str) -> tuple[Id, ...]:
        """What this build makes of the format ``name`` (nothing when it is not selected)."""
        if name not in self._targets:
            fmt = format_named(name)
            made = fmt.targets(self) if fmt.selected_by in self.formats else ()
            self._targets[name] = made
            self._target_sets[name] = set(made)
        return self._targets[name]

    def chapters(self, slug: str, lang: str) -> tuple[str, ...]:
        return self.planner.chapters(slug, lang)

    def exists(self, name: str, ident: Id) -> bool:
        """Whether the output will exist once the build is done."""
        return self.seen(format_named(name), ident, wait=False) is not None

    def seen(self, fmt: Format, ident: Id, *, wait: bool) -> object | None:
        """What a job needing ``fmt``'s job about ``ident`` sees of it: what it made in this
        build (once done), or will make (for a job that does not wait, unless it failed), else
        what an earlier build made."""
        node = self.nodes.get((fmt.name, *ident))
        if wait and node is not None and node.outcome is not None:
            return node.outcome
        if wait and node is not None and node.failed and not fmt.outlives_failure:
            return None
        if not wait and self._makes(fmt.name, ident) and not (node and node.failed):
            return fmt.anticipated(ident, self.settings)
        return fmt.recorded(ident, self.manifest, self.settings)

    def _makes(self, name: str, ident: Id) -> bool:
        """Whether this build has a job of format ``name`` about ``ident``."""
        self.targets(name)
        return ident in self._target_sets[name]

    def key_of(self, path: PurePosixPath) -> str | None:
        key = self.manifest.outputs.get(str(path), {}).get("key")
        return str(key) if key is not None else None

    # --------------------------------------------------------------- the run

    def _link(self, node: Node) -> None:
        for need, covered in self.planner.needed(node.fmt, node.ident):
            for ident in covered:
                other = self.nodes.get((need.format, *ident))
                if other is None:
                    continue
                earlier = other.fmt.recorded(ident, self.manifest, self.settings)
                if self.provisional and need.provisional and need.wait and earlier is not None:
                    other.revised_by.append(node)
                    node.provisional_on.append(other)
                elif need.wait:
                    node.waits_for.append(other)
                    other.waited_by.append(node)
                else:
                    other.anticipated_by.append(node)

    def run(self, *, fail_fast: bool) -> Outcome:
        """Run every job; the first failure is raised when ``fail_fast``."""
        for node in self.nodes.values():  # costliest first: see ``in_order``
            if node.ready:
                self._start(node)
        first_failure: BaseException | None = None
        while self.pending:
            done, _ = wait(list(self.pending), timeout=1.0, return_when=FIRST_COMPLETED)
            if not done and self.pool.lost:
                self._abandon()
            for future in done:
                error = self._finish(future)
                first_failure = first_failure or error
            if first_failure is not None and fail_fast:
                for future in self.pending:
                    future.cancel()
                raise first_failure
        return self.outcome

    def _start(self, node: Node, planned: Planned | None = None) -> None:
        """Plan the node's job and send it off, unless its outputs are fresh."""
        planned = planned or self.planner.plan(node.fmt, node.ident, self)
        job = planned.job
        node.job, node.settled, node.failed, node.outcome = job, False, False, None
        self.notify("planned", job, False)
        if node.fmt.fresh(job, self.manifest, self.settings):
            self.outcome.skipped.append(job)
            self.notify("done", job, False)
            self._settle(node)
            return
        if planned.reads:
            job = replace(job, inputs=self._inputs(planned.reads))
            node.job = job
        self.pending[self.pool.submit(run_job, job, planned.site)] = job

    def _settle(self, node: Node) -> None:
        """Start what waited for ``node`` (done, fresh or failed); plan again what started
        with its earlier figures, once all it started with are settled."""
        node.settled = True
        for waiting in node.waited_by:
            if waiting.ready:
                self._start(waiting)
        self._plan_again(
            [other for other in node.revised_by if all(o.settled for o in other.provisional_on)]
        )

    def _finish(self, future: Future[JobResult]) -> BaseException | None:
        """Take a finished job's result: write it, record it, start what waited for it."""
        job = self.pending.pop(future)
        if future.cancelled():
            return None
        node = self.nodes[(job.kind, *job.ident)]
        try:
            result = future.result()
            if job not in self.superseded:
                result = write_outputs(result, self.output_dir, self.settings.cache_dir)
        except Exception as error:
            failure = JobFailure(job, one_line(error))
            self.outcome.failures.append(failure)
            logger.error("%s failed: %s", job.name, failure.message)
            logger.debug("%s failed", job.name, exc_info=error)
            self.notify("failed", job, True)
            if job not in self.superseded:
                node.failed = True
                self._withdraw(node)
                self._settle(node)
            return error
        if job in self.superseded:
            return None
        self.manifest.record(result)
        node.fmt.remember(result, self.manifest)
        self.outcome.results = [  # a job run again replaces its first run's result
            earlier for earlier in self.outcome.results if earlier.job.name != job.name
        ]
        self.outcome.results.append(result)
        self.notify("done", result, True)
        node.outcome = node.fmt.outcome(job, result)
        if isinstance(node.outcome, AudioInfo):
            self.outcome.audio[(job.slug, job.lang)] = node.outcome
        self._settle(node)
        return None

    def _withdraw(self, failed: Node) -> None:
        """A failed output that never existed is linked by nothing: each job that anticipated
        it is planned again, and sent off again if that changed its key."""
        self._plan_again(failed.anticipated_by)

    def _plan_again(self, nodes: list[Node]) -> None:
        """Plan started jobs again (what they saw of another job changed); send off again each
        whose key changed, superseding it if it has not finished."""
        for node in nodes:
            if node.job is None:
                continue  # it will see the change when it starts
            planned = self.planner.plan(node.fmt, node.ident, self)
            if planned.job.key == node.job.key:
                continue
            if not node.settled:
                self.superseded.add(node.job)
            self._start(node, planned)

    def _abandon(self) -> None:
        """The pool's machines are gone (a Dask scheduler that went away): its jobs will never
        finish. What finished is written; the caller reports the loss."""
        for future, job in self.pending.items():
            future.cancel()
            self.outcome.failures.append(JobFailure(job, "not run: the cluster went away"))
        self.pending.clear()

    def _inputs(self, paths: tuple[PurePosixPath, ...]) -> dict[PurePosixPath, bytes | Path]:
        """Files an earlier job wrote, for a job that reads them: where they are (a cluster's
        executor sends their bytes instead, see ``cluster.ClusterExecutor``)."""
        return {path: self.output_dir / path for path in paths}


def one_line(error: BaseException) -> str:
    """A failure as the summary shows it: an expected error's message, or what went wrong."""
    if isinstance(error, PolyeditionError):
        return f"{error.category}: {error}"
    if isinstance(error, OSError) and error.filename:
        return f"build: {error.filename}: {error.strerror or error}"
    if isinstance(error, BrokenProcessPool):
        return "the worker process running it died (out of memory or killed)"
    first = str(error).strip().splitlines()
    detail = f": {first[0]}" if first else ""
    return f"internal error ({type(error).__name__}{detail}); run with --debug for the traceback"
