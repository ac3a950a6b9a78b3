"""The report's task 1 section (households' broadband and 4G) and its three figures on the executive page.

Pure: reads the assessment the job made from the carriers' reports (`audit.broadband`). Each figure's status is
judged against its own target (基本达到 `basic_pct`, 全覆盖 `full_pct`); the trend is the change since the figures
as they stood on the previous carrier report day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ezgov_infra.audit.broadband import worst_townships
from ezgov_infra.report.figures import Kpi, ratio_text, status_of, trend_text
from ezgov_infra.report.figures import Ratio as Share
from ezgov_infra.report.text import Text

if TYPE_CHECKING:
    from ezgov_infra.audit.broadband import AreaRow, Figure
    from ezgov_infra.report.sources import Sources

TASK1_KPIS = ("urban_gigabit", "rural_100m", "village_4g")
WORST_TOWNSHIPS = 5


@dataclass(slots=True)
class Cell:
    text: str
    status: str


@dataclass(slots=True)
class AreaLine:
    id: str
    name: str
    district: str
    cells: list[Cell]
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TrendLine:
    as_of: str
    cells: list[str]
    reports: str


@dataclass(slots=True)
class Task1:
    """What the task 1 section prints; `measured` is False until a carrier's report is imported."""

    measured: bool
    source: str
    kpis: list[Kpi]
    districts: list[AreaLine]
    worst: list[AreaLine]
    trend: list[TrendLine]
    slow: list[str]


def _cell(text: Text, figure: Figure) -> Cell:
    if figure.pct is None:
        if not figure.unreported:  # no urban households (or no villages) in this area at all
            return Cell(text("task1.nothing"), "met")
        return Cell(text("status.unknown"), "unknown")
    return Cell(ratio_text(text, Share(figure.done, figure.total)), status_of(figure.pct, figure.target_pct))


def _carriers(text: Text, reports: dict[str, object]) -> str:
    separator = "、" if text.lang == "zh" else ", "
    return separator.join(text("task1.report", carrier=text(f"carrier.{c}"), day=d) for c, d in sorted(reports.items()))


def since_report(text: Text, delta: float | None, day: str) -> str:
    if delta is None:
        return trend_text(text, None)
    if abs(delta) < 0.05:
        return text("task1.trend.flat", day=day)
    return text("task1.trend.up" if delta > 0 else "task1.trend.down", delta=f"{abs(delta):.1f}", day=day)


def task1_kpis(sources: Sources, text: Text) -> list[Kpi]:
    assessment = sources.broadband
    earlier = sources.broadband_trend[-2] if len(sources.broadband_trend) > 1 else None
    previous = earlier.pct if earlier is not None else {}
    kpis: list[Kpi] = []
    for kpi_id in TASK1_KPIS:
        figure = assessment.figures[kpi_id] if assessment is not None and assessment.reports else None
        pct = figure.pct if figure is not None else None
        target = figure.target_pct if figure is not None else 100.0
        state = status_of(pct, target)
        before = previous.get(kpi_id)
        delta = round(pct - before, 1) if pct is not None and before is not None else None
        value = ratio_text(text, Share(figure.done, figure.total)) if figure is not None else text("status.unknown")
        note = text("task1.unreported", count=figure.unreported) if figure is not None and figure.unreported else ""
        kpis.append(Kpi(id=kpi_id, title=text(f"kpi.{kpi_id}.title"),
                        target=text(f"kpi.{kpi_id}.target", pct=text.pct(target)),
                        done=figure.done if figure is not None else None,
                        total=figure.total if figure is not None else None, pct=pct, target_pct=target,
                        status=state, status_text=text(f"status.{state}"), value_text=value, trend=delta,
                        trend_text=since_report(text, delta, earlier.as_of.isoformat() if earlier else ""),
                        source=text("task1.source", count=len(assessment.reports),
                                    day=max(assessment.reports.values()).isoformat())
                        if figure is not None and assessment else text("source.no_carrier_report"), note=note))
    return kpis


def _area(text: Text, row: AreaRow, district: str) -> AreaLine:
    problems = []
    if row.households_short:
        problems.append(text("task1.short", count=row.households_short))
    if row.villages_without_4g:
        problems.append(text("task1.without_4g", count=row.villages_without_4g))
    if row.unreported:
        problems.append(text("task1.not_reported", count=row.unreported))
    return AreaLine(row.id, text.pick(row.name, row.name_en), district,
                    [_cell(text, row.figures[k]) for k in TASK1_KPIS], problems)


def task1_section(sources: Sources, text: Text, kpis: list[Kpi]) -> Task1:
    assessment = sources.broadband
    if assessment is None or not assessment.reports:
        return Task1(False, text("source.no_carrier_report"), kpis, [], [], [], [])
    regions = sources.inventory.regions
    districts = [_area(text, d, "") for d in assessment.districts]

    worst = [_area(text, t, text.name(regions.get(t.district or ""))) for t in
             worst_townships(assessment, WORST_TOWNSHIPS)]
    trend = [TrendLine(p.as_of.isoformat(), [text.pct(p.pct[k]) for k in TASK1_KPIS],
                       _carriers(text, dict(p.reports))) for p in sources.broadband_trend]
    slow = [text("task1.slow", name=text.pick(v.name, v.name_en), median=v.speed.median_mbps, p10=v.speed.p10_mbps,
                 samples=v.speed.samples) for v in assessment.villages if v.slow and v.speed is not None]
    return Task1(True, _carriers(text, dict(assessment.reports)), kpis, districts, worst, trend, slow)
