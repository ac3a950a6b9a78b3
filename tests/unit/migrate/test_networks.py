"""Private networks (task 4): prefixes against the extranet's address plan and each other, renumbering proposals,
each network's own cutover runbook, and the systems on it after it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest
from pydantic import ValidationError

from ezgov_infra.jobs import migration
from ezgov_infra.migrate.networks import extranet_plan, overlaps
from ezgov_infra.migrate.runbook import build_runbook
from ezgov_infra.models.inventory import Inventory, PrivateNetwork
from ezgov_infra.models.plan import MigrationPlan
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


class TestOverlaps:
    def test_golden_check_of_the_sample(self, cli: Cli, sample_inventory: Path,
                                        golden: Callable[[str, str], None]) -> None:
        result = cli("migrate", "networks", "check", "-i", sample_inventory, "--format", "json")
        assert result.code == 1  # the sample's networks overlap: the check fails
        golden("migrate/networks-check.json", result.out)
        document = json.loads(result.out)
        assert document["unchecked"] == ["tax-net"]

    def test_of_two_overlapping_networks_the_smaller_renumbers_into_free_space(self, inventory: Inventory) -> None:
        found = overlaps({"a": ["203.0.113.16/28"], "b": ["203.0.113.16/29"]}, inventory)
        assert [(o.network, o.other, o.renumber) for o in found] == [("a", "203.0.113.16/29", "b")]
        proposal = ip_network(found[0].proposal or "")
        taken = [*extranet_plan(inventory), ip_network("203.0.113.16/28")]
        assert proposal.prefixlen == 29 and not [n for n in taken if n.version == 4 and n.overlaps(proposal)]

    def test_proposals_never_collide_with_each_other(self, inventory: Inventory) -> None:
        found = overlaps({"a": ["2001:db8:201::/52"], "b": ["2001:db8:202::/52"]}, inventory)
        proposals = {o.renumber: ip_network(o.proposal or "") for o in found}
        assert set(proposals) == {"a", "b"} and not proposals["a"].overlaps(proposals["b"])
        assert all(not p.overlaps(n) for p in proposals.values() for n, whose in extranet_plan(inventory).items()
                   if n.version == 6)

    def test_without_room_there_is_no_proposal_and_the_message_says_so(self, inventory: Inventory) -> None:
        # a /24 of IPv4: the sample's pool holds two /28s only
        found = overlaps({"a": ["198.51.100.0/24"]}, inventory)
        assert found and all(o.proposal is None for o in found)
        assert "no free prefix of that size" in found[0].message

    def test_a_network_kept_separate_needs_a_reason_and_prefixes_are_canonical(self) -> None:
        base = {"id": "n", "name": "专网", "name_en": "Net", "department": "局"}
        with pytest.raises(ValidationError, match="kept separate needs a reason"):
            PrivateNetwork.model_validate({**base, "approach": "keep_separate"})
        with pytest.raises(ValidationError, match="canonically as 2001:db8:f::/48"):
            PrivateNetwork.model_validate({**base, "prefixes": ["2001:DB8:000F::/48"]})
        with pytest.raises(ValidationError, match="has host bits set"):
            PrivateNetwork.model_validate({**base, "prefixes": ["203.0.113.5/28"]})


class TestNetworkCutover:
    def test_each_network_not_merged_has_its_own_runbook_before_the_waves(self, sample_plan: MigrationPlan) -> None:
        sections = build_runbook(sample_plan)
        kinds = [s.kind for s in sections]
        assert kinds[:4] == ["network"] * 4 and "tax-net" not in [s.id for s in sections]
        steps = {s.id: [x.action for x in s.steps] for s in sections if s.kind == "network"}
        assert steps["hrss-net"] == ["renumber", "route_in", "move_sites", "verify_network", "switch_off"]
        assert steps["health-net"] == ["route_in", "move_sites", "verify_network", "switch_off"]  # hrss renumbers
        assert steps["edu-metro"][:2] == ["renumber", "build_access"]
        assert steps["psb-video"] == ["boundary", "monitoring"]

    def test_systems_on_a_network_cut_over_after_it(self, sample_plan: MigrationPlan) -> None:
        ends = {}
        for section in build_runbook(sample_plan):
            if section.network is not None and section.steps and section.steps[-1].starts is not None:
                last = section.steps[-1]
                assert last.starts is not None
                ends[section.id] = max(s.starts for s in section.steps if s.starts is not None)
        network_of = {sid: n.id for n in sample_plan.networks for sid in n.systems}
        checked = 0
        for wave in sample_plan.waves:
            for slot in wave.slots:
                if network_of.get(slot.system) in ends:
                    assert slot.starts > ends[network_of[slot.system]]
                    checked += 1
        assert checked >= 3

    def test_systems_on_a_network_wait_until_its_last_step_has_ended_not_a_day(self, inventory_copy: Path,
                                                                               tmp_path: Path) -> None:
        # hrss-net cut over on a Friday evening across ten sites runs 26 h: past the next day's Saturday window,
        # which a day's wait would have let its systems take while the network was still moving.
        path = inventory_copy / "networks.yaml"
        sites = "ez-hrss, fenghuang-gsc, taihe-gsc, huarongzhen-gsc"
        more = "bishidu-gsc, changgang-gsc, donggou-gsc, duandian-gsc, dushan-gsc, fankou-gsc"
        text = path.read_text(encoding="utf-8")
        assert f"sites: [{sites}]" in text and "cutover: 2019-10-19" in text
        path.write_text(text.replace(f"sites: [{sites}]", f"sites: [{sites}, {more}]")
                        .replace("cutover: 2019-10-19", "cutover: 2019-10-25"), encoding="utf-8")
        plan, _ = migration.make_plan(folder=inventory_copy, name="p", plans_dir=tmp_path, write=False)
        steps = next(s for s in build_runbook(plan) if s.id == "hrss-net").steps
        end = max(s.starts + timedelta(hours=s.hours) for s in steps if s.starts is not None)
        assert (steps[-1].action, end) == ("switch_off", datetime(2019, 10, 26, 22, 0))
        on_it = set(next(n for n in plan.networks if n.id == "hrss-net").systems)
        waves = [wave for wave in plan.waves if on_it & set(wave.systems)]
        # the crews cut its systems over only in a window that opens once the network has moved
        assert waves and all(wave.window_start >= end for wave in waves)
        assert waves[0].window_start == datetime(2019, 11, 2, 20, 0)
        assert all(slot.starts >= end for wave in waves for slot in wave.slots if slot.system in on_it)

    def test_systems_on_a_network_whose_cutover_has_no_approach_are_held(self, inventory_copy: Path,
                                                                          tmp_path: Path) -> None:
        # a date but neither merge nor cutover: no runbook, so nothing says when the network has moved
        path = inventory_copy / "networks.yaml"
        text = path.read_text(encoding="utf-8")
        assert text.count("  approach: merge\n  status: cutover_planned\n") == 1
        path.write_text(text.replace("  approach: merge\n  status: cutover_planned\n", "  status: cutover_planned\n"),
                        encoding="utf-8")
        plan, _ = migration.make_plan(folder=inventory_copy, name="p", plans_dir=tmp_path, write=False)
        on_it = next(n for n in plan.networks if n.id == "hrss-net").systems
        held = {h.system: h.reason for h in plan.held}
        assert on_it and not set(on_it) & {s for w in plan.waves for s in w.systems}
        assert any("hrss-net, whose cutover has no approach" in held[s] for s in on_it if s in held)

    def test_systems_on_a_network_kept_separate_are_held_with_its_reason(self, sample_plan: MigrationPlan) -> None:
        held = {h.system: h.reason for h in sample_plan.held}
        on_video = next(n for n in sample_plan.networks if n.id == "psb-video").systems
        assert on_video and all("kept separate: 视频专网按公安行业规定独立组网" in held[s] for s in on_video
                                if s in held)

    def test_a_network_cut_over_before_the_plan_starts_is_said_not_scheduled(self, inventory_copy: Path,
                                                                            tmp_path: Path) -> None:
        path = inventory_copy / "networks.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("cutover: 2019-10-19", "cutover: 2019-08-03"),
                        encoding="utf-8")
        plan, _ = migration.make_plan(folder=inventory_copy, name="p", plans_dir=tmp_path, write=False)
        steps = [s for w in plan.waves for s in w.steps if s.kind.value == "network_cutover" and "hrss-net" in s.title]
        assert steps and all(s.starts is None for s in steps)
        assert "its cutover date 2019-08-03 is before the plan starts on 2019-09-01" in steps[0].notes
