"""Where jobs run: in this process (``--jobs 1``) or in a pool of worker processes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

logger = logging.getLogger(__name__)


class SerialExecutor(Executor):
    """Runs each job at submit time in this process: ``--jobs 1`` and debugging."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def default_executor(jobs: int) -> Executor:
    """One process per core; ``forkserver`` so workers start clean and import only what they use."""
    if jobs <= 1:
        return SerialExecutor()
    context = get_context("forkserver")
    context.set_forkserver_preload(["polyedition.build"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)
