"""The `ipv6 plan` use case: compute, check and optionally write the address plan."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from ipaddress import IPv6Network
from pathlib import Path
from typing import Any

from ezgov_infra.addressing.allocate import AddressPlan, make_plan, plan_prefixes
from ezgov_infra.addressing.verify import Deviation, check_plan
from ezgov_infra.errors import InputError
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.store.inventory import edit_inventory, load_inventory
from ezgov_infra.store.reading import bulk


@dataclass(slots=True)
class PlanResult:
    plan: AddressPlan
    inventory: Inventory
    deviations: list[Deviation] = field(default_factory=list)
    checked: int = 0
    written: int = 0

    @property
    def root(self) -> str:
        return self.plan.root

    @property
    def prefixlen(self) -> dict[str, int]:
        return self.plan.prefixlen

    def rows(self) -> list[dict[str, Any]]:
        inv = self.inventory
        rows: list[dict[str, Any]] = []
        for rid in sorted(self.plan.regions, key=lambda r: (len(inv.region_path(r)), r)):
            region = inv.regions[rid]
            rows.append({"level": region.level.value, "id": rid, "name": region.name_en,
                         "prefix": self.plan.regions[rid]})
        for sid in sorted(self.plan.sites):
            rows.append({"level": "site", "id": sid, "name": inv.sites[sid].name_en, "prefix": self.plan.sites[sid]})
        return rows

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.plan.as_dict()
        out["deviations"] = [dataclasses.asdict(d) for d in self.deviations]
        return out


def plan(*, folder: Path, prefix: str | None = None, site_prefixlen: int | None = None, check: bool = False,
         write: bool = False) -> PlanResult:
    inv = load_inventory(folder)
    addressing = inv.policy.addressing
    if prefix or site_prefixlen:
        update: dict[str, Any] = {}
        if prefix:
            update["root"] = _root(prefix)
        if site_prefixlen:
            update["site_prefixlen"] = site_prefixlen
        inv = inv.model_copy(update={"policy": inv.policy.model_copy(
            update={"addressing": addressing.model_copy(update=update)})})
    with bulk():  # a province's plan is some hundred thousand small objects and no reference cycle
        address_plan = make_plan(inv)
    result = PlanResult(plan=address_plan, inventory=inv)
    if check:
        result.deviations = check_plan(inv, address_plan)
        result.checked = sum(1 for p in inv.prefixes if ":" in p) + sum(len(i.ipv6) for i in inv.interfaces.values())
    if write:
        records = plan_prefixes(inv, address_plan)
        with edit_inventory(folder) as edit:  # each prefix in its own file when prefixes are a folder of files
            edit.change("prefixes", upsert=records)
        result.written = len(records)
    return result


def _root(text: str) -> str:


    try:
        return str(IPv6Network(text))
    except ValueError as exc:
        raise InputError(f"--prefix: not an IPv6 prefix: {exc}") from None
