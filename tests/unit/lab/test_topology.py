"""The lab's topology is the inventory's lab devices and the circuits between them, faults included."""

from __future__ import annotations

from ipaddress import ip_interface
from pathlib import Path

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab.topology import Topology, chain, from_inventory
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.store.inventory import load_inventory


class TestFromInventory:
    def test_every_lab_device_is_a_router(self, topology: Topology, sample_inventory: Path) -> None:
        inventory = load_inventory(sample_inventory)
        assert set(topology.nodes) == {d.id for d in inventory.devices.values() if d.lab}

    def test_circuits_between_two_lab_devices_are_links(self, topology: Topology, sample_inventory: Path) -> None:
        inventory = load_inventory(sample_inventory)
        lab_ids = set(topology.nodes)
        expected = {c.id for c in inventory.circuits.values()
                    if c.a_end.split(":")[0] in lab_ids and c.z_end.split(":")[0] in lab_ids
                    and c.status.value == "active"}
        assert {link.circuit for link in topology.links} == expected

    def test_links_carry_the_contracted_rate(self, topology: Topology, sample_inventory: Path) -> None:
        inventory = load_inventory(sample_inventory)
        for link in topology.links:
            assert link.mbps == inventory.circuits[link.circuit].contracted_mbps

    def test_the_under_provisioned_rural_circuit_is_shaped_to_50_mbps(self, topology: Topology) -> None:
        link = next(lk for lk in topology.links if lk.circuit == "EZ-EXT-0006")
        assert (link.a_node, link.mbps) == ("taihe-ar-1", 50)
        assert topology.node("taihe-ar-1").port("eth1").mbps == 50

    def test_the_ipv4_only_router_has_no_ipv6_at_all(self, topology: Topology) -> None:
        node = topology.node("tujianao-ar-1")
        assert node.ipv6 is False
        assert node.mgmt_ipv6 is None
        assert all(not port.ipv6 for port in node.ports)

    def test_its_circuit_carries_ipv4_only_and_runs_no_ospfv3(self, topology: Topology) -> None:
        link = next(lk for lk in topology.links if lk.circuit == "EZ-EXT-0007")
        assert link.ipv6 is False
        assert topology.node("liangzihu-agg-1").port("eth3").ospf6 is False

    def test_dual_stack_circuits_run_ospfv3_on_both_ends(self, topology: Topology) -> None:
        link = next(lk for lk in topology.links if lk.circuit == "EZ-EXT-0001")
        assert link.ipv6
        assert topology.node(link.a_node).port(link.a_port).ospf6
        assert topology.node(link.z_node).port(link.z_port).ospf6

    def test_ports_keep_the_inventory_addresses(self, topology: Topology, sample_inventory: Path) -> None:
        inventory = load_inventory(sample_inventory)
        for node in topology.nodes.values():
            for port in node.ports:
                interface = inventory.interfaces[f"{node.id}:{port.name}"]
                assert list(port.ipv4) == interface.ipv4
                assert list(port.ipv6) == interface.ipv6

    def test_router_id_is_the_ipv4_loopback(self, topology: Topology) -> None:
        node = topology.node("ez-core-1")
        assert node.router_id == str(node.port("lo").ipv4[0].ip)

    def test_host_side_interface_names_fit_the_kernel_limit_and_differ(self, topology: Topology) -> None:
        legs = [node.host_leg for node in topology.nodes.values()]
        assert all(len(leg) <= 15 for leg in legs)
        assert len(set(legs)) == len(legs)

    def test_an_unknown_node_is_named_in_the_error(self, topology: Topology) -> None:
        with pytest.raises(LabError, match="no lab node 'nope'"):
            topology.node("nope")

    def test_an_inventory_without_lab_devices_is_refused(self) -> None:
        with pytest.raises(LabError, match="no `lab: true` device"):
            from_inventory(Inventory())


class TestChain:
    def test_routers_in_a_line(self) -> None:
        topo = chain(20)
        assert len(topo.nodes) == 20
        assert [(lk.a_node, lk.z_node) for lk in topo.links][:2] == [("r01", "r02"), ("r02", "r03")]
        assert len(topo.links) == 19

    def test_link_ends_share_a_subnet(self) -> None:
        topo = chain(5)
        for link in topo.links:
            a = topo.node(link.a_node).port(link.a_port)
            z = topo.node(link.z_node).port(link.z_port)
            assert a.ipv4[0].network == z.ipv4[0].network
            assert a.ipv6[0].network == z.ipv6[0].network
            assert a.ipv4[0] != z.ipv4[0]

    def test_addresses_stay_in_the_lab_ranges(self) -> None:
        topo = chain(60)
        allowed = [ip_interface(p).network for p in ("2001:db8::/32", "198.51.100.0/24", "203.0.113.0/24")]
        for node in topo.nodes.values():
            for port in node.ports:
                for address in (*port.ipv4, *port.ipv6):
                    assert any(address.ip in net for net in allowed if net.version == address.version)

    @pytest.mark.parametrize("count", [1, 61])
    def test_sizes_outside_2_to_60_are_refused(self, count: int) -> None:
        with pytest.raises(LabError):
            chain(count)
