"""Playbook wall time per host on the virtual lab: backup_configs and ipv6_enable (check mode) over every router.

    .venv/bin/python bench/playbook_walltime.py [--repeat N]

Brings the lab up in a temporary state directory (waiting for the machine's lab lock), runs each playbook N times
through `ezgov_infra.jobs.playbooks.run`, prints wall time, wall time per host and CPU time, and takes the lab
down again. Figures, no assertions.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "inventories" / "ezhou"


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from ezgov_infra.jobs import playbooks
    from ezgov_infra.lab.lab import Lab
    from ezgov_infra.lab.topology import from_inventory
    from ezgov_infra.lab.validate import wait_converged
    from ezgov_infra.store.inventory import load_inventory

    with tempfile.TemporaryDirectory(prefix="ezgov-bench-playbook-") as tmp:
        state = Path(tmp)
        lab = Lab(from_inventory(load_inventory(SAMPLE), "ezhou"), state, SAMPLE)
        try:
            lab.up(lock_timeout=1800)
            lab.wait_answering()
            wait_converged(lab)
            hosts = len(lab.nodes)
            print(f"{hosts} FRR routers, network_cli + cisco.ios cliconf, forks 10, {args.repeat} runs each")
            print(f"{'playbook':<28}{'median s':>10}{'s/host':>10}{'cpu s':>10}{'min s':>10}{'max s':>10}")
            cases = [("backup_configs", False, {"ezgov_backup_dir": str(state / "backup")}),
                     ("ipv6_enable --check", True, {})]
            for label, check, extra in cases:
                walls, cpus = [], []
                for _ in range(args.repeat):
                    cpu0, wall0 = cpu_children(), time.monotonic()
                    summary = playbooks.run(name=label.split()[0], folder=SAMPLE, state_dir=state, check=check,
                                            extra=dict(extra))
                    walls.append(time.monotonic() - wall0)
                    cpus.append(cpu_children() - cpu0)
                    if not summary.ok:
                        print(f"  {label}: failed hosts {summary.failed_hosts}")
                median = statistics.median(walls)
                print(f"{label:<28}{median:>10.1f}{median / hosts:>10.2f}{statistics.median(cpus):>10.1f}"
                      f"{min(walls):>10.1f}{max(walls):>10.1f}")
        finally:
            lab.down()


if __name__ == "__main__":
    main()
