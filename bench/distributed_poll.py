"""The SNMP farm polled through Celery workers against a local poll: samples per second of one round.

Builds an SNMP farm of `--agents` snmpd namespaces (under the lab lock), writes a copy of the sample inventory
with one device per agent (its eth0 an active uplink circuit, the devices spread over the sample's sites and so
over its districts' poller groups), starts Redis on loopback and `--workers` workers on this machine serving every
group, and runs `bandwidth poll` locally and `--distributed` for `--rounds` rounds. Per round: the seconds from
sending to having every sample back (stored once, here); the figure is samples per second of the median round.

    .venv/bin/python bench/distributed_poll.py --agents 200 --rounds 5 --workers 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_lab import wait_for_workers

from ezgov_infra.lab import engines
from ezgov_infra.lab.farm import Agent, snmp_farm
from ezgov_infra.lab.ns import proc_start, start, terminate
from ezgov_infra.models.runs import NoProgress, Result

SAMPLE = Path(__file__).resolve().parents[1] / "inventories" / "ezhou"


def farm_inventory(folder: Path, agents: list[Agent]) -> Path:
    """The sample with one live device per agent, each with an active uplink circuit on eth0."""
    target = folder / "inventory"
    target.mkdir()
    for source in SAMPLE.glob("*.yaml"):
        (target / source.name).write_bytes(source.read_bytes())
    devices = yaml.safe_load((target / "devices.yaml").read_text(encoding="utf-8"))
    circuits = yaml.safe_load((target / "circuits.yaml").read_text(encoding="utf-8"))
    interfaces = yaml.safe_load((target / "interfaces.yaml").read_text(encoding="utf-8"))
    sites = sorted({d["site"] for d in devices.values()})
    devices["farm-hub"] = {"site": "ez-dc", "role": "aggregation", "platform": "frr", "credential_profile": "lab",
                           "collection": "offline", "snapshot": "snapshots/ez-core-1"}
    for number, agent in enumerate(agents):
        devices[agent.name] = {"site": sites[number % len(sites)], "role": "access", "platform": "frr",
                               "credential_profile": "lab", "snmp_profile": "lab-v2c",
                               "mgmt_ipv6": f"{agent.address}/64"}
        interfaces[f"{agent.name}:eth0"] = {"kind": "uplink", "description": f"uplink FARM-{number:04d}"}
        interfaces[f"farm-hub:port{number}"] = {"kind": "downlink", "description": f"downlink FARM-{number:04d}"}
        circuits[f"FARM-{number:04d}"] = {"provider": "farm", "a_end": f"{agent.name}:eth0",
                                          "z_end": f"farm-hub:port{number}", "access_type": "fibre",
                                          "contracted_mbps": 100, "status": "active"}
    for name, records in (("devices", devices), ("circuits", circuits), ("interfaces", interfaces)):
        (target / f"{name}.yaml").write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    return target


class Rounds(NoProgress):
    def __init__(self) -> None:
        self.rounds: list[tuple[int, float]] = []

    def advance(self, result: Result[Any]) -> None:
        self.rounds.append((result.value.samples, result.elapsed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32, help="threads per worker")
    args = parser.parse_args()

    from ezgov_infra.jobs import bandwidth
    from ezgov_infra.jobs.distributed import connect
    from ezgov_infra.models.selector import parse_limit
    from ezgov_infra.store.inventory import load_inventory

    with tempfile.TemporaryDirectory(prefix="ezgov-bench-") as folder, snmp_farm(args.agents) as farm:
        state_dir = farm.lab_dir.parent
        inventory = farm_inventory(Path(folder), farm.agents)
        groups = sorted({load_inventory(inventory).poller_group(a.name) for a in farm.agents})
        limit = parse_limit(["agent*"])
        with engines.redis(log=Path(folder) / "redis.log") as redis:
            os.environ["EZGOV_BROKER_URL"] = redis.url
            connect(redis.url)
            workers = []
            try:
                for index in range(args.workers):
                    argv = [sys.executable, "-m", "ezgov_infra", "worker", "--name", f"bench-{index}",
                            "--concurrency", str(args.concurrency), "--inventory", str(inventory), "--state-dir",
                            str(state_dir), *[a for g in groups for a in ("--group", g)]]
                    pid = start(["env", f"EZGOV_BROKER_URL={redis.url}", *argv], log=Path(folder) / f"w{index}.log")
                    workers.append((pid, proc_start(pid)))
                wait_for_workers(groups, args.workers, Path(folder))
                figures = {}
                for distributed in (False, True):
                    hook = Rounds()
                    result = bandwidth.poll(folder=inventory, state_dir=state_dir, interval=5.0, rounds=args.rounds,
                                            limit=limit, distributed=distributed, progress=hook)
                    failed = sum(sum(c.values()) for c in result.failures.values())
                    samples, seconds = zip(*hook.rounds[1:], strict=True)  # the first round maps ifIndex too
                    figures[distributed] = (statistics.median(samples) / statistics.median(seconds),
                                            statistics.median(seconds), failed, result.samples)
            finally:
                terminate(workers, grace=10.0)
    sys.stdout.write(f"\nSNMP farm of {args.agents} agents, {args.rounds} rounds (load average "
                     f"{os.getloadavg()[0]:.2f})\n{'':-<76}\n"
                     f"{'method':<40}{'round s':>10}{'samples/s':>12}{'failed':>8}{'stored':>8}\n")
    for distributed, (rate, seconds, failed, stored) in figures.items():
        name = f"distributed, {args.workers} worker(s) x {args.concurrency}" if distributed else "local poll"
        sys.stdout.write(f"{name:<40}{seconds:>10.3f}{rate:>12.1f}{failed:>8}{stored:>8}\n")


if __name__ == "__main__":
    main()
