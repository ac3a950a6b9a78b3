"""Task 1 use cases: import carriers' reports and speed tests, audit the three figures, list the gaps.

- `import_files`: read every file (CSV or XLSX) through its carrier's declared mapping in policy.yaml, match its
  villages to the region tree, and store it in the history database. Every problem in every file is reported at
  once, and then nothing is imported. A file is named `<carrier>-<YYYY-MM-DD>.<csv|xlsx>` (a report) or
  `speedtests*` (speed tests), or `carrier`, `as_of` and `speeds` say what it is.
- `audit`: each carrier's latest report, the speed tests, and the figures as they stood at every report day.
- `gaps`: the audit's gap list, filtered by district, township or kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ezgov_infra.audit.broadband import (
    FIGURES,
    AreaRow,
    Assessment,
    Gap,
    TrendPoint,
    VillageStatus,
    assess,
    trend,
    worst_townships,
)
from ezgov_infra.config import history_path
from ezgov_infra.errors import InputError, InventoryError, Problem
from ezgov_infra.models.broadband import CarrierReport, SpeedSample
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.kinds import Carrier
from ezgov_infra.store.broadband import BroadbandStore, StoredReport
from ezgov_infra.store.carrier_files import read_grid
from ezgov_infra.store.carrier_import import RegionIndex, read_report, read_speeds
from ezgov_infra.store.history import history_exists, open_history
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.reading import bulk

_NAMED = re.compile(r"^(telecom|mobile|unicom|broadcast)[-_](\d{4})-?(\d{2})-?(\d{2})(?:$|[-_.])")
GAP_KINDS = ("gigabit", "100m", "4g", "unreported")
WORST_TOWNSHIPS = 10


@dataclass(slots=True)
class ImportedFile:
    file: str
    kind: str  # report or speeds
    carrier: str | None
    as_of: date | None
    rows: int
    replaced: bool
    current: bool
    sha256: str


@dataclass(slots=True)
class ImportResult:
    files: list[ImportedFile]


@dataclass(slots=True)
class BroadbandAudit:
    """The figures, per district, the worst townships, gap counts by kind (the list: `gaps`), slow villages."""

    reports: list[StoredReport]
    current: dict[str, date]
    figures: dict[str, dict[str, object]]
    districts: list[AreaRow]
    worst_townships: list[AreaRow]
    gaps: dict[str, int]
    slow: list[VillageStatus]
    trend: list[TrendPoint]


def _inventory(folder: Path) -> Inventory:

    return load_inventory(folder)


def _history(state_dir: Path) -> Path:
    return history_path(state_dir)


def what_file(path: Path, carrier: Carrier | None, as_of: date | None, speeds: bool) -> tuple[str, Carrier | None,
                                                                                           date | None, str]:
    """(kind, carrier, day, why not) from the options, else from the file's name."""
    if speeds or path.name.lower().startswith("speedtest"):
        return "speeds", None, None, ""
    match = _NAMED.match(path.name.lower())
    named_carrier = Carrier(match[1]) if match else None
    try:
        named_day = date(int(match[2]), int(match[3]), int(match[4])) if match else None
    except ValueError:
        named_day = None
    carrier, as_of = carrier or named_carrier, as_of or named_day
    if carrier is None or as_of is None:
        return "report", carrier, as_of, ("cannot tell the carrier and the report day: name the file like "
                                          "telecom-2019-06-30.xlsx, or give --carrier and --as-of")
    return "report", carrier, as_of, ""


def import_files(*, folder: Path, state_dir: Path, files: list[Path], carrier: Carrier | None = None,
                 as_of: date | None = None, speeds: bool = False) -> ImportResult:
    """Validate every file, then store them all; any problem in any file and nothing is stored."""
    if not files:
        raise InputError("give one or more carriers' files (.csv or .xlsx)")
    with bulk():
        return _import(folder, state_dir, files, carrier, as_of, speeds)


def _import(folder: Path, state_dir: Path, files: list[Path], carrier: Carrier | None, as_of: date | None,
            speeds: bool) -> ImportResult:

    inventory = _inventory(folder)
    policy = inventory.policy.broadband
    index = RegionIndex(inventory.regions)
    problems: list[Problem] = []
    reports: list[CarrierReport] = []
    tests: list[tuple[str, str, list[SpeedSample]]] = []
    seen: dict[tuple[str, date], str] = {}
    for path in files:
        kind, who, day, why = what_file(path, carrier, as_of, speeds)
        if why:
            problems.append(Problem(str(path), None, "", why))
            continue
        mapping = policy.speeds if kind == "speeds" else policy.carriers.get(who) if who else None
        if mapping is None:
            declared = "speeds" if kind == "speeds" else f"carriers.{who}"
            problems.append(Problem(str(path), None, "", f"no column mapping for {declared}",
                                    f"declare it under broadband.{declared} in policy.yaml"))
            continue
        grid = read_grid(path)
        if kind == "speeds":
            samples, found = read_speeds(grid, mapping, index)
            problems += found
            tests.append((str(path), grid.sha256, samples))
            continue
        assert who is not None and day is not None
        villages, found = read_report(grid, mapping, index)
        problems += found
        if (who.value, day) in seen:
            problems.append(Problem(str(path), None, "", f"a second {who.value} report for {day} in this import "
                                                         f"(also {seen[who.value, day]})"))
        seen[who.value, day] = str(path)
        sample = bool(villages) and all(inventory.regions[v].sample for v in villages)
        reports.append(CarrierReport(carrier=who, as_of=day, file=str(path), sha256=grid.sha256, sample=sample,
                                     villages=villages))
    if problems:
        raise InventoryError(problems)
    imported: list[ImportedFile] = []
    with open_history(_history(state_dir)) as history:
        store = BroadbandStore(history)
        for report, saved in zip(reports, store.save_reports(reports), strict=True):
            imported.append(ImportedFile(report.file, "report", report.carrier.value, report.as_of,
                                         len(report.villages), saved.replaced, False, report.sha256))
        latest: dict[str, date] = {}
        for stored in store.reports():
            latest[stored.carrier.value] = max(stored.as_of, latest.get(stored.carrier.value, stored.as_of))
        for entry in imported:
            entry.current = entry.carrier is not None and latest.get(entry.carrier) == entry.as_of
        for name, sha, samples in tests:
            count, replaced = store.save_speeds(name, sha, samples)
            imported.append(ImportedFile(name, "speeds", None, None, count, replaced, True, sha))
    return ImportResult(imported)


def load_reports(state_dir: Path) -> tuple[list[StoredReport], list[CarrierReport], list[SpeedSample]]:
    """Every stored report (headers and contents) and every speed test; nothing when there is no history yet."""
    return read_reports(_history(state_dir))


def read_reports(path: Path) -> tuple[list[StoredReport], list[CarrierReport], list[SpeedSample]]:
    if not history_exists(path):
        return [], [], []
    with open_history(path) as history:
        store = BroadbandStore(history)
        stored = store.reports()
        return stored, [store.load(s) for s in stored], store.speeds()


def assessment(inventory: Inventory, state_dir: Path) -> tuple[Assessment, list[StoredReport], list[TrendPoint]]:
    return assess_history(inventory, _history(state_dir))


def assess_history(inventory: Inventory, history_db: Path) -> tuple[Assessment, list[StoredReport],
                                                                    list[TrendPoint]]:
    """The assessment from each carrier's latest report in `history_db`, the stored reports, and the trend."""
    with bulk():
        stored, reports, speeds = read_reports(history_db)
        policy = inventory.policy.broadband
        result = assess(inventory.regions, policy, reports, speeds)
        return result, stored, trend(inventory.regions, policy, reports, latest=result)


def audit(*, folder: Path, state_dir: Path) -> BroadbandAudit:
    """Task 1's three figures from each carrier's latest report, per district and township, with the trend."""
    inventory = _inventory(folder)
    result, stored, points = assessment(inventory, state_dir)
    figures: dict[str, dict[str, object]] = {
        k: {"unit": f.unit, "done": f.done, "total": f.total, "pct": f.pct, "target_pct": f.target_pct,
            "meets": f.meets, "unreported": f.unreported} for k, f in result.figures.items() if k in FIGURES}
    counts = {kind: sum(g.kind == kind for g in result.gaps) for kind in GAP_KINDS}
    return BroadbandAudit(reports=stored, current=result.reports, figures=figures, districts=result.districts,
                          worst_townships=worst_townships(result, WORST_TOWNSHIPS), gaps=counts,
                          slow=[v for v in result.villages if v.slow], trend=points)


def gaps(*, folder: Path, state_dir: Path, district: str | None = None, township: str | None = None,
         kind: str | None = None) -> list[Gap]:
    """The gaps, worst first within each township (most households short), filtered as asked."""
    inventory = _inventory(folder)
    for option, wanted in (("--district", district), ("--township", township)):
        if wanted is not None and wanted not in inventory.regions:
            raise InputError(f"{option} {wanted}: no such region in the inventory")
    if kind is not None and kind not in GAP_KINDS:
        raise InputError(f"--kind {kind}: one of {', '.join(GAP_KINDS)}")
    result, _, _ = assessment(inventory, state_dir)
    chosen = [g for g in result.gaps if (district is None or g.district == district)
              and (township is None or g.township == township) and (kind is None or g.kind == kind)]
    return sorted(chosen, key=lambda g: (g.district or "", g.township or "", GAP_KINDS.index(g.kind),
                                         -(g.short or 0), g.village))
