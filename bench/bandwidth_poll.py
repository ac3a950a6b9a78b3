"""Polling throughput: ezgov's counter poller against snmp_exporter and parallel net-snmp `snmpget`, same OIDs.

Builds an SNMP farm (N namespaces running snmpd, under the lab lock), then times, per round over all agents,
(a) ezgov: one GET per agent for sysUpTime and eth0's 64/32-bit octet counters and speeds, all agents in one
event loop, `--concurrency` in flight; (b) Debian's snmp_exporter with a module that GETs exactly those OIDs,
one HTTP scrape per agent, `--concurrency` in flight; (c) one `snmpget` process per agent, `--workers` at a time.
Rounds of (a) and (b) alternate; the figures are medians over rounds. CPU per poll is the poller's own CPU time
(ezgov: this process; snmp_exporter: its process from /proc, HTTP serving included) divided by the polls.

    .venv/bin/python bench/bandwidth_poll.py --agents 100 --rounds 9 --version 2c
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ezgov_infra.collect.counters import COLUMNS, CounterPoller, CounterTarget
from ezgov_infra.collect.snmp import SYS_UPTIME, SnmpSession, SnmpTarget
from ezgov_infra.lab.engines import Engine, snmp_exporter
from ezgov_infra.lab.farm import snmp_farm
from ezgov_infra.lab.secrets import snmp_client_conf
from ezgov_infra.models.bandwidth import Sample
from ezgov_infra.models.credentials import SnmpCredentials
from ezgov_infra.store.history import open_history
from ezgov_infra.store.yamlfiles import dump_plain


def credentials(secrets: dict[str, object], version: str) -> SnmpCredentials:
    snmp = secrets["snmp"]
    assert isinstance(snmp, dict)
    if version == "2c":
        return SnmpCredentials("2c", community=snmp["community"])
    v3 = snmp["v3"]
    return SnmpCredentials("3", user=v3["user"], auth_protocol=v3["auth_protocol"], auth_key=v3["auth_key"],
                           priv_protocol=v3["priv_protocol"], priv_key=v3["priv_key"])


@dataclass
class Contender:
    walls: list[float] = field(default_factory=list)
    cpu: float = 0.0
    failed: int = 0
    samples: int = 0

    def median(self) -> float:
        return statistics.median(self.walls)


def exporter_module(secrets: dict[str, object], version: str, index: int) -> dict[str, object]:
    """A module that GETs exactly the OIDs ezgov asks for (sysUpTime and eth0's six columns)."""
    snmp = secrets["snmp"]
    assert isinstance(snmp, dict)
    if version == "2c":
        auth: dict[str, object] = {"community": snmp["community"]}
    else:
        v3 = snmp["v3"]
        auth = {"username": v3["user"], "security_level": "authPriv", "password": v3["auth_key"],
                "auth_protocol": v3["auth_protocol"], "priv_password": v3["priv_key"],
                "priv_protocol": v3["priv_protocol"]}
    oids = [".".join(map(str, SYS_UPTIME))] + [".".join(map(str, (*c, index))) for c in COLUMNS]
    metrics: list[dict[str, object]] = [{"name": "sysUpTime", "oid": oids[0][:-2], "type": "gauge"}]
    metrics += [{"name": f"c{n}", "oid": ".".join(map(str, c)), "type": "counter",
                 "indexes": [{"labelname": "ifIndex", "type": "gauge"}]} for n, c in enumerate(COLUMNS)]
    return {"bench": {"version": 2 if version == "2c" else 3, "auth": auth, "timeout": "2s", "retries": 1,
                      "get": oids, "metrics": metrics}}


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exporter_round(url: str, targets: list[CounterTarget], pool: ThreadPoolExecutor) -> tuple[float, int]:
    def one(target: CounterTarget) -> bool:
        query = f"{url}/snmp?module=bench&target=" + quote(f"[{target.snmp.host}]:161")
        with urllib.request.urlopen(query, timeout=10) as answer:
            body = answer.read().decode()
        return "\nc0{" in body

    started = time.perf_counter()
    failed = sum(1 for ok in pool.map(one, targets) if not ok)
    return time.perf_counter() - started, failed


def alternate(targets: list[CounterTarget], rounds: int, concurrency: int, exporter: Engine
              ) -> tuple[Contender, Contender, list[Sample], dict[str, int]]:
    ours, theirs = Contender(), Contender()
    samples: list[Sample] = []

    async def run() -> dict[str, int]:
        async with SnmpSession() as session:
            poller = CounterPoller(session, concurrency=concurrency)
            await poller.poll(targets)  # warm-up: ifIndex lookup and SNMPv3 engine discovery, as in a long poll
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                exporter_round(exporter.url, targets, pool)  # warm-up: the exporter's own discovery
                for _ in range(rounds):
                    cpu, started = time.process_time(), time.perf_counter()
                    answers = await poller.poll(targets)
                    ours.walls.append(time.perf_counter() - started)
                    ours.cpu += time.process_time() - cpu
                    samples.extend(s for a in answers for s in a.value or [])
                    ours.failed += sum(1 for a in answers if a.failed)
                    before = process_cpu(exporter.pid)
                    wall, failed = await asyncio.to_thread(exporter_round, exporter.url, targets, pool)
                    theirs.cpu += process_cpu(exporter.pid) - before
                    theirs.walls.append(wall)
                    theirs.failed += failed
            return {t.device: poller.indexes(t.device).get("eth0", 0) for t in targets}

    index = asyncio.run(run())
    return ours, theirs, samples, index


async def resolve(targets: list[CounterTarget]) -> int:
    """eth0's ifIndex (the same on every farm agent)."""
    async with SnmpSession() as session:
        poller = CounterPoller(session)
        await poller.poll(targets[:1])
        return poller.indexes(targets[0].device)["eth0"]


def snmpget_rounds(targets: list[CounterTarget], index: dict[str, int], rounds: int, workers: int, version: str,
                   conf_dir: Path) -> tuple[float, int]:
    env = {**os.environ, "SNMPCONFPATH": str(conf_dir), "SNMP_PERSISTENT_DIR": str(conf_dir / "persist"),
           "MIBS": "", "HOME": str(conf_dir)}
    level = ["-l", "authPriv"] if version == "3" else []

    def one(target: CounterTarget) -> bool:
        oids = [".".join(map(str, SYS_UPTIME))] + [".".join(map(str, (*c, index[target.device]))) for c in COLUMNS]
        argv = ["snmpget", "-v", version, *level, "-Oqv", "-t", "2", "-r", "1", f"udp6:[{target.snmp.host}]:161",
                *oids]
        return subprocess.run(argv, capture_output=True, env=env, check=False).returncode == 0

    failed = 0
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(rounds):
            failed += sum(1 for ok in pool.map(one, targets) if not ok)
    return time.perf_counter() - started, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--version", choices=["2c", "3"], default="3")
    parser.add_argument("--workers", type=int, default=32, help="parallel snmpget processes")
    parser.add_argument("--concurrency", type=int, default=64, help="ezgov requests in flight")
    args = parser.parse_args()
    print(f"building an SNMP farm of {args.agents} agents (waits for the lab lock)...", file=sys.stderr)
    with snmp_farm(args.agents, lock_timeout=1800) as farm, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "persist").mkdir(mode=0o700)
        conf = folder / "snmp.conf"
        conf.touch(mode=0o600)
        conf.write_text(snmp_client_conf(farm.secrets))
        creds = credentials(farm.secrets, args.version)
        targets = [CounterTarget(a.name, SnmpTarget(a.address, creds, timeout=2.0, retries=1), ("eth0",))
                   for a in farm.agents]
        index_probe = asyncio.run(resolve(targets))
        (folder / "snmp.yml").write_text(dump_plain(exporter_module(farm.secrets, args.version, index_probe)))
        with snmp_exporter(folder / "snmp.yml", log=folder / "exporter.log") as engine:
            ours, exp, samples, index = alternate(targets, args.rounds, args.concurrency, engine)
        theirs, their_failed = snmpget_rounds(targets, index, args.rounds, args.workers, args.version, folder)
        with open_history(folder / "history.sqlite") as history:
            rows = [{"device": s.device, "interface": s.interface, "ts": s.ts, "uptime": s.uptime,
                     "in_octets": s.in_octets, "out_octets": s.out_octets, "speed_mbps": s.speed_mbps, "hc": s.hc}
                    for s in samples]
            started = time.perf_counter()
            stored = history.add_samples(rows)
            store_s = time.perf_counter() - started
    polls = args.agents * args.rounds
    print(f"agents {args.agents}, rounds {args.rounds} (medians), SNMPv{args.version}, {len(COLUMNS) + 1} OIDs per "
          f"request, {args.concurrency} in flight")
    print(f"ezgov poller  : {ours.median():.3f} s/round, {args.agents / ours.median():,.0f} polls/s, "
          f"{ours.cpu / polls * 1000:.2f} ms CPU/poll ({ours.failed} failed of {polls})")
    print(f"snmp_exporter : {exp.median():.3f} s/round, {args.agents / exp.median():,.0f} polls/s, "
          f"{exp.cpu / polls * 1000:.2f} ms CPU/poll ({exp.failed} failed of {polls})")
    print(f"snmpget x{args.workers:<3} : {theirs / args.rounds:.3f} s/round, {polls / theirs:,.0f} polls/s "
          f"({their_failed} failed of {polls})")
    print(f"ratio         : ezgov takes {ours.median() / exp.median():.2f}x snmp_exporter's wall time per round "
          f"(target <= 3x); {theirs / args.rounds / ours.median():.1f}x faster than parallel snmpget")
    print(f"SQLite       : {stored} samples stored in {store_s * 1000:.1f} ms, {stored / store_s:,.0f} samples/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
