"""Polling throughput: ezgov's counter poller against parallel net-snmp `snmpget` on the same OIDs.

Builds an SNMP farm (N namespaces running snmpd, under the lab lock), then times, per round over all agents,
(a) ezgov: one GET per agent for sysUpTime and eth0's 64/32-bit octet counters and speeds, all agents in one
event loop; (b) one `snmpget` process per agent for the same OIDs, `--workers` at a time. Prints seconds per
round, samples per second and the ratio, then how fast the samples are stored in SQLite.

    .venv/bin/python bench/bandwidth_poll.py --agents 100 --rounds 5 --version 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ezgov_infra.collect.counters import COLUMNS, CounterPoller, CounterTarget
from ezgov_infra.collect.snmp import SYS_UPTIME, SnmpSession, SnmpTarget
from ezgov_infra.lab.farm import snmp_farm
from ezgov_infra.lab.secrets import snmp_client_conf
from ezgov_infra.models.bandwidth import Sample
from ezgov_infra.models.credentials import SnmpCredentials
from ezgov_infra.store.history import open_history


def credentials(secrets: dict[str, object], version: str) -> SnmpCredentials:
    snmp = secrets["snmp"]
    assert isinstance(snmp, dict)
    if version == "2c":
        return SnmpCredentials("2c", community=snmp["community"])
    v3 = snmp["v3"]
    return SnmpCredentials("3", user=v3["user"], auth_protocol=v3["auth_protocol"], auth_key=v3["auth_key"],
                           priv_protocol=v3["priv_protocol"], priv_key=v3["priv_key"])


async def ezgov_rounds(targets: list[CounterTarget], rounds: int, concurrency: int) -> tuple[float, list[Sample],
                                                                                              dict[str, int], int]:
    async with SnmpSession() as session:
        poller = CounterPoller(session, concurrency=concurrency)
        await poller.poll(targets)  # warm-up: ifIndex lookup and SNMPv3 engine discovery, as in a long poll
        samples: list[Sample] = []
        failed = 0
        started = time.perf_counter()
        for _ in range(rounds):
            answers = await poller.poll(targets)
            samples += [s for a in answers for s in a.samples]
            failed += sum(1 for a in answers if not a.ok)
        elapsed = time.perf_counter() - started
        return elapsed, samples, {t.device: poller.indexes(t.device).get("eth0", 0) for t in targets}, failed


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
        ours, samples, index, our_failed = asyncio.run(ezgov_rounds(targets, args.rounds, args.concurrency))
        theirs, their_failed = snmpget_rounds(targets, index, args.rounds, args.workers, args.version, folder)
        with open_history(folder / "history.sqlite") as history:
            rows = [{"device": s.device, "interface": s.interface, "ts": s.ts, "uptime": s.uptime,
                     "in_octets": s.in_octets, "out_octets": s.out_octets, "speed_mbps": s.speed_mbps, "hc": s.hc}
                    for s in samples]
            started = time.perf_counter()
            stored = history.add_samples(rows)
            store_s = time.perf_counter() - started
    polls = args.agents * args.rounds
    print(f"agents {args.agents}, rounds {args.rounds}, SNMPv{args.version}, {len(COLUMNS) + 1} OIDs per request")
    print(f"ezgov poller : {ours / args.rounds:.3f} s/round, {len(samples) / ours:,.0f} samples/s "
          f"({our_failed} failed of {polls})")
    print(f"snmpget x{args.workers:<3}: {theirs / args.rounds:.3f} s/round, {polls / theirs:,.0f} samples/s "
          f"({their_failed} failed of {polls})")
    print(f"ratio        : ezgov is {theirs / ours:.1f}x the speed of parallel snmpget")
    print(f"SQLite       : {stored} samples stored in {store_s * 1000:.1f} ms, {stored / store_s:,.0f} samples/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
