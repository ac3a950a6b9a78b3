"""What stands between the city and its targets: the worst sites, the blockers grouped by owner, the evidence.

Pure. Owners are districts (for sites, devices and circuits) or departments (for websites and systems). Messages and
remedies of audit findings are shown as the audit wrote them; what the report itself says comes from `report/i18n`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.report.catalogue import Remedy
from ezgov_infra.report.sources import (
    BANDWIDTH_AUDIT,
    BLOCKING_SEVERITIES,
    IPV6_AUDIT,
    WEB_CHECK,
    RunView,
    Sources,
    device_readiness,
    site_bandwidth,
)
from ezgov_infra.report.text import Text

SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
WORST_PER_DISTRICT = 3
EVIDENCE_CHARS = 400


@dataclass(slots=True)
class Gap:
    """A required centre off the extranet (from `audit.coverage.compute_stats`)."""

    site: str
    reason: str


def gap_kind(reason: str) -> tuple[str, str]:
    """The kind of coverage gap behind a reason sentence, and its detail (the circuits' states)."""
    if reason.startswith("no device"):
        return "no_device", ""
    if reason.startswith("no circuit"):
        return "no_circuit", ""
    if reason.startswith("no active circuit"):
        return "inactive", reason.partition("(")[2].rstrip(")")
    return "no_path", ""


def gap_text(text: Text, reason: str) -> str:
    kind, detail = gap_kind(reason)
    # "EZ-EXT-0033 planned, EZ-EXT-0034 decommissioned": circuit ids are data, their states are words
    states = ", ".join(" ".join(text.catalogue.term(word) for word in part.split(" ")) for part in detail.split(", "))
    return text(f"gap.{kind}", detail=states)


def district_key(inv: Inventory, site_id: str) -> str:
    return inv.site_district(site_id) or "(city)"


def district_name(inv: Inventory, text: Text, key: str) -> str:
    region = inv.regions.get(key)
    return text.name(region) if region else text("district.city_level")


# ------------------------------------------------------------------------------------------------ worst sites


@dataclass(slots=True)
class WorstSite:
    site: str
    name: str
    weight: int
    problems: list[str]


def worst_sites(sources: Sources, text: Text, gaps: list[Gap]) -> dict[str, list[WorstSite]]:
    """Per district, the sites furthest from the plan: off the extranet, then short of bandwidth, then devices."""
    inv = sources.inventory
    weight: dict[str, int] = defaultdict(int)
    problems: dict[str, list[str]] = defaultdict(list)
    for gap in gaps:
        weight[gap.site] += 100
        problems[gap.site].append(text("worst.not_connected", reason=gap_text(text, gap.reason)))
    bandwidth_run = sources.runs.get(BANDWIDTH_AUDIT)
    if bandwidth_run is not None:
        off = {gap.site for gap in gaps}
        for site, entry in sorted(site_bandwidth(bandwidth_run, inv).items()):
            if entry.meets_target is False and site not in off:
                rate = entry.measured_mbps if entry.measured_mbps is not None else entry.contracted_mbps
                weight[site] += 50
                problems[site].append(text("worst.bandwidth", rate=_mbps(rate), target=_mbps(entry.target_mbps)))
    ipv6_run = sources.runs.get(IPV6_AUDIT)
    if ipv6_run is not None:
        points = {"not ready": 30, "partial": 10, "unknown": 5}
        for device, verdict in sorted(device_readiness(ipv6_run, inv).items()):
            if verdict in points:
                site = inv.devices[device].site
                weight[site] += points[verdict]
                problems[site].append(text(f"worst.device.{verdict.replace(' ', '_')}", device=device))
    by_district: dict[str, list[WorstSite]] = defaultdict(list)
    for site in sorted(weight, key=lambda s: (-weight[s], s)):
        key = district_key(inv, site)
        if len(by_district[key]) < WORST_PER_DISTRICT:
            by_district[key].append(WorstSite(site, text.name(inv.sites.get(site), site), weight[site],
                                              problems[site]))
    return dict(by_district)


def _mbps(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


# ------------------------------------------------------------------------------------------------ blockers


@dataclass(slots=True)
class Blocker:
    severity: str
    severity_text: str
    problem: str
    subjects: list[str]
    remedy: str
    source: str
    remedy_lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Owner:
    kind: str
    id: str
    name: str
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def critical(self) -> int:
        return sum(b.severity == "critical" for b in self.blockers)


class Collector:
    """Blockers gathered per owner; findings of one rule for one owner merge into one blocker."""

    def __init__(self, text: Text) -> None:
        self.text = text
        self.owners: dict[tuple[str, str], Owner] = {}
        self.merged: dict[tuple[str, str, str], Blocker] = {}

    def owner(self, kind: str, owner_id: str, name: str) -> Owner:
        return self.owners.setdefault((kind, owner_id), Owner(kind, owner_id, name))

    def add(self, owner: Owner, severity: str, problem: str, subject: str, remedy: str | Remedy, source: str,
            merge_key: str | None = None) -> None:
        """Add one item; items of one owner with the same merge key AND the same words (problem, remedy) share a
        row, so a row never shows one subject's address or target beside another's."""
        whole = remedy if isinstance(remedy, Remedy) else Remedy(remedy)
        key = (owner.kind, owner.id, f"{merge_key}\n{severity}\n{problem}\n{whole}") if merge_key else None
        if key is not None and key in self.merged:
            if subject not in self.merged[key].subjects:
                self.merged[key].subjects.append(subject)
            return
        blocker = Blocker(severity, self.text(f"severity.{severity}"), problem, [subject], whole.sentence, source,
                          list(whole.lines))
        owner.blockers.append(blocker)
        if key is not None:
            self.merged[key] = blocker

    def result(self) -> list[Owner]:
        for owner in self.owners.values():
            owner.blockers.sort(key=lambda b: (SEVERITY_RANK.get(b.severity, 9), -len(b.subjects), b.problem))
        return sorted(self.owners.values(), key=lambda o: (-o.critical, -len(o.blockers), o.kind, o.id))


def blockers(sources: Sources, text: Text, gaps: list[Gap]) -> list[Owner]:
    inv = sources.inventory
    found = Collector(text)

    def district(site: str) -> Owner:
        key = district_key(inv, site)
        return found.owner("district", key, district_name(inv, text, key))

    for gap in gaps:
        kind, _ = gap_kind(gap.reason)
        found.add(district(gap.site), "critical", text("blocker.not_connected", reason=gap_text(text, gap.reason)),
                  gap.site, text(f"remedy.{kind}"), text("source.inventory"), merge_key=f"gap.{kind}")
    run = sources.runs.get(IPV6_AUDIT)
    if run is not None:
        source = text("section.ipv6")
        for result in run.results:
            device = inv.devices.get(str(result["subject"]))
            if device is not None and result["status"] != "ok":
                category = str(result.get("category") or "failed")
                found.add(district(device.site), "high",
                          text("blocker.not_audited", category=text.catalogue.term(category)),
                          device.id, text("remedy.not_audited"), source, merge_key=f"failed.{category}")
        _findings(found, text, run, source,
                  lambda s: district(inv.devices[s].site) if s in inv.devices else None)
    run = sources.runs.get(BANDWIDTH_AUDIT)
    if run is not None:
        # a centre off the extranet is one open item: the coverage gap above, not again as "no active circuit"
        off = {gap.site for gap in gaps}
        _findings(found, text, run, text("section.bandwidth"),
                  lambda s: district(s) if s in inv.sites and s not in off else None)
    run = sources.runs.get(WEB_CHECK)
    if run is not None:
        def department(host: str) -> Owner | None:
            site = inv.websites.get(host)
            return found.owner("department", site.department, site.department) if site else None
        _findings(found, text, run, text("section.websites"), department)
    _migration(found, sources, text)
    owners = found.result()
    # Managers know sites and systems by name: a row names them, with the id for the engineers.
    systems = sources.migration.systems
    for owner in owners:
        for blocker in owner.blockers:
            blocker.subjects = [_label(inv, systems, text, s) for s in blocker.subjects]
    return owners


def _label(inv: Inventory, systems: dict[str, Any], text: Text, subject: str) -> str:
    record = inv.sites.get(subject) or systems.get(subject)
    name = text.name(record) if record is not None else ""
    if not name or name == subject:
        return subject
    return f"{name}（{subject}）" if text.lang == "zh" else f"{name} ({subject})"


def _findings(found: Collector, text: Text, run: RunView, source: str, owner_of: Any) -> None:
    for finding in run.findings:
        if finding["severity"] not in BLOCKING_SEVERITIES:
            continue
        owner = owner_of(str(finding["subject"]))
        if owner is None:
            continue
        rule = str(finding["rule"])
        # A row names the problem and the remedy in the rule's own words, the same for every subject on it; each
        # subject's own sentence (its interface, its address, its config lines) is in the appendix.
        problem = text.catalogue.rule(rule) or text.catalogue.finding(rule, str(finding["message"]))
        generic = text.catalogue.rule_remedy(rule)
        remedy = Remedy(generic) if generic else text.catalogue.remedy(rule, str(finding.get("remedy") or ""))
        found.add(owner, str(finding["severity"]), problem, str(finding["subject"]), remedy, source,
                  merge_key=f"rule.{rule}")


def _migration(found: Collector, sources: Sources, text: Text) -> None:
    migration = sources.migration
    systems = migration.systems
    source = text("section.migration")

    def department(system_id: str) -> Owner:
        system = systems.get(system_id)
        name = system.department if system else text("owner.unknown")
        return found.owner("department", name, name)

    # One open item per system: a system not ready is held by the plan and misses the deadline for that reason.
    counted: set[str] = set()
    for verdict in migration.assessments:
        if verdict.readiness.value == "not_ready":
            reasons = ("；" if text.lang == "zh" else "; ").join(
                text.catalogue.sentence(r.message) for r in verdict.reasons if r.readiness.value == "not_ready")
            found.add(department(verdict.system), "high", text("blocker.system_not_ready", reasons=reasons),
                      verdict.system, text("remedy.system_not_ready"), source, merge_key="not-ready")
            counted.add(verdict.system)
    plan = migration.plan
    if plan is None:
        return
    for item in plan.misses:
        if item.system in counted:
            continue
        counted.add(item.system)
        found.add(department(item.system), "high",
                  text("blocker.misses_deadline", reason=text.catalogue.sentence(item.reason)),
                  item.system, text("remedy.misses_deadline"), source, merge_key="misses")
    late = [s for w in plan.waves if w.after_deadline for s in w.systems if s not in counted]
    for system in late:
        found.add(department(system), "high", text("blocker.late_wave"), system, text("remedy.misses_deadline"),
                  source, merge_key="late-wave")


# ------------------------------------------------------------------------------------------------ evidence


@dataclass(slots=True)
class EvidenceFinding:
    severity: str
    severity_text: str
    rule: str
    message: str
    evidence: list[str]
    remedy: str
    interfaces: list[str] = field(default_factory=list)
    remedy_lines: list[str] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)  # the device's own output the finding quotes


@dataclass(slots=True)
class EvidenceEntry:
    subject: str
    name: str
    status: str
    lines: list[str]
    findings: list[EvidenceFinding]
    raw: list[str] = field(default_factory=list)  # what the collector said, verbatim (tool output is data)


@dataclass(slots=True)
class EvidenceSection:
    id: str
    title: str
    run: str
    entries: list[EvidenceEntry]


def _value_text(text: Text, value: Any) -> str:
    if isinstance(value, bool):
        return text("evidence.is_true" if value else "evidence.is_false")
    if value is None or value == [] or value == "":
        return text("evidence.empty")
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(text.catalogue.term(str(v)) for v in value)
    if isinstance(value, str):
        return text.catalogue.term(value)
    if isinstance(value, int | float):
        return f"{value:g}"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# Evidence fields that quote what a device or a website returned (an output line, a page diff, a URL): shown
# verbatim as data, never translated.
VERBATIM = frozenset({"text", "diff", "start"})


def evidence_lines(text: Text, evidence: Any) -> list[str]:
    """What a rule saw, one `label: value` line per field in the report's language; long values are cut."""
    if not isinstance(evidence, dict) or not evidence:
        return []
    colon = "：" if text.lang == "zh" else ": "
    lines = []
    for key, value in sorted(evidence.items()):
        if key in VERBATIM or _nested(value):
            continue  # quoted verbatim instead (`_quoted`)
        shown = _value_text(text, value)
        if len(shown) > EVIDENCE_CHARS:
            shown = shown[:EVIDENCE_CHARS - 1] + "…"
        lines.append(f"{text.catalogue.label(key)}{colon}{shown}")
    return lines


def _nested(value: Any) -> bool:
    """A structured value (a server's answers, a page diff): data to quote, not a fact to put in words."""
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value))


def _quoted(text: Text, evidence: Any) -> list[str]:
    """The evidence a person reads as data: quoted device output, and structured values as compact JSON."""
    if not isinstance(evidence, dict):
        return []
    quoted = []
    for key in sorted(VERBATIM):
        value = evidence.get(key)
        if value:
            shown = "\n".join(map(str, value)) if isinstance(value, list) else str(value)
            quoted.append(shown if len(shown) <= EVIDENCE_CHARS else shown[:EVIDENCE_CHARS - 1] + "…")
    for key, value in sorted(evidence.items()):
        if key not in VERBATIM and _nested(value) and value:
            shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
            shown = shown if len(shown) <= EVIDENCE_CHARS else shown[:EVIDENCE_CHARS - 1] + "…"
            quoted.append(f"{text.catalogue.label(key)}: {shown}")
    return quoted


def _interfaces(inv: Inventory, device: str, evidence: Any) -> list[str]:
    """Inventory descriptions of the interfaces a finding names, so a reader knows which circuit it is."""
    if not isinstance(evidence, dict):
        return []
    named: list[str] = []
    for key in ("interface", "interfaces"):
        value = evidence.get(key)
        named += [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]
    lines = []
    for name in named:
        interface = inv.interfaces.get(f"{device}:{name}")
        if interface is not None and interface.description:
            lines.append(f"{name}: {interface.description}")
    return lines


def evidence(sources: Sources, text: Text) -> list[EvidenceSection]:
    inv = sources.inventory
    sections: list[EvidenceSection] = []
    for kind, section_id in ((IPV6_AUDIT, "ipv6"), (BANDWIDTH_AUDIT, "bandwidth"), (WEB_CHECK, "websites")):
        run = sources.runs.get(kind)
        if run is None:
            continue
        by_subject = run.findings_of()
        entries: list[EvidenceEntry] = []
        for result in run.results:
            subject = str(result["subject"])
            found = by_subject.get(subject, [])
            if result["status"] == "ok" and not found:
                continue
            facts = result.get("facts") or {}
            lines = []
            if facts.get("hostname"):
                lines.append(text("evidence.hostname", hostname=facts["hostname"]))
            if result["status"] != "ok":
                lines.append(text("evidence.failed", category=text.catalogue.term(str(result.get("category") or ""))))
            name = subject
            if section_id == "ipv6" and subject in inv.devices:
                name = text.name(inv.sites.get(inv.devices[subject].site), subject)
            elif section_id == "bandwidth":
                name = text.name(inv.sites.get(subject), subject)
            elif section_id == "websites":
                name = text.name(inv.websites.get(subject), subject)
            rows = []
            for f in sorted(found, key=lambda f: (SEVERITY_RANK.get(str(f["severity"]), 9), f["rule"])):
                rule = str(f["rule"])
                remedy = text.catalogue.remedy(rule, str(f.get("remedy") or ""))
                rows.append(EvidenceFinding(str(f["severity"]), text(f"severity.{f['severity']}"), rule,
                                            text.catalogue.finding(rule, str(f["message"])),
                                            evidence_lines(text, f.get("evidence")), remedy.sentence,
                                            _interfaces(inv, subject, f.get("evidence")), remedy.lines,
                                            _quoted(text, f.get("evidence"))))
            status = text("evidence.ok") if result["status"] == "ok" else text("evidence.not_collected")
            raw = [str(result["message"])] if result["status"] != "ok" and result.get("message") else []
            entries.append(EvidenceEntry(subject, name, status, lines, rows, raw))
        sections.append(EvidenceSection(section_id, text(f"section.{section_id}"),
                                        text("source.run", id=run.id, day=text.day(run.started)), entries))
    return sections
