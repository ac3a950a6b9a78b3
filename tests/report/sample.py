"""A deterministic state for report tests, made by running the offline parts on the Ezhou sample.

- IPv6 device audit: twice, offline from the sample's saved outputs (the second run gives the trend);
- bandwidth audit: from the inventory's contracted rates (no samples, no active test);
- website check: the website lab needs root and namespaces, so its run is recorded through the history store
  with the verdicts the website lab builds each sample site for (`lab/websites/sites.yaml`);
- migration plan: `ezgov migrate plan` on the sample catalogue, its first wave then marked executed;
- carriers' reports (task 1): the sample's files under `broadband/`, all but the one with a misspelt village.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml

from tests.conftest import REPO, SAMPLE

SITES_LAB = REPO / "ezgov_infra" / "lab" / "websites" / "sites.yaml"
AS_OF = date(2019, 11, 1)
GENERATED = datetime(2019, 11, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # Beijing time

# What each website-lab mode fails, as the website check reports it (rule, severity).
MODE_FINDINGS: dict[str, list[tuple[str, str]]] = {
    "same": [],
    "none": [("web.aaaa", "critical")],
    "mapped": [("web.aaaa", "critical")],
    "no-https": [("web.reachable", "high")],
    "other-content": [("web.equivalence", "medium")],
    "home-only": [("web.deep-links", "medium")],
}


@dataclass
class SampleState:
    inventory: Path
    state_dir: Path
    plans_dir: Path
    plan: str


def record_web_check(state_dir: Path, inventory: Path) -> int:
    from ezgov_infra.store.history import open_history
    from ezgov_infra.store.inventory import load_inventory

    lab = yaml.safe_load(SITES_LAB.read_text(encoding="utf-8"))
    inv = load_inventory(inventory)
    results, findings = [], []
    for host in sorted(inv.websites):
        site = lab.get(host)
        if site is None:
            results.append({"subject": host, "status": "failed", "category": "dns",
                            "message": f"{host}: no such name (NXDOMAIN)", "facts": {"host": host}})
            continue
        failed = MODE_FINDINGS[site["ipv6"]]
        results.append({"subject": host, "status": "ok", "facts": {"host": host, "mode": site["ipv6"]}})
        findings += [{"subject": host, "rule": rule, "severity": severity, "category": "services",
                      "message": f"{host}: {rule} failed ({site['purpose']})", "evidence": {"mode": site["ipv6"]},
                      "remedy": f"fix {rule}"} for rule, severity in failed]
    with open_history(state_dir / "history.sqlite") as history:
        return history.record_run("web-check", status="ok", results=results, findings=findings,
                                  summary={"sites": len(results)})


def import_carriers(state_dir: Path, inventory: Path) -> None:
    from ezgov_infra.jobs import broadband
    from ezgov_infra.testing.broadband import MISSPELT

    files = sorted(p for p in (SAMPLE / "broadband").iterdir() if p.suffix in (".csv", ".xlsx")
                   and not p.name.startswith(f"{MISSPELT[0]}-2019-06-30"))
    broadband.import_files(folder=inventory, state_dir=state_dir, files=files)


def make_sample_state(root: Path, inventory: Path = SAMPLE, *, web: bool = True, plan: bool = True,
                      carriers: bool = True) -> SampleState:
    from ezgov_infra.jobs import bandwidth, ipv6_audit, migration
    from ezgov_infra.models.plan import WaveStatus
    from ezgov_infra.store.systems import load_plan, save_plan

    state_dir, plans_dir = root / "state", root / "plans"
    for _ in range(2):
        ipv6_audit.audit(inventory=inventory, state_dir=state_dir, options=ipv6_audit.AuditOptions())
    bandwidth.audit(folder=inventory, state_dir=state_dir)
    if web:
        record_web_check(state_dir, inventory)
    if carriers:
        import_carriers(state_dir, inventory)
    if plan:
        migration.make_plan(folder=inventory, name="sample", plans_dir=plans_dir,
                            history_db=state_dir / "history.sqlite")
        made = load_plan(plans_dir, "sample")
        if made.waves:
            made.waves[0].status = WaveStatus.executed
        save_plan(plans_dir, made)
    return SampleState(inventory, state_dir, plans_dir, "sample")
