"""`make demo`: the whole story on the bundled Ezhou sample, step by step.

Each step is an `ezgov` command line. A failing step stops the demo with its name and exit code, and the
cleanup steps (taking the lab down) still run. Steps that need root (the lab and everything live) are skipped
without root, and the demo says so.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    args: tuple[str, ...]
    needs_root: bool = False
    ok_codes: tuple[int, ...] = (0,)


STEPS: list[Step] = [
    Step("Validate the inventory", ("inventory", "validate")),
    Step("Extranet statistics and coverage", ("inventory", "stats")),
    Step("Check the IPv6 address plan", ("ipv6", "plan", "--check")),
]

CLEANUP: list[Step] = []


def _run(step: Step, index: int, total: int) -> int:
    sys.stdout.write(f"\n==> [{index}/{total}] {step.title}: ezgov {shlex.join(step.args)}\n")
    sys.stdout.flush()
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "ezgov_infra", *step.args])
    sys.stdout.write(f"    ({time.monotonic() - started:.1f} s, exit {code})\n")
    return code


def main() -> int:
    root = os.geteuid() == 0
    steps = [s for s in STEPS if root or not s.needs_root]
    skipped = [s.title for s in STEPS if s.needs_root and not root]
    failed: Step | None = None
    code = 0
    try:
        for index, step in enumerate(steps, 1):
            code = _run(step, index, len(steps))
            if code not in step.ok_codes:
                failed = step
                break
    finally:
        for step in CLEANUP:
            if root or not step.needs_root:
                _run(step, 1, 1)
    if skipped:
        sys.stdout.write("\nnot root: skipped " + "; ".join(skipped) + "\n")
    if failed is not None:
        sys.stdout.write(f"\ndemo stopped: step '{failed.title}' exited {code}\n")
        return 1
    sys.stdout.write("\ndemo complete\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
