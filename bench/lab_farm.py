"""SNMP agent farm benchmark: N snmpd-only namespaces (default 200), as the polling benchmarks use them.

Prints the time until every agent answers SNMPv2c, PSS per agent, one SNMPv3 round over all agents with
`snmpget` (sequential, for a baseline) and teardown. Needs root; waits for the machine-wide lab lock.

    .venv/bin/python bench/lab_farm.py [--agents 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()

    from ezgov_infra.jobs.lab import prerequisites
    from ezgov_infra.lab import probe
    from ezgov_infra.lab.farm import snmp_farm
    from ezgov_infra.lab.state import load_state

    problems = prerequisites()
    if problems:
        print("cannot run: " + "; ".join(problems), file=sys.stderr)
        return 2
    exited = time.monotonic()
    with snmp_farm(args.agents, lock_timeout=3600) as farm:
        pss = [pss_kib(p.pid) / 1024 for p in load_state(farm.lab_dir).farm.values()]
        started = time.monotonic()
        answered = sum(1 for a in farm.agents if probe.snmp_get(farm.lab_dir, a.address, "3", timeout=2))
        v3_round = time.monotonic() - started
        exited = time.monotonic()
    teardown = time.monotonic() - exited
    print(f"== SNMP farm: {args.agents} agents")
    print(f"build until all answer v2c          {farm.startup_seconds:6.2f} s")
    print(f"PSS per agent  mean {statistics.mean(pss):.1f} MiB   total {sum(pss):.0f} MiB")
    print(f"SNMPv3 get, all agents, sequential  {v3_round:6.2f} s ({answered}/{args.agents} answered)")
    print(f"teardown                            {teardown:6.2f} s")
    return 0 if answered == args.agents else 1


if __name__ == "__main__":
    sys.exit(main())
