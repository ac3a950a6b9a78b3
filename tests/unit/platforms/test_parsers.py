"""Parsers turn each platform's recorded output into the same vendor-neutral facts.

Recordings live in `tests/data/outputs/<platform>/<device>/<key>.txt`: FRR ones were recorded from the lab's
vtysh; VRP, Comware and IOS ones follow those systems' output formats (with an administratively down port,
link-local addresses and the `ADDRESS LENGTH` form of VRP's `ipv6 address`).
"""

from __future__ import annotations

from ipaddress import IPv6Interface, IPv6Network

import pytest

from ezgov_infra.errors import ParseError, UnsupportedError
from ezgov_infra.models.facts import DeviceFacts, Source
from ezgov_infra.platforms import load_profile
from ezgov_infra.platforms.parsers import parse
from ezgov_infra.platforms.parsers.hp_comware import full_name
from ezgov_infra.testing.replay import recorded_outputs
from tests.conftest import DATA

OUTPUTS = DATA / "outputs"
REAL = DATA / "real"


def facts_of(platform: str, device: str) -> DeviceFacts:
    return parse(device, platform, recorded_outputs(OUTPUTS / platform / device), Source.offline)


def addresses(facts: DeviceFacts, name: str) -> list[str]:
    interface = facts.interface(name)
    assert interface is not None, f"{name} not parsed"
    return [str(a) for a in interface.ipv6]


class TestFrr:
    def test_interfaces_carry_both_families_and_skip_link_local(self) -> None:
        facts = facts_of("frr", "echeng-agg-1")
        assert addresses(facts, "eth1") == ["2001:db8:0:1::2/127"]
        eth1 = facts.interface("eth1")
        assert eth1 is not None and [str(a) for a in eth1.ipv4] == ["203.0.113.130/31"]
        assert eth1.admin_up and eth1.oper_up and eth1.if_index == 4

    def test_forwarding_routes_and_ospfv3_neighbours(self) -> None:
        facts = facts_of("frr", "echeng-agg-1")
        assert facts.routing.ipv6_forwarding is True
        assert IPv6Network("2001:db8:0:1::2/127") in (facts.routing.ipv6_routes or [])
        ospf6 = [n for n in facts.routing.neighbours or [] if n.protocol == "ospf6"]
        assert ospf6 and all(n.up for n in ospf6)
        assert facts.routing.protocols == ["ospf6"]

    def test_the_ipv4_only_router_has_no_ipv6_and_no_ipv6_protocol(self) -> None:
        facts = facts_of("frr", "tujianao-ar-1")
        assert not facts.has_ipv6
        assert facts.routing.protocols == []
        assert facts.routing.ipv6_routes == []
        assert facts.hostname == "tujianao-ar-1" and facts.software == "FRRouting 8.4.4"

    def test_bgpd_not_running_means_no_bgp_sessions(self) -> None:
        facts = facts_of("frr", "ez-core-1")
        assert not [n for n in facts.routing.neighbours or [] if n.protocol == "bgp"]

    def test_bgp_summary_tables_are_split_by_address_family(self) -> None:
        text = ("IPv6 Unicast Summary (VRF default):\nBGP router identifier 203.0.113.1, local AS number 65000\n\n"
                "Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   "
                "PfxSnt Desc\n2001:db8:0:1::1 4      65001        10        12        0    0    0 00:03:01"
                "            3        4 N/A\n2001:db8:0:1::3 4      65002         0         0        0    0    0 "
                "never       Active        0 N/A\n")
        facts = parse("r", "frr", {"bgp_summary": text}, Source.ssh)
        sessions = {n.address: n.up for n in facts.routing.neighbours or []}
        assert sessions == {"2001:db8:0:1::1": True, "2001:db8:0:1::3": False}

    def test_management_is_unknown_because_sshd_lives_outside_vtysh(self) -> None:
        facts = facts_of("frr", "ez-core-1")
        assert facts.management.ipv6_acl is None and facts.management.snmp_versions is None
        assert facts.services.ntp is None


class TestHuaweiVrp:
    def test_prefix_lengths_come_from_the_configuration(self) -> None:
        facts = facts_of("huawei_vrp", "changgang-ar-1")
        assert addresses(facts, "GigabitEthernet0/0/0") == ["2001:db8:0:1::36/127"]
        assert addresses(facts, "LoopBack0") == ["2001:db8::4/128"]  # written `2001:DB8::4 128`

    def test_administratively_down_port_is_seen(self) -> None:
        port = facts_of("huawei_vrp", "changgang-ar-1").interface("GigabitEthernet0/0/2")
        assert port is not None and not port.admin_up and not port.oper_up

    def test_forwarding_is_the_global_command_or_an_interface_running_ipv6(self) -> None:
        facts = facts_of("huawei_vrp", "changgang-ar-1")
        assert facts.routing.ipv6_forwarding is True
        folder = OUTPUTS / "huawei_vrp" / "changgang-ar-1"
        config = (folder / "config.txt").read_text().replace("\n ipv6\n", "\n")
        # VRP8 has no global `ipv6`: interfaces with `ipv6 enable` still route IPv6
        assert parse("r", "huawei_vrp", {"config": config}, Source.offline).routing.ipv6_forwarding is True
        v4_only = "\n".join(line for line in config.splitlines() if not line.strip().startswith("ipv6 "))
        assert parse("r", "huawei_vrp", {"config": v4_only}, Source.offline).routing.ipv6_forwarding is False

    def test_an_unreadable_line_is_reported_and_the_rest_still_parsed(self) -> None:
        config = (REAL / "huawei_vrp" / "vrp8-ne-floating-static" / "config.txt").read_text()
        broken = config.replace("ipv6 address 2001:db8:4::2/64", "ipv6 address 2001:db8:4::2/64 garbage")
        facts = parse("r", "huawei_vrp", {"config": broken}, Source.offline)
        [problem] = facts.unreadable
        assert problem.output == "config" and problem.interface == "GigabitEthernet0/2/3"
        assert problem.text.strip() == "ipv6 address 2001:db8:4::2/64 garbage"
        assert str(problem).startswith(f"config.txt:{problem.line}: ")
        assert broken.splitlines()[problem.line - 1].strip() == problem.text.strip()
        assert addresses(facts, "GigabitEthernet0/3/3") == ["2001:db8:5::1/64"]

    def test_eui64_is_a_prefix_until_the_address_is_seen(self) -> None:
        config = (REAL / "huawei_vrp" / "vrp8-ne-nd-eui64" / "config.txt").read_text()
        facts = parse("r", "huawei_vrp", {"config": config}, Source.offline)
        port = facts.interface("GigabitEthernet0/1/0")
        assert port is not None and port.ipv6 == [] and port.ipv6_shown() == ["EUI-64 in 2001:db8::/32"]
        brief = ("Interface                       Physical              Protocol              VPN\n"
                 "GigabitEthernet0/1/0            up                    up                    --\n"
                 "[IPv6 Address] 2001:DB8::2E0:FCFF:FE12:3456\n")
        facts = parse("r", "huawei_vrp", {"config": config, "interfaces_v6": brief}, Source.offline)
        assert addresses(facts, "GigabitEthernet0/1/0") == ["2001:db8::2e0:fcff:fe12:3456/32"]

    def test_the_vrp8_brief_table_with_its_vpn_column_has_rows_and_unknown_lengths(self) -> None:
        brief = ("*down: administratively down\n(l): loopback\n(s): spoofing\n"
                 "Interface                       Physical              Protocol              VPN\n"
                 "100GE1/0/1                      up                    up                    vpn1\n"
                 "[IPv6 Address] 2001:DB8:1::1\n"
                 "LoopBack0                       up                    up(s)                 --\n"
                 "[IPv6 Address] 2001:DB8::9\n")
        facts = parse("r", "huawei_vrp", {"interfaces_v6": brief}, Source.offline)
        shown = {i.name: i.ipv6_shown() for i in facts.interfaces}
        assert shown == {"100GE1/0/1": ["2001:db8:1::1/unknown"], "LoopBack0": ["2001:db8::9/unknown"]}
        assert facts.routing.ipv6_forwarding is True

    def test_a_table_without_rows_is_an_error_not_an_empty_result(self) -> None:
        header = "Interface                       Physical              Protocol              VPN\n"
        assert parse("r", "huawei_vrp", {"interfaces_v6": header}, Source.offline).interfaces == []
        shifted = header + "GigabitEthernet0/1/0  up  up  --  extra  columns\n[IPv6 Address] 2001:DB8::1\n"
        with pytest.raises(ParseError, match="no interface row"):
            parse("r", "huawei_vrp", {"interfaces_v6": shifted}, Source.offline)
        with pytest.raises(ParseError):
            parse("r", "huawei_vrp", {"interfaces_v6": "Error: something else entirely\n"}, Source.offline)

    def test_routes_neighbours_and_management(self) -> None:
        facts = facts_of("huawei_vrp", "changgang-ar-1")
        assert facts.routing.ipv6_default is True
        assert [n.state for n in facts.routing.neighbours or []] == ["Full", "Full"]
        assert facts.management.ipv4_acl and facts.management.ssh_ipv6 and facts.management.snmp_ipv6
        assert facts.management.snmp_versions == ["2c"]
        assert facts.services.ntp == ["198.51.100.1", "2001:db8:0:3::123"]
        assert facts.software == "VRP 5.170 (AR6100 V300R019C10SPC300)"


class TestHpComware:
    def test_abbreviated_names_are_expanded(self) -> None:
        assert full_name("GE1/0/1") == "GigabitEthernet1/0/1"
        assert full_name("XGE1/0/49") == "Ten-GigabitEthernet1/0/49"
        assert full_name("Loop0") == "LoopBack0"
        assert full_name("Vlan10") == "Vlan-interface10"

    def test_interfaces_addresses_and_neighbours(self) -> None:
        facts = facts_of("hp_comware", "fankou-ar-1")
        assert addresses(facts, "GigabitEthernet1/0/1") == ["2001:db8:0:1::2a/127"]
        assert facts.routing.ipv6_default is True
        assert facts.routing.neighbours and all(n.up for n in facts.routing.neighbours)
        assert facts.management.ipv6_acl is True and facts.management.ipv4_acl is True
        assert facts.services.aaa == ["198.51.100.3", "2001:db8:0:3::49"]


class TestCiscoIos:
    def test_textfsm_tables_and_config(self) -> None:
        facts = facts_of("cisco_ios", "zhaoshan-ar-1")
        uplink = facts.interface("GigabitEthernet0/0")
        assert uplink is not None and uplink.ipv6 and uplink.ipv6[0].network.prefixlen == 127
        assert facts.routing.ipv6_forwarding is True
        assert facts.management.ipv6_acl is True
        assert facts.software and "15.5(3)S5" in facts.software

    def test_missing_unicast_routing_is_no_forwarding(self) -> None:
        config = (OUTPUTS / "cisco_ios" / "zhaoshan-ar-1" / "config.txt").read_text()
        config = config.replace("ipv6 unicast-routing\n", "")
        assert parse("r", "cisco_ios", {"config": config}, Source.offline).routing.ipv6_forwarding is False


class TestEveryPlatform:
    @pytest.mark.parametrize("platform", ["frr", "cisco_ios", "huawei_vrp", "hp_comware"])
    def test_profile_names_every_recorded_key(self, platform: str) -> None:
        keys = load_profile(platform).known_keys
        for folder in (OUTPUTS / platform).iterdir():
            assert {p.stem for p in folder.glob("*.txt")} <= keys

    def test_a_rejected_command_is_unsupported_not_facts(self) -> None:
        with pytest.raises(UnsupportedError, match="rejected"):
            parse("r", "cisco_ios", {"ipv6_routes": "                 ^\n% Invalid input detected at '^' marker.\n"},
                  Source.ssh)

    def test_an_unknown_platform_is_unsupported(self) -> None:
        with pytest.raises(UnsupportedError):
            parse("r", "junos", {}, Source.ssh)

    def test_addresses_are_canonical_lower_case(self) -> None:
        facts = facts_of("huawei_vrp", "changgang-ar-1")
        assert IPv6Interface("2001:db8:202::1/64") in (facts.interface("MEth0/0/1") or facts.interfaces[0]).ipv6
