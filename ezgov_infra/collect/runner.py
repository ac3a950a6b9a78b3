"""Run one task per subject on a bounded thread pool; every subject gets a `Result`, none aborts the batch.

    batch = run_batch(devices, task, workers=32, timeout=60, progress=hook, title="IPv6 audit")

The one batch runner: device collection, website checks and active tests all go through it. A task that raises
`CollectError` yields a failed result with the error's category; any other exception is reported as category
`parse` (a bug or an unexpected answer, with its type) rather than killing the run. A task still running when its
subject's deadline passes is reported as `timeout` and abandoned; its thread finishes in the background (netmiko
and pysnmp give no safe way to interrupt a blocked read), so each task should also honour its own connect and
command timeouts. Without a `timeout` a task runs as long as it takes (it bounds itself).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from ezgov_infra.errors import CollectError
from ezgov_infra.models.runs import Batch, NoProgress, Progress, Result

T = TypeVar("T")


def _call(subject: str, task: Callable[[str], T]) -> Result[T]:
    started = time.monotonic()
    try:
        return Result(subject, value=task(subject), elapsed=time.monotonic() - started)
    except CollectError as exc:
        return Result(subject, category=exc.category, message=str(exc), elapsed=time.monotonic() - started)
    except Exception as exc:  # one device's surprise must not stop the other 400
        return Result(subject, category="parse", message=f"{subject}: {exc.__class__.__name__}: {exc}",
                      elapsed=time.monotonic() - started)


def run_one(subject: str, task: Callable[[str], T]) -> Result[T]:
    """One subject's task with the batch's error handling (a worker of a distributed run calls this)."""
    return _call(subject, task)


def run_batch(subjects: Iterable[str], task: Callable[[str], T], *, workers: int = 32, timeout: float | None = 120.0,
              progress: Progress | None = None, title: str = "collecting") -> Batch[T]:
    """Results in the order of `subjects`; each subject is given at most `timeout` seconds from its start."""
    order = list(subjects)
    hook = progress or NoProgress()
    clock = time.monotonic()
    hook.started(title, len(order))
    results: dict[str, Result[T]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(order) or 1)), thread_name_prefix="ezgov")
    try:
        started_at: dict[str, float] = {}

        def timed(subject: str) -> Result[T]:
            started_at[subject] = time.monotonic()
            return _call(subject, task)

        begun: dict[Future[Result[T]], str] = {pool.submit(timed, subject): subject for subject in order}
        pending = set(begun)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                results[result.subject] = result
                hook.advance(result)
            if timeout is None:
                continue
            now = time.monotonic()
            for future in list(pending):
                subject = begun[future]
                started = started_at.get(subject)
                if started is not None and now - started > timeout:
                    pending.discard(future)
                    future.cancel()
                    results[subject] = Result(subject, category="timeout", elapsed=now - started,
                                              message=f"{subject}: no result within {timeout:g} s")
                    hook.advance(results[subject])
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        hook.finished()
    return Batch(title, [results[s] for s in order], time.monotonic() - clock)
