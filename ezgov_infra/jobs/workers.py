"""The worker side of distributed runs: `ezgov worker --group G` serves its poller groups' queues with these
handlers, each using the worker's own settings (its inventory copy, its state dir with the lab key or vault).

- `ipv6-collect`: one device's facts, collected as the local audit collects them (`ipv6_audit.collector`).
- `counters`: a round of uplink counters of up to 50 devices of one group (`bandwidth.poll_on_worker`), in one
  event loop, each device's ifIndex map remembered between rounds.
- `job`: a scheduled run (`policy.yaml` `schedule:`), for workers started with `--scheduled`; the job's own
  collection then goes out to the poller groups again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ezgov_infra.collect import queue
from ezgov_infra.collect.runner import run_one
from ezgov_infra.collect.snmp import SnmpSession
from ezgov_infra.config import Settings
from ezgov_infra.errors import InputError
from ezgov_infra.jobs import bandwidth, ipv6_audit, web_check
from ezgov_infra.jobs.distributed import connect
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.selector import parse_limit
from ezgov_infra.store.inventory import load_inventory

_settings: Settings | None = None
_indexes: dict[str, dict[str, int]] = {}
_loaded: tuple[tuple[tuple[str, int, int], ...], Inventory] | None = None
_loading = threading.Lock()
_snmp: tuple[asyncio.AbstractEventLoop, SnmpSession] | None = None


def _snmp_loop() -> tuple[asyncio.AbstractEventLoop, SnmpSession]:
    """One event loop in a thread of its own and one SNMP engine on it for the worker's life, as a local poll keeps
    them for its run (an engine per task would be built and torn down every round)."""
    global _snmp
    with _loading:
        if _snmp is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="ezgov-snmp", daemon=True).start()

            async def opened() -> SnmpSession:
                return await SnmpSession().__aenter__()

            _snmp = (loop, asyncio.run_coroutine_threadsafe(opened(), loop).result())
        return _snmp


def serve(*, settings: Settings, groups: Sequence[str], concurrency: int = 16, scheduled: bool = False,
          name: str | None = None, broker: str | None = None, redeliver_after: float = 300.0) -> None:
    """Run a Celery worker for these poller groups until it is stopped (SIGTERM finishes the running tasks)."""
    global _settings
    _settings = settings
    connect(broker, redeliver_after=redeliver_after)
    hostname = f"{name or '+'.join(groups) or 'scheduled'}@{socket.gethostname()}"
    queue.run_worker(list(groups), hostname=hostname, concurrency=concurrency, scheduled=scheduled)


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What says the inventory files changed: each YAML file's name, mtime and size (kinds may be folders)."""
    found = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*/*.yaml")]):
        with contextlib.suppress(OSError):
            stat = path.stat()
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def _context() -> tuple[Settings, Inventory]:
    """The worker's settings and its inventory, loaded again only when a file of it changed."""
    global _loaded
    if _settings is None:
        raise InputError("this process is not an ezgov worker (start one with `ezgov worker --group G`)")
    with _loading:
        stamp = _stamp(_settings.inventory)
        if _loaded is None or _loaded[0] != stamp:
            _loaded = (stamp, load_inventory(_settings.inventory))
        return _settings, _loaded[1]


@queue.handler("ipv6-collect")
def _ipv6_collect(device_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
    settings, inventory = _context()
    options = ipv6_audit.AuditOptions.from_worker_params(dict(params))
    result = run_one(device_id, ipv6_audit.collector(inventory, settings.inventory, settings.state_dir, options))
    return {"subject": device_id, "value": result.value.model_dump(mode="json") if result.value else None,
            "category": result.category, "message": result.message, "elapsed": result.elapsed}


@queue.handler("counters")
def _counters(part: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A round of counters of a part of a group's devices (`params["devices"]`)."""
    settings, inventory = _context()
    loop, session = _snmp_loop()
    results = bandwidth.poll_on_worker(inventory, list(params["devices"]), params, folder=settings.inventory,
                                       state_dir=settings.state_dir, indexes=_indexes, session=session,
                                       run=lambda coroutine: asyncio.run_coroutine_threadsafe(coroutine, loop).result())
    answers = [{"subject": r.subject, "category": r.category, "message": r.message, "elapsed": r.elapsed,
                "value": None if r.value is None else [
                    {"device": s.device, "interface": s.interface, "ts": s.ts, "uptime": s.uptime,
                     "in_octets": s.in_octets, "out_octets": s.out_octets, "speed_mbps": s.speed_mbps, "hc": s.hc}
                    for s in r.value]} for r in results]
    return {"subject": part, "value": answers, "category": None, "message": None,
            "elapsed": sum(r.elapsed for r in results)}


@queue.handler("job")
def _job(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A scheduled run; its value is the stored run's id."""
    settings, _ = _context()
    run_id = run_scheduled(settings, str(params["job"]), params)
    return {"subject": name, "value": run_id, "category": None, "message": None, "elapsed": 0.0}


def run_scheduled(settings: Settings, job: str, params: Mapping[str, Any]) -> int | None:
    """Run one scheduled job as `ezgov` would, storing it in the history; returns the run id."""
    limit = parse_limit([params["limit"]] if params.get("limit") else ())
    distributed = bool(params.get("distributed", True))
    if job == "ipv6-audit":
        options = ipv6_audit.AuditOptions(live=True, limit=limit, distributed=distributed)
        return ipv6_audit.audit(inventory=settings.inventory, state_dir=settings.state_dir, options=options).run_id
    if job == "bandwidth-poll":
        return bandwidth.poll(folder=settings.inventory, state_dir=settings.state_dir,
                              interval=float(params.get("interval_s", 10.0)), rounds=int(params.get("rounds", 3)),
                              limit=limit, distributed=distributed).run_id
    if job == "web-check":
        return web_check.check_websites(folder=settings.inventory, state_dir=settings.state_dir).run_id
    raise InputError(f"schedule: unknown job {job!r}")


def schedule_file(state_dir: Path) -> Path:
    """Where Celery beat keeps the last run time of each entry."""
    return state_dir / "beat-schedule"


# ---- continuous runs: `policy.yaml` `schedule:` on Celery beat

def schedule_entries(folder: Path) -> list[dict[str, Any]]:
    """Each scheduled run of the inventory's policy, with when it runs next."""
    policy = load_inventory(folder).policy
    rows = []
    for name, entry in sorted(policy.schedule.items()):
        try:
            due = queue.next_due(entry.cron, entry.every_s, zone=policy.timezone)
        except InputError as exc:
            raise InputError(f"{folder / 'policy.yaml'}: schedule.{name}.cron: {exc}") from exc
        rows.append({"name": name, "job": entry.job.value,
                     "when": entry.cron if entry.cron is not None else f"every {entry.every_s} s",
                     "limit": entry.limit or "all", "distributed": entry.distributed,
                     "timezone": policy.timezone, "next": due.isoformat(timespec="minutes")})
    return rows


def beat(*, settings: Settings, broker: str | None = None) -> None:
    """Run Celery beat sending the policy's scheduled runs to the `--scheduled` workers, until stopped."""
    policy = load_inventory(settings.inventory).policy
    if not policy.schedule:
        raise InputError(f"{settings.inventory / 'policy.yaml'}: schedule: nothing is scheduled")
    connect(broker)
    entries = {name: (entry.cron, entry.every_s,
                      {"job": entry.job.value, "limit": entry.limit, "distributed": entry.distributed,
                       "rounds": entry.rounds, "interval_s": entry.interval_s})
               for name, entry in policy.schedule.items()}
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    queue.run_beat(entries, schedule_file=str(schedule_file(settings.state_dir)), zone=policy.timezone)
