"""Each system's slot inside its wave's window: dependency order, the crews, the downtime limit, the plan's span."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.jobs import migration
from ezgov_infra.migrate.assess import assess
from ezgov_infra.migrate.planner import PlanInput, make_plan
from ezgov_infra.migrate.schedule import site_uplinks
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import CutoverWindow, MigrationPlan, MigrationPolicy, StepKind
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.systems import load_rules


def system(sid: str, **fields: Any) -> LegacySystem:
    return LegacySystem.model_validate({
        "id": sid, "name": sid, "name_en": sid, "department": "市政务服务和大数据管理局", "owner": "科室",
        "classification": "internal", "site": "ez-gsc", "stack": {"os": "Kylin", "os_version": "V10",
                                                                  "os_eol": "2029-12-31"},
        "vcpu": 2, "ram_gb": 4, "storage_gb": 5000, "data_gb": 1, "change_gb_per_day": 0.1,
        "downtime_window_h": 8, "ipv6": "full", "rto_h": 2, "rpo_h": 1, "users": 10, **fields})


def plan(systems: list[LegacySystem], inventory: Inventory, **cutover: Any) -> MigrationPlan:
    policy = MigrationPolicy(cutover=CutoverWindow(**{"hours": 10, "crews": 1, **cutover}))
    catalogue = {s.id: s for s in systems}
    rules, _ = load_rules(Path("/nonexistent"))
    spec = PlanInput(name="p", inventory_label="x", digest="d", start=date(2019, 9, 2), deadline=date(2019, 12, 31),
                     deadline_source="test")
    return make_plan(spec, catalogue, assess(catalogue, inventory, rules, spec.start), inventory, policy,
                     site_uplinks(inventory, policy, {}, None))


class TestSampleSlots:
    def test_every_moving_system_has_one_slot_inside_its_window_and_its_limit(self, sample_inventory: Path,
                                                                                tmp_path: Path) -> None:
        made, _ = migration.make_plan(folder=sample_inventory, name="p", plans_dir=tmp_path, write=False)
        for wave in made.waves:
            assert sorted(s.system for s in wave.slots) == sorted(wave.systems)
            for slot in wave.slots:
                assert wave.window_start <= slot.starts < slot.ends <= wave.window_end
                assert slot.downtime_window_h is None or slot.hours <= slot.downtime_window_h
            cutover = next(s for s in wave.steps if s.kind is StepKind.cutover)
            assert any(wave.slots[0].system in note for note in cutover.notes)


class TestPacking:
    def test_a_dependency_ends_before_what_needs_it_starts(self, inventory: Inventory) -> None:
        made = plan([system("a"), system("b", dependencies=[{"target": "a"}])], inventory, crews=2)
        slots = {s.system: s for s in made.waves[0].slots}
        assert slots["a"].ends <= slots["b"].starts and slots["b"].after == ["a"]

    def test_one_crew_takes_one_system_at_a_time(self, inventory: Inventory) -> None:
        made = plan([system("a"), system("b"), system("c")], inventory)
        slots = sorted(made.waves[0].slots, key=lambda s: s.starts)
        assert all(x.ends <= y.starts for x, y in pairwise(slots))

    def test_what_the_window_cannot_take_moves_to_the_next_wave_with_the_reason(self,
                                                                                 inventory: Inventory) -> None:
        # 10 h window less 4 h for a rollback: one crew fits two 2.5 h outages, not three
        big = {"data_gb": 472, "downtime_window_h": 3}  # 1.5 h copy at 700 Mbps + 1 h switch
        made = plan([system("a", **big), system("b", **big), system("c", **big)], inventory)
        assert [w.systems for w in made.waves] == [["a", "b"], ["c"]]
        moved = made.waves[1].slots[0]
        assert moved.note is not None and moved.note.startswith("moved from the window of 2019-09-07: the crews "
                                                                 "are busy; it would end at 2019-09-08 03:")

    def test_a_transfer_longer_than_the_downtime_limit_is_pre_synced(self, inventory: Inventory) -> None:
        made = plan([system("a", data_gb=2000, downtime_window_h=2)], inventory, hours=30)
        item = made.waves[0].transfers[0]
        slot = made.waves[0].slots[0]
        assert item.presync and slot.hours <= 2
        assert item.presync_start is not None and item.presync_start >= made.start

    def test_a_final_delta_longer_than_the_limit_holds_the_system_with_the_reason(self,
                                                                                  inventory: Inventory) -> None:
        made = plan([system("a", data_gb=2000, change_gb_per_day=1500, downtime_window_h=2)], inventory)
        assert not made.waves
        assert "longer than its 2 h downtime limit" in made.held[0].reason

    def test_nothing_is_dated_before_the_plan_starts(self, inventory: Inventory) -> None:
        # the first window opens five days in; its pre-check would be a week before it
        made = plan([system("a"), system("b", data_gb=4000, downtime_window_h=2)], inventory, hours=30)
        first = datetime.combine(made.start, time())
        assert all(s.starts >= first for w in made.waves for s in w.steps if s.starts is not None)
        document = made.model_dump()
        document["waves"][0]["steps"][0]["starts"] = datetime(2019, 9, 1, 9)
        with pytest.raises(ValueError, match="pre_check step starts 2019-09-01 09:00, before the plan starts"):
            MigrationPlan.model_validate(document)
