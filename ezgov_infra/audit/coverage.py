"""Extranet coverage of the plan's required centres: which sites reach an extranet root over active circuits.

Pure: inventory in, counts and gaps out. `ezgov inventory stats` and the readiness report both read it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from ezgov_infra.models.inventory import Circuit, CircuitStatus, Inventory, RegionLevel


@dataclass(slots=True)
class CoverageGap:
    site: str
    name: str
    name_en: str
    district: str | None
    category: str
    reason: str


@dataclass(slots=True)
class Stats:
    sites: int
    devices: int
    circuits: int
    by_district: list[dict[str, Any]]
    by_category: dict[str, int]
    required: int
    connected: int
    coverage_pct: float
    missing: list[CoverageGap]
    # required sites counted as connected by a circuit that ends at the site, with no device recorded there:
    # a lesser gap (the inventory is incomplete), not a coverage gap
    no_device: list[CoverageGap]
    roots: list[str]


def _site_of_end(inv: Inventory) -> dict[str, str]:
    """Circuit end -> site: an interface's device's site, or the site itself for a circuit that ends at a site."""
    site_of_end: dict[str, str] = {}
    for interface in inv.interfaces.values():
        device = inv.devices.get(interface.device)
        if device is not None:
            site_of_end[interface.id] = device.site
    for circuit in inv.circuits.values():
        for end in (circuit.a_end, circuit.z_end):
            if end not in site_of_end and end in inv.sites:
                site_of_end[end] = end
    return site_of_end


def connected_sites(inv: Inventory) -> set[str]:
    """Sites joined to an extranet root (the city core) through active circuits, whether a circuit ends on a
    device's interface or at the site itself."""
    site_of_end = _site_of_end(inv)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for circuit in inv.circuits.values():
        if circuit.status is not CircuitStatus.active:
            continue
        a, z = site_of_end.get(circuit.a_end), site_of_end.get(circuit.z_end)
        if a and z:
            neighbours[a].add(z)
            neighbours[z].add(a)
    roots = [r for r in inv.policy.extranet_roots if r in inv.sites]
    seen = set(roots)
    stack = list(roots)
    while stack:
        for nxt in neighbours[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def gap_reason(inv: Inventory, site_id: str, circuits_at: dict[str, list[Circuit]] | None = None) -> str:
    """Why a required site is not connected. `circuits_at` (site -> circuits touching it, from `site_circuits`)
    saves a scan of every circuit per site when many sites are judged."""
    if circuits_at is None:
        circuits_at = site_circuits(inv)
    if site_id not in circuits_at:
        return "no device at the site"
    circuits = circuits_at[site_id]
    if not circuits:
        return "no circuit"
    if not any(c.status is CircuitStatus.active for c in circuits):
        states = ", ".join(f"{c.id} {c.status.value}" for c in sorted(circuits, key=lambda c: c.id))
        return f"no active circuit ({states})"
    if not any(r in inv.sites for r in inv.policy.extranet_roots):
        return NO_ROOT
    return "no active path to the extranet core"


NO_ROOT = "no extranet root set (policy.yaml extranet_roots)"


def site_circuits(inv: Inventory) -> dict[str, list[Circuit]]:
    """Every site with a device or a circuit -> the circuits with an end on one of its devices' interfaces or on
    the site itself."""
    at: dict[str, list[Circuit]] = {d.site: [] for d in inv.devices.values()}
    site_of_port = _site_of_end(inv)
    for circuit in inv.circuits.values():
        for site in {site_of_port.get(circuit.a_end), site_of_port.get(circuit.z_end)} - {None}:
            at.setdefault(str(site), []).append(circuit)
    return at


def compute_stats(inv: Inventory) -> Stats:
    connected = connected_sites(inv)
    districts = {r.id: r for r in inv.regions.values() if r.level is RegionLevel.district}
    rows: dict[str, dict[str, Any]] = {}
    for did in [None, *sorted(districts)]:
        key = did or "(city)"
        region = districts.get(did) if did else None
        rows[key] = {"district": key, "name": region.name if region else "市本级",
                     "name_en": region.name_en if region else "City level", "sites": 0, "devices": 0,
                     "required": 0, "connected": 0, "service_centre": 0, "trading_centre": 0,
                     "community_centre": 0}
    device_count = Counter(inv.site_district(d.site) or "(city)" for d in inv.devices.values())
    for site in inv.sites.values():
        key = inv.site_district(site.id) or "(city)"
        row = rows[key]
        row["sites"] += 1
        if site.category.value in ("service_centre", "trading_centre", "community_centre"):
            row[site.category.value] += 1
        if site.needs_extranet:
            row["required"] += 1
            row["connected"] += site.id in connected
    for key, row in rows.items():
        row["devices"] = device_count.get(key, 0)
        row["coverage_pct"] = round(100.0 * row["connected"] / row["required"], 1) if row["required"] else 100.0
    required = [s for s in inv.sites.values() if s.needs_extranet]
    circuits_at = site_circuits(inv)
    gaps = [
        CoverageGap(site=s.id, name=s.name, name_en=s.name_en, district=inv.site_district(s.id),
                    category=s.category.value, reason=gap_reason(inv, s.id, circuits_at))
        for s in sorted(required, key=lambda s: s.id) if s.id not in connected
    ]
    with_device = {d.site for d in inv.devices.values()}
    no_device = [
        CoverageGap(site=s.id, name=s.name, name_en=s.name_en, district=inv.site_district(s.id),
                    category=s.category.value, reason="no device recorded at the site")
        for s in sorted(required, key=lambda s: s.id) if s.id in connected and s.id not in with_device
    ]
    n_connected = len(required) - len(gaps)
    return Stats(
        sites=len(inv.sites), devices=len(inv.devices), circuits=len(inv.circuits),
        by_district=list(rows.values()),
        by_category=dict(sorted(Counter(s.category.value for s in inv.sites.values()).items())),
        required=len(required), connected=n_connected,
        coverage_pct=round(100.0 * n_connected / len(required), 1) if required else 100.0,
        missing=gaps, no_device=no_device, roots=[r for r in inv.policy.extranet_roots if r in inv.sites],
    )
