"""Lab bring-up benchmark: the sample lab and a chain of routers, each built, measured and removed.

Prints, per topology: time to build, time until every router's SSH and SNMP answer, OSPF convergence (every
adjacency Full and every loopback route installed), memory per router (PSS of its daemons and namespace holder,
from /proc/PID/smaps_rollup), and teardown time. Needs root; waits for the machine-wide lab lock.

    .venv/bin/python bench/lab_bringup.py [--chain 20] [--skip-sample]

Targets from the issue: 10 routers up and answering in <= 10 s, <= 40 MiB PSS per router, teardown <= 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "inventories" / "ezhou"


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def measure(name: str, topology: object, inventory: Path | None) -> dict[str, float]:
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.lab.lab import Lab
    from ezgov_infra.lab.validate import wait_converged

    with tempfile.TemporaryDirectory(prefix="ezgov-bench-lab-") as folder:
        lab = Lab(topology, Path(folder), inventory)  # type: ignore[arg-type]
        waited = time.monotonic()
        # take the lock first, so waiting for a colleague's lab does not count as bring-up
        lab.reserve(progress=Drawer())
        print(f"{name}: lock acquired after {time.monotonic() - waited:.1f} s", file=sys.stderr)
        try:
            started = time.monotonic()
            lab.up()
            built = time.monotonic() - started
            lab.wait_answering(timeout=60)
            answering = time.monotonic() - started
            converged_after = wait_converged(lab, timeout=60)
            converged = time.monotonic() - started
            state = lab.state()
            per_router = []
            for node in state.nodes.values():
                pids = [p.pid for p in node.daemons.values()] + ([node.holder.pid] if node.holder else [])
                per_router.append(sum(pss_kib(pid) for pid in pids) / 1024)
            daemon_pss = {}
            for node in state.nodes.values():
                for daemon, proc in node.daemons.items():
                    daemon_pss.setdefault(daemon, []).append(pss_kib(proc.pid) / 1024)
        finally:
            started = time.monotonic()
            lab.down()
            teardown = time.monotonic() - started
    routers = len(per_router)
    print(f"\n== {name}: {routers} routers, {len(topology.links)} links")  # type: ignore[attr-defined]
    print(f"build (namespaces, links, daemons)      {built:6.2f} s")
    print(f"up until all SSH and SNMP answer        {answering:6.2f} s")
    print(f"OSPF converged (after answering: {converged_after:.2f} s) {converged:6.2f} s from start")
    print(f"PSS per router  mean {statistics.mean(per_router):5.1f} MiB   max {max(per_router):5.1f} MiB")
    print("PSS per daemon  " + ", ".join(f"{d} {statistics.mean(v):.1f}" for d, v in sorted(daemon_pss.items()))
          + " MiB")
    print(f"teardown                                {teardown:6.2f} s")
    return {"routers": routers, "answering": answering, "converged": converged,
            "pss": statistics.mean(per_router), "teardown": teardown}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=20, help="routers in the chain topology (0: skip)")
    parser.add_argument("--skip-sample", action="store_true", help="do not measure the sample inventory's lab")
    args = parser.parse_args()

    from ezgov_infra.jobs.lab import prerequisites
    from ezgov_infra.lab.topology import chain, from_inventory
    from ezgov_infra.store.inventory import load_inventory

    problems = prerequisites()
    if problems:
        print("cannot run: " + "; ".join(problems), file=sys.stderr)
        return 2
    if not args.skip_sample:
        measure("sample lab (inventories/ezhou)", from_inventory(load_inventory(SAMPLE), "ezhou"), SAMPLE)
    if args.chain:
        measure(f"chain of {args.chain}", chain(args.chain), None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
