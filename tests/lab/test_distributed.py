"""Province scale in the lab: Redis and PostgreSQL from Debian's packages, one Celery worker per poller group in a
namespace whose routes reach only that group's routers, a distributed audit and poll compared with local ones,
then a worker killed mid-task and a group's only worker stopped."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import alive, proc_start, run, start, terminate
from tests.conftest import SAMPLE

pytestmark = pytest.mark.lab
ROUTERS = "platform:frr"
GROUPS = {"echeng": ["echeng-agg-1", "fenghuang-ar-1"], "liangzihu": ["liangzihu-agg-1", "taihe-ar-1", "tujianao-ar-1"],
          "huarong": ["huarong-agg-1"], "city": ["ez-core-1", "ez-cloud-gw"]}
RECEIVED = re.compile(r"Task ezgov\.work\[([0-9a-f-]+)\] received")


@dataclass
class Worker:
    group: str
    name: str
    log: Path
    pid: int = 0
    started: int | None = None

    def received(self) -> list[str]:
        return RECEIVED.findall(self.log.read_text(errors="replace")) if self.log.exists() else []


@dataclass
class Province:
    broker: str
    database: str
    namespaces: dict[str, str]
    folder: Path
    workers: dict[str, Worker] = field(default_factory=dict)

    def start(self, group: str, name: str, concurrency: int = 4) -> Worker:
        from ezgov_infra.lab.pollers import in_namespace

        worker = Worker(group, name, self.folder / f"{name}.log")
        argv = [sys.executable, "-m", "ezgov_infra", "worker", "--group", group, "--name", name,
                "--concurrency", str(concurrency), "--redeliver-after", "3", "--inventory", str(SAMPLE),
                "--state-dir", str(self.state_dir)]
        worker.pid = start(in_namespace(self.namespaces[group], argv, {"EZGOV_BROKER_URL": self.broker,
                                                                       "PATH": os.environ["PATH"]}), log=worker.log)
        worker.started = proc_start(worker.pid)
        self.workers[name] = worker
        return worker

    state_dir: Path = Path()


def _wait_for(groups: dict[str, int], timeout: float = 30.0) -> None:
    """Until each group has at least (or, for 0, exactly) that many live workers."""
    from ezgov_infra.collect import queue

    deadline = time.monotonic() + timeout
    while True:
        live = queue.live_groups()
        if all((len(live.get(g, ())) >= n) if n else not live.get(g) for g, n in groups.items()):
            return
        assert time.monotonic() < deadline, f"workers not as expected: {live}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def province(lab: Lab, postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    from ezgov_infra.jobs.distributed import connect
    from ezgov_infra.lab import engines
    from ezgov_infra.lab.pollers import poller_namespace
    from ezgov_infra.lab.topology import HOST_MGMT_IPV4

    folder = tmp_path_factory.mktemp("province")
    with ExitStack() as stack:
        broker = stack.enter_context(engines.redis(log=folder / "redis.log", host=str(HOST_MGMT_IPV4.ip))).url
        database = postgres_url  # the session's throwaway cluster (tests/conftest.py), on loopback
        namespaces = {}
        for index, (group, devices) in enumerate(GROUPS.items()):
            reach = [a for d in devices for a in (lab.nodes[d].mgmt_ipv4, lab.nodes[d].mgmt_ipv6) if a]
            namespaces[group] = stack.enter_context(poller_namespace(group, index=index, reach=reach))
        here = Province(broker, database, namespaces, folder, state_dir=lab.state_dir)
        connect(broker)
        try:
            here.start("echeng", "echeng-1", concurrency=1)
            here.start("echeng", "echeng-2", concurrency=1)
            for group in ("liangzihu", "huarong", "city"):
                here.start(group, f"{group}-1")
            _wait_for({"echeng": 2, "liangzihu": 1, "huarong": 1, "city": 1})
            yield here
        finally:
            for worker in here.workers.values():
                if alive(worker.pid, worker.started):
                    os.kill(worker.pid, signal.SIGQUIT)  # Celery's cold shutdown: nothing is running by now
            terminate([(w.pid, w.started) for w in here.workers.values()], grace=10.0)
            from ezgov_infra.collect.queue import release

            release()  # later tests fork (multiprocessing): no broker connection may be left to Celery's hooks


@pytest.fixture
def env(province: Province, monkeypatch: pytest.MonkeyPatch) -> Province:
    monkeypatch.setenv("EZGOV_BROKER_URL", province.broker)
    monkeypatch.setenv("EZGOV_DATABASE_URL", province.database)
    return province


def _audit(cli: Callable[..., Any], lab: Lab, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("ipv6", "audit", "--live", "-i", SAMPLE, "--state-dir", lab.state_dir, "--limit", ROUTERS,
                 "--format", "json", *args)
    return result.code, json.loads(result.out)


def _verdicts(document: dict[str, Any]) -> dict[str, Any]:
    """Per device: its status, findings and facts (less what moves between two runs: uptime)."""
    out = {}
    for device in document["devices"]:
        facts = dict(device["facts"] or {})
        facts.pop("uptime_s", None)
        out[device["device"]] = {
            "status": device["score"]["readiness"] if device["score"] else f"failed: {device['category']}",
            "message": device["message"] if device["category"] else None,
            "findings": sorted((f["rule"], f["severity"], f["message"]) for f in device["findings"]),
            "interfaces": facts.get("interfaces"), "software": facts.get("software")}
    return out


class TestPlacement:
    def test_a_poller_namespace_reaches_its_own_routers_only(self, province: Province, lab: Lab) -> None:
        echeng = province.namespaces["echeng"]
        own = lab.nodes["echeng-agg-1"].mgmt_ipv4
        other = lab.nodes["taihe-ar-1"].mgmt_ipv4
        assert run(["ip", "netns", "exec", echeng, "ping", "-c", "1", "-W", "2", str(own)], check=False).returncode == 0
        unreachable = run(["ip", "netns", "exec", echeng, "ping", "-c", "1", "-W", "1", str(other)], check=False)
        assert unreachable.returncode != 0


class TestDistributedRuns:
    def test_a_distributed_audit_finds_what_a_local_one_finds(self, env: Province, lab: Lab,
                                                              cli: Callable[..., Any]) -> None:
        code, local = _audit(cli, lab)
        assert code == 0
        code, distributed = _audit(cli, lab, "--distributed")
        assert code == 0, distributed
        assert _verdicts(distributed) == _verdicts(local)
        assert len(distributed["devices"]) == sum(len(d) for d in GROUPS.values())
        # each device went to its own group's workers
        taihe = env.workers["liangzihu-1"].log.read_text(errors="replace")
        assert "taihe-ar-1" in taihe and "echeng-agg-1" not in taihe
        # the workers resolved the credentials themselves: no secret passed through them or the broker's results
        secrets = lab.secrets
        values = [secrets["ssh"]["password"], secrets["snmp"]["community"], secrets["snmp"]["v3"]["auth_key"],
                  secrets["snmp"]["v3"]["priv_key"]]
        for worker in env.workers.values():
            text = worker.log.read_text(errors="replace")
            assert all(value and value not in text for value in values)

    def test_a_distributed_poll_samples_what_a_local_one_samples(self, env: Province, lab: Lab) -> None:
        from ezgov_infra.config import history_path
        from ezgov_infra.jobs import bandwidth
        from ezgov_infra.models.selector import parse_limit
        from ezgov_infra.store.history import open_history

        polls: dict[bool, Any] = {}

        def poll(distributed: bool) -> None:
            polls[distributed] = bandwidth.poll(folder=SAMPLE, state_dir=lab.state_dir, interval=5.0, rounds=2,
                                                limit=parse_limit([ROUTERS]), distributed=distributed)

        both = [threading.Thread(target=poll, args=(d,)) for d in (False, True)]  # the same agents, side by side
        for thread in both:
            thread.start()
        for thread in both:
            thread.join(60)
        local, distributed = polls[False], polls[True]
        assert distributed.failures == {} and distributed.samples == local.samples > 0
        assert ({(u.device, u.interface) for u in distributed.interfaces}
                == {(u.device, u.interface) for u in local.interfaces})
        with open_history(history_path(lab.state_dir)) as history:
            assert history.dialect == "postgresql"
            stored = [s for s in history.samples() if s["run_id"] == distributed.run_id]
        assert len(stored) == distributed.samples
        assert len({(s["device"], s["interface"], s["ts"]) for s in stored}) == len(stored)


class TestFailures:
    def test_a_task_whose_worker_is_killed_is_finished_by_another_of_its_group(self, env: Province,
                                                                               lab: Lab) -> None:
        from ezgov_infra.jobs import ipv6_audit
        from ezgov_infra.models.selector import parse_limit

        second = env.workers["echeng-2"]
        terminate([(second.pid, second.started)], grace=10.0)
        _wait_for({"echeng": 1})
        first = env.workers["echeng-1"]
        before = set(first.received())
        # a device's own timeout shorter than the broker's redelivery: the killed task waits for another worker
        options = ipv6_audit.AuditOptions(live=True, limit=parse_limit([ROUTERS]), distributed=True,
                                          no_worker_after=20.0, device_timeout=4.0)
        runs: list[Any] = []
        audit = threading.Thread(target=lambda: runs.append(ipv6_audit.audit(
            inventory=SAMPLE, state_dir=lab.state_dir, options=options)))
        audit.start()
        deadline = time.monotonic() + 20
        while not set(first.received()) - before:
            assert time.monotonic() < deadline, "the echeng worker was given no task"
            time.sleep(0.02)
        taken = time.monotonic()
        os.kill(first.pid, signal.SIGKILL)  # mid-task: an SSH collection takes about a second
        killed = (set(first.received()) - before).pop()
        deadline = time.monotonic() + 5
        while alive(first.pid, first.started) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(max(0.0, taken + options.device_timeout + 1 - time.monotonic()))  # past the task's timeout
        replacement = env.start("echeng", "echeng-3", concurrency=1)
        audit.join(60)
        assert not audit.is_alive() and runs
        run = runs[0]
        assert [d.device for d in run.failed] == []
        assert len(run.devices) == sum(len(d) for d in GROUPS.values())
        assert killed in replacement.received()

    def test_a_group_without_a_worker_fails_its_devices_and_loses_nothing(self, env: Province, lab: Lab,
                                                                          cli: Callable[..., Any]) -> None:
        from ezgov_infra.config import history_path
        from ezgov_infra.store.history import open_history

        only = env.workers["huarong-1"]
        terminate([(only.pid, only.started)], grace=10.0)
        _wait_for({"huarong": 0, "echeng": 1})
        clock = time.monotonic()
        code, document = _audit(cli, lab, "--distributed", "--no-worker-after", "3")
        assert time.monotonic() - clock < 30
        assert code == 1
        verdicts = _verdicts(document)
        assert verdicts.pop("huarong-agg-1")["message"] == "no worker for group huarong"
        assert next(d for d in document["devices"] if d["device"] == "huarong-agg-1")["category"] == "unreachable"
        assert all(not v["status"].startswith("failed") for v in verdicts.values()), verdicts
        with open_history(history_path(lab.state_dir)) as history:
            stored = history.results(document["run_id"])
        assert len(stored) == sum(len(d) for d in GROUPS.values())
