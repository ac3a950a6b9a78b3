"""What the metrics need from the inventory and the migration plan, small enough to keep between scrapes.

A province's inventory (50,000 sites) takes seconds to load and validate; a scrape must not pay that each time.
The index keeps the labels (device -> site -> district, website -> district), the set of devices, sites and
websites the report's verdicts count, and the figures that come from the inventory and the plan alone (extranet
coverage, migration). It is rebuilt whenever the inventory or the plans change (the job keys it by their digest).
Pure: built from an already loaded inventory and report sources.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ezgov_infra.report.figures import Kpi
from ezgov_infra.report.sources import Migration

if TYPE_CHECKING:  # annotations only: a scrape reads the index without the inventory's models
    from ezgov_infra.models.inventory import Inventory

CITY = "(city)"  # the district label of sites under no district, as the coverage counts name them
INDEX_VERSION = 1


@dataclass(slots=True)
class KpiFigure:
    """One executive figure as the report computed it: done of total, its target and status."""

    id: str
    done: int | None
    total: int | None
    target_ratio: float
    status: str


@dataclass(slots=True)
class MetricsIndex:
    digest: str
    device_site: dict[str, str] = field(default_factory=dict)
    site_district: dict[str, str] = field(default_factory=dict)
    website_district: dict[str, str] = field(default_factory=dict)
    website_fate: dict[str, str] = field(default_factory=dict)
    coverage: list[tuple[str, int, int]] = field(default_factory=list)  # district, required, connected
    kpis: list[KpiFigure] = field(default_factory=list)
    migration: list[tuple[str, str, int]] = field(default_factory=list)  # wave, state, systems
    weights: dict[str, int] = field(default_factory=dict)
    version: int = INDEX_VERSION

    def district_of_device(self, device: str) -> str:
        return self.site_district.get(self.device_site.get(device, ""), CITY)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MetricsIndex:
        kpis = [KpiFigure(**k) for k in value.pop("kpis", [])]
        coverage = [(str(d), int(r), int(c)) for d, r, c in value.pop("coverage", [])]
        migration = [(str(w), str(s), int(n)) for w, s, n in value.pop("migration", [])]
        return cls(**value, kpis=kpis, coverage=coverage, migration=migration)


def migration_counts(migration: Migration) -> list[tuple[str, str, int]]:
    """Systems per (wave, state): a wave's systems take the wave's status; systems in no wave are counted by why
    (retire, retain, held, missed) with an empty wave."""
    plan = migration.plan
    if plan is None:
        return []
    counts: dict[tuple[str, str], int] = {}
    for wave in plan.waves:
        key = (wave.id, wave.status.value)
        counts[key] = counts.get(key, 0) + len(wave.systems)
    for state, entries in (("retire", plan.retire), ("retain", plan.retain), ("held", plan.held),
                           ("missed", plan.misses)):
        if entries:
            counts[("", state)] = counts.get(("", state), 0) + len(entries)
    return [(wave, state, n) for (wave, state), n in sorted(counts.items())]


def build_index(inventory: Inventory, *, digest: str, coverage: list[dict[str, Any]], kpis: list[Kpi],
                migration: Migration, weights: dict[str, int]) -> MetricsIndex:
    """The index of a loaded inventory; `coverage` and `kpis` as the report computed them."""
    site_district = {s: inventory.site_district(s) or CITY for s in inventory.sites}
    return MetricsIndex(
        digest=digest,
        device_site={d.id: d.site for d in inventory.devices.values()},
        site_district=site_district,
        website_district={h: inventory.district_of(w.region) or CITY for h, w in inventory.websites.items()},
        website_fate={h: w.fate.value for h, w in inventory.websites.items()},
        coverage=[(str(row["district"]), int(row["required"]), int(row["connected"])) for row in coverage],
        kpis=[KpiFigure(k.id, k.done, k.total, round(k.target_pct / 100.0, 4), k.status) for k in kpis],
        migration=migration_counts(migration),
        weights=dict(weights),
    )
