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


PLAN = "ezhou-demo"
REPORT_DAY = "2019-11-01"  # the sample is the 2019 plan: judge its milestones as of a day inside it

STEPS: list[Step] = [
    Step("Validate the inventory", ("inventory", "validate")),
    Step("Extranet statistics and coverage", ("inventory", "stats")),
    Step("Check the IPv6 address plan", ("ipv6", "plan", "--check")),
    Step("Bring the virtual lab up", ("lab", "up"), needs_root=True),
    Step("Validate the lab", ("lab", "validate"), needs_root=True),
    # exit 1 means some device could not be audited; the audit still stores what it found
    Step("Live IPv6 audit: lab routers over SSH and SNMP, the rest from saved outputs",
         ("ipv6", "audit", "--live", "--via", "ssh,snmp"), needs_root=True),
    Step("Offline IPv6 audit of the whole sample from saved outputs", ("ipv6", "audit")),
    Step("IPv6 check of the government websites against the website lab", ("ipv6", "web", "--lab"),
         needs_root=True),
    Step("Poll uplink counters over SNMP", ("bandwidth", "poll", "--interval", "5s", "--count", "4"),
         needs_root=True),
    Step("Active throughput and latency tests", ("bandwidth", "test", "taihe-gsc", "tujianao-gsc", "fenghuang-gsc",
                                                 "--seconds", "3", "--pings", "3"), needs_root=True),
    Step("Bandwidth audit against the plan's targets", ("bandwidth", "audit")),
    Step("Assess the legacy systems", ("migrate", "assess")),
    Step("Plan the migration waves", ("migrate", "plan", "--name", PLAN)),
    Step("Show the first wave", ("migrate", "show", PLAN, "--wave", "W01")),
    Step("Remediate the IPv4-only router and re-audit", ("ipv6", "remediate"), needs_root=True),
    Step("Execute migration wave W01 in the lab", ("migrate", "execute", PLAN, "--wave", "W01"), needs_root=True),
    Step("Readiness report, Chinese, HTML", ("report", "readiness", "--lang", "zh", "--format", "html",
                                             "--as-of", REPORT_DAY)),
    Step("Readiness report, Chinese, PDF", ("report", "readiness", "--lang", "zh", "--format", "pdf",
                                            "--as-of", REPORT_DAY)),
    Step("Readiness report, English, HTML", ("report", "readiness", "--lang", "en", "--format", "html",
                                             "--as-of", REPORT_DAY)),
    Step("Readiness report, English, PDF", ("report", "readiness", "--lang", "en", "--format", "pdf",
                                            "--as-of", REPORT_DAY)),
    Step("The executive figures", ("report", "figures", "--as-of", REPORT_DAY)),
]

CLEANUP: list[Step] = [Step("Take the virtual lab down", ("lab", "down"), needs_root=True)]


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
