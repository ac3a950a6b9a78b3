"""Judging what the lab answered, on outputs recorded from the running lab; the checks file itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.errors import InputError
from ezgov_infra.lab.topology import Topology
from ezgov_infra.lab.validate import (
    KINDS,
    expected_routes,
    judge_no_ipv6,
    judge_ospf,
    judge_ospf6,
    judge_prompt,
    judge_routes,
    load_checks,
)
from tests.unit.lab.conftest import RECORDED


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


class TestJudgeOspf:
    def test_a_full_neighbour_on_the_expected_interface_passes(self) -> None:
        assert judge_ospf(recorded("taihe_ospf_neighbor.json"), {"eth1": "203.0.113.5"}) == []

    def test_a_missing_neighbour_is_named_with_its_interface(self) -> None:
        missing = judge_ospf(recorded("taihe_ospf_neighbor.json"), {"eth1": "203.0.113.5", "eth2": "203.0.113.9"})
        assert missing == ["eth2 (203.0.113.9)"]

    def test_the_right_router_on_the_wrong_interface_fails(self) -> None:
        assert judge_ospf(recorded("taihe_ospf_neighbor.json"), {"eth2": "203.0.113.5"}) == ["eth2 (203.0.113.5)"]

    def test_a_neighbour_not_yet_full_fails(self) -> None:
        text = recorded("taihe_ospf_neighbor.json").replace('"nbrState":"Full\\/-"', '"nbrState":"ExStart\\/-"')
        assert judge_ospf(text, {"eth1": "203.0.113.5"}) == ["eth1 (203.0.113.5)"]


class TestJudgeOspf6:
    def test_all_four_core_adjacencies_are_full(self) -> None:
        expected = {"eth1": "203.0.113.2", "eth2": "203.0.113.3", "eth3": "203.0.113.4", "eth4": "203.0.113.5"}
        assert judge_ospf6(recorded("core_ospf6_neighbor.json"), expected) == []

    def test_an_empty_answer_misses_everything(self) -> None:
        assert judge_ospf6('{"neighbors":[]}', {"eth1": "203.0.113.2"}) == ["eth1 (203.0.113.2)"]


class TestJudgePrompt:
    def test_the_router_prompt_is_found_in_a_recorded_session(self) -> None:
        assert judge_prompt(recorded("taihe_ssh_session.txt"), "taihe-ar-1")

    def test_another_router_name_is_not_accepted(self) -> None:
        assert not judge_prompt(recorded("taihe_ssh_session.txt"), "ez-core-1")


class TestJudgeNoIpv6:
    def test_the_ipv4_only_router_shows_no_ipv6_address(self) -> None:
        assert judge_no_ipv6(recorded("tujianao_ip_addr.json")) == []

    def test_a_dual_stack_router_shows_its_global_addresses(self) -> None:
        present = judge_no_ipv6(recorded("taihe_ip_addr.json"))
        assert any(p.startswith("lo: 2001:db8::") for p in present)
        assert not any("fe80::" in p for p in present)  # link-local comes with any IPv6-capable kernel

    def test_link_local_and_loopback_alone_are_not_ipv6_configured(self) -> None:
        import json

        only_kernel = [{"ifname": "lo", "addr_info": [{"family": "inet6", "local": "::1", "scope": "host"}]},
                       {"ifname": "eth1", "addr_info": [{"family": "inet", "local": "203.0.113.141", "scope": "global"},
                                                        {"family": "inet6", "local": "fe80::1", "scope": "link"}]}]
        assert judge_no_ipv6(json.dumps(only_kernel)) == []


class TestRoutes:
    def test_the_core_needs_every_ipv4_loopback_and_the_ipv6_ones_it_can_reach(self, topology: Topology) -> None:
        wanted = expected_routes(topology, "ez-core-1")
        assert "203.0.113.8/32" in wanted  # the IPv4-only router, by IPv4
        tujianao_v4 = topology.node("tujianao-ar-1").port("lo").ipv4[0].with_prefixlen
        assert tujianao_v4 in wanted
        ipv4_only = [n for n in topology.nodes.values() if not n.ipv6]  # tujianao and two emulated switches
        assert len([w for w in wanted if ":" in w]) == len(topology.nodes) - 1 - len(ipv4_only)

    def test_the_ipv4_only_router_needs_no_ipv6_route(self, topology: Topology) -> None:
        assert all(":" not in w for w in expected_routes(topology, "tujianao-ar-1"))

    def test_recorded_core_routes_cover_everything_expected(self, topology: Topology) -> None:
        outputs = [recorded("core_ip4_route.json"), recorded("core_ip6_route.json")]
        assert judge_routes(outputs, expected_routes(topology, "ez-core-1")) == set()

    def test_a_missing_loopback_route_is_reported(self, topology: Topology) -> None:
        missing = judge_routes([recorded("core_ip4_route.json")], expected_routes(topology, "ez-core-1"))
        assert missing and all(":" in prefix for prefix in missing)  # only the IPv6 output was left out


class TestLoadChecks:
    def test_the_built_in_checks_cover_adjacency_ping_ssh_and_snmp(self) -> None:
        kinds = {check.kind for check in load_checks()}
        assert {"adjacency", "ping", "ssh", "snmp"} <= kinds <= set(KINDS)

    def test_a_check_of_unknown_kind_is_refused_with_its_position(self, tmp_path: Path) -> None:
        path = tmp_path / "checks.yaml"
        path.write_text("- id: a\n  kind: ping\n  from: x\n- id: b\n  kind: teleport\n")
        with pytest.raises(InputError, match=r"\[1\]: each check needs an id and a kind"):
            load_checks(path)

    def test_a_missing_file_is_an_input_error(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="no such checks file"):
            load_checks(tmp_path / "none.yaml")
