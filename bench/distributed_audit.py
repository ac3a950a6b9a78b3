"""Distributed IPv6 audit of the lab's routers through 1, 2 and 3 Celery workers against a local run, same devices
and the same total concurrency (local: `--workers C`; N workers: C/N threads each, serving every poller group).

Redis runs on loopback for the run (Debian's redis-server) and the workers on this machine, so the figure is the
queue's overhead, not the network's. Per method: median wall seconds over `--repeat` runs after a warm-up, its
ratio to local and the overhead per device in milliseconds. Results must match local (same findings per device).

    .venv/bin/python bench/distributed_audit.py [--state-dir LAB_STATE_DIR] [--repeat 5] [--concurrency 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_lab import SAMPLE, Figure, measure, report, router_lab, wait_for_workers

from ezgov_infra.lab import engines
from ezgov_infra.lab.ns import proc_start, start, terminate

ROUTERS = "platform:frr"


def verdicts(run: Any) -> dict[str, list[str]]:
    return {d.device: [*sorted(f.rule + f.message for f in d.findings), str(d.category)] for d in run.devices}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, help="state dir of a running lab (default: build one)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=6)
    args = parser.parse_args()

    from ezgov_infra.jobs import ipv6_audit
    from ezgov_infra.jobs.distributed import connect
    from ezgov_infra.models.selector import parse_limit
    from ezgov_infra.store.inventory import load_inventory

    inventory = load_inventory(SAMPLE)
    groups = sorted({inventory.poller_group(d) for d in inventory.devices})
    limit = parse_limit([ROUTERS])
    with router_lab(args.state_dir) as lab, tempfile.TemporaryDirectory(prefix="ezgov-bench-") as folder:
        state_dir = Path(lab.state_dir)  # type: ignore[attr-defined]
        with engines.redis(log=Path(folder) / "redis.log") as redis:
            os.environ["EZGOV_BROKER_URL"] = redis.url
            connect(redis.url)

            def audit(distributed: bool) -> Any:
                options = ipv6_audit.AuditOptions(live=True, limit=limit, workers=args.concurrency,
                                                  distributed=distributed)
                return ipv6_audit.audit(inventory=SAMPLE, state_dir=state_dir, options=options)

            local = audit(False)
            count = len(local.devices)
            baseline = f"local ({args.concurrency} threads)"
            figures: list[Figure] = [measure(baseline, lambda: audit(False), args.repeat)]
            for n in (1, 2, 3):
                threads = max(1, args.concurrency // n)
                workers: list[tuple[int, int | None]] = []
                try:
                    for index in range(n):
                        argv = [sys.executable, "-m", "ezgov_infra", "worker", "--name", f"bench-{n}-{index}",
                                "--concurrency", str(threads), "--inventory", str(SAMPLE), "--state-dir",
                                str(state_dir), *[a for g in groups for a in ("--group", g)]]
                        pid = start(["env", f"EZGOV_BROKER_URL={redis.url}", *argv],
                                    log=Path(folder) / f"worker-{n}-{index}.log")
                        workers.append((pid, proc_start(pid)))
                    wait_for_workers(groups, n, Path(folder))
                    if verdicts(audit(True)) != verdicts(local):
                        sys.exit(f"{n} workers: results differ from the local run")
                    figures.append(measure(f"distributed, {n} worker(s) x {threads} threads",
                                           lambda: audit(True), args.repeat))
                finally:
                    terminate(workers, grace=10.0)
        report(f"IPv6 audit of {count} lab routers (load average {os.getloadavg()[0]:.2f})", figures, baseline)
        base = figures[0].wall
        for figure in figures[1:]:
            sys.stdout.write(f"{figure.name:<44} overhead {100 * (figure.wall / base - 1):+.1f} %, "
                             f"{1000 * (figure.wall - base) / count:+.1f} ms per device\n")


if __name__ == "__main__":
    main()
