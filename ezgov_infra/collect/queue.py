"""Distributed collection on Celery with a Redis broker: the only module importing celery.

Each poller group is one queue; `ezgov worker --group G` consumes it. The coordinator (`ezgov ipv6 audit --live
--distributed`, `ezgov bandwidth poll --distributed`, a scheduled job) sends one `ezgov.work` task per subject to
its group's queue and gathers what comes back into one `Batch`, with the same per-subject categories as a local
run. A task message holds a handler name, a subject id and plain options, never a secret: the worker resolves
credential profiles itself, from its own environment, vault file or lab key.

Delivery: tasks are acknowledged late and rejected back to the queue when their worker is lost, and the Redis
transport hands an unacknowledged task to another worker after `visibility_timeout` seconds (swept every second);
a task started more than `MAX_DELIVERIES` times is answered as a `timeout` instead of being tried again. The
coordinator watches which groups have a live worker (Celery's `inspect active_queues`): a group without one for
`no_worker_after` seconds fails its subjects as `unreachable` (`no worker for group G`) rather than waiting.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery import Celery
from celery.schedules import crontab, schedule
from kombu import pools

from ezgov_infra.errors import InputError, UnreachableError
from ezgov_infra.models.runs import NoProgress, Progress, Result

WORK_TASK = "ezgov.work"
JOB_TASK = "ezgov.job"
SCHEDULED_QUEUE = "ezgov-scheduled"
MAX_DELIVERIES = 3

# A handler runs one subject on a worker and returns its result as plain data:
# {"subject", "value" (JSON-able or None), "category", "message", "elapsed"}.
Handler = Callable[[str, Mapping[str, Any]], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}

app = Celery("ezgov", set_as_current=False)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the worker side of a kind of task (`ipv6-collect`, `counters`, `job`)."""
    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        return function
    return register


_BROKER: list[str] = []  # the broker the app was last pointed at


def configure(broker: str, *, visibility_timeout: float = 300.0) -> Celery:
    """Point the app at a broker (Redis; results are kept there too) with late acknowledgement. Pointed at another
    broker than before (a process that talks to two in turn), its connections and result store start anew."""
    if _BROKER and _BROKER[-1] != broker:
        release()
        # the result store was bound to the old broker: forget it (Celery keeps it shared or per thread)
        app._backend_cache = None
        with contextlib.suppress(AttributeError):
            del app._local.backend
    _BROKER[:] = [broker]
    app.conf.update(
        broker_url=broker, result_backend=broker, task_acks_late=True, task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1, task_serializer="json", result_serializer="json", accept_content=["json"],
        task_track_started=True, result_expires=86_400, broker_connection_retry_on_startup=True,
        broker_connection_max_retries=3, worker_hijack_root_logger=False, worker_send_task_events=False,
        task_default_queue=SCHEDULED_QUEUE,
        broker_transport_options={"visibility_timeout": int(visibility_timeout), "unacked_restore_interval": 1,
                                  "unacked_restore_throttle": 1},
    )
    return app


def _deliveries(task_id: str) -> int:
    """How many times this task has been started (a Redis counter beside its result)."""
    client = app.backend.client
    key = f"ezgov-deliveries-{task_id}"
    count = int(client.incr(key))
    client.expire(key, 86_400)
    return count


@app.task(name=WORK_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def _work(self: Any, kind: str, subject: str, params: dict[str, Any]) -> dict[str, Any]:
    count = _deliveries(self.request.id)
    if count > MAX_DELIVERIES:
        return {"subject": subject, "value": None, "category": "timeout", "elapsed": 0.0,
                "message": f"{subject}: started {count - 1} times, each worker died or hung; not tried again"}
    return _HANDLERS[kind](subject, params)


# ---- workers and beat

def run_worker(groups: Sequence[str], *, hostname: str, concurrency: int = 16, scheduled: bool = False) -> None:
    """Serve the groups' queues (and the scheduler's, when `scheduled`) until stopped; threads, as local runs."""
    queues = [*groups, *([SCHEDULED_QUEUE] if scheduled else [])]
    if not queues:
        raise InputError("--group: name at least one poller group (or give --scheduled)")
    app.worker_main(["worker", "--queues", ",".join(queues), "--pool", "threads", "--concurrency", str(concurrency),
                     "--hostname", hostname, "--without-gossip", "--without-mingle", "--loglevel", "INFO"])


def timing(cron: str | None, every_s: int | None, now: Callable[[], datetime] | None = None, *,
           zone: str = "UTC") -> crontab | schedule:
    """Celery's schedule for a policy entry: a five-field cron line, its fields read in `zone`, or a period."""
    if cron is not None:
        minute, hour, day_of_month, month, day_of_week = cron.split()
        try:
            entry = crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month,
                            day_of_week=day_of_week, nowfun=now)
        except ValueError as exc:
            raise InputError(f"cron '{cron}': {exc}") from exc
        entry.tz = ZoneInfo(zone)  # its own zone, whatever the app's (a cached property Celery reads)
        return entry
    return schedule(timedelta(seconds=every_s or 0), nowfun=now)


def next_due(cron: str | None, every_s: int | None, *, zone: str = "UTC", now: datetime | None = None) -> datetime:
    """When an entry next runs, counting from `now` (for a period: one period after now), as a time in `zone`
    (where the cron line's fields are read)."""
    moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone))
    due: datetime = moment + timing(cron, every_s, lambda: moment, zone=zone).remaining_estimate(moment)
    return due


def run_beat(entries: Mapping[str, tuple[str | None, int | None, dict[str, Any]]], *, schedule_file: str,
             zone: str = "UTC") -> None:
    """Celery beat sending each entry's job to the scheduler's queue on its timing (cron lines in `zone`), until
    stopped."""
    app.conf.timezone = zone
    app.conf.beat_schedule = {
        name: {"task": WORK_TASK, "schedule": timing(cron, every_s, zone=zone), "args": ["job", name, params],
               "options": {"queue": SCHEDULED_QUEUE}}
        for name, (cron, every_s, params) in entries.items()}
    app.Beat(schedule=schedule_file, loglevel="INFO").run()


# ---- the coordinator

@dataclass(frozen=True, slots=True)
class Work:
    """One subject to run on a worker of `group`."""

    subject: str
    group: str
    kind: str
    params: Mapping[str, Any]


def live_groups(timeout: float = 1.0) -> dict[str, set[str]]:
    """`queue -> worker names` of every worker answering now. Workers answer within milliseconds, but kombu's Redis
    client may first finish the previous call's blocking read of its reply queue (up to its 1 s BRPOP timeout):
    with half a second, a third of the calls heard no worker at all."""
    try:
        answers = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception as exc:  # kombu raises the transport's own errors
        raise UnreachableError(f"broker {app.conf.broker_url}: {exc}") from exc
    found: dict[str, set[str]] = {}
    for worker, queues in answers.items():
        for queue in queues or []:
            found.setdefault(queue["name"], set()).add(worker)
    return found


def _failed(subject: str, category: str, message: str, elapsed: float = 0.0) -> Result[Any]:
    return Result(subject, category=category, message=message, elapsed=elapsed)


class _Watcher:
    """Which groups have a live worker, asked in the background every `every` seconds (an `inspect` waits its
    whole timeout for answers, so the tasks are sent meanwhile)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.live: dict[str, set[str]] | None = None
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ezgov-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.live = live_groups()
            except Exception as exc:  # reported by the coordinator's loop
                self.error = exc
                return
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()


def dispatch(work: Iterable[Work], *, timeout: float, no_worker_after: float = 10.0, watch_every: float = 2.0,
             progress: Progress | None = None, title: str = "collecting") -> list[Result[Any]]:
    """Send every subject to its group's queue and gather the results (in the order given).

    A subject whose task has been running `timeout` seconds on its current worker is reported as `timeout` (on a
    worker that died, only once the broker has not given it to another within `redeliver_after`); a group with no
    live worker for `no_worker_after` seconds fails its waiting subjects as `unreachable: no worker for group G`
    (a worker that joins later skips them: they are revoked)."""
    order = list(work)
    hook = progress or NoProgress()
    hook.started(title, len(order))
    results: dict[str, Result[Any]] = {}
    watcher = _Watcher(watch_every)
    try:
        sent: dict[str, tuple[Work, str]] = {}  # subject -> (work, task id)
        started_at: dict[str, float] = {}
        attempts: dict[str, tuple[str, Any]] = {}  # subject -> (worker, pid) that last started it
        missing_since: dict[str, float] = {}

        def finish(result: Result[Any]) -> None:
            results[result.subject] = result
            sent.pop(result.subject, None)
            hook.advance(result)

        try:
            for item in order:
                task = app.send_task(WORK_TASK, args=[item.kind, item.subject, dict(item.params)], queue=item.group)
                sent[item.subject] = (item, task.id)
        except Exception as exc:  # kombu raises the transport's own errors
            raise UnreachableError(f"broker {app.conf.broker_url}: {exc}") from exc
        while sent:
            if watcher.error is not None:
                raise UnreachableError(f"broker {app.conf.broker_url}: {watcher.error}") from watcher.error
            now = time.monotonic()
            live = watcher.live
            for group in {w.group for w, _ in sent.values()} if live is not None else ():
                if live and live.get(group):
                    missing_since.pop(group, None)
                    continue
                if now - missing_since.setdefault(group, now) >= no_worker_after:
                    for item, task_id in [v for v in sent.values() if v[0].group == group]:
                        app.control.revoke(task_id)
                        finish(_failed(item.subject, "unreachable", f"no worker for group {group}",
                                       now - started_at.get(item.subject, now)))
            workers = set().union(*live.values()) if live is not None else None
            _collect(sent, started_at, attempts, workers, timeout, finish)
            if sent:
                time.sleep(0.02)
    finally:
        watcher.stop()
        hook.finished()
    return [results[w.subject] for w in order]


def release() -> None:
    """Close the broker and result connections this process holds, before it forks children that run Python
    (multiprocessing): Celery's after-fork handlers would otherwise work on them in every such child, and can
    block there. It costs a reconnection (about a second), so a coordinator keeps its connections between runs."""
    with contextlib.suppress(Exception):
        pools.reset()  # type: ignore[no-untyped-call]  # kombu's registry of connection and producer pools: all closed and forgotten
        app._after_fork()  # Celery's own reset of its pools (as in a forked child), so the next use opens anew
    with contextlib.suppress(Exception):
        app.backend.client.connection_pool.disconnect()


def redeliver_after() -> float:
    """Seconds after which the broker gives a task whose worker died to another worker (its visibility timeout:
    longer than any task runs, else a slow task would run twice)."""
    return float(app.conf.broker_transport_options.get("visibility_timeout", 300))


def _collect(sent: dict[str, tuple[Work, str]], started_at: dict[str, float], attempts: dict[str, tuple[str, Any]],
             live_workers: set[str] | None, timeout: float, finish: Callable[[Result[Any]], None]) -> None:
    """Take the results in; a task is timed from when its current worker started it. A task whose worker died
    (no longer answering) is not timed out before the broker has had `redeliver_after` to give it to another."""
    backend = app.backend
    subjects = list(sent)
    raw = backend.mget([backend.get_key_for_task(sent[s][1]) for s in subjects])
    now = time.monotonic()
    for subject, value in zip(subjects, raw, strict=True):
        meta: dict[str, Any] = backend.decode_result(value) if value else {"status": "PENDING"}
        status = meta.get("status")
        if status == "SUCCESS":
            answer = meta["result"]
            finish(Result(subject, value=answer.get("value"), category=answer.get("category"),
                          message=answer.get("message"), elapsed=float(answer.get("elapsed") or 0.0)))
        elif status in ("FAILURE", "REVOKED"):
            finish(_failed(subject, "parse", f"{subject}: worker task {status.lower()}: {meta.get('result')}"))
        elif status in ("STARTED", "RETRY"):
            started: dict[str, Any] = meta["result"] if isinstance(meta.get("result"), dict) else {}
            attempt = (str(started.get("hostname") or ""), started.get("pid"))
            if attempts.get(subject) != attempt:  # another worker took it up: its own clock
                attempts[subject] = attempt
                started_at[subject] = now
            began = started_at[subject]
            if now - began <= timeout:
                continue
            died = live_workers is not None and attempt[0] not in live_workers
            if died and now - began <= timeout + redeliver_after():
                continue  # the broker gives it to another worker of the group after `redeliver_after`
            app.control.revoke(sent[subject][1])
            message = (f"{subject}: its worker {attempt[0]} stopped mid-task and no other worker took it up "
                       f"within {redeliver_after():g} s" if died else f"{subject}: no result within {timeout:g} s")
            finish(_failed(subject, "timeout", message, now - began))
