"""Carriers' reports for the sample and for benchmarks, written as carriers write them (Chinese headers, a title row).

Generated data, marked `sample` wherever it lands. The sample's planted gaps (`PLANTED`): communities of 西山街道 and
the town-centre villages of 葛店镇 below gigabit, villages of 蒲团乡 and 沙窝乡 below 100M, villages without 4G
(梁子镇湖滨村, 涂家垴镇联合村) or with partial 4G (沼山镇胜利村), a gigabit community whose measured speeds are slow
(凤凰街道滨湖社区), and one carrier's file (unicom, 2019-06-30) with a misspelt village (红新村 for 碧石渡镇红星村).

    python -m ezgov_infra.testing.broadband inventories/ezhou    # rewrites the sample's carrier files
"""

from __future__ import annotations

import random
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ezgov_infra.models.broadband import CARRIER_NAMES, ColumnMapping, Coverage
from ezgov_infra.models.inventory import Region, RegionLevel
from ezgov_infra.models.kinds import Carrier
from ezgov_infra.store.carrier_files import Cell, write_grid
from ezgov_infra.store.inventory import load_inventory

# best gigabit share (urban leaves) or 100M share (rural leaves) in percent, and the best 4G coverage
PLANTED: dict[str, dict[str, object]] = {
    "xishan-mingtang": {"share": 72},
    "xishan-yanglan": {"share": 80},
    "gedianzhen-hongxing": {"share": 55},
    "gedianzhen-xianfeng": {"share": 62},
    "putuan-changling": {"share": 64},
    "putuan-lianhe": {"share": 78},
    "shawo-xianfeng": {"share": 85},
    "liangzi-hubin": {"lte": Coverage.none, "fibre": False},
    "tujianao-lianhe": {"lte": Coverage.none},
    "zhaoshan-shengli": {"lte": Coverage.partial},
}
SLOW = "fenghuang-binhu"
MISSPELT = ("unicom", "bishidu-hongxing", "红新村")
LTE_WORDS = {Coverage.covered: "全覆盖", Coverage.partial: "部分覆盖", Coverage.none: "未覆盖"}
# The sample's files: carrier, report day, file type
SAMPLE_FILES: list[tuple[Carrier, date, str]] = [
    (Carrier.telecom, date(2019, 3, 31), ".xlsx"),
    (Carrier.telecom, date(2019, 6, 30), ".xlsx"),
    (Carrier.mobile, date(2019, 6, 30), ".xlsx"),
    (Carrier.unicom, date(2019, 3, 31), ".csv"),
    (Carrier.unicom, date(2019, 6, 30), ".csv"),
    (Carrier.broadcast, date(2019, 6, 30), ".csv"),
]


@dataclass(frozen=True, slots=True)
class Row:
    district: str
    township: str
    village: str
    households: int
    gigabit: int | None
    fast: int | None
    fibre: bool | None
    lte: Coverage | None
    nr: Coverage | None


def _field_headers(mapping: ColumnMapping) -> dict[str, str]:
    return {field: header for header, field in mapping.columns.items()}


def to_cells(row: Row, mapping: ColumnMapping) -> list[Cell]:
    headers = _field_headers(mapping)
    values: dict[str, Cell] = {
        "district": row.district, "township": row.township, "village": row.village, "households": row.households,
        "gigabit": row.gigabit, "fast": row.fast,
        "fibre": None if row.fibre is None else ("是" if row.fibre else "否"),
        "lte": LTE_WORDS[row.lte] if row.lte else None, "nr": LTE_WORDS[row.nr] if row.nr else None}
    return [values[field] for field in headers]


def write_report(path: Path, carrier: Carrier, day: date, rows: list[Row], mapping: ColumnMapping) -> None:
    title = f"{CARRIER_NAMES[carrier][0]}鄂州分公司 行政村及社区宽带和4G覆盖情况（截至{day:%Y年%m月%d日}）（样例数据）"
    write_grid(path, [list(_field_headers(mapping).values()), *(to_cells(r, mapping) for r in rows)], title=title)


def sample_households(leaf: Region) -> int:
    rng = random.Random(f"households:{leaf.id}")
    return rng.randint(1500, 4200) if leaf.kind.value == "community" else rng.randint(180, 1400)


def sample_rows(regions: Mapping[str, Region], carrier: Carrier, day: date) -> list[Row]:
    """What `carrier` reports on `day` for the sample's leaves (telecom and mobile all of them, the others some)."""
    rows: list[Row] = []
    early = day < date(2019, 6, 1)
    for leaf in sorted((r for r in regions.values() if r.level is RegionLevel.village), key=lambda r: r.id):
        rng = random.Random(f"{carrier.value}:{day}:{leaf.id}")
        if carrier is Carrier.unicom and not (leaf.urban or rng.random() < 0.5 or leaf.id == MISSPELT[1]):
            continue
        if carrier is Carrier.broadcast and rng.random() < 0.6:
            continue
        township = regions[leaf.parent or ""]
        district = regions[township.parent or ""]
        plant = PLANTED.get(leaf.id, {})
        households = leaf.households if leaf.households is not None else sample_households(leaf)
        share = float(str(plant.get("share", random.Random(f"share:{leaf.id}").randint(91, 99))))
        if carrier is not Carrier.telecom:
            share -= rng.randint(5, 40)
        if early:
            share -= 12
        share = max(0.0, min(100.0, share))
        best = round(households * share / 100)
        gigabit: int | None
        if leaf.urban:
            gigabit, fast = best, max(best, round(households * min(100.0, share + 8) / 100))
        else:
            gigabit, fast = round(best * rng.uniform(0.1, 0.5)), best
        if carrier is Carrier.broadcast:
            gigabit = None
        lte_best = plant.get("lte", Coverage.covered)
        lte: Coverage | None = Coverage(str(lte_best))
        if lte is Coverage.covered and carrier in (Carrier.telecom, Carrier.unicom) and rng.random() < 0.3:
            lte = Coverage.partial
        if lte is Coverage.partial and carrier is not Carrier.mobile:
            lte = Coverage.none
        if carrier is Carrier.broadcast:
            lte = None
        nr = (Coverage.covered if leaf.urban else Coverage.none) if carrier is Carrier.telecom else None
        fibre = bool(plant.get("fibre", True)) and not (carrier is Carrier.broadcast and rng.random() < 0.3)
        name = leaf.name if carrier is Carrier.telecom else leaf.name.removeprefix(township.name)
        if (carrier.value, leaf.id) == MISSPELT[:2] and not early:
            name = MISSPELT[2]
        rows.append(Row(district.name, township.name, name, households, gigabit, fast, fibre, lte, nr))
    return rows


def sample_speeds(regions: Mapping[str, Region]) -> list[list[Cell]]:
    """Speed tests in a few leaves; SLOW is a gigabit community whose tests come out slow."""
    out: list[list[Cell]] = []
    for leaf_id in ("fankou-binhu", SLOW, "gulou-nanpu", "bishidu-xianfeng", "putuan-changling"):
        leaf = regions[leaf_id]
        township = regions[leaf.parent or ""]
        rng = random.Random(f"speeds:{leaf_id}")
        base = 60 if leaf_id == SLOW else (480 if leaf.urban else 95)
        for n in range(7):
            day = date(2019, 6, 3 + 3 * n)
            carrier = ("电信", "移动", "联通")[n % 3]
            down = round(base * rng.uniform(0.6, 1.3), 1)
            out.append([day.isoformat(), carrier, regions[township.parent or ""].name, township.name,
                        leaf.name.removeprefix(township.name), down, round(down * rng.uniform(0.1, 0.4), 1)])
    return out


def write_sample(folder: Path) -> list[Path]:

    inventory = load_inventory(folder)
    policy = inventory.policy.broadband
    target = folder / "broadband"
    written: list[Path] = []
    for carrier, day, suffix in SAMPLE_FILES:
        path = target / f"{carrier.value}-{day.isoformat()}{suffix}"
        write_report(path, carrier, day, sample_rows(inventory.regions, carrier, day), policy.carriers[carrier])
        written.append(path)
    if policy.speeds is not None:
        path = target / "speedtests-2019-06.csv"
        header = list(_field_headers(policy.speeds).values())
        write_grid(path, [header, *sample_speeds(inventory.regions)], title="鄂州市家庭宽带测速样本（样例数据）")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    for written in write_sample(Path(sys.argv[1] if len(sys.argv) > 1 else "inventories/ezhou")):
        print(written)
