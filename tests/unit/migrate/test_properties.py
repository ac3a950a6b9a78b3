"""Properties of planning over random catalogues: hundreds of systems, random dependencies with cycles, random
classifications, chatty pairs, not-ready systems and private networks."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezgov_infra.errors import PlanError
from ezgov_infra.migrate.assess import assess
from ezgov_infra.migrate.catalogue import dependency_edges
from ezgov_infra.migrate.planner import PlanInput, make_plan
from ezgov_infra.migrate.schedule import site_uplinks
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import MigrationPlan, MigrationPolicy, WaveCapacity
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_rules, plan_text
from tests.conftest import SAMPLE

CLASSES = ["public", "internal", "internal", "sensitive", "classified"]
NETWORKS = ["extranet"] * 5 + ["intranet", "edu-metro", "hrss-net", "tax-net", "health-net"]
SITES = ["ez-gsc", "ez-dc", "ez-hrss", "taihe-gsc", "echeng-gsc", "huarong-gsc"]


def random_catalogue(seed: int, size: int) -> dict[str, LegacySystem]:
    rnd = random.Random(seed)
    systems: dict[str, LegacySystem] = {}
    for index in range(size):
        deps: dict[str, dict[str, object]] = {}
        for _ in range(rnd.choice([0, 1, 1, 2, 3])):
            # Mostly towards older systems (layers); sometimes back to a near neighbour, which closes a cycle.
            target = rnd.randrange(index) if index and rnd.random() < 0.9 else min(size - 1, index + rnd.randint(1, 3))
            if target != index:
                deps[f"s{target:04d}"] = {"target": f"s{target:04d}",
                                          "direction": rnd.choice(["outbound"] * 8 + ["inbound", "both"]),
                                          "latency_sensitive": rnd.random() < 0.05}
        systems[f"s{index:04d}"] = LegacySystem.model_validate({
            "id": f"s{index:04d}", "name": f"系统{index}", "name_en": f"System {index}", "department": "d",
            "classification": rnd.choice(CLASSES), "criticality": rnd.choice(["low", "medium", "high", "critical"]),
            "site": rnd.choice(SITES), "network": rnd.choice(NETWORKS), "stack": {"os": "CentOS"},
            "vcpu": rnd.randint(1, 16), "ram_gb": rnd.choice([4, 8, 16, 32]), "storage_gb": 2000,
            "data_gb": None if rnd.random() < 0.03 else rnd.randint(1, 1500), "downtime_window_h": rnd.choice([2, 8]),
            "ipv6": rnd.choice(["full", "none", "unknown"]), "dependencies": list(deps.values()),
        })
    return systems


def plan_for(systems: dict[str, LegacySystem], inventory: Inventory) -> MigrationPlan:
    policy = MigrationPolicy(capacity=WaveCapacity(systems=40, vcpu=400, ram_gb=2000, storage_gb=200_000),
                             holidays=[date(2019, 10, 5)])
    rules, _ = load_rules(Path("/nonexistent"))
    verdicts = assess(systems, inventory, rules, date(2019, 9, 1))
    spec = PlanInput(name="p", inventory_label="x", digest="d", start=date(2019, 9, 1), deadline=date(2019, 12, 31),
                     deadline_source="test")
    return make_plan(spec, systems, verdicts, inventory, policy, site_uplinks(inventory, policy, {}, None))


PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_inventory: list[Inventory] = []


def loaded_sample() -> Inventory:
    if not _inventory:
        _inventory.append(load_inventory(SAMPLE))
    return _inventory[0]


class TestPlanProperties:
    @PROPERTY
    @given(st.integers(0, 2**32 - 1), st.integers(100, 300))
    def test_invariants_hold(self, seed: int, size: int) -> None:
        systems = random_catalogue(seed, size)
        try:
            plan = plan_for(systems, loaded_sample())
        except PlanError as exc:
            assert "larger than one wave's capacity" in str(exc)
            return
        position: dict[str, tuple[int, int]] = {}
        group_of: dict[str, str] = {}
        for w, wave in enumerate(plan.waves):
            for g, group in enumerate(wave.groups):
                for sid in group.systems:
                    position[sid] = (w, g)
                    group_of[sid] = group.id
        never_moves = {u.system for u in plan.retire + plan.retain}
        # No classified system ever in a wave.
        assert not [s for s in position if systems[s].classification.value == "classified"]
        # No system before a dependency outside its group.
        for needed, needer in dependency_edges(systems):
            if needer in position and group_of.get(needed) != group_of[needer]:
                if needed in position:
                    assert position[needed] < position[needer]
                else:  # only what never moves may stay behind; a held dependency holds its dependants
                    assert needed in never_moves, f"{needer} moves while {needed}, which it needs, is held"
        # No wave over capacity.
        cap = plan.capacity
        for wave in plan.waves:
            members = [systems[s] for s in wave.systems]
            assert len(members) <= cap.systems
            assert sum(s.vcpu for s in members) <= cap.vcpu
            assert sum(s.ram_gb for s in members) <= cap.ram_gb
            assert sum(s.storage_gb for s in members) <= cap.storage_gb
        # Each system has one slot: inside its wave's window, within its downtime limit, after what it needs.
        slot = {x.system: x for wave in plan.waves for x in wave.slots}
        for wave in plan.waves:
            assert sorted(x.system for x in wave.slots) == sorted(wave.systems)
            for x in wave.slots:
                assert wave.window_start <= x.starts < x.ends <= wave.window_end
                limit = systems[x.system].downtime_window_h
                assert limit is None or x.hours <= limit
        for needed, needer in dependency_edges(systems):
            if needer in slot and needed in slot and group_of[needed] != group_of[needer]:
                assert slot[needed].ends <= slot[needer].starts
        assert not [s for s in slot if systems[s].classification.value in ("classified", "unclassified")]
        # Every system is accounted for exactly once.
        unplanned = [u.system for u in plan.retire + plan.retain + plan.held]
        assert sorted([*position, *unplanned]) == sorted(systems)

    @PROPERTY
    @given(st.integers(0, 2**32 - 1), st.integers(100, 200))
    def test_the_same_input_always_gives_the_same_file(self, seed: int, size: int) -> None:
        systems = random_catalogue(seed, size)
        shuffled = list(systems.items())
        random.Random(seed).shuffle(shuffled)
        try:
            first = plan_text(plan_for(systems, loaded_sample()))
        except PlanError:
            return
        assert plan_text(plan_for(dict(shuffled), loaded_sample())) == first
