"""The coordinator side of distributed runs: each subject goes to its poller group's queue (see `collect.queue`)
and comes back as the same `Result` a local run gives.

    batch = collect(inventory, device_ids, "ipv6-collect", params, timeout=90, progress=hook, title="IPv6 audit")

A device's group is `Inventory.poller_group` (its district unless `policy.yaml` says otherwise). The broker is
`EZGOV_BROKER_URL` (default: Redis on this machine's loopback).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ezgov_infra.config import broker_url
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.runs import Batch, Progress, Result

NO_WORKER_AFTER_S = 10.0

if TYPE_CHECKING:
    from types import ModuleType


def _queue() -> ModuleType:
    """The Celery adapter, imported only when a run is distributed: Celery takes a tenth of a second to import,
    which every local audit and poll would otherwise pay."""
    from ezgov_infra.collect import queue

    return queue


def connect(broker: str | None = None, *, redeliver_after: float = 300.0) -> str:
    """Point the queue adapter at the broker; returns its URL."""
    url = broker or broker_url()
    _queue().configure(url, visibility_timeout=redeliver_after)
    return url


def groups(inventory: Inventory, device_ids: Sequence[str]) -> dict[str, list[str]]:
    """`poller group -> device ids` of the devices named."""
    found: dict[str, list[str]] = {}
    for device_id in device_ids:
        found.setdefault(inventory.poller_group(device_id), []).append(device_id)
    return found


def collect(inventory: Inventory, device_ids: Sequence[str], kind: str, params: Mapping[str, Any], *,
            timeout: float, progress: Progress | None = None, title: str = "collecting",
            no_worker_after: float = NO_WORKER_AFTER_S) -> Batch[Any]:
    """Each device's task on a worker of its group; the results in the order given."""
    connect()
    clock = time.monotonic()
    queue = _queue()
    work = [queue.Work(d, inventory.poller_group(d), kind, params) for d in device_ids]
    results = queue.dispatch(work, timeout=timeout, no_worker_after=no_worker_after, progress=progress, title=title)
    return Batch(title, results, time.monotonic() - clock)


def collect_in_parts(inventory: Inventory, device_ids: Sequence[str], kind: str, params: Mapping[str, Any], *,
                     part: int, timeout: float, progress: Progress | None = None, title: str = "collecting",
                     no_worker_after: float = NO_WORKER_AFTER_S) -> list[Result[Any]]:
    """Like `collect`, but each task takes up to `part` devices of one group (`params["devices"]`) and answers a
    list of per-device results; a part that fails as a whole (no worker, timeout) fails each of its devices."""
    connect()
    queue = _queue()
    work = []
    for group, ids in groups(inventory, device_ids).items():
        for number, start in enumerate(range(0, len(ids), part)):
            work.append(queue.Work(f"{group}#{number}", group, kind, {**params, "devices": ids[start:start + part]}))
    found: dict[str, Result[Any]] = {}
    for item, result in zip(work, queue.dispatch(work, timeout=timeout, no_worker_after=no_worker_after,
                                                 progress=progress, title=title), strict=True):
        if result.failed or result.value is None:
            for device in item.params["devices"]:
                found[device] = Result(device, category=result.category or "parse", message=result.message,
                                       elapsed=result.elapsed)
            continue
        for answer in result.value:
            found[answer["subject"]] = Result(answer["subject"], answer.get("value"), answer.get("category"),
                                              answer.get("message"), float(answer.get("elapsed") or 0.0))
    return [found[d] for d in device_ids]
