"""The readiness report's data: one `Report` holding every figure, row and sentence the templates print.

Pure: `build_report(sources, lang)` reads only what the job loaded (`report.sources.Sources`). Every string in the
result is already in the chosen language, so the HTML, PDF and Markdown renderings say the same thing; the
templates only lay it out (and escape it). `figures()` gives the numbers behind the executive page as plain data,
which is what the golden tests compare and what `ezgov report figures` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ezgov_infra.report.blockers import EvidenceSection, Gap, Owner, blockers, evidence, worst_sites
from ezgov_infra.report.broadband import Task1, task1_kpis, task1_section
from ezgov_infra.report.figures import DistrictRow, Kpi, Ratio, district_rows, executive
from ezgov_infra.report.sources import AUDIT_KINDS, Sources
from ezgov_infra.report.text import Text
from ezgov_infra.report.timeline import Schedule, schedule


@dataclass(slots=True)
class RunUsed:
    kind: str
    label: str
    run: str


@dataclass(slots=True)
class Report:
    lang: str
    title: str
    subtitle: str
    generated: str
    as_of: date
    kpis: list[Kpi]
    districts: list[DistrictRow]
    owners: list[Owner]
    schedule: Schedule
    evidence: list[EvidenceSection]
    runs: list[RunUsed]
    words: dict[str, str] = field(default_factory=dict)
    task1: Task1 | None = None
    issuer: str = ""
    marking: str = ""

    def kpi(self, kpi_id: str) -> Kpi:
        return next(k for k in self.kpis if k.id == kpi_id)


def build_report(sources: Sources, lang: str, *, generated: datetime | None = None) -> Report:
    text = Text(lang)
    inv = sources.inventory
    coverage = sources.coverage
    gaps = [Gap(site, reason) for site, reason in coverage.gaps]
    owners = blockers(sources, text, gaps)
    per_district: dict[str, int] = {}
    for owner in owners:
        if owner.kind == "district":
            per_district[owner.id] = sum(len(b.subjects) for b in owner.blockers)
    worst = worst_sites(sources, text, gaps)
    cloud = inv.policy.migration.cloud_site
    runs = [RunUsed(kind, text(f"run_kind.{kind}"),
                    text("source.run", id=sources.runs[kind].id, day=text.day(sources.runs[kind].started))
                    if kind in sources.runs else text("status.unknown")) for kind in AUDIT_KINDS]
    city = inv.regions.get(next((r.id for r in inv.regions.values() if r.parent is None), ""))
    households = task1_kpis(sources, text)
    return Report(
        lang=lang,
        title=text("title"),
        subtitle=text("subtitle", city=text.name(city, "")),
        generated=text.moment(generated or datetime.now().astimezone()),
        as_of=sources.as_of,
        kpis=executive(sources, text, Ratio(coverage.connected, coverage.required)) + households,
        districts=district_rows(sources, text, coverage.by_district, worst, per_district),
        owners=owners,
        schedule=schedule(sources, text, len(gaps), cloud in coverage.connected_sites),
        evidence=evidence(sources, text),
        runs=runs,
        words=text.mapping(),
        task1=task1_section(sources, text, households),
        issuer=text.pick(inv.policy.report.issuer or "", inv.policy.report.issuer_en or "") or "",
        marking=text.pick(inv.policy.report.marking or "", inv.policy.report.marking_en or "") or "",
    )


def figures(report: Report) -> dict[str, Any]:
    """The numbers behind the report, language-free: what the golden tests pin down."""
    return {
        "kpis": {k.id: {"done": k.done, "total": k.total, "pct": k.pct, "status": k.status, "trend": k.trend,
                        **({"detail": k.detail} if k.detail else {})} for k in report.kpis},
        "districts": {d.id: {"coverage": d.coverage_status, "bandwidth": d.bandwidth_status,
                             "ipv6": d.ipv6_status, "websites": d.websites_status, "blockers": d.blockers,
                             "worst": [{"site": w.site, "weight": w.weight} for w in d.worst]}
                      for d in report.districts},
        "blockers": [{"owner": f"{o.kind}/{o.id}",
                      "items": [{"severity": b.severity, "subjects": len(b.subjects)} for b in o.blockers]}
                     for o in report.owners],
        "milestones": {m.id: {"due": m.due.isoformat(), "status": m.status, "misses": len(m.misses)}
                       for m in report.schedule.milestones},
        "waves": [{"id": w.id, "start": w.start.isoformat(), "end": w.end.isoformat(), "status": w.status,
                   "systems": len(w.systems), "late": w.late} for w in report.schedule.waves],
        "evidence": {s.id: {"entries": len(s.entries), "findings": sum(len(e.findings) for e in s.entries)}
                     for s in report.evidence},
        "task1": {"districts": {d.id: [c.status for c in d.cells] for d in report.task1.districts},
                  "worst_townships": [t.id for t in report.task1.worst],
                  "trend": [t.as_of for t in report.task1.trend]} if report.task1 else None,
    }
