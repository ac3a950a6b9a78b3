"""What a readiness report reads, already loaded, and how each source is judged per subject.

The job (`jobs.report`) fills `Sources` from the inventory, the history database and the migration plan; the
functions here turn one history run into per-device, per-site or per-website verdicts. A verdict the run stored
explicitly wins; otherwise it is derived from the findings by the documented rule (`models.findings`): any
critical finding makes a device not ready, any high or medium one partial.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: the metrics exporter reads verdicts without the inventory's or migration models
    from ezgov_infra.audit.broadband import Assessment, TrendPoint
    from ezgov_infra.models.inventory import Inventory
    from ezgov_infra.models.kinds import WebsiteFate
    from ezgov_infra.models.plan import MigrationPlan, SystemAssessment
    from ezgov_infra.models.systems import LegacySystem

IPV6_AUDIT = "ipv6-audit"
WEB_CHECK = "web-check"
BANDWIDTH_AUDIT = "bandwidth-audit"
REPORT = "readiness-report"
AUDIT_KINDS = (IPV6_AUDIT, WEB_CHECK, BANDWIDTH_AUDIT)

class Fated(Protocol):
    @property
    def fate(self) -> WebsiteFate: ...


class Members(Protocol):
    """What the verdicts read of an inventory: which devices, sites and websites exist, and each website's fate.
    An `Inventory` is one; the metrics exporter passes a lighter one built from its index."""

    @property
    def devices(self) -> Mapping[str, object]: ...

    @property
    def sites(self) -> Mapping[str, object]: ...

    @property
    def websites(self) -> Mapping[str, Fated]: ...


# Website checks whose failure means the site cannot be reached over IPv6 at all.
WEB_REACH_RULES = ("web.aaaa", "web.reachable")
BLOCKING_SEVERITIES = ("critical", "high", "medium")


@dataclass(slots=True)
class RunView:
    """One finished history run as the report reads it."""

    id: int
    kind: str
    started: str
    status: str
    summary: dict[str, Any]
    results: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    scope: str = ""

    def findings_of(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for finding in self.findings:
            grouped[str(finding["subject"])].append(finding)
        return grouped


@dataclass(slots=True)
class Migration:
    """The catalogue, its assessment and the plan; `problem` says why any of them could not be read."""

    systems: dict[str, LegacySystem] = field(default_factory=dict)
    assessments: list[SystemAssessment] = field(default_factory=list)
    plan: MigrationPlan | None = None
    problem: str | None = None


@dataclass(slots=True)
class Coverage:
    """Extranet coverage of required centres, as `audit.coverage.compute_stats` counts it."""

    required: int
    connected: int
    by_district: list[dict[str, Any]]
    gaps: list[tuple[str, str]]  # (site, reason)
    connected_sites: set[str]


@dataclass(slots=True)
class Sources:
    inventory: Inventory
    as_of: date
    coverage: Coverage
    runs: dict[str, RunView] = field(default_factory=dict)
    previous: dict[str, RunView] = field(default_factory=dict)
    earlier: dict[str, float] = field(default_factory=dict)
    partial: dict[str, RunView] = field(default_factory=dict)  # newer runs of narrower scope, left out
    migration: Migration = field(default_factory=Migration)
    broadband: Assessment | None = None  # task 1, from the carriers' latest reports
    broadband_trend: list[TrendPoint] = field(default_factory=list)


def _readiness_word(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = value.replace("_", " ").strip().lower()
    return word if word in ("ready", "partial", "not ready", "unknown") else None


def device_readiness(run: RunView, inventory: Members) -> dict[str, str]:
    """`device -> ready | partial | not ready | unknown` for every inventory device the run covered."""
    judged = _verdicts_from_findings(run.findings)
    devices = inventory.devices
    verdicts: dict[str, str] = {}
    for result in run.results:
        device = str(result["subject"])
        if device not in devices:
            continue
        if result["status"] != "ok":
            verdicts[device] = "unknown"
            continue
        facts = result.get("facts")
        if facts:
            if not facts.get("ipv6_evidence", True):
                verdicts[device] = "unknown"  # nothing about IPv6 was collected: not measured
                continue
            score = facts.get("score")
            score = score if isinstance(score, dict) else {}
            stated = _readiness_word(facts.get("readiness")) or _readiness_word(score.get("readiness"))
            if stated is not None:
                verdicts[device] = stated
                continue
        verdicts[device] = judged.get(device, "ready")
    return verdicts


def _verdicts_from_findings(findings: list[dict[str, Any]]) -> dict[str, str]:
    """`subject -> not ready | partial` by the documented rule (any critical finding, else any high or medium
    one); a subject without such findings is not named."""
    judged: dict[str, str] = {}
    for finding in findings:
        severity = str(finding["severity"])
        if severity == "critical":
            judged[str(finding["subject"])] = "not ready"
        elif severity in ("high", "medium"):
            judged.setdefault(str(finding["subject"]), "partial")
    return judged


@dataclass(slots=True)
class SiteBandwidth:
    site: str
    target_mbps: float | None
    contracted_mbps: float | None
    measured_mbps: float | None
    p95_mbps: float | None
    headroom_mbps: float | None
    meets_target: bool | None


def _number(value: Any) -> float | None:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


P95_FACTS = ("p95_mbps", "p95_in_mbps", "p95_out_mbps")


def site_bandwidth(run: RunView, inventory: Members) -> dict[str, SiteBandwidth]:
    """Per site: target, contracted and measured rates, and whether the site meets its target.

    Where the audit did not state `meets_target`, the measured rate (else the contracted one) is held against the
    target; a site with neither stays undecided (None) and counts as not measured.
    """
    sites: dict[str, SiteBandwidth] = {}
    known_sites = inventory.sites
    for result in run.results:
        facts = result.get("facts") or {}
        site = str(facts.get("site") or result["subject"])
        if site not in known_sites:
            continue
        target = _number(facts.get("target_mbps"))
        contracted = _number(facts.get("contracted_mbps"))
        measured = _number(facts.get("measured_mbps"))
        meets = facts.get("meets_target")
        if not isinstance(meets, bool):
            rate = measured if measured is not None else contracted
            meets = None if rate is None or target is None or result["status"] != "ok" else rate >= target
        p95 = None  # the highest stated, the first of equals
        for key in P95_FACTS:
            value = _number(facts.get(key))
            if value is not None and (p95 is None or value > p95):
                p95 = value
        entry = SiteBandwidth(site, target, contracted, measured, p95, _number(facts.get("headroom_mbps")), meets)
        known = sites.get(site)
        # Several results for one site (several uplinks): the site meets its target only if every one does.
        if known is not None and known.meets_target is not None and entry.meets_target is not None:
            entry.meets_target = known.meets_target and entry.meets_target
        sites[site] = entry
    return sites


def website_reachable(run: RunView, inventory: Members) -> dict[str, bool]:
    """`host -> reachable over IPv6` for every inventory website the run checked.

    Reachable means a usable AAAA and every IPv6 address answering (checks `web.aaaa` and `web.reachable`); a host
    that could not be checked at all (no DNS name) is not reachable.
    """
    by_subject = run.findings_of()
    verdicts: dict[str, bool] = {}
    for result in run.results:
        host = str(result["subject"])
        if host not in inventory.websites:
            continue
        if result["status"] != "ok":
            verdicts[host] = False
            continue
        checks = (result.get("facts") or {}).get("checks")
        if isinstance(checks, list) and checks:
            states = {str(c.get("id")): str(c.get("status")) for c in checks if isinstance(c, dict)}
            if all(rule in states for rule in WEB_REACH_RULES):
                verdicts[host] = all(states[rule] == "pass" for rule in WEB_REACH_RULES)
                continue
        verdicts[host] = not any(f["rule"] in WEB_REACH_RULES for f in by_subject.get(host, []))
    return verdicts
