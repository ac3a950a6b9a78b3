"""IPv6 remediation: the devices the last audit found not ready get `ipv6_enable.yml`, then a re-audit.

Which devices: every device of the last `ipv6-audit` run whose readiness was not `ready`, that is collected live
and whose platform the playbook speaks to, narrowed by `--limit` (the audit's syntax). A /127 needs both ends, so
the far end of each of their circuits is configured too when its end still lacks the plan's address; the plan
keeps what is already there, so this changes nothing on a ready neighbour beyond the missing address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ezgov_infra.addressing.allocate import management_address
from ezgov_infra.audit.scores import device_score, weights
from ezgov_infra.automation.hostvars import DEFAULT_TIMERS, LAB_TIMERS
from ezgov_infra.automation.runner import RunSummary
from ezgov_infra.collect.credentials import credentials_for
from ezgov_infra.collect.hostkeys import trust_new_address
from ezgov_infra.config import history_path
from ezgov_infra.errors import AuditError
from ezgov_infra.jobs import ipv6_audit, playbooks
from ezgov_infra.jobs.inventory import set_fields
from ezgov_infra.jobs.ipv6_audit import KIND
from ezgov_infra.models import facets
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.inventory import Collection, InterfaceKind, Inventory
from ezgov_infra.models.runs import Progress
from ezgov_infra.models.selector import ALL, AnyOf, Selector, Term
from ezgov_infra.store.history import open_history
from ezgov_infra.store.inventory import load_inventory

PLAYBOOK = "ipv6_enable"


@dataclass(slots=True)
class Remediation:
    """Before and after, per device, with the playbook's summary and the re-audit's run id."""

    before_run: int
    targets: list[str]
    peers: list[str]
    playbook: RunSummary | None
    after_run: int | None = None
    devices: list[dict[str, Any]] = field(default_factory=list)
    check: bool = False
    recorded: dict[str, str] = field(default_factory=dict)  # management addresses written to the inventory

    @property
    def ok(self) -> bool:
        return self.playbook is None or self.playbook.ok

    def rows(self) -> list[dict[str, Any]]:
        return self.devices


def last_readiness(state_dir: Path, inv: Inventory) -> tuple[int, dict[str, tuple[str, float | None, int]]]:
    """The last audit run: per device (readiness, score, finding count), recomputed from its stored findings."""

    with open_history(history_path(state_dir)) as history:
        latest = history.latest_run(KIND)
        if latest is None:
            raise AuditError("no IPv6 audit in the history yet: run `ezgov ipv6 audit --live` first")
        run_id = int(latest["id"])
        results = history.results(run_id)
        rows = history.findings(run_id)
    weight = weights(inv.policy.audit)
    by_device: dict[str, list[Finding]] = {}
    for row in rows:
        finding = Finding(subject=row["subject"], rule=row["rule"], severity=row["severity"],
                          category=row["category"], message=row["message"], evidence=row.get("evidence") or {},
                          remedy=row.get("remedy") or "")
        by_device.setdefault(finding.subject, []).append(finding)
    out: dict[str, tuple[str, float | None, int]] = {}
    for result in results:
        device = result["subject"]
        if result["status"] != "ok":
            out[device] = (f"failed: {result.get('category') or 'unknown'}", None, 0)
            continue
        score = device_score(device, by_device.get(device, []), weight, result.get("facts") or {})
        out[device] = (score.readiness.value, score.score, len(by_device.get(device, [])))
    return run_id, out


def circuit_peers(inv: Inventory, devices: list[str]) -> list[str]:
    """Far ends of the devices' active circuits whose own end has no IPv6 address yet."""
    peers: set[str] = set()
    for circuit in inv.circuits.values():
        if circuit.status.value != "active":
            continue
        ends = [circuit.a_end, circuit.z_end]
        for mine, other in (ends, ends[::-1]):
            if mine.partition(":")[0] in devices:
                far = inv.interfaces.get(other)
                owner = other.partition(":")[0]
                if owner in inv.devices and owner not in devices and (far is None or not far.ipv6):
                    peers.add(owner)
    return sorted(peers)


def remediate(*, folder: Path, state_dir: Path, limit: Selector = ALL, check: bool = False,
              progress: Progress | None = None) -> Remediation:

    inv = load_inventory(folder)
    before_run, before = last_readiness(state_dir, inv)
    platforms = playbooks.find(PLAYBOOK).platforms
    scope = set(facets.devices(inv).select(limit)) if limit != ALL else set(inv.devices)
    targets = sorted(d for d, (state, _, _) in before.items()
                     if state != "ready" and not state.startswith("failed") and d in scope and d in inv.devices
                     and inv.devices[d].collection is not Collection.offline
                     and inv.devices[d].platform in platforms)
    result = Remediation(before_run=before_run, targets=targets, peers=[], playbook=None, check=check)
    if not targets:
        result.devices = _rows(before, {}, [])
        return result
    peers = [p for p in circuit_peers(inv, targets)
             if inv.devices[p].collection is not Collection.offline and inv.devices[p].platform in platforms]
    result.peers = peers
    result.playbook = playbooks.run(name=PLAYBOOK, folder=folder, state_dir=state_dir, check=check,
                                    devices=targets + peers, progress=progress)
    after: dict[str, tuple[str, float | None, int]] = {}
    if not check and result.playbook.ok:
        result.recorded = record_management(folder, state_dir, inv, targets)
    if not check:
        # new OSPFv3 adjacencies need a few hellos before routes towards the core exist: judge after that
        time.sleep(settle_seconds(folder, targets + peers) if result.playbook.ok else 0)
        options = ipv6_audit.AuditOptions(live=True, limit=AnyOf(tuple(Term("device", d) for d in targets + peers)))
        run = ipv6_audit.audit(inventory=folder, state_dir=state_dir, options=options)
        result.after_run = run.run_id
        for device in run.devices:
            if device.score is not None:
                after[device.device] = (device.score.readiness.value, device.score.score, len(device.findings))
            else:
                after[device.device] = (f"failed: {device.category}", None, 0)
    result.devices = _rows(before, after, targets + peers)
    return result


def record_management(folder: Path, state_dir: Path, inv: Inventory, devices: list[str]) -> dict[str, str]:
    """Write the IPv6 management address the playbook configured into the inventory (device and interface) and
    trust the device's known host key under it. Returns device -> address for what changed."""

    recorded: dict[str, str] = {}
    for device_id in devices:
        device = inv.devices[device_id]
        port = next((i for i in inv.interfaces.values()
                     if i.device == device_id and i.kind is InterfaceKind.management), None)
        address = management_address(inv, device_id)
        if device.mgmt_ipv6 is not None or port is None or address is None:
            continue
        set_fields(folder, device_id, {"mgmt_ipv6": address})
        set_fields(folder, f"interfaces/{port.id}", {"ipv6": [*map(str, port.ipv6), address]})
        known_hosts = credentials_for(device, inv, "ssh", state_dir=state_dir, folder=folder).known_hosts
        if known_hosts and device.mgmt_ipv4 is not None:
            trust_new_address(Path(known_hosts), str(device.mgmt_ipv4.ip), address.split("/")[0])
        recorded[device_id] = address
    return recorded


def settle_seconds(folder: Path, devices: list[str]) -> float:
    """Three hello intervals (the slowest of the devices') plus two seconds."""

    inv = load_inventory(folder)
    hello = max((LAB_TIMERS if inv.devices[d].lab else DEFAULT_TIMERS)[0] for d in devices)
    return 3 * hello + 2.0


def _rows(before: dict[str, tuple[str, float | None, int]], after: dict[str, tuple[str, float | None, int]],
          touched: list[str]) -> list[dict[str, Any]]:
    rows = []
    for device in sorted(set(touched) | {d for d, v in before.items() if v[0] != "ready"}):
        b = before.get(device, ("unknown", None, 0))
        a = after.get(device)
        rows.append({"device": device, "remediated": device in touched, "before": b[0], "score_before": b[1],
                     "findings_before": b[2], "after": a[0] if a else "", "score_after": a[1] if a else None,
                     "findings_after": a[2] if a else None})
    return rows

