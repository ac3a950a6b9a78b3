"""The figures of the readiness report: the executive page's six and the same per district.

Pure. Six figures make the executive page, each against the plan's target:

    coverage             required centres on the extranet             target 100%   (task 3)
    bandwidth            measured sites meeting their target          target 100%   (city policy, task 3)
    ipv6_devices         audited devices IPv6-ready                   target 100%   (task 2)
    websites_ipv6        checked websites (not retiring) reachable    target 100%   (tasks 2, 20)
    systems_migrated     moving systems migrated                      target 100%   (task 5)
    classified_retained  classified systems kept out of every wave    target 100%   (task 5)

The task 1 figures (households' broadband, 4G villages) follow them, from `report.broadband`.

Status: `met` at or above target, `close` within CLOSE_MARGIN points of it, `off` below that, `unknown` when the
source has no run yet ("not yet measured"). The trend is the change in points since the previous run of the same
audit, or since the previous report for figures that come from the inventory and the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ezgov_infra.models.kinds import Classification, WebsiteFate
from ezgov_infra.report.sources import (
    BANDWIDTH_AUDIT,
    IPV6_AUDIT,
    WEB_CHECK,
    Members,
    RunView,
    SiteBandwidth,
    Sources,
    device_readiness,
    site_bandwidth,
    website_reachable,
)

if TYPE_CHECKING:  # annotations only: the metrics exporter reads the figures without the report's texts
    from ezgov_infra.report.blockers import WorstSite
    from ezgov_infra.report.text import Text

CLOSE_MARGIN = 10.0
KPI_IDS = ("coverage", "bandwidth", "ipv6_devices", "websites_ipv6", "systems_migrated", "classified_retained")


@dataclass(slots=True)
class Kpi:
    id: str
    title: str
    target: str
    done: int | None
    total: int | None
    pct: float | None
    target_pct: float
    status: str
    status_text: str
    value_text: str
    trend: float | None
    trend_text: str
    source: str
    detail: dict[str, int] = field(default_factory=dict)
    note: str = ""


@dataclass(slots=True)
class Ratio:
    """A figure like `12 of 15 (80%)`; `total` 0 or None means nothing to count."""

    done: int | None
    total: int | None

    @property
    def pct(self) -> float | None:
        if self.done is None or not self.total:
            return None
        return round(100.0 * self.done / self.total, 1)


def status_of(pct: float | None, target: float = 100.0) -> str:
    if pct is None:
        return "unknown"
    if pct >= target:
        return "met"
    return "close" if pct >= target - CLOSE_MARGIN else "off"


def ratio_text(text: Text, ratio: Ratio) -> str:
    if ratio.pct is None:
        return text("status.unknown")
    return text("figure.ratio", done=ratio.done, total=ratio.total, pct=text.pct(ratio.pct))


def trend_text(text: Text, delta: float | None) -> str:
    if delta is None:
        return text("trend.none")
    if abs(delta) < 0.05:
        return text("trend.flat")
    return text("trend.up" if delta > 0 else "trend.down", delta=f"{abs(delta):.1f}")


def run_label(text: Text, run: RunView | None) -> str:
    if run is None:
        return text("source.none")
    return text("source.run", id=run.id, day=text.day(run.started))


def make_kpi(text: Text, kpi_id: str, ratio: Ratio, previous: float | None, source: str,
             detail: dict[str, int] | None = None, status: str | None = None, note: str = "") -> Kpi:
    pct = ratio.pct
    state = status or status_of(pct)
    delta = round(pct - previous, 1) if pct is not None and previous is not None else None
    return Kpi(id=kpi_id, title=text(f"kpi.{kpi_id}.title"), target=text(f"kpi.{kpi_id}.target"),
               done=ratio.done, total=ratio.total, pct=pct, target_pct=100.0, status=state,
               status_text=text(f"status.{state}"), value_text=ratio_text(text, ratio), trend=delta,
               trend_text=trend_text(text, delta), source=source, detail=detail or {}, note=note)


# ------------------------------------------------------------------------------------------------ the six figures


def ipv6_ratio(run: RunView | None, inv: Members, devices: Iterable[str] | None = None, *,
               verdicts: Mapping[str, str] | None = None) -> Ratio:
    """Ready devices over judged ones; `verdicts`, when the caller has them, are `device_readiness(run, inv)`."""
    if run is None:
        return Ratio(None, None)
    verdicts = device_readiness(run, inv) if verdicts is None else verdicts
    wanted = set(devices) if devices is not None else None
    judged = [v for d, v in verdicts.items() if wanted is None or d in wanted]
    return Ratio(sum(v == "ready" for v in judged), len(judged))


def bandwidth_ratio(run: RunView | None, inv: Members, sites: Iterable[str] | None = None, *,
                    bandwidth: Mapping[str, SiteBandwidth] | None = None) -> Ratio:
    """Sites meeting their target over measured ones; `bandwidth`, when the caller has it, is
    `site_bandwidth(run, inv)`."""
    if run is None:
        return Ratio(None, None)
    wanted = set(sites) if sites is not None else None
    bandwidth = site_bandwidth(run, inv) if bandwidth is None else bandwidth
    measured = [b for s, b in bandwidth.items()
                if b.meets_target is not None and (wanted is None or s in wanted)]
    return Ratio(sum(bool(b.meets_target) for b in measured), len(measured))


def website_ratio(run: RunView | None, inv: Members, hosts: Iterable[str] | None = None) -> Ratio:
    if run is None:
        return Ratio(None, None)
    wanted = set(hosts) if hosts is not None else None
    judged = [ok for host, ok in website_reachable(run, inv).items()
              if inv.websites[host].fate is not WebsiteFate.retire and (wanted is None or host in wanted)]
    return Ratio(sum(judged), len(judged))


def executive(sources: Sources, text: Text, coverage: Ratio) -> list[Kpi]:
    inv = sources.inventory
    runs, before = sources.runs, sources.previous
    kpis = [make_kpi(text, "coverage", coverage, sources.earlier.get("coverage"), text("source.inventory"))]
    for kpi_id, kind, measure in (("bandwidth", BANDWIDTH_AUDIT, bandwidth_ratio),
                                  ("ipv6_devices", IPV6_AUDIT, ipv6_ratio),
                                  ("websites_ipv6", WEB_CHECK, website_ratio)):
        ratio = measure(runs.get(kind), inv)
        previous = measure(before.get(kind), inv).pct if kind in before else None
        note = ""
        if kpi_id == "ipv6_devices" and ratio.total is not None and ratio.total < len(inv.devices):
            note = text("kpi.ipv6_devices.partial_scope", audited=ratio.total, devices=len(inv.devices))
        narrower = sources.partial.get(kind)
        if narrower is not None:  # a newer run of narrower scope: named, never counted
            scope = narrower.scope if len(narrower.scope) <= 60 else narrower.scope[:59] + "…"
            left_out = text("kpi.partial_run", id=narrower.id, day=text.day(narrower.started), scope=scope)
            note = f"{note} {left_out}".strip()
        source = run_label(text, runs.get(kind)) if kind in runs else text("source.no_full_run")
        kpis.append(make_kpi(text, kpi_id, ratio, previous, source, note=note))
        if kpi_id == "bandwidth":  # the city's own targets for task 3, as policy.yaml sets them
            kpis[-1].target = text("kpi.bandwidth.target", urban=inv.policy.bandwidth.urban_mbps,
                                   rural=inv.policy.bandwidth.rural_mbps)
    kpis.extend(migration_kpis(sources, text))
    return kpis


def migration_kpis(sources: Sources, text: Text) -> list[Kpi]:
    migration = sources.migration
    if not migration.systems:
        source = migration.problem or text("source.no_catalogue")
        return [make_kpi(text, "systems_migrated", Ratio(None, None), None, source),
                make_kpi(text, "classified_retained", Ratio(None, None), None, source)]
    plan = migration.plan
    # Systems a sector cloud keeps where they are count under unified management (纳入统一管理), not as moving.
    joined = {u.system for u in plan.connected} if plan else set()
    moving = [a.system for a in migration.assessments if a.moves and a.system not in joined]
    in_waves = plan.wave_of() if plan else {}
    executed = {s for w in plan.waves if w.status.value == "executed" for s in w.systems} if plan else set()
    late = {s for w in plan.waves if w.after_deadline for s in w.systems} if plan else set()
    missing = {u.system for u in plan.misses} | {u.system for u in plan.held} if plan else set()
    detail = {"catalogue": len(migration.systems), "assessed": len(migration.assessments), "moving": len(moving),
              "planned": sum(s in in_waves for s in moving), "migrated": sum(s in executed for s in moving)}
    done = Ratio(detail["migrated"], len(moving))
    if plan is None:
        status, source = "unknown", migration.problem or text("source.no_plan")
    else:
        source = text("source.plan", name=plan.name)
        # Until the last wave runs, the figure is on course when every moving system sits in a wave before the
        # deadline: that is what the milestone asks.
        on_course = not late and not (missing & set(moving)) and detail["planned"] == len(moving)
        status = "met" if done.pct == 100.0 else ("close" if on_course else "off")
    note = text("kpi.systems_migrated.detail", **detail)
    kpis = [make_kpi(text, "systems_migrated", done, sources.earlier.get("systems_migrated"), source, detail,
                     status=status, note=note)]
    classified = [s for s in migration.systems.values() if s.classification is Classification.classified]
    retained = Ratio(sum(s.id not in in_waves for s in classified), len(classified))
    retained_status = "met" if not classified else None
    kpis.append(make_kpi(text, "classified_retained", retained, sources.earlier.get("classified_retained"),
                         source, {"classified": len(classified)}, status=retained_status,
                         note=text("kpi.classified_retained.none") if not classified else ""))
    return kpis


# ------------------------------------------------------------------------------------------------ per district


@dataclass(slots=True)
class DistrictRow:
    id: str
    name: str
    coverage: str
    coverage_status: str
    bandwidth: str
    bandwidth_status: str
    ipv6: str
    ipv6_status: str
    websites: str
    websites_status: str
    blockers: int
    worst: list[WorstSite] = field(default_factory=list)


def district_rows(sources: Sources, text: Text, by_district: list[dict[str, object]],
                  worst: dict[str, list[WorstSite]], blockers: dict[str, int]) -> list[DistrictRow]:
    inv = sources.inventory
    rows: list[DistrictRow] = []
    for entry in by_district:
        key = str(entry["district"])
        district = None if key == "(city)" else key
        region = inv.regions.get(district) if district else None
        name = text.name(region) if region else text("district.city_level")
        sites = [s for s in inv.sites if inv.site_district(s) == district]
        devices = [d.id for d in inv.devices.values() if inv.site_district(d.site) == district]
        hosts = [h for h, w in inv.websites.items() if inv.district_of(w.region) == district]
        required, connected = int(str(entry["required"])), int(str(entry["connected"]))
        cover = Ratio(connected, required)
        band = bandwidth_ratio(sources.runs.get(BANDWIDTH_AUDIT), inv, sites)
        six = ipv6_ratio(sources.runs.get(IPV6_AUDIT), inv, devices)
        web = website_ratio(sources.runs.get(WEB_CHECK), inv, hosts)
        rows.append(DistrictRow(
            id=key, name=name,
            coverage=ratio_text(text, cover) if required else text("figure.none_required"),
            coverage_status=status_of(cover.pct) if required else "met",
            bandwidth=ratio_text(text, band), bandwidth_status=status_of(band.pct),
            ipv6=ratio_text(text, six), ipv6_status=status_of(six.pct),
            websites=ratio_text(text, web), websites_status=status_of(web.pct),
            blockers=blockers.get(key, 0), worst=worst.get(key, []),
        ))
    return rows
