"""Poller groups, scheduled runs and the Celery queue on a real redis-server (no lab: the devices fail, and must
fail alike whether collected here or by a worker)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from ezgov_infra.store.inventory import load_inventory


class TestPollerGroups:
    def test_a_device_polls_in_its_district_unless_the_policy_says_otherwise(self, inventory_copy: Path) -> None:
        inventory = load_inventory(inventory_copy)
        assert inventory.poller_group("fenghuang-ar-1") == "echeng"
        assert inventory.poller_group("taihe-ar-1") == "liangzihu"
        assert inventory.poller_group("ez-core-1") == "city"  # the city's own sites sit above every district

        policy = yaml.safe_load((inventory_copy / "policy.yaml").read_text(encoding="utf-8"))
        policy["poller_groups"] = {"echeng": "east", "fenghuang-gsc": "fenghuang", "fenghuang-ar-1": "dc"}
        (inventory_copy / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
        inventory = load_inventory(inventory_copy)
        assert inventory.poller_group("fenghuang-ar-1") == "dc"  # the device's own entry first
        assert inventory.poller_group("echeng-agg-1") == "east"  # then its site's, then its district's
        assert inventory.poller_group("taihe-ar-1") == "liangzihu"


def _with_schedule(folder: Path, schedule: dict[str, Any]) -> None:
    policy = yaml.safe_load((folder / "policy.yaml").read_text(encoding="utf-8"))
    policy["schedule"] = schedule
    (folder / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")


class TestSchedule:
    def test_schedule_show_lists_each_run_and_when_it_is_next_due(self, inventory_copy: Path,
                                                                  cli: Callable[..., Any]) -> None:
        _with_schedule(inventory_copy, {
            "nightly-audit": {"job": "ipv6-audit", "cron": "30 2 * * *", "limit": "district:echeng"},
            "uplinks": {"job": "bandwidth-poll", "every_s": 900, "distributed": False}})
        result = cli("schedule", "show", "-i", inventory_copy, "--format", "json")
        assert result.code == 0, result.err
        rows = json.loads(result.out)
        assert [(r["name"], r["job"], r["when"], r["limit"], r["distributed"]) for r in rows] == [
            ("nightly-audit", "ipv6-audit", "30 2 * * *", "district:echeng", True),
            ("uplinks", "bandwidth-poll", "every 900 s", "all", False)]
        due = datetime.fromisoformat(rows[0]["next"])
        assert rows[0]["timezone"] == "Asia/Shanghai"  # the city's clock, not the machine's UTC
        assert (due.hour, due.minute, due.utcoffset()) == (2, 30, timedelta(hours=8))
        assert 0 < (datetime.fromisoformat(rows[1]["next"]) - datetime.now(UTC)).total_seconds() <= 900

    def test_the_next_due_time_follows_the_cron_line(self) -> None:
        from ezgov_infra.collect.queue import next_due

        now = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # a Friday
        assert next_due("30 2 * * *", None, now=now) == datetime(2026, 3, 7, 2, 30, tzinfo=UTC)
        assert next_due("0 */6 * * 1-5", None, now=now) == datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
        assert next_due(None, 600, now=now) == datetime(2026, 3, 6, 10, 10, tzinfo=UTC)
        # 10:00 UTC is 18:00 in Ezhou: its 02:30 is 8.5 hours away, not 16.5
        assert next_due("30 2 * * *", None, zone="Asia/Shanghai", now=now) == datetime(2026, 3, 6, 18, 30,
                                                                                       tzinfo=UTC)

    def test_a_time_zone_that_does_not_exist_is_one_error_naming_policy_yaml(self, inventory_copy: Path,
                                                                              cli: Callable[..., Any]) -> None:
        policy = yaml.safe_load((inventory_copy / "policy.yaml").read_text(encoding="utf-8"))
        policy["timezone"] = "Asia/Ezhou"
        (inventory_copy / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
        result = cli("schedule", "show", "-i", inventory_copy)
        assert result.code == 2
        assert "policy.yaml" in result.err and "timezone" in result.err and "Asia/Ezhou" in result.err

    @pytest.mark.parametrize(("entry", "says"), [
        ({"job": "ipv6-audit", "cron": "30 2 * *"}, "five-field cron line"),
        ({"job": "ipv6-audit"}, "exactly one of cron or every_s"),
        ({"job": "ipv6-audit", "cron": "0 2 * * *", "every_s": 600}, "exactly one of cron or every_s"),
        ({"job": "reboot", "every_s": 600}, "job"),
    ])
    def test_a_bad_entry_is_one_error_naming_policy_yaml(self, inventory_copy: Path, cli: Callable[..., Any],
                                                         entry: dict[str, Any], says: str) -> None:
        _with_schedule(inventory_copy, {"bad": entry})
        result = cli("schedule", "show", "-i", inventory_copy)
        assert result.code == 2
        assert "policy.yaml" in result.err and "schedule" in result.err and says in result.err


@pytest.fixture
def queue_to(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("EZGOV_BROKER_URL", redis_url)
    from ezgov_infra.collect.queue import release
    from ezgov_infra.jobs.distributed import connect

    connect(redis_url)
    yield redis_url
    release()  # later tests fork (multiprocessing): no broker connection may be left to Celery's after-fork hooks


@dataclass
class Served:
    log: Path
    state_dir: Path


@pytest.fixture(scope="module")
def worker(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`ezgov worker --group echeng --scheduled` on this machine, for the tests of this module."""
    from ezgov_infra.collect import queue
    from ezgov_infra.jobs.distributed import connect
    from ezgov_infra.lab.ns import proc_start, start, terminate
    from tests.conftest import SAMPLE

    folder = tmp_path_factory.mktemp("worker")
    connect(redis_url)
    log = folder / "worker.log"
    pid = start(["env", f"EZGOV_BROKER_URL={redis_url}", sys.executable, "-m", "ezgov_infra", "worker", "--group",
                 "echeng", "--scheduled", "--name", "unit", "--inventory", str(SAMPLE), "--state-dir",
                 str(folder / "state")], log=log)
    started = proc_start(pid)
    try:
        deadline = time.monotonic() + 30
        while "echeng" not in queue.live_groups():
            assert time.monotonic() < deadline, log.read_text(errors="replace")
        yield Served(log, folder / "state")
    finally:
        terminate([(pid, started)], grace=10.0)
        queue.release()


class TestQueue:
    def test_a_group_without_a_worker_fails_as_unreachable_within_the_bound(self, queue_to: str) -> None:
        from ezgov_infra.collect.queue import Work, dispatch

        clock = time.monotonic()
        results = dispatch([Work("r1", "nobody-serves-this", "ipv6-collect", {})], timeout=30, no_worker_after=1,
                           watch_every=0.5)
        assert time.monotonic() - clock < 6
        assert [(r.subject, r.category, r.message) for r in results] == [
            ("r1", "unreachable", "no worker for group nobody-serves-this")]

    def test_a_live_worker_is_heard_at_every_question(self, worker: Served, queue_to: str) -> None:
        """A worker that answers is never reported absent: with kombu's Redis client, a question that waited half
        a second heard nobody about one time in three (the coordinator then counts the group as without worker)."""
        from ezgov_infra.collect import queue

        heard = [{name.partition("@")[0] for name in queue.live_groups().get("echeng", ())} for _ in range(5)]
        assert heard == [{"unit"}] * 5

    def test_a_worker_gives_each_device_the_result_a_local_run_gives(self, worker: Served, queue_to: str,
                                                                     sample_inventory: Path,
                                                                     cli: Callable[..., Any]) -> None:
        runs = []
        for extra in ([], ["--distributed"]):
            result = cli("ipv6", "audit", "--live", "-i", sample_inventory, "--state-dir", worker.state_dir,
                         "--limit", "site:fenghuang*,site:huarong-gsc", "--no-worker-after", "2",
                         "--format", "json", *extra)
            assert result.code == 1
            runs.append({d["device"]: (d["category"], d["message"], d["score"]) for d in json.loads(result.out)
                         ["devices"]})
        local, distributed = runs
        # no lab here: the live echeng devices fail alike (no lab secrets), read from snapshots alike, and the
        # huarong group, which no worker serves, fails as unreachable
        huarong = {d: v for d, v in distributed.items() if d.startswith("huarong-agg-1")}
        assert huarong == {"huarong-agg-1": ("unreachable", "no worker for group huarong", None)}
        assert {d: v for d, v in distributed.items() if d not in huarong} == {
            d: v for d, v in local.items() if d not in huarong}
        assert local["fenghuang-ar-1"][0] == "auth"
        assert "fenghuang-ar-1" in worker.log.read_text(errors="replace")
        assert os.environ.get("EZGOV_DATABASE_URL") is None

    def test_a_scheduled_run_sent_as_beat_sends_it_is_run_and_stored_by_a_scheduled_worker(
            self, worker: Served, queue_to: str) -> None:
        from ezgov_infra.collect.queue import SCHEDULED_QUEUE, Work, dispatch
        from ezgov_infra.store.history import open_history

        params = {"job": "ipv6-audit", "limit": "site:fenghuang*", "distributed": False}
        [result] = dispatch([Work("nightly-audit", SCHEDULED_QUEUE, "job", params)], timeout=60)
        assert result.category is None, result.message
        with open_history(worker.state_dir / "history.sqlite") as history:
            run = history.run(int(result.value))
            stored = {r["subject"]: r["category"] for r in history.results(int(result.value))}
        assert run is not None and run["kind"] == "ipv6-audit" and run["scope"] == "site:fenghuang*"
        assert stored["fenghuang-ar-1"] == "auth" and stored["fenghuang-binhu-cpe-1"] is None

    def test_beat_restarted_after_a_missed_run_sends_it_at_once_to_a_scheduled_worker(
            self, worker: Served, queue_to: str, inventory_copy: Path) -> None:
        import shelve

        from ezgov_infra.lab.ns import proc_start, start, terminate
        from ezgov_infra.store.history import open_history

        _with_schedule(inventory_copy, {"fenghuang": {"job": "ipv6-audit", "every_s": 60, "limit": "site:fenghuang*",
                                                      "distributed": False}})
        state = inventory_copy / "state"
        argv = ["env", f"EZGOV_BROKER_URL={queue_to}", sys.executable, "-m", "ezgov_infra", "schedule", "beat",
                "-i", str(inventory_copy), "--state-dir", str(state)]
        log = inventory_copy / "beat.log"

        def beat_until(done: Callable[[], bool], what: str) -> None:
            pid = start(argv, log=log)
            began = proc_start(pid)
            try:
                deadline = time.monotonic() + 30
                while not done():
                    assert time.monotonic() < deadline, f"{what}: {log.read_text(errors='replace')}"
                    time.sleep(0.1)
            finally:
                terminate([(pid, began)], grace=10.0)

        def stored_runs() -> list[int]:
            with open_history(worker.state_dir / "history.sqlite") as history:
                return [r["id"] for r in history.runs("ipv6-audit") if r["scope"] == "site:fenghuang*"]

        before = stored_runs()
        # first start: beat records the entry as just run, in its schedule file under the state dir
        beat_until(lambda: any(state.glob("beat-schedule*")) and "beat: Starting" in log.read_text(errors="replace"),
                   "beat did not start")
        time.sleep(1)  # let it write its schedule file
        with shelve.open(str(state / "beat-schedule")) as stored:
            entries = stored["entries"]
            assert entries["fenghuang"].schedule.run_every == timedelta(seconds=60)
            entries["fenghuang"].last_run_at -= timedelta(minutes=5)  # as if beat had been down for five minutes
            stored["entries"] = entries
        # restarted, it finds the run missed and sends it at once; the scheduled worker runs and stores it
        beat_until(lambda: len(stored_runs()) > len(before), "no scheduled run was stored")
        assert "Scheduler: Sending due task fenghuang" in log.read_text(errors="replace")

    def test_beat_is_given_each_policy_entry_on_its_timing(self, inventory_copy: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
        from celery.schedules import crontab, schedule

        from ezgov_infra.collect import queue
        from ezgov_infra.config import Settings
        from ezgov_infra.jobs import workers

        _with_schedule(inventory_copy, {"nightly": {"job": "ipv6-audit", "cron": "30 18 * * *"},
                                        "uplinks": {"job": "bandwidth-poll", "every_s": 900, "rounds": 4}})
        given: dict[str, Any] = {}
        monkeypatch.setattr(queue.app, "Beat", lambda **kwargs: type("B", (), {"run": lambda self: given.update(
            kwargs, entries=dict(queue.app.conf.beat_schedule))})())
        workers.beat(settings=Settings(inventory=inventory_copy, state_dir=inventory_copy / "state"),
                     broker="redis://127.0.0.1:1/0")
        entries = given["entries"]
        assert isinstance(entries["nightly"]["schedule"], crontab)
        assert entries["nightly"]["schedule"].hour == {18} and entries["nightly"]["schedule"].minute == {30}
        assert isinstance(entries["uplinks"]["schedule"], schedule) and entries["uplinks"]["schedule"].seconds == 900
        assert entries["uplinks"]["args"][2]["rounds"] == 4
        assert entries["uplinks"]["options"] == {"queue": queue.SCHEDULED_QUEUE}
        assert given["schedule"] == str(inventory_copy / "state" / "beat-schedule")
        assert queue.app.conf.timezone == "Asia/Shanghai"
        assert entries["nightly"]["schedule"].tz == ZoneInfo("Asia/Shanghai")
