"""`make demo`: the whole story on the bundled Ezhou sample, step by step.

Each step is an `ezgov` command line. A failing step stops the demo with its name and exit code, and the
cleanup steps (taking the lab down) still run. Steps that need root (the lab and everything live) are skipped
without root, and the demo says so.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ezgov_infra import process
from ezgov_infra.config import DEFAULT_INVENTORY, INVENTORY_ENV, resolve_settings


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    args: tuple[str, ...]
    needs_root: bool = False
    ok_codes: tuple[int, ...] = (0,)


SAMPLE = DEFAULT_INVENTORY
PLAN = "ezhou-demo"
REPORT_DAY = "2019-11-01"  # the sample is the 2019 plan: judge its milestones as of a day inside it
# The carriers' household broadband reports of the sample (task 1); unicom's of 2019-06-30 misspells a village on
# purpose, so it is imported on its own and refused (exit 2), the others together.
CARRIER_FILES = ("telecom-2019-03-31.xlsx", "unicom-2019-03-31.csv", "telecom-2019-06-30.xlsx",
                 "mobile-2019-06-30.xlsx", "broadcast-2019-06-30.csv", "speedtests-2019-06.csv")
MISSPELT_FILE = "unicom-2019-06-30.csv"

STEPS: list[Step] = [
    Step("Validate the inventory", ("inventory", "validate")),
    Step("Extranet statistics and coverage", ("inventory", "stats")),
    Step("Check the IPv6 address plan", ("ipv6", "plan", "--check")),
    Step("Bring the virtual lab up", ("lab", "up"), needs_root=True),
    Step("Validate the lab", ("lab", "validate"), needs_root=True),
    Step("Offline IPv6 audit of the sample from saved outputs", ("ipv6", "audit")),
    Step("Live IPv6 audit: lab routers over SSH and SNMP, the rest from saved outputs",
         ("ipv6", "audit", "--live", "--via", "ssh,snmp"), needs_root=True),
    Step("IPv6 check of the government websites against the website lab", ("ipv6", "web", "--lab"),
         needs_root=True),
    Step("Poll uplink counters over SNMP", ("bandwidth", "poll", "--interval", "5s", "--count", "4"),
         needs_root=True),
    Step("Active throughput and latency tests", ("bandwidth", "test", "taihe-gsc", "tujianao-gsc", "fenghuang-gsc",
                                                 "--seconds", "3", "--pings", "3"), needs_root=True),
    Step("Bandwidth audit against the plan's targets", ("bandwidth", "audit")),
    Step("Import the carriers' household broadband reports and speed tests (task 1)",
         ("broadband", "import", *(str(SAMPLE / "broadband" / name) for name in CARRIER_FILES))),
    Step("A carrier's report with a misspelt village is refused, naming the close name (nothing imported)",
         ("broadband", "import", str(SAMPLE / "broadband" / MISSPELT_FILE)), ok_codes=(2,)),
    Step("Task 1: gigabit towns, 100M villages, 4G in every village", ("broadband", "audit")),
    Step("Assess the legacy systems", ("migrate", "assess")),
    Step("Plan the migration waves", ("migrate", "plan", "--name", PLAN)),
    Step("Show the first wave", ("migrate", "show", PLAN, "--wave", "W01")),
    Step("Remediate what the live audit found not ready (the IPv4-only router) and re-audit it",
         ("ipv6", "remediate"), needs_root=True),
    Step("Live IPv6 audit of the whole extranet after remediation", ("ipv6", "audit", "--live"), needs_root=True),
    Step("IPv6 audit runs so far", ("ipv6", "runs")),
    Step("Stage wave W01's legacy systems in the lab", ("migrate", "stage", PLAN, "--wave", "W01"), needs_root=True),
    Step("The approver signs wave W01 off (go/no-go)", ("migrate", "signoff", PLAN, "--wave", "W01", "--by",
                                                        "市大数据局局长", "--note", "pre-checks seen")),
    Step("Execute migration wave W01 in the lab", ("migrate", "execute", PLAN, "--wave", "W01"), needs_root=True),
    Step("Readiness report, Chinese, HTML", ("report", "readiness", "--lang", "zh", "--format", "html",
                                             "--as-of", REPORT_DAY)),
    Step("Readiness report, Chinese, PDF", ("report", "readiness", "--lang", "zh", "--format", "pdf",
                                            "--as-of", REPORT_DAY)),
    Step("Readiness report, English, HTML", ("report", "readiness", "--lang", "en", "--format", "html",
                                             "--as-of", REPORT_DAY)),
    Step("Readiness report, English, PDF", ("report", "readiness", "--lang", "en", "--format", "pdf",
                                            "--as-of", REPORT_DAY)),
    Step("Open items and waves as a workbook, for those who forward tables",
         ("report", "readiness", "--lang", "zh", "--format", "xlsx", "--as-of", REPORT_DAY)),
    Step("The executive figures", ("report", "figures", "--as-of", REPORT_DAY)),
]

CLEANUP: list[Step] = [
    Step("Stop the staged legacy systems", ("migrate", "unstage", PLAN), needs_root=True, ok_codes=(0, 1, 2)),
    Step("Take the virtual lab down", ("lab", "down"), needs_root=True),
]


def _run(step: Step, index: int, total: int) -> int:
    sys.stdout.write(f"\n==> [{index}/{total}] {step.title}: ezgov {shlex.join(step.args)}\n")
    sys.stdout.flush()
    started = time.monotonic()
    code = process.attached([sys.executable, "-m", "ezgov_infra", *step.args])
    sys.stdout.write(f"    ({time.monotonic() - started:.1f} s, exit {code})\n")
    return code


def prepare(state_dir: Path) -> Path:
    """A fresh working copy of the sample inventory: remediation records what it changed in the inventory, and
    the bundled sample must stay as committed (saved device outputs are shared, not copied)."""
    target = state_dir / "demo" / "inventory"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for source in SAMPLE.glob("*.yaml"):
        shutil.copy2(source, target / source.name)
    (target / "snapshots").symlink_to((SAMPLE / "snapshots").resolve())
    return target


def main() -> int:
    state_dir = resolve_settings().state_dir
    inventory = prepare(state_dir)
    os.environ[INVENTORY_ENV] = str(inventory)
    sys.stdout.write(f"working copy of the sample inventory: {inventory}\n")
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
    sys.stdout.write("\ndemo complete. Reports:\n")
    for path in sorted((state_dir / "reports").glob("readiness-*")):
        sys.stdout.write(f"  {path.resolve()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
