"""Run one task per device on a bounded thread pool; every device gets a `Result`, none aborts the batch.

    results = run_batch(devices, task, workers=32, timeout=60, progress=hook)

A task that raises `CollectError` yields a failed result with the error's category; any other exception is
reported as category `parse` (a bug or an unexpected answer, with its type) rather than killing the run. A task
still running when its device's deadline passes is reported as `timeout` and abandoned; its thread finishes in the
background (netmiko and pysnmp give no safe way to interrupt a blocked read), so each task should also honour
its own connect and command timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ezgov_infra.errors import CollectError

T = TypeVar("T")


@dataclass
class Result(Generic[T]):
    """One device's outcome: `value` when ok, else `category` and `message`."""

    device: str
    value: T | None = None
    category: str | None = None
    message: str | None = None
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        return self.category is not None


class Progress(Protocol):
    """What a long batch reports: `started` once with the total, `advance` per device, `finished` once."""

    def started(self, total: int, title: str) -> None: ...

    def advance(self, device: str, ok: bool, detail: str) -> None: ...

    def finished(self) -> None: ...


class NoProgress:
    def started(self, total: int, title: str) -> None:
        return None

    def advance(self, device: str, ok: bool, detail: str) -> None:
        return None

    def finished(self) -> None:
        return None


def _call(device: str, task: Callable[[str], T]) -> Result[T]:
    started = time.monotonic()
    try:
        return Result(device, value=task(device), elapsed=time.monotonic() - started)
    except CollectError as exc:
        return Result(device, category=exc.category, message=str(exc), elapsed=time.monotonic() - started)
    except Exception as exc:  # one device's surprise must not stop the other 400
        return Result(device, category="parse", message=f"{device}: {exc.__class__.__name__}: {exc}",
                      elapsed=time.monotonic() - started)


def run_batch(devices: Iterable[str], task: Callable[[str], T], *, workers: int = 32, timeout: float = 120.0,
              progress: Progress | None = None, title: str = "collecting") -> list[Result[T]]:
    """Results in the order of `devices`; each device is given at most `timeout` seconds from its start."""
    order = list(devices)
    hook = progress or NoProgress()
    hook.started(len(order), title)
    results: dict[str, Result[T]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(order) or 1)), thread_name_prefix="ezgov")
    try:
        started_at: dict[str, float] = {}

        def timed(device: str) -> Result[T]:
            started_at[device] = time.monotonic()
            return _call(device, task)

        begun: dict[Future[Result[T]], str] = {pool.submit(timed, device): device for device in order}
        pending = set(begun)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                results[result.device] = result
                hook.advance(result.device, not result.failed, result.category or "ok")
            now = time.monotonic()
            for future in list(pending):
                device = begun[future]
                started = started_at.get(device)
                if started is not None and now - started > timeout:
                    pending.discard(future)
                    future.cancel()
                    results[device] = Result(device, category="timeout", elapsed=now - started,
                                             message=f"{device}: no result within {timeout:g} s")
                    hook.advance(device, False, "timeout")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        hook.finished()
    return [results[d] for d in order]
