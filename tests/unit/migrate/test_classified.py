"""The plan's one absolute rule, in code: classified and unclassified systems never reach a wave, whatever the
rules file says; dependants of a classified system are flagged with the hybrid link they need."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezgov_infra.errors import InventoryError, PlanError
from ezgov_infra.jobs import migration
from ezgov_infra.migrate.assess import assess
from ezgov_infra.migrate.planner import PlanInput, make_plan
from ezgov_infra.migrate.schedule import site_uplinks
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.kinds import Classification
from ezgov_infra.models.plan import MigrationPlan, MigrationPolicy, Readiness, RuleSet, Strategy, WaveCapacity
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.systems import load_plan, load_rules, plan_text, save_plan
from tests.conftest import REPO
from tests.unit.migrate.test_properties import loaded_sample, random_catalogue

DEFAULT_RULES = yaml.safe_load((REPO / "ezgov_infra" / "migrate" / "rules.yaml")
                               .read_text(encoding="utf-8"))["rules"]
PERMISSIVE = RuleSet.model_validate({"rules": [{"id": "move-everything", "strategy": "rehost", "reason": "all"}]})


def plan_with(systems: dict[str, LegacySystem], rules: RuleSet, inventory: Inventory) -> MigrationPlan:
    policy = MigrationPolicy(capacity=WaveCapacity(systems=60, vcpu=1000, ram_gb=5000, storage_gb=500_000))
    verdicts = assess(systems, inventory, rules, date(2019, 9, 1))
    spec = PlanInput(name="p", inventory_label="x", digest="d", start=date(2019, 9, 1), deadline=date(2019, 12, 31),
                     deadline_source="test")
    return make_plan(spec, systems, verdicts, inventory, policy, site_uplinks(inventory, policy, {}, None))


def system(sid: str, level: str = "internal", deps: list[dict[str, object]] | None = None) -> LegacySystem:
    return LegacySystem.model_validate({
        "id": sid, "name": sid, "name_en": sid, "department": "d", "classification": level, "site": "ez-gsc",
        "stack": {"os": "CentOS"}, "vcpu": 2, "ram_gb": 4, "storage_gb": 100, "data_gb": 10, "ipv6": "full",
        "dependencies": deps or []})


class TestTheRuleIsCode:
    def test_a_rules_file_without_classified_stays_still_keeps_classified_out(self) -> None:
        systems = {"a": system("a"), "c": system("c", "classified")}
        plan = plan_with(systems, PERMISSIVE, loaded_sample())
        assert plan.wave_of() == {"a": "W01"}
        assert [u.system for u in plan.retain] == ["c"] and plan.must_stay == ["c"]

    def test_an_unclassified_system_is_held_and_listed_as_a_blocker(self) -> None:
        systems = {"a": system("a"), "u": system("u", "unclassified"),
                   "b": system("b", deps=[{"target": "u"}])}
        plan = plan_with(systems, PERMISSIVE, loaded_sample())
        assert plan.wave_of() == {"a": "W01"}
        assert [b.system for b in plan.blockers] == ["u"] and "ezgov migrate classify u" in plan.blockers[0].reason
        assert {h.system for h in plan.held} == {"u", "b"}  # b needs u, so it waits too

    def test_a_misspelt_classification_in_a_rules_file_is_an_error(self, tmp_path: Path) -> None:
        rules = [dict(r) for r in DEFAULT_RULES]
        rules[0]["when"] = {"classification": "CLASSIFIED"}
        (tmp_path / "migration_rules.yaml").write_text(yaml.safe_dump({"rules": rules}, allow_unicode=True))
        with pytest.raises(InventoryError, match="unknown value 'CLASSIFIED' for classification"):
            load_rules(tmp_path)

    @pytest.mark.parametrize("when", [{"ipv6": "yes"}, {"hardware_bound": "true"}, {"criticality": {"in": ["top"]}},
                                      {"classification": {"gt": "public"}}])
    def test_other_unknown_values_are_errors_too(self, when: dict[str, object]) -> None:
        with pytest.raises(ValueError, match=r"unknown value|does not apply"):
            RuleSet.model_validate({"rules": [{"id": "x", "when": when, "reason": "r"}]})

    def test_the_planner_refuses_an_assessment_that_would_move_a_classified_system(self) -> None:
        systems = {"c": system("c", "classified")}
        verdicts = assess(systems, loaded_sample(), PERMISSIVE, date(2019, 9, 1))
        forged = [v.model_copy(update={"strategy": Strategy.rehost, "readiness": Readiness.ready}) for v in verdicts]
        policy = MigrationPolicy()
        spec = PlanInput(name="p", inventory_label="x", digest="d", start=date(2019, 9, 1),
                         deadline=date(2019, 12, 31), deadline_source="t")
        plan = make_plan(spec, systems, forged, loaded_sample(), policy, {})
        assert plan.waves == []

    def test_the_plan_loader_refuses_a_classified_system_in_a_wave(self, tmp_path: Path) -> None:
        systems = {"a": system("a"), "c": system("c", "classified")}
        save_plan(tmp_path, plan_with(systems, PERMISSIVE, loaded_sample()))
        path = tmp_path / "p.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["waves"][0]["groups"][0]["systems"].append("c")
        document["waves"][0]["classification"]["c"] = "internal"  # lying about it does not help: c must stay
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
        with pytest.raises(InventoryError, match="wave W01 holds c"):
            load_plan(tmp_path, "p")
        document["must_stay"] = []
        document["waves"][0]["classification"].pop("c")
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
        with pytest.raises(InventoryError, match="c \\(no classification recorded\\)"):
            load_plan(tmp_path, "p")


class TestDependantsOfClassifiedSystems:
    def test_a_latency_sensitive_both_way_dependant_is_held_and_names_the_classified_system(self) -> None:
        systems = {"c": system("c", "classified"),
                   "d": system("d", deps=[{"target": "c", "direction": "both", "latency_sensitive": True}])}
        plan = plan_with(systems, PERMISSIVE, loaded_sample())
        assert plan.waves == []
        assert "classified system c" in next(h.reason for h in plan.held if h.system == "d")
        (link,) = plan.hybrid
        assert (link.system, link.classified, link.direction, link.held) == ("d", "c", "both", True)
        assert "hybrid connectivity from the cloud to extranet" in link.needs

    def test_a_dependant_declared_on_the_classified_side_is_flagged_and_may_move(self) -> None:
        systems = {"c": system("c", "classified", deps=[{"target": "d"}]), "d": system("d")}
        verdicts = {v.system: v for v in assess(systems, loaded_sample(), PERMISSIVE, date(2019, 9, 1))}
        assert verdicts["d"].readiness.value == "ready_with_conditions"
        assert verdicts["d"].reasons[0].rule == "depends-on-classified"
        plan = plan_with(systems, PERMISSIVE, loaded_sample())
        assert plan.wave_of() == {"d": "W01"} and plan.hybrid[0].direction == "inbound"


class TestProperties:
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, 2**32 - 1), st.integers(40, 160), st.data())
    def test_no_classified_or_unclassified_system_is_ever_in_a_wave(self, seed: int, size: int,
                                                                   data: st.DataObject) -> None:
        systems = random_catalogue(seed, size)
        rnd = random.Random(seed)
        for sid in rnd.sample(sorted(systems), k=size // 8):  # imported without a classification
            systems[sid] = systems[sid].model_copy(update={"classification": Classification.unclassified})
        # A random rules file: any subset of the default rules in any order, plus rules that try to move everything.
        chosen = data.draw(st.lists(st.sampled_from(DEFAULT_RULES), unique_by=lambda r: r["id"], max_size=8))
        extra = data.draw(st.lists(st.sampled_from([
            {"id": "move-classified", "when": {"classification": "classified"}, "strategy": "rehost",
             "readiness": "ready", "reason": "move it"},
            {"id": "move-unclassified", "when": {"classification": "unclassified"}, "strategy": "rehost",
             "reason": "move it"},
            {"id": "all", "strategy": "rehost", "reason": "all"}]), unique_by=lambda r: r["id"], min_size=1))
        rules = RuleSet.model_validate({"rules": [*extra, *chosen]})
        try:
            plan = plan_with(systems, rules, loaded_sample())
        except PlanError as exc:
            assert "larger than one wave's capacity" in str(exc)
            return
        moving = plan.wave_of()
        assert not [s for s in moving if systems[s].classification.value in ("classified", "unclassified")]
        assert {b.system for b in plan.blockers} == {s for s in systems
                                                      if systems[s].classification.value == "unclassified"}
        # Whatever the plan says, it reads back.
        assert MigrationPlan.model_validate(yaml.safe_load(plan_text(plan))) == plan


class TestExecuteAndStage:
    def test_execute_and_stage_refuse_a_system_classified_after_planning(self, inventory_copy: Path,
                                                                           tmp_path: Path) -> None:
        from ezgov_infra.jobs.cutover import run_wave
        from ezgov_infra.jobs.stage import stage

        plans = tmp_path / "plans"
        plan, _ = migration.make_plan(folder=inventory_copy, name="p", plans_dir=plans)
        first = plan.waves[0].systems[0]
        migration.classify(folder=inventory_copy, system=first, level="classified")
        with pytest.raises(PlanError, match=f"refused: {first} \\(classified\\)"):
            run_wave(name="p", wave="W01", action="execute", state_dir=tmp_path / "state", plans_dir=plans,
                     inventory=inventory_copy)
        with pytest.raises(PlanError, match=f"stage p wave W01: refused: {first} \\(classified\\)"):
            stage(name="p", wave="W01", inventory=inventory_copy, state_dir=tmp_path / "state", plans_dir=plans)

    def test_classify_refuses_to_lower_a_classified_system_without_force(self, inventory_copy: Path) -> None:
        from ezgov_infra.errors import InputError

        with pytest.raises(InputError, match="needs --force"):
            migration.classify(folder=inventory_copy, system="gov-docs", level="public")
        assert migration.classify(folder=inventory_copy, system="gov-docs", level="public", force=True) == (
            "classified", "public")



class TestThePlaybookChecksAgain:
    def test_the_cutover_playbook_refuses_a_classified_system_in_its_vars(self, tmp_path: Path) -> None:
        """Even vars that bypass ezgov's checks (a hand-run playbook) stop at the playbook's own assert."""
        from datetime import datetime

        from ezgov_infra.automation.cutover import CONTROLLER, Runbook, wave_inventory
        from ezgov_infra.automation.runner import run_playbook
        from ezgov_infra.jobs.playbooks import find
        from ezgov_infra.models.plan import MoveGroup, Resources, Wave

        book = Runbook.model_validate({
            "hosts": {"legacy": {"ansible_connection": "local"}},
            "systems": {"oa": {"source": "legacy", "target": "legacy", "client": "legacy", "source_dir": "/nonexistent",
                               "target_dir": "/nonexistent", "probe_path": "index.html", "source_start": ["true"],
                               "source_stop": ["true"], "target_start": ["true"], "target_stop": ["true"],
                               "urls": ["http://[::1]:9/index.html"]}}})
        wave = Wave(id="W01", window_start=datetime(2019, 11, 2, 20), window_end=datetime(2019, 11, 3, 20),
                    groups=[MoveGroup(id="oa", systems=["oa"])], totals=Resources(),
                    classification={"oa": "classified"})
        document = wave_inventory(book, wave, tmp_path / "stage", tmp_path / "book.yaml", moving=False)
        summary = run_playbook(Path(find("migration_cutover").path), inventory=document, state_dir=tmp_path,
                               extravars={"cutover_action": "execute"})
        assert not summary.ok and CONTROLLER in summary.failed_hosts
        events = "".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in Path(summary.artifacts_dir).rglob("stdout"))
        assert "oa is classified: classified systems never move" in events
