"""Departments' own clouds and machine rooms (the plan's task 6: 与市大数据中心政务云平台对接，纳入统一管理).

Pure. A site of category `sector_cloud` either moves (its systems are candidates like any other) or is connected:
an interconnect circuit to the city cloud, its place in the address plan and unified monitoring, while its systems
stay where they are (迁移和接入: some systems are connected and managed, not moved). `policy.yaml`
`migration.sector_clouds` says which; a sector cloud it does not name moves. Classified systems and systems that
retire are never "connected": the first stay by rule, the second go.
"""

from __future__ import annotations

from collections.abc import Mapping

from ezgov_infra.addressing.allocate import make_plan as address_plan
from ezgov_infra.errors import PlanError
from ezgov_infra.models.inventory import CircuitStatus, Inventory, SiteCategory
from ezgov_infra.models.plan import MigrationPolicy, SectorCloudPlan, Strategy, SystemAssessment, Unplanned
from ezgov_infra.models.systems import LegacySystem


def connect_sites(inventory: Inventory, policy: MigrationPolicy) -> set[str]:
    """The sector clouds to connect; naming a site that is not a sector cloud is an error."""
    wrong = sorted(site for site in policy.sector_clouds
                   if site not in inventory.sites or inventory.sites[site].category is not SiteCategory.sector_cloud)
    if wrong:
        raise PlanError(f"policy.yaml migration.sector_clouds names {', '.join(wrong)}: not a site of category "
                        "sector_cloud in sites.yaml")
    return {site for site, mode in policy.sector_clouds.items() if mode == "connect"}


def connected_systems(systems: Mapping[str, LegacySystem], assessments: Mapping[str, SystemAssessment],
                      sites: set[str]) -> list[Unplanned]:
    return [Unplanned(system=sid, reason=f"connected from sector cloud {systems[sid].site} (interconnect, address "
                                         "plan, unified monitoring); not moved")
            for sid in sorted(systems)
            if systems[sid].site in sites and not systems[sid].must_stay
            and assessments[sid].strategy is not Strategy.retire]


def _interconnect(inventory: Inventory, site: str, cloud: str) -> str | None:
    site_of = {i.id: inventory.devices[i.device].site for i in inventory.interfaces.values()
               if i.device in inventory.devices}
    for circuit in sorted(inventory.circuits.values(), key=lambda c: c.id):
        ends = {site_of.get(circuit.a_end), site_of.get(circuit.z_end)}
        if circuit.status is CircuitStatus.active and ends == {site, cloud}:
            return circuit.id
    return None


def sector_cloud_plans(systems: Mapping[str, LegacySystem], inventory: Inventory, policy: MigrationPolicy,
                       connected: list[Unplanned]) -> list[SectorCloudPlan]:
    sectors = sorted(s.id for s in inventory.sites.values() if s.category is SiteCategory.sector_cloud)
    if not sectors:
        return []
    prefixes = address_plan(inventory).sites
    joined = {u.system for u in connected}
    plans: list[SectorCloudPlan] = []
    for site_id in sectors:
        site = inventory.sites[site_id]
        on_site = sorted(sid for sid, s in systems.items() if s.site == site_id)
        plans.append(SectorCloudPlan(site=site_id, name=site.name, name_en=site.name_en,
                                     mode=policy.sector_clouds.get(site_id, "move"), systems=on_site,
                                     connected=[s for s in on_site if s in joined],
                                     interconnect=_interconnect(inventory, site_id, policy.cloud_site),
                                     prefix=prefixes.get(site_id)))
    return plans
