"""Household broadband and 4G per village and community, as the carriers report it (the plan's task 1).

提速宽带网络: 城镇家庭宽带基本达到千兆接入能力，农村家庭宽带基本达到百兆接入能力，实现4G无线网络全市乡村全覆盖.
The targets are for households, not for government sites: urban households gigabit-capable, rural households
100M-capable, 4G in every administrative village. Each carrier reports, per leaf of the region tree, the households
it passes with gigabit-capable (10G-PON/FTTH) and 100M-capable access, fibre to the village, 4G and 5G coverage.

Pure data. A figure a carrier left blank is unknown (None), never zero. The per-village records are dataclasses
(there are a province's villages times four carriers of them); the policy is pydantic, as policy.yaml is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ezgov_infra.models.kinds import Carrier

CARRIER_NAMES: dict[Carrier, tuple[str, str]] = {
    Carrier.telecom: ("中国电信", "China Telecom"),
    Carrier.mobile: ("中国移动", "China Mobile"),
    Carrier.unicom: ("中国联通", "China Unicom"),
    Carrier.broadcast: ("中国广电", "China Broadnet"),
}


class Coverage(StrEnum):
    """Mobile coverage of a village: all of it, part of it, or none."""

    covered = "covered"
    partial = "partial"
    none = "none"


COVERAGE_ORDER = {Coverage.none: 0, Coverage.partial: 1, Coverage.covered: 2}

# The fields a carrier's column can map to. Report files: one row per village or community.
REPORT_FIELDS = ("district", "township", "village", "households", "gigabit", "fast", "fibre", "lte", "nr")
REQUIRED_REPORT_FIELDS = ("township", "village", "households")
# Speed-test files: one row per measurement.
SPEED_FIELDS = ("day", "carrier", "district", "township", "village", "down", "up")
REQUIRED_SPEED_FIELDS = ("day", "carrier", "township", "village", "down")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


@dataclass(frozen=True, slots=True)
class VillageAccess:
    """One carrier's figures for one village or community.

    `gigabit`: households passed by gigabit-capable access (10G-PON, FTTH able to deliver 1000 Mbps);
    `fast`: households passed by access able to deliver at least 100 Mbps, gigabit-capable ones included.
    A dataclass, not a pydantic model: a province is 30,000 villages a carrier, and the importer has checked
    every cell before one is made; the consistency rules are checked here again all the same.
    """

    village: str
    households: int
    gigabit: int | None = None
    fast: int | None = None
    fibre: bool | None = None
    lte: Coverage | None = None
    nr: Coverage | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        households, gigabit, fast = self.households, self.gigabit, self.fast
        if (households < 0 or (gigabit is not None and not 0 <= gigabit <= households)
                or (fast is not None and not 0 <= fast <= households)
                or (gigabit is not None and fast is not None and fast < gigabit)):
            wrong = inconsistencies(households, gigabit, fast) or [("households", "a negative count")]
            raise ValueError("; ".join(f"{name}: {message}" for name, message in wrong))


def inconsistencies(households: int, gigabit: int | None, fast: int | None) -> list[tuple[str, str]]:
    """(field, what is wrong) for households passed above households or 100M-capable below gigabit-capable."""
    wrong = [(name, f"{passed} households passed, more than the {households} households")
             for name, passed in (("gigabit", gigabit), ("fast", fast)) if passed is not None and passed > households]
    if gigabit is not None and fast is not None and fast < gigabit:
        wrong.append(("fast", f"{fast} households 100M-capable, fewer than the {gigabit} gigabit-capable"))
    return wrong


@dataclass(slots=True)
class CarrierReport:
    """One carrier's report as of one day: every village it covers, and where the figures came from."""

    carrier: Carrier
    as_of: date
    file: str
    sha256: str = ""
    imported: str | None = None
    sample: bool = False
    villages: dict[str, VillageAccess] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpeedSample:
    """One speed test in a village: day, carrier, download and upload in Mbps."""

    village: str
    carrier: Carrier
    day: date
    down_mbps: float
    up_mbps: float | None = None


class ColumnMapping(_Strict):
    """How one carrier writes its file: header text -> field, and cell words -> values.

    `columns` maps a header as it appears in the file (`总户数`) to a field (`households`); `values` adds words
    to the shared vocabulary (`是`/`否`, `全覆盖`/`部分覆盖`/`未覆盖`, ...) for yes/no and coverage cells.
    """

    name: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, str] = Field(default_factory=dict)


class BroadbandPolicy(_Strict):
    """Task 1's thresholds and the carriers' declared file layouts (`broadband:` in policy.yaml).

    `basic_pct` is what 基本达到 (essentially reached) means for the household shares; `full_pct` what 全覆盖 (full
    coverage) means for 4G villages. `slow_gigabit_mbps`: a gigabit village whose median measured download is
    below this is flagged.
    """

    basic_pct: float = Field(default=90.0, gt=0, le=100)
    full_pct: float = Field(default=100.0, gt=0, le=100)
    slow_gigabit_mbps: float = Field(default=100.0, gt=0)
    carriers: dict[Carrier, ColumnMapping] = Field(default_factory=dict)
    speeds: ColumnMapping | None = None
