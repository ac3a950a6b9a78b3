"""Each IPv6 readiness rule judges facts alone (no device): what fires, what stays silent, what it cites."""

from __future__ import annotations

from ipaddress import IPv6Interface, IPv6Network
from pathlib import Path

import pytest

from ezgov_infra.addressing.allocate import make_plan
from ezgov_infra.audit.ipv6 import audit_device, rule_catalogue
from ezgov_infra.audit.rules import all_rules
from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Management, Neighbour, Routing, Services, Source
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.kinds import Severity
from ezgov_infra.store.inventory import load_inventory


@pytest.fixture(scope="module")
def inv(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


def ready_facts(inv: Inventory, device: str) -> DeviceFacts:
    """Facts exactly as the inventory wants them: every address present, OSPFv3 up, a default route."""
    interfaces = [InterfaceFacts(name=i.name, ipv4=list(i.ipv4), ipv6=list(i.ipv6))
                  for i in inv.interfaces.values() if i.device == device]
    routing = Routing(ipv6_forwarding=True, protocols=["ospf6"],
                      neighbours=[Neighbour(protocol="ospf6", afi="ipv6", address="203.0.113.1", state="Full")],
                      ipv6_routes=[IPv6Network("::/0"), IPv6Network("2001:db8::/48")])
    management = Management(ssh_enabled=True, ssh_ipv6=True, telnet_enabled=False, snmp_versions=["3"],
                            snmp_ipv6=True, ipv4_acl=True, ipv6_acl=True)
    services = Services(ntp=["2001:db8:0:3::123"], syslog=["2001:db8:0:3::514"], aaa=["2001:db8:0:3::49"])
    return DeviceFacts(device=device, platform=inv.devices[device].platform, source=Source.offline,
                       interfaces=interfaces, routing=routing, management=management, services=services)


def rules_fired(inv: Inventory, facts: DeviceFacts, peers: dict[str, DeviceFacts] | None = None) -> list[str]:
    return [f.rule for f in audit_device(facts.device, facts, inv, make_plan(inv), peers or {})]


class TestCatalogue:
    def test_at_least_fifteen_rules_with_unique_ids_and_rationale(self) -> None:
        rules = all_rules()
        assert len(rules) >= 15
        assert len({r.id for r in rules}) == len(rules)
        assert all(r.rationale and r.title for r in rules)
        assert {row["category"] for row in rule_catalogue()} == {
            "data plane", "control plane", "management plane", "security", "services"}


class TestDataPlane:
    def test_a_device_as_planned_has_no_finding(self, inv: Inventory) -> None:
        assert rules_fired(inv, ready_facts(inv, "changgang-jianshe-cpe-1")) == []

    def test_forwarding_off_is_critical_with_the_platform_command(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "dushan-ar-1")
        facts.routing.ipv6_forwarding = False
        finding = audit_device("dushan-ar-1", facts, inv, None, {})[0]
        assert (finding.rule, finding.severity) == ("V6-FWD-001", Severity.critical)
        assert "ipv6 unicast-routing" in finding.remedy

    def test_an_uplink_without_ipv6_is_critical_and_names_the_planned_address(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        uplink = facts.interface("GigabitEthernet0/0/0")
        assert uplink is not None
        uplink.ipv6 = []
        finding = next(f for f in audit_device(facts.device, facts, inv, make_plan(inv), {})
                       if f.rule == "V6-ADDR-001")
        assert finding.severity is Severity.critical
        assert "2001:db8:0:1::76/127" in finding.remedy and "ipv6 address" in finding.remedy
        assert finding.evidence["interface"] == "GigabitEthernet0/0/0"

    def test_link_local_alone_is_not_an_address(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        uplink = facts.interface("GigabitEthernet0/0/0")
        assert uplink is not None
        uplink.ipv6 = [IPv6Interface("fe80::1/64")]
        assert "V6-ADDR-001" in rules_fired(inv, facts)

    def test_a_missing_loopback_address_and_inventory_drift(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        loopback = facts.interface("LoopBack0")
        uplink = facts.interface("GigabitEthernet0/0/0")
        assert loopback is not None and uplink is not None
        loopback.ipv6 = []
        uplink.ipv6 = [IPv6Interface("2001:db8:0:1::99/127")]
        fired = rules_fired(inv, facts)
        assert "V6-ADDR-002" in fired and "V6-ADDR-003" in fired and "V6-PLAN-001" in fired

    def test_a_64_on_a_link_is_a_low_finding(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        uplink = facts.interface("GigabitEthernet0/0/0")
        assert uplink is not None
        uplink.ipv6 = [IPv6Interface("2001:db8:0:1::76/64")]
        assert "V6-LINK-001" in rules_fired(inv, facts)

    def test_a_down_uplink_with_ipv6_is_high(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        uplink = facts.interface("GigabitEthernet0/0/0")
        assert uplink is not None
        uplink.oper_up = False
        assert "V6-IF-001" in rules_fired(inv, facts)


class TestControlPlane:
    def test_no_protocol_and_no_default_fires_igp_and_route_rules(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.routing = Routing(ipv6_forwarding=True, protocols=[], neighbours=[], ipv6_routes=[])
        fired = rules_fired(inv, facts)
        assert "V6-CP-001" in fired and "V6-CP-003" in fired

    def test_neighbours_all_down(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.routing.neighbours = [Neighbour(protocol="ospf6", afi="ipv6", address="203.0.113.1", state="Init")]
        assert "V6-CP-002" in rules_fired(inv, facts)

    def test_unknown_routing_stays_silent(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.routing = Routing(ipv6_forwarding=True)
        assert rules_fired(inv, facts) == []

    def test_the_core_without_a_route_to_the_loopback(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        core = ready_facts(inv, "ez-core-2")
        core.routing.ipv6_routes = [IPv6Network("2001:db8:0:1::/64")]
        assert "V6-REACH-001" in rules_fired(inv, facts, {"ez-core-2": core})
        core.routing.ipv6_routes.append(IPv6Network("2001:db8::5/128"))
        assert "V6-REACH-001" not in rules_fired(inv, facts, {"ez-core-2": core})

    def test_a_core_that_failed_to_collect_silences_the_route_from_the_core(self, inv: Inventory) -> None:
        """ez-core-1 may hold the route; its collection failure must not become a finding on the device."""
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        core = ready_facts(inv, "ez-core-2")
        core.routing.ipv6_routes = [IPv6Network("2001:db8:0:1::/64")]
        fired = [f.rule for f in audit_device(facts.device, facts, inv, make_plan(inv), {"ez-core-2": core},
                                              failed={"ez-core-1"})]
        assert "V6-REACH-001" not in fired


class TestManagementAndSecurity:
    def test_no_ipv6_management_address(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "bishidu-ar-1")
        assert "V6-MGMT-001" in rules_fired(inv, facts)

    def test_a_failed_ipv6_probe_beats_the_configuration(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.reachability.ssh_ipv6 = False
        facts.reachability.snmp_ipv6 = False
        fired = rules_fired(inv, facts)
        assert "V6-MGMT-002" in fired and "V6-MGMT-003" in fired

    def test_open_ipv6_management_is_high_when_ipv4_is_filtered(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.management.ipv6_acl = False
        finding = next(f for f in audit_device(facts.device, facts, inv, None, {}) if f.rule == "V6-SEC-001")
        assert finding.severity is Severity.high and "acl ipv6" in finding.remedy
        facts.management.ipv4_acl = False
        finding = next(f for f in audit_device(facts.device, facts, inv, None, {}) if f.rule == "V6-SEC-001")
        assert finding.severity is Severity.medium

    def test_snmp_v2c_only_is_medium_and_v2c_beside_v3_is_low(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.management.snmp_versions = ["2c"]
        assert [f.severity for f in audit_device(facts.device, facts, inv, None, {})] == [Severity.medium]
        facts.management.snmp_versions = ["2c", "3"]
        assert [f.severity for f in audit_device(facts.device, facts, inv, None, {})] == [Severity.low]

    def test_telnet(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.management.telnet_enabled = True
        assert rules_fired(inv, facts) == ["V6-SEC-003"]


class TestServices:
    def test_servers_only_over_ipv4(self, inv: Inventory) -> None:
        facts = ready_facts(inv, "changgang-jianshe-cpe-1")
        facts.services = Services(ntp=["198.51.100.1"], syslog=["198.51.100.2"], aaa=[])
        found = {f.rule: f.severity for f in audit_device(facts.device, facts, inv, None, {})}
        assert found == {"V6-SVC-001": Severity.low, "V6-SVC-002": Severity.low, "V6-SVC-003": Severity.info}
