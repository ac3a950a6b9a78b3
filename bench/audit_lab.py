"""Shared by the audit benchmarks: a running router lab (given, or built for the run), timing of whole processes.

Not a benchmark itself; `audit_ssh.py`, `audit_snmp.py` and the distributed benches import it.
"""

from __future__ import annotations

import contextlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "inventories" / "ezhou"


@contextlib.contextmanager
def router_lab(state_dir: Path | None) -> Iterator[object]:
    """The lab in `state_dir` if it is up, else a fresh one in a temporary folder, taken down afterwards."""
    from ezgov_infra.lab.lab import Lab
    from ezgov_infra.lab.topology import from_inventory
    from ezgov_infra.lab.validate import wait_converged
    from ezgov_infra.store.inventory import load_inventory

    topology = from_inventory(load_inventory(SAMPLE), "ezhou")
    if state_dir is not None:
        lab = Lab(topology, state_dir, SAMPLE)
        if not lab.is_up():
            sys.exit(f"no running lab in {state_dir}")
        yield lab
        return
    with tempfile.TemporaryDirectory(prefix="ezgov-bench-") as folder:
        lab = Lab(topology, Path(folder), SAMPLE)
        try:
            sys.stderr.write("building the lab (waits for the machine lock)...\n")
            lab.up(lock_timeout=1800)
            lab.wait_answering()
            wait_converged(lab)
            yield lab
        finally:
            lab.down()


@dataclass
class Figure:
    name: str
    wall: float
    cpu: float
    runs: int


def measure(name: str, run: Callable[[], None], repeat: int) -> Figure:
    """Median wall and CPU seconds (this process and its children) of `repeat` runs, after one warm-up."""
    run()
    walls, cpus = [], []
    for _ in range(repeat):
        before = _cpu()
        started = time.perf_counter()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - before)
    return Figure(name, statistics.median(walls), statistics.median(cpus), repeat)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def check(argv: list[str], **kwargs: object) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {(done.stderr or done.stdout)[-800:]}")


def report(title: str, figures: list[Figure], baseline: str) -> None:
    base = next(f for f in figures if f.name == baseline)
    sys.stdout.write(f"\n{title} (ratio: wall time / {baseline})\n{'':-<76}\n"
                     f"{'method':<44}{'wall s':>10}{'cpu s':>10}{'ratio':>12}\n")
    for figure in figures:
        sys.stdout.write(f"{figure.name:<44}{figure.wall:>10.3f}{figure.cpu:>10.3f}"
                         f"{figure.wall / base.wall:>12.2f}\n")


def wait_for_workers(groups: list[str], count: int, logs: Path, timeout: float = 60.0) -> None:
    """Until every poller group has `count` live Celery workers (one question to the workers per round, not one
    per group); else exit with the tail of the workers' logs (`logs/w*.log`)."""
    from ezgov_infra.collect import queue

    deadline = time.monotonic() + timeout
    while True:
        live = queue.live_groups()
        if all(len(live.get(g, ())) >= count for g in groups):
            return
        if time.monotonic() > deadline:
            tails = "".join(f.read_text(errors="replace")[-1500:] for f in logs.glob("w*.log"))
            sys.exit(f"workers did not start:\n{tails}")
