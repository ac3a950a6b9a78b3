"""SNMP agent farm beside the running lab: each agent answers v2c and v3 with its own name, and goes away."""

from __future__ import annotations

import pytest

from ezgov_infra.lab import probe
from ezgov_infra.lab.farm import snmp_farm
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import netns_exists

pytestmark = pytest.mark.lab


class TestSnmpFarm:
    def test_agents_answer_with_their_names_and_are_removed_afterwards(self, lab: Lab) -> None:
        with snmp_farm(6, lab=lab) as farm:
            assert len(farm.agents) == 6
            assert len({a.address for a in farm.agents}) == 6
            for agent in farm.agents:
                assert probe.snmp_get(lab.lab_dir, agent.address, "3", timeout=3) == f'"{agent.name}"'
                assert probe.snmp_get(lab.lab_dir, agent.address, "2c", timeout=3) == f'"{agent.name}"'
            namespaces = [a.namespace for a in farm.agents]
        assert not any(netns_exists(n) for n in namespaces)
        assert lab.state().farm == {}
        assert lab.pids("ez-core-1")  # the routers are untouched

    def test_down_also_removes_a_farm_left_behind(self, lab: Lab) -> None:
        from ezgov_infra.lab.farm import build_farm
        from ezgov_infra.lab.validate import wait_converged

        farm = build_farm(lab, 2)
        try:
            lab.down()
            assert not any(netns_exists(a.namespace) for a in farm.agents)
        finally:
            lab.up()
            lab.wait_answering()
            wait_converged(lab)
