"""The IPv6 address plan: nibble-aligned, nested, non-overlapping, stable under insertion, deterministic."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from ipaddress import IPv6Network
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ezgov_infra.addressing.allocate import AddressPlan, make_plan, plan_prefixes
from ezgov_infra.addressing.verify import check_plan
from ezgov_infra.errors import PlanError
from ezgov_infra.models.inventory import Inventory, Prefix
from ezgov_infra.store.inventory import load_inventory
from tests.conftest import CliResult

# a tree shape: per district, per township, the number of villages; plus sites per region
shapes = st.lists(st.lists(st.integers(min_value=0, max_value=4), min_size=0, max_size=5), min_size=1, max_size=6)


def build(shape: list[list[int]], sites_per_region: int = 1, extra: dict[str, Any] | None = None) -> Inventory:
    regions: dict[str, dict[str, Any]] = {"c": {"name": "c", "name_en": "c", "level": "city", "kind": "city"}}
    for d, townships in enumerate(shape):
        regions[f"d{d}"] = {"name": "d", "name_en": "d", "level": "district", "kind": "district", "parent": "c"}
        for t, villages in enumerate(townships):
            regions[f"d{d}t{t}"] = {"name": "t", "name_en": "t", "level": "township", "kind": "town",
                                    "parent": f"d{d}"}
            for v in range(villages):
                regions[f"d{d}t{t}v{v}"] = {"name": "v", "name_en": "v", "level": "village", "kind": "village",
                                            "parent": f"d{d}t{t}"}
    sites = {f"{rid}-s{n}": {"name": "s", "name_en": "s", "region": rid, "category": "service_centre",
                             "setting": "urban"} for rid in regions for n in range(sites_per_region)}
    data: dict[str, Any] = {"regions": {k: {"id": k, **v} for k, v in regions.items()},
                            "sites": {k: {"id": k, **v} for k, v in sites.items()}}
    for key, value in (extra or {}).items():
        data[key] = {**data.get(key, {}), **value}
    return Inventory.model_validate(data)


def with_prefixes(inv: Inventory, plan: AddressPlan) -> Inventory:
    prefixes = {pid: Prefix.model_validate({"id": pid, **body}) for pid, body in plan_prefixes(inv, plan).items()}
    return inv.model_copy(update={"prefixes": prefixes})


def blocks(plan: AddressPlan) -> dict[str, IPv6Network]:
    return {**{f"r:{k}": IPv6Network(v) for k, v in plan.regions.items()},
            **{f"s:{k}": IPv6Network(v) for k, v in plan.sites.items()}}


class TestPlanProperties:
    @settings(max_examples=60, deadline=None)
    @given(shape=shapes, per_region=st.integers(min_value=1, max_value=3))
    def test_site_prefixes_never_overlap_and_nest_in_their_region(self, shape: list[list[int]],
                                                                  per_region: int) -> None:
        inv = build(shape, per_region)
        plan = make_plan(inv)
        sites = sorted(IPv6Network(p) for p in plan.sites.values())
        for a, b in itertools.pairwise(sites):
            assert not a.overlaps(b)
        for site_id, prefix in plan.sites.items():
            net = IPv6Network(prefix)
            assert net.prefixlen == 56
            for rid in inv.region_path(inv.sites[site_id].region):
                assert net.subnet_of(IPv6Network(plan.regions[rid]))
            for segment in plan.segments[site_id].values():
                assert IPv6Network(segment).subnet_of(net) and IPv6Network(segment).prefixlen == 64
        for rid, prefix in plan.regions.items():
            assert IPv6Network(prefix).prefixlen % 4 == 0, "nibble-aligned"
            parent = inv.regions[rid].parent
            if parent:
                assert IPv6Network(prefix).subnet_of(IPv6Network(plan.regions[parent]))
        infra = IPv6Network(plan.infrastructure)
        assert all(not infra.overlaps(IPv6Network(p)) for p in plan.sites.values())

    @settings(max_examples=40, deadline=None)
    @given(shape=shapes, grow=shapes)
    def test_adding_regions_and_sites_never_renumbers_existing_ones(self, shape: list[list[int]],
                                                                     grow: list[list[int]]) -> None:
        before = build(shape)
        first = make_plan(before)
        # the grown tree keeps every old region and site and adds more (elementwise maximum of the shapes)
        merged = [[max(a, b) for a, b in itertools.zip_longest(t1, t2, fillvalue=0)]
                  for t1, t2 in itertools.zip_longest(shape, grow, fillvalue=[])]
        grown = build(merged, 2)
        grown = grown.model_copy(update={"prefixes": with_prefixes(before, first).prefixes})
        try:
            second = make_plan(grown)
        except PlanError as exc:
            assert "exhausted" in str(exc)
            return
        old, new = blocks(first), blocks(second)
        for key, net in old.items():
            assert new[key] == net, f"{key} moved from {net} to {new[key]}"
        all_sites = sorted(IPv6Network(p) for p in second.sites.values())
        for a, b in itertools.pairwise(all_sites):
            assert not a.overlaps(b)

    @settings(max_examples=30, deadline=None)
    @given(shape=shapes)
    def test_the_same_input_always_gives_the_same_plan(self, shape: list[list[int]]) -> None:
        assert make_plan(build(shape)).as_dict() == make_plan(build(shape)).as_dict()

    def test_a_root_too_small_is_an_error_naming_the_level_and_the_shortfall(self) -> None:
        inv = build([[2] * 10] * 6)
        inv = inv.model_copy(update={"policy": inv.policy.model_copy(update={
            "addressing": inv.policy.addressing.model_copy(update={"root": "2001:db8::/44"})})})
        with pytest.raises(PlanError, match=r"exhausted at level 'district'.*bits missing"):
            make_plan(inv)

    def test_a_full_region_block_names_the_level_and_how_many_are_missing(self) -> None:
        before = build([[0]])
        plan = make_plan(before)
        crowded = build([[0] * 40]).model_copy(update={"prefixes": with_prefixes(before, plan).prefixes})
        with pytest.raises(PlanError, match=r"exhausted at level 'township' in d0 .* more needed"):
            make_plan(crowded)


class TestDevicesAndLinks:
    def test_loopbacks_and_links_are_unique_and_inside_their_blocks(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        plan = make_plan(inv)
        loopbacks = [IPv6Network(p) for p in plan.loopbacks.values()]
        assert len(set(loopbacks)) == len(inv.devices)
        assert all(lo.subnet_of(IPv6Network(plan.loopbacks_block)) for lo in loopbacks)
        links = [IPv6Network(p) for p in plan.links.values()]
        assert len(set(links)) == len(inv.circuits) and all(link.prefixlen == 127 for link in links)

    def test_existing_loopbacks_are_kept(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        assert make_plan(inv).loopbacks["ez-core-1"] == str(inv.interfaces["ez-core-1:lo"].ipv6[0].network)


class TestCheck:
    def test_the_sample_conforms(self, sample_inventory: Path) -> None:
        assert check_plan(load_inventory(sample_inventory)) == []

    def test_deviations_are_found(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        prefixes = dict(inv.prefixes)
        site_prefix = next(pid for pid, p in prefixes.items() if p.site == "taihe-gsc" and p.role.value == "site")
        del prefixes[site_prefix]
        prefixes["2001:db8:300::/42"] = Prefix(id="2001:db8:300::/42", region="huarong", role="servers")
        interfaces = dict(inv.interfaces)
        interfaces["ez-core-1:lo"] = interfaces["ez-core-1:lo"].model_copy(update={"ipv6": []})
        interfaces["echeng-agg-1:lan0"] = interfaces["echeng-agg-1:lan0"].model_copy(
            update={"ipv6": [interfaces["taihe-ar-1:lan0"].ipv6[0]]})
        broken = inv.model_copy(update={"prefixes": prefixes, "interfaces": interfaces})
        found = {(d.kind, d.id): d.message for d in check_plan(broken)}
        assert found[("sites", "taihe-gsc")].startswith("no IPv6 site prefix")
        assert "nibble" in found[("prefixes", "2001:db8:300::/42")]
        assert "outside the site prefix" in found[("interfaces", "echeng-agg-1:lan0")]


class TestPlanCommand:
    def test_json_output_matches_the_golden_file(self, cli: Callable[..., CliResult], sample_inventory: Path,
                                                 golden: Callable[[str, str], None]) -> None:
        result = cli("ipv6", "plan", "-i", sample_inventory, "--format", "json")
        assert result.code == 0, result.err
        assert json.loads(result.out)["prefixlen"]["site"] == 56
        golden("addressing/plan.json", result.out)

    def test_check_exits_1_on_deviations_and_write_repairs_them(self, cli: Callable[..., CliResult],
                                                                inventory_copy: Path) -> None:
        assert cli("inventory", "remove", "prefixes/2001:db8:200::/40", "-i", inventory_copy).code == 0
        check = cli("ipv6", "plan", "--check", "-i", inventory_copy)
        assert check.code == 1 and "echeng" in check.out
        assert cli("ipv6", "plan", "--write", "-i", inventory_copy).code == 0
        assert cli("ipv6", "plan", "--check", "-i", inventory_copy).code == 0


class TestManagementAddress:
    def test_a_recorded_address_is_kept(self, sample_inventory: Path) -> None:
        from ezgov_infra.addressing.allocate import management_address

        inv = load_inventory(sample_inventory)
        assert management_address(inv, "ez-core-1") == str(inv.devices["ez-core-1"].mgmt_ipv6)

    def test_a_lab_router_without_one_gets_the_next_free_address_of_the_out_of_band_network(
            self, sample_inventory: Path) -> None:
        from ezgov_infra.addressing.allocate import management_address

        inv = load_inventory(sample_inventory)
        address = management_address(inv, "tujianao-ar-1")
        assert address is not None
        network = IPv6Network(address, strict=False)
        assert network == IPv6Network(make_plan(inv).management_block)
        taken = {str(d.mgmt_ipv6.ip) for d in inv.devices.values() if d.mgmt_ipv6 is not None}
        assert address.split("/")[0] not in taken

    def test_another_device_without_one_gets_its_sites_management_segment(self, sample_inventory: Path) -> None:
        from ezgov_infra.addressing.allocate import management_address

        inv = load_inventory(sample_inventory)
        plan = make_plan(inv)
        device = next(d for d in sorted(inv.devices.values(), key=lambda d: d.id) if not d.lab and d.mgmt_ipv6 is None)
        address = management_address(inv, device.id)
        assert address is not None
        assert IPv6Network(address, strict=False) == IPv6Network(plan.segments[device.site]["management"])


class TestPrefixText:
    @settings(max_examples=300, deadline=None)
    @given(base=st.one_of(st.integers(min_value=0, max_value=2**128 - 1),
                          st.integers(min_value=0, max_value=2**48 - 1),  # ::x and ::ffff:a.b.c.d shapes
                          st.integers(min_value=0, max_value=2**16 - 1).map(lambda n: (0x20010DB8 << 96) | n),
                          st.lists(st.sampled_from([0, 0, 1, 0xFFFF]), min_size=8, max_size=8)
                          .map(lambda h: int.from_bytes(b"".join(x.to_bytes(2, "big") for x in h), "big"))),
           prefixlen=st.integers(min_value=0, max_value=128))
    def test_a_prefix_is_written_as_ipaddress_writes_it(self, base: int, prefixlen: int) -> None:
        from ipaddress import IPv6Address

        from ezgov_infra.addressing.allocate import _net

        assert _net(base, prefixlen) == f"{IPv6Address(base)}/{prefixlen}"
