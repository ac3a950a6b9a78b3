"""What the runner is fed: plan-derived host vars, the cutover runbook, extra vars and the playbook catalogue."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ezgov_infra.addressing.allocate import make_plan
from ezgov_infra.automation.cutover import load_runbook, wave_inventory
from ezgov_infra.automation.hostvars import ipv6_plan_vars
from ezgov_infra.errors import InputError, InventoryError, PlanError
from ezgov_infra.jobs.playbooks import find, parse_extra
from ezgov_infra.models.plan import MoveGroup, Resources, Wave
from ezgov_infra.store.inventory import load_inventory

RUNBOOK = """\
hosts:
  legacy: {ansible_host: 2001:db8:205:1::10}
  cloud: {ansible_host: 2001:db8:100:1::21}
  probe: {ansible_connection: local}
systems:
  oa:
    source: legacy
    target: cloud
    client: probe
    source_dir: /srv/oa/
    target_dir: /srv/oa
    probe_path: index.html
    source_start: [systemctl, start, oa]
    source_stop: [systemctl, stop, oa]
    target_start: [systemctl, start, oa]
    target_stop: [systemctl, stop, oa]
    addresses: [203.0.113.50/32]
    urls: [http://203.0.113.50/index.html]
"""


def wave(*systems: str, level: str = "internal") -> Wave:
    return Wave(id="W01", window_start=datetime(2019, 11, 2, 20), window_end=datetime(2019, 11, 3, 20),
                groups=[MoveGroup(id="g", systems=list(systems))], totals=Resources(),
                classification=dict.fromkeys(systems, level))


class TestIpv6PlanVars:
    def test_the_ipv4_only_router_gets_its_plan_loopback_and_the_a_end_of_its_link(
            self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        plan = make_plan(inv)
        values = ipv6_plan_vars(inv, plan, "tujianao-ar-1")
        assert values["loopback"] == {"interface": "lo", "address": plan.loopbacks["tujianao-ar-1"]}
        assert values["links"] == [{"interface": "eth1", "address": "2001:db8:0:1::c/127", "circuit": "EZ-EXT-0007"}]
        assert values["router_id"] == "203.0.113.8"
        assert (values["hello"], values["dead"]) == (1, 3)

    def test_the_far_end_takes_the_second_address_of_the_same_127(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        values = ipv6_plan_vars(inv, make_plan(inv), "liangzihu-agg-1")
        assert {"interface": "eth3", "address": "2001:db8:0:1::d/127", "circuit": "EZ-EXT-0007"} in values["links"]


class TestRunbook:
    def test_a_wave_becomes_an_inventory_with_the_controller_and_the_systems_hosts(self, tmp_path: Path) -> None:
        path = tmp_path / "p.cutover.yaml"
        path.write_text(RUNBOOK)
        document = wave_inventory(load_runbook(path), wave("oa"), tmp_path / "stage", path)
        groups = document["all"]["children"]
        assert sorted(groups["cutover_hosts"]["hosts"]) == ["cloud", "legacy", "probe"]
        system = document["all"]["vars"]["cutover_systems"][0]
        assert system["source_dir"] == "/srv/oa" and system["stage_dir"] == str(tmp_path / "stage")
        assert system["classification"] == "internal"

    @pytest.mark.parametrize("level", ["classified", "unclassified"])
    def test_a_system_that_must_stay_never_reaches_the_playbooks_vars(self, tmp_path: Path, level: str) -> None:
        path = tmp_path / "p.cutover.yaml"
        path.write_text(RUNBOOK)
        with pytest.raises(PlanError, match=f"refused: oa \\({level}\\) must stay"):
            wave_inventory(load_runbook(path), wave("oa", level=level), tmp_path / "stage", path)
        # Overriding the plan's record with today's catalogue counts too.
        with pytest.raises(PlanError, match="oa \\(classified\\)"):
            wave_inventory(load_runbook(path), wave("oa"), tmp_path / "stage", path, {"oa": "classified"})

    def test_a_rollback_home_is_not_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "p.cutover.yaml"
        path.write_text(RUNBOOK)
        document = wave_inventory(load_runbook(path), wave("oa", level="classified"), tmp_path, path, moving=False)
        assert document["all"]["vars"]["cutover_systems"][0]["classification"] == "classified"

    def test_a_system_of_the_wave_without_an_entry_is_a_plan_error(self, tmp_path: Path) -> None:
        path = tmp_path / "p.cutover.yaml"
        path.write_text(RUNBOOK)
        with pytest.raises(PlanError, match="no runbook entry for hr"):
            wave_inventory(load_runbook(path), wave("oa", "hr"), tmp_path, path)

    def test_a_wrong_field_is_reported_with_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "p.cutover.yaml"
        path.write_text(RUNBOOK.replace("target_dir: /srv/oa", "target_dir: srv/oa"))
        with pytest.raises(InventoryError) as caught:
            load_runbook(path)
        assert f"{path}:11: systems.oa.target_dir: must be an absolute path" in str(caught.value)

    def test_a_password_in_the_hosts_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "p.cutover.yaml"
        path.write_text(RUNBOOK.replace("{ansible_connection: local}", "{ansible_password: x}"))
        with pytest.raises(InventoryError, match="keep them out of the runbook"):
            load_runbook(path)


class TestExtraVarsAndCatalogue:
    def test_key_value_pairs_are_parsed(self) -> None:
        assert parse_extra(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}

    def test_a_pair_without_a_variable_name_is_an_input_error(self) -> None:
        with pytest.raises(InputError, match="KEY=VALUE"):
            parse_extra(["not a pair"])

    def test_an_unknown_playbook_names_the_known_ones(self) -> None:
        with pytest.raises(InputError, match="backup_configs"):
            find("reboot_all")
