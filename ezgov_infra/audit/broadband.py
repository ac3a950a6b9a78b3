"""Task 1 judged from the carriers' reports: households' gigabit and 100M access, 4G in every village.

Pure. The rules, in the order they are applied:

- A leaf of the region tree (village 行政村, community 社区) is urban or rural as `Region.urban` says. Its households
  are the region's `households` where the city recorded them, else the largest figure any carrier reported.
- A leaf's capability is the best any carrier offers: households passed by gigabit-capable access is the largest
  carrier figure (capped at the households), likewise for 100M-capable; 4G is the best coverage any carrier
  reports (covered > partial > none). The carriers reaching that best are named.
- The three figures: urban households with gigabit-capable access, rural households with 100M-capable access (each
  met at `basic_pct`, 基本达到, default 90%), administrative villages (not communities) covered by 4G (met at
  `full_pct`, 全覆盖, default 100%). A leaf no carrier reported is left out of the figure and counted as unreported.
- A leaf is "gigabit" when its gigabit-capable share reaches `basic_pct`, "100m" when its 100M-capable share does,
  else "below". A gigabit leaf whose median measured download is below `slow_gigabit_mbps` is flagged `slow`.
- Gaps: an urban leaf below the gigabit share, a rural leaf below the 100M share, a village without full 4G, a leaf
  no carrier reported. The carrier that could close a household gap is the one passing the most households at
  that speed already (ties all named), else one with fibre to the village; for 4G, one with partial coverage, else
  one with fibre there (backhaul for a base station).
- Speed summaries: median and p10 (nearest rank: the ceil(0.1 n)-th smallest) of all measured downloads.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ezgov_infra.models.broadband import COVERAGE_ORDER, BroadbandPolicy, CarrierReport, Coverage, SpeedSample
from ezgov_infra.models.inventory import Region, RegionKind, RegionLevel

FIGURES = ("urban_gigabit", "rural_100m", "village_4g")


@dataclass(slots=True)
class SpeedSummary:
    samples: int
    median_mbps: float
    p10_mbps: float


@dataclass(slots=True)
class VillageStatus:
    """One leaf of the region tree as the carriers' current reports describe it."""

    village: str
    name: str
    name_en: str
    township: str | None
    district: str | None
    kind: str
    urban: bool
    households: int | None
    households_from: str | None  # "region" or "carriers"
    reported_by: list[str] = field(default_factory=list)
    gigabit: int | None = None
    gigabit_by: list[str] = field(default_factory=list)
    fast: int | None = None
    fast_by: list[str] = field(default_factory=list)
    fibre_by: list[str] = field(default_factory=list)
    lte: Coverage | None = None
    lte_by: list[str] = field(default_factory=list)
    nr: Coverage | None = None
    capability: str | None = None  # gigabit, 100m, below; None when not reported
    speed: SpeedSummary | None = None
    slow: bool = False

    def share(self, passed: int | None) -> float | None:
        if passed is None or not self.households:
            return None
        return 100.0 * min(passed, self.households) / self.households


@dataclass(slots=True)
class Figure:
    """One of task 1's three figures: `done` of `total` (households or villages) against `target_pct`."""

    id: str
    unit: str
    done: int
    total: int
    target_pct: float
    unreported: int

    @property
    def pct(self) -> float | None:
        return round(100.0 * self.done / self.total, 1) if self.total else None

    @property
    def meets(self) -> bool | None:
        pct = self.pct
        return None if pct is None else 100.0 * self.done / self.total >= self.target_pct


@dataclass(slots=True)
class Gap:
    district: str | None
    township: str | None
    village: str
    name: str
    kind: str  # gigabit, 100m, 4g, unreported
    households: int | None
    short: int | None  # households not yet passed at the target speed
    best_pct: float | None
    best_by: list[str]
    could_close: list[str]


@dataclass(slots=True)
class AreaRow:
    """A district's or township's three figures and its gaps."""

    id: str
    name: str
    name_en: str
    district: str | None
    figures: dict[str, Figure]
    gaps: int
    households_short: int
    villages_without_4g: int
    unreported: int


@dataclass(slots=True)
class TrendPoint:
    as_of: date
    reports: dict[str, date]
    pct: dict[str, float | None]


@dataclass(slots=True)
class Assessment:
    villages: list[VillageStatus]
    figures: dict[str, Figure]
    gaps: list[Gap]
    districts: list[AreaRow]
    townships: list[AreaRow]
    reports: dict[str, date]


def _ancestors(regions: Mapping[str, Region], leaf: Region) -> tuple[str | None, str | None]:
    township = district = None
    region: Region | None = leaf
    seen: set[str] = set()
    while region is not None and region.id not in seen:
        seen.add(region.id)
        if region.level is RegionLevel.township:
            township = region.id
        elif region.level is RegionLevel.district:
            district = region.id
        region = regions.get(region.parent) if region.parent else None
    return township, district


def _best(values: Sequence[tuple[str, int | None]]) -> tuple[int | None, list[str]]:
    """The highest value of (carrier, value) pairs and the carriers that reach it, in the pairs' order."""
    top: int | None = None
    for _, value in values:
        if value is not None and (top is None or value > top):
            top = value
    if top is None:
        return None, []
    return top, [c for c, v in values if v == top]  # carriers come in name order


def percentile_nearest(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def summarise_speeds(samples: Iterable[SpeedSample]) -> dict[str, SpeedSummary]:
    by_village: dict[str, list[float]] = {}
    for sample in samples:
        by_village.setdefault(sample.village, []).append(sample.down_mbps)
    return {v: SpeedSummary(len(d), round(statistics.median(d), 1), round(percentile_nearest(d, 0.1), 1))
            for v, d in by_village.items()}


def village_statuses(regions: Mapping[str, Region], policy: BroadbandPolicy, reports: Iterable[CarrierReport],
                     speeds: Mapping[str, SpeedSummary] | None = None) -> list[VillageStatus]:
    current = [(r.carrier.value, r.villages) for r in reports]
    statuses: list[VillageStatus] = []
    above: dict[str | None, tuple[str | None, str | None]] = {}
    coverage_at = {v: k for k, v in reversed(COVERAGE_ORDER.items())}  # the first name of each rank
    for region in sorted((r for r in regions.values() if r.level is RegionLevel.village), key=lambda r: r.id):
        rid = region.id
        rows = [(carrier, villages[rid]) for carrier, villages in current if rid in villages]
        if region.parent not in above:
            above[region.parent] = _ancestors(regions, region)
        township, district = above[region.parent]
        households, source = region.households, "region" if region.households is not None else None
        if households is None and rows:
            households, source = max(a.households for _, a in rows), "carriers"
        status = VillageStatus(rid, region.name, region.name_en, township, district, region.kind.value,
                               region.urban, households, source, reported_by=sorted(c for c, _ in rows))
        status.gigabit, status.gigabit_by = _best([(c, a.gigabit) for c, a in rows])
        status.fast, status.fast_by = _best([(c, a.fast) for c, a in rows])
        status.fibre_by = sorted(c for c, a in rows if a.fibre)
        lte, status.lte_by = _best([(c, COVERAGE_ORDER[a.lte] if a.lte else None) for c, a in rows])
        status.lte = coverage_at[lte] if lte is not None else None
        nr, _ = _best([(c, COVERAGE_ORDER[a.nr] if a.nr else None) for c, a in rows])
        status.nr = coverage_at[nr] if nr is not None else None
        if rows and status.households:
            giga, fast = status.share(status.gigabit), status.share(status.fast)
            if giga is not None and giga >= policy.basic_pct:
                status.capability = "gigabit"
            elif fast is not None and fast >= policy.basic_pct:
                status.capability = "100m"
            elif giga is not None or fast is not None:
                status.capability = "below"
        status.speed = (speeds or {}).get(region.id)
        status.slow = bool(status.capability == "gigabit" and status.speed is not None
                           and status.speed.median_mbps < policy.slow_gigabit_mbps)
        statuses.append(status)
    return statuses


def _covered(status: VillageStatus, passed: int | None) -> int:
    return min(passed or 0, status.households or 0)


def figures_of(statuses: Iterable[VillageStatus], policy: BroadbandPolicy) -> dict[str, Figure]:
    figures = {"urban_gigabit": Figure("urban_gigabit", "households", 0, 0, policy.basic_pct, 0),
               "rural_100m": Figure("rural_100m", "households", 0, 0, policy.basic_pct, 0),
               "village_4g": Figure("village_4g", "villages", 0, 0, policy.full_pct, 0)}
    for status in statuses:
        figure = figures["urban_gigabit" if status.urban else "rural_100m"]
        passed = status.gigabit if status.urban else status.fast
        if not status.reported_by or status.households is None:
            figure.unreported += 1
        else:
            figure.done += _covered(status, passed)
            figure.total += status.households
        if status.kind == RegionKind.village.value:
            lte = figures["village_4g"]
            if status.lte is None:
                lte.unreported += 1
            else:
                lte.total += 1
                lte.done += status.lte is Coverage.covered
    return figures


def gaps_of(statuses: Iterable[VillageStatus], policy: BroadbandPolicy, fibre_of: Mapping[str, list[str]]
            | None = None) -> list[Gap]:
    gaps: list[Gap] = []
    for s in statuses:
        if not s.reported_by or s.households is None:
            gaps.append(Gap(s.district, s.township, s.village, s.name, "unreported", s.households, None, None, [],
                            []))
            continue
        kind, passed, best_by = ("gigabit", s.gigabit, s.gigabit_by) if s.urban else ("100m", s.fast, s.fast_by)
        share = s.share(passed)
        if share is None or share < policy.basic_pct:
            closers = best_by if passed else s.fibre_by
            gaps.append(Gap(s.district, s.township, s.village, s.name, kind, s.households,
                            s.households - _covered(s, passed), None if share is None else round(share, 1),
                            best_by, list(closers)))
        if s.kind == RegionKind.village.value and s.lte is not Coverage.covered:
            closers = s.lte_by if s.lte is Coverage.partial else s.fibre_by
            gaps.append(Gap(s.district, s.township, s.village, s.name, "4g", s.households, None, None,
                            s.lte_by if s.lte is Coverage.partial else [], list(closers)))
    return gaps


def _areas(regions: Mapping[str, Region], statuses: list[VillageStatus], gaps: list[Gap], policy: BroadbandPolicy,
           level: str) -> list[AreaRow]:
    members: dict[str, list[VillageStatus]] = {}
    mine: dict[str, list[Gap]] = {}
    for status in statuses:
        area = status.district if level == "district" else status.township
        if area:
            members.setdefault(area, []).append(status)
    for gap in gaps:
        area = gap.district if level == "district" else gap.township
        if area:
            mine.setdefault(area, []).append(gap)
    rows: list[AreaRow] = []
    for area in sorted(members):
        region, found = regions[area], mine.get(area, [])
        district = None if level == "district" else members[area][0].district
        rows.append(AreaRow(area, region.name, region.name_en, district, figures_of(members[area], policy),
                            len(found), sum(g.short or 0 for g in found), sum(g.kind == "4g" for g in found),
                            sum(g.kind == "unreported" for g in found)))
    return rows


def current_reports(reports: Iterable[CarrierReport], as_of: date | None = None) -> list[CarrierReport]:
    """Each carrier's latest report (up to `as_of`, when given)."""
    latest: dict[str, CarrierReport] = {}
    for report in reports:
        if as_of is not None and report.as_of > as_of:
            continue
        known = latest.get(report.carrier.value)
        if known is None or report.as_of > known.as_of:
            latest[report.carrier.value] = report
    return [latest[c] for c in sorted(latest)]


def assess(regions: Mapping[str, Region], policy: BroadbandPolicy, reports: Iterable[CarrierReport],
           speeds: Iterable[SpeedSample] = ()) -> Assessment:
    """The three figures, per district and township, and every gap, from each carrier's latest report."""
    current = current_reports(reports)
    statuses = village_statuses(regions, policy, current, summarise_speeds(speeds))
    gaps = gaps_of(statuses, policy)
    return Assessment(villages=statuses, figures=figures_of(statuses, policy), gaps=gaps,
                      districts=_areas(regions, statuses, gaps, policy, "district"),
                      townships=_areas(regions, statuses, gaps, policy, "township"),
                      reports={r.carrier.value: r.as_of for r in current})


def worst_townships(assessment: Assessment, limit: int = 5) -> list[AreaRow]:
    """Townships with gaps, the most households short first, then the most villages without 4G."""
    with_gaps = [t for t in assessment.townships if t.gaps]
    return sorted(with_gaps, key=lambda t: (-t.households_short, -t.villages_without_4g, -t.unreported, t.id))[:limit]


def trend(regions: Mapping[str, Region], policy: BroadbandPolicy, reports: Sequence[CarrierReport], *,
          latest: Assessment | None = None) -> list[TrendPoint]:
    """The three figures as they stood on each day a carrier reported (each carrier's latest report by then);
    `latest`, the assessment of every current report, gives the last day's figures without counting again."""
    points: list[TrendPoint] = []
    days = sorted({r.as_of for r in reports})
    for day in days:
        current = current_reports(reports, day)
        if latest is not None and day == days[-1]:
            figures = latest.figures
        else:
            figures = figures_of(village_statuses(regions, policy, current), policy)
        points.append(TrendPoint(day, {r.carrier.value: r.as_of for r in current},
                                 {k: figures[k].pct for k in FIGURES}))
    return points
