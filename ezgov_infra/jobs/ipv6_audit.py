"""The IPv6 device-readiness audit: select devices, collect facts (SSH, SNMP or saved outputs), apply the
rules, score, store the run in the history database. Also the history views: runs, findings, diff.

Modes: `live` contacts devices whose `collection` is live (the lab routers in the sample) and reads the others
from their snapshot folders; `offline` reads every device from saved outputs (the inventory's `snapshot`
folders, or `<dir>/<device>/` with an explicit folder), skipping devices that have none.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ezgov_infra.addressing.allocate import make_plan
from ezgov_infra.audit.ipv6 import audit_device
from ezgov_infra.audit.scores import changes, device_score, has_evidence, roll_ups, weights
from ezgov_infra.collect import snapshot, snmp, ssh
from ezgov_infra.collect.credentials import credentials_for
from ezgov_infra.collect.runner import run_batch
from ezgov_infra.collect.snapshot import snapshot_folder
from ezgov_infra.config import history_path
from ezgov_infra.errors import AuditError, InputError, PlanError, UnreachableError
from ezgov_infra.jobs import distributed as distributed_jobs
from ezgov_infra.models import facets
from ezgov_infra.models.facts import DeviceFacts
from ezgov_infra.models.findings import SEVERITY_ORDER, AuditRun, DeviceResult
from ezgov_infra.models.inventory import Collection, Device, DeviceRole, Inventory
from ezgov_infra.models.kinds import Severity
from ezgov_infra.models.runs import Batch, Progress, Result
from ezgov_infra.models.selector import ALL, Selector
from ezgov_infra.platforms import load_profile
from ezgov_infra.report.text import Text
from ezgov_infra.store.history import History, open_history
from ezgov_infra.store.inventory import load_inventory

KIND = "ipv6-audit"


@dataclass(frozen=True)
class AuditOptions:
    live: bool = False
    offline_dir: Path | None = None
    via: tuple[str, ...] = ("ssh",)
    limit: Selector = ALL
    workers: int = 32
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    device_timeout: float = 90.0
    check_host_key: bool = True
    known_hosts: Path | None = None
    snmp_profile: str | None = None
    credential_profile: str | None = None
    distributed: bool = False  # live devices collected by the workers of their poller groups
    no_worker_after: float = distributed_jobs.NO_WORKER_AFTER_S

    def worker_params(self) -> dict[str, Any]:
        """What a worker needs to collect a device as this run would (names and timeouts, never a secret)."""
        return {"via": list(self.via), "connect_timeout": self.connect_timeout,
                "command_timeout": self.command_timeout, "check_host_key": self.check_host_key,
                "known_hosts": str(self.known_hosts) if self.known_hosts else None,
                "snmp_profile": self.snmp_profile, "credential_profile": self.credential_profile}

    @classmethod
    def from_worker_params(cls, params: dict[str, Any]) -> AuditOptions:
        known = params.get("known_hosts")
        return cls(live=True, via=tuple(params["via"]), connect_timeout=float(params["connect_timeout"]),
                   command_timeout=float(params["command_timeout"]), check_host_key=bool(params["check_host_key"]),
                   known_hosts=Path(known) if known else None, snmp_profile=params.get("snmp_profile"),
                   credential_profile=params.get("credential_profile"))


@dataclass
class Selection:
    devices: list[Device]
    skipped: dict[str, str] = field(default_factory=dict)


def _offline(device: Device, options: AuditOptions) -> bool:
    return not options.live or device.collection is Collection.offline


def plan_selection(inventory: Inventory, inventory_dir: Path, options: AuditOptions) -> Selection:

    selection = Selection(devices=[])
    for device_id in facets.devices(inventory).select(options.limit):
        device = inventory.devices[device_id]
        if _offline(device, options) and not snapshot_folder(device, inventory_dir, options.offline_dir).is_dir():
            selection.skipped[device.id] = "no saved outputs" + ("" if options.live else " (use --live)")
            continue
        selection.devices.append(device)
    return selection


def reference_devices(inventory: Inventory, inventory_dir: Path, options: AuditOptions,
                      selection: Selection) -> list[str]:
    """The core routers a limited run collects as well, only as peers: the reachability rule reads the cores'
    routes, so without them a device would lose a rule and score higher in a narrow run than in a full one."""
    chosen = {d.id for d in selection.devices}
    roots = set(inventory.policy.extranet_roots)
    wanted = [d for d in inventory.devices.values()
              if d.role is DeviceRole.core and (not roots or d.site in roots) and d.id not in chosen]
    return sorted(d.id for d in wanted
                  if not _offline(d, options) or snapshot_folder(d, inventory_dir, options.offline_dir).is_dir())


def collector(inventory: Inventory, inventory_dir: Path, state_dir: Path,
              options: AuditOptions) -> Callable[[str], DeviceFacts]:
    """The task the batch runner calls per device id."""
    def task(device_id: str) -> DeviceFacts:
        device = inventory.devices[device_id]
        if _offline(device, options):

            return snapshot.collect(device, inventory=inventory_dir, root=options.offline_dir)
        facts: DeviceFacts | None = None
        if "ssh" in options.via:
            facts = _ssh(device, inventory, inventory_dir, state_dir, options)
        if "snmp" in options.via:
            polled = _snmp(device, inventory, inventory_dir, state_dir, options)
            if facts is None:
                facts = polled
            else:
                facts.reachability.snmp_ipv6 = polled.reachability.snmp_ipv6
                facts.faults.extend(polled.faults)
        if facts is None:
            raise InputError(f"--via {','.join(options.via)}: name ssh and/or snmp")
        return facts
    return task


def _address(device: Device) -> tuple[str, str | None]:
    """Where to connect (IPv4 management first) and the IPv6 management address to probe, if different."""
    v4 = str(device.mgmt_ipv4.ip) if device.mgmt_ipv4 else None
    v6 = str(device.mgmt_ipv6.ip) if device.mgmt_ipv6 else None
    if v4 is None and v6 is None:

        raise UnreachableError(f"{device.id}: no management address in the inventory")
    return (v4 or v6 or ""), v6


def _ssh(device: Device, inventory: Inventory, inventory_dir: Path, state_dir: Path,
         options: AuditOptions) -> DeviceFacts:

    known = str(options.known_hosts) if options.known_hosts else None
    credentials = credentials_for(device, inventory, "ssh", state_dir=state_dir, folder=inventory_dir,
                                  profile=options.credential_profile, known_hosts=known)
    host, v6 = _address(device)
    target = ssh.SshTarget(device=device.id, host=host, profile=load_profile(device.platform),
                           credentials=credentials, connect_timeout=options.connect_timeout,
                           command_timeout=options.command_timeout, check_host_key=options.check_host_key,
                           probe_ipv6=v6)
    return ssh.collect(target)


def _snmp(device: Device, inventory: Inventory, inventory_dir: Path, state_dir: Path,
          options: AuditOptions) -> DeviceFacts:

    credentials = credentials_for(device, inventory, "snmp", state_dir=state_dir, folder=inventory_dir,
                                  profile=options.snmp_profile)
    host, v6 = _address(device)
    timeout = min(options.connect_timeout, 5.0)
    port = inventory.snmp[options.snmp_profile or device.snmp_profile or ""].port_for(device)
    target = snmp.SnmpTarget(host, credentials, port=port, timeout=timeout / 2, retries=1)
    probe = snmp.SnmpTarget(v6, credentials, port=port, timeout=timeout / 2, retries=1) if v6 and v6 != host else None
    facts: DeviceFacts = snmp.collect(target, device=device.id, platform=device.platform, probe_ipv6=probe)
    if v6 and v6 == host:
        facts.reachability.snmp_ipv6 = True
    return facts


def audit(*, inventory: Path, state_dir: Path, options: AuditOptions, progress: Progress | None = None) -> AuditRun:
    """Collect, judge, score and store one audit run."""

    inv = load_inventory(inventory)
    try:
        plan = make_plan(inv)
    except PlanError:
        plan = None  # plan conformance is then not judged; `ezgov ipv6 plan` says why
    selection = plan_selection(inv, inventory, options)
    started, clock = datetime.now(UTC), time.monotonic()
    references = reference_devices(inv, inventory, options, selection)
    results = _collect(inv, inventory, state_dir, options, [d.id for d in selection.devices] + references, progress)
    for result in results:
        faulted(result)
    peers = {r.subject: r.value for r in results if r.value is not None}
    failed = {r.subject for r in results if r.failed}
    weight = weights(inv.policy.audit)
    devices: list[DeviceResult] = []
    for result in results:
        if result.subject in references:
            continue  # collected for its routes only; the run reports what was asked
        device = inv.devices[result.subject]
        entry = DeviceResult(device=device.id, site=device.site, platform=device.platform,
                             source=result.value.source.value if result.value else _source(device, options),
                             ok=not result.failed, category=result.category, message=result.message,
                             elapsed=round(result.elapsed, 3), facts=result.value)
        # a failed device is not measured: no score and no finding (a fault never stands for its readiness)
        if result.value is not None and not result.failed:
            if has_evidence(result.value):
                entry.findings = audit_device(device.id, result.value, inv, plan, peers, failed=failed)
            else:
                entry.message = insufficient(device)
            entry.score = device_score(device.id, entry.findings, weight, result.value)
        devices.append(entry)
    sites, districts, city = roll_ups(devices, inv)
    mode = "live" if options.live else "offline"
    scope = str(options.limit) or "all"
    run = AuditRun(started=started, elapsed=round(time.monotonic() - clock, 3), scope=scope, mode=mode,
                   devices=devices, sites=sites, districts=districts, city=city, skipped=selection.skipped)
    with open_history(history_path(state_dir)) as history:
        previous = _previous(history, scope)
        if previous is not None:
            measured = {d.device: d.score.score for d in devices if d.score and d.score.score is not None}
            run.changes = changes(measured, stored_scores(history, previous, weight), previous, inv)
        run.run_id = history.record_run(
            KIND, scope=scope, status="failed" if run.failed else "ok", started=started.isoformat(timespec="seconds"),
            summary=summary(run),
            results=[{"subject": d.device, "status": "ok" if d.ok else "failed", "category": d.category,
                      "message": d.message, "elapsed": d.elapsed,
                      "facts": d.facts.model_dump(mode="json") if d.facts else {}} for d in devices],
            findings=[f.model_dump(mode="json") for f in run.findings])
    return run


def _previous(history: History, scope: str) -> int | None:
    """The last finished run of the same scope: the one a trend compares with (a re-audit of two devices is no
    baseline for the city)."""
    return next((int(r["id"]) for r in history.runs(KIND, limit=1000)
                 if r.get("finished") and r.get("scope") == scope), None)


def stored_scores(history: History, run_id: int, weight: Mapping[str, int]) -> dict[str, float]:
    """Each device a stored run measured, with its score from the stored findings (today's weights, as the run
    it is compared with); failed devices and those without IPv6 evidence are left out."""
    severities: dict[str, list[str]] = {}
    for finding in history.finding_keys(run_id):
        severities.setdefault(str(finding["subject"]), []).append(str(finding["severity"]))
    return {str(r["subject"]): float(max(0, 100 - sum(weight.get(s, 0) for s in severities.get(r["subject"], []))))
            for r in history.result_facts(run_id, ["ipv6_evidence"])
            if r["status"] == "ok" and has_evidence(r["facts"])}


def faulted(result: Result[DeviceFacts]) -> None:
    """A device whose collection faulted in a step (a probe without an answer) failed in this run: its facts are
    kept for the record, with what the step would have told left unknown, and it is not judged or scored."""
    facts = result.value
    if facts is None or result.failed or not facts.faults:
        return
    result.category = facts.faults[0].category
    result.message = "; ".join(f"{f.step}: {f.message}" for f in facts.faults)


def _collect(inv: Inventory, inventory: Path, state_dir: Path, options: AuditOptions, ids: list[str],
             progress: Progress | None) -> Batch[DeviceFacts]:
    """Each device's facts: here, or (`distributed`) live devices on their poller groups' workers and the devices
    read from saved outputs here."""
    task = collector(inv, inventory, state_dir, options)
    if not options.distributed:
        return run_batch(ids, task, workers=options.workers, timeout=options.device_timeout, progress=progress,
                         title="IPv6 audit")
    remote = [i for i in ids if not _offline(inv.devices[i], options)]
    here = run_batch([i for i in ids if i not in set(remote)], task, workers=options.workers,
                     timeout=options.device_timeout, title="IPv6 audit")
    away = distributed_jobs.collect(inv, remote, "ipv6-collect", options.worker_params(),
                                    timeout=options.device_timeout, progress=progress, title="IPv6 audit",
                                    no_worker_after=options.no_worker_after) if remote else Batch("IPv6 audit")
    found: dict[str, Result[DeviceFacts]] = {r.subject: r for r in here}
    for result in away:
        facts = DeviceFacts.model_validate(result.value) if result.value is not None else None
        found[result.subject] = Result(result.subject, facts, result.category, result.message, result.elapsed)
    return Batch("IPv6 audit", [found[i] for i in ids], here.elapsed + away.elapsed)


def insufficient(device: Device) -> str:
    """What to collect when a device's outputs hold no IPv6 evidence (no rule is judged on nothing)."""

    commands = load_profile(device.platform).commands
    wanted = [f"{k} ({commands[k]})" for k in ("config", "interfaces_v6", "interfaces") if k in commands]
    return f"insufficient evidence: collect {', '.join(wanted) or 'the IPv6 interface table'}"


def _source(device: Device, options: AuditOptions) -> str:
    return "offline" if _offline(device, options) else "+".join(options.via)


def summary(run: AuditRun) -> dict[str, Any]:
    by_status: dict[str, int] = {}
    for device in run.devices:
        state = device.score.readiness.value if device.score else f"failed: {device.category}"
        by_status[state] = by_status.get(state, 0) + 1
    by_severity = {s.value: sum(1 for f in run.findings if f.severity is s) for s in Severity}
    city = run.city
    change = run.changes[0] if run.changes else None
    return {"mode": run.mode, "devices": len(run.devices), "failed": len(run.failed), "skipped": len(run.skipped),
            "by_status": dict(sorted(by_status.items())), "findings": by_severity,
            "city_score": city.score if city else None, "measured": city.measured if city else 0,
            "ready": city.ready if city else 0, "ready_share": city.ready_share if city else None,
            "change": change.change if change else None, "change_devices": change.devices if change else None,
            "since_run": change.since_run if change else None, "elapsed": run.elapsed}


def top_findings(run: AuditRun, count: int = 10) -> list[dict[str, Any]]:
    """The rules that fire most, most severe first."""
    tally: dict[tuple[str, str], dict[str, Any]] = {}
    for finding in run.findings:
        row = tally.setdefault((finding.rule, finding.severity.value),
                               {"rule": finding.rule, "severity": finding.severity.value,
                                "category": finding.category.value, "devices": set(), "example": finding.message})
        row["devices"].add(finding.subject)
    rows = [{**r, "devices": len(r["devices"])} for r in tally.values()]
    rows.sort(key=lambda r: (SEVERITY_ORDER[Severity(r["severity"])], -r["devices"], r["rule"]))
    return rows[:count]


# ---- history views

def runs(*, state_dir: Path, limit: int = 50) -> list[dict[str, Any]]:

    with open_history(history_path(state_dir)) as history:
        rows = history.runs(KIND, limit=limit)
    return [_run_row(r) for r in rows]


def _run_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored run as `ipv6 runs` lists it: the city score with its coverage, the like-for-like change."""
    summary = row["summary"]
    devices = summary.get("devices")
    measured = summary.get("measured")
    if measured is None and isinstance(devices, int):  # runs stored before coverage was kept
        measured = devices - int(summary.get("failed") or 0) - int(summary.get("by_status", {}).get("unknown", 0))
    return {"run": row["id"], "started": row["started"], "scope": row["scope"], "status": row["status"],
            "mode": summary.get("mode"), "devices": devices, "failed": summary.get("failed"),
            "city_score": summary.get("city_score"), "measured": measured,
            "coverage": f"measured {measured} of {devices}" if isinstance(devices, int) else None,
            "ready_share": summary.get("ready_share"), "change": summary.get("change"),
            "since_run": summary.get("since_run"), **dict(summary.get("findings", {}).items())}


def _run_id(history: Any, run_id: int | None) -> int:
    if run_id is None:
        latest = history.latest_run(KIND)
        if latest is None:
            raise AuditError("no IPv6 audit in the history yet (run `ezgov ipv6 audit`)")
        return int(latest["id"])
    found = history.run(run_id)
    if found is None or found["kind"] != KIND:
        raise InputError(f"run {run_id}: no such IPv6 audit run (see `ezgov ipv6 runs`)")
    return run_id


def findings(*, state_dir: Path, run_id: int | None = None, severity: tuple[str, ...] = (),
             device: str | None = None, lang: str = "en") -> tuple[int, list[dict[str, Any]]]:
    """A run's findings, most severe first; with `lang` the message, remedy and severity in that language
    (through the report's catalogues; the stored run keeps the code's own words)."""

    with open_history(history_path(state_dir)) as history:
        chosen = _run_id(history, run_id)
        rows = history.findings(chosen, severity=severity or None)
    rows = [r for r in rows if device is None or fnmatch.fnmatchcase(r["subject"], device)]
    rows.sort(key=lambda r: (SEVERITY_ORDER.get(Severity(r["severity"]), 9), r["subject"], r["rule"]))
    listed = [{"device": r["subject"], "rule": r["rule"], "severity": r["severity"],
               "category": r["category"], "message": r["message"], "evidence": r["evidence"],
               "remedy": r["remedy"]} for r in rows]
    if lang != "en":
        text = Text(lang)
        for row in listed:
            row["severity"] = text(f"severity.{row['severity']}")
            row["category"] = text.catalogue.term(row["category"])
            row["message"] = text.catalogue.finding(row["rule"], row["message"])
            row["remedy"] = str(text.catalogue.remedy(row["rule"], row["remedy"] or ""))
    return chosen, listed


def diff(*, state_dir: Path, run_a: int, run_b: int) -> dict[str, list[dict[str, Any]]]:
    """Findings fixed (in A, not in B) and new (in B, not in A); the same rule, device and message match.

    Like for like: only devices measured in both runs are compared, so a device that failed in B does not show
    its findings as fixed; `not_compared` names the others and why."""
    _, before = findings(state_dir=state_dir, run_id=run_a)
    _, after = findings(state_dir=state_dir, run_id=run_b)
    with open_history(history_path(state_dir)) as history:
        status_a, status_b = _measured(history, run_a), _measured(history, run_b)
    both = {d for d, ok in status_a.items() if ok} & {d for d, ok in status_b.items() if ok}
    key: Callable[[dict[str, Any]], tuple[str, str, str]] = lambda r: (r["device"], r["rule"], r["message"])  # noqa: E731
    old = {key(r): r for r in before if r["device"] in both}
    new = {key(r): r for r in after if r["device"] in both}
    skipped = [{"device": d, "change": "not compared",
                "message": f"not measured in run {run_a if not status_a.get(d) else run_b}"}
               for d in sorted(set(status_a) | set(status_b)) if d not in both]
    return {"fixed": [{**old[k], "change": "fixed"} for k in old if k not in new],
            "new": [{**new[k], "change": "new"} for k in new if k not in old], "not_compared": skipped}


def _measured(history: History, run_id: int) -> dict[str, bool]:
    """Each device of a stored run: whether it was measured (collected, with IPv6 evidence)."""
    return {str(r["subject"]): r["status"] == "ok" and has_evidence(r["facts"])
            for r in history.result_facts(run_id, ["ipv6_evidence"])}
