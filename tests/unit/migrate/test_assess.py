"""Assessment: readiness with every reason, a 6R strategy with the rule that chose it, a confidence."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from ezgov_infra.errors import InventoryError
from ezgov_infra.migrate.assess import assess, assess_system, system_facts
from ezgov_infra.migrate.rules import matches
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import Readiness, Rule, RuleSet, Strategy
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.systems import load_rules

AS_OF = date(2019, 9, 1)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(Path("/nonexistent"))[0]


def verdict(sid: str, systems: dict[str, LegacySystem], inventory: Inventory, rules: RuleSet):  # type: ignore[no-untyped-def]
    return assess_system(systems[sid], system_facts(systems[sid], inventory, AS_OF), rules)


class TestRuleMatching:
    def test_a_list_matches_any_of_its_items(self) -> None:
        rule = Rule(id="r", when={"ipv6": ["none", "unknown"]}, reason="x")
        assert matches(rule, {"ipv6": "none"}) and not matches(rule, {"ipv6": "full"})

    def test_operators_compare_numbers_and_presence(self) -> None:
        big = Rule(id="r", when={"data_gb": {"gt": 1000}}, reason="x")
        unknown = Rule(id="u", when={"data_gb": {"exists": False}}, reason="x")
        assert matches(big, {"data_gb": 1500}) and not matches(big, {"data_gb": None})
        assert matches(unknown, {"data_gb": None}) and not matches(unknown, {"data_gb": 0})

    def test_an_unknown_fact_is_an_error(self) -> None:
        with pytest.raises(ValidationError, match="unknown fact 'colour'"):
            Rule(id="r", when={"colour": "red"}, reason="x")

    def test_a_bad_rules_file_names_file_and_line(self, inventory_copy: Path) -> None:
        (inventory_copy / "migration_rules.yaml").write_text(
            "rules:\n  - id: a\n    reason: fine\n  - id: b\n    readiness: maybe\n    reason: bad\n",
            encoding="utf-8")
        with pytest.raises(InventoryError) as caught:
            load_rules(inventory_copy)
        assert str(caught.value.problems[0]).startswith(f"{inventory_copy / 'migration_rules.yaml'}:5: "
                                                        "rules[1].readiness:")

    def test_the_inventory_rules_replace_the_defaults(self, inventory_copy: Path) -> None:
        (inventory_copy / "migration_rules.yaml").write_text(
            "rules:\n  - id: all-refactor\n    strategy: refactor\n    reason: everything is rewritten\n",
            encoding="utf-8")
        rules, _ = load_rules(inventory_copy)
        assert [r.id for r in rules.rules] == ["all-refactor"]


class TestAssessment:
    def test_classified_systems_are_retained_and_excluded(self, sample_systems: dict[str, LegacySystem],
                                                          inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("psb-integrated", sample_systems, inventory, rules)
        assert (result.readiness, result.strategy, result.strategy_rule) == (
            Readiness.excluded, Strategy.retain, "classified-stays")
        assert len(result.reasons) == 1  # the rule stops further evaluation

    def test_a_retiring_website_retires_its_system(self, sample_systems: dict[str, LegacySystem],
                                                   inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("ca-fenghuang", sample_systems, inventory, rules)
        assert result.strategy is Strategy.retire
        assert "fenghuang.ezhou.test retires" in result.reasons[0].message

    def test_end_of_life_os_means_replatform_with_a_condition(self, sample_systems: dict[str, LegacySystem],
                                                              inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("tax-collection", sample_systems, inventory, rules)
        assert result.strategy is Strategy.replatform and result.strategy_rule == "os-end-of-life"
        assert result.readiness is Readiness.ready_with_conditions
        assert any("AIX 6.1 out of support since 2017-04-30" in r.message for r in result.reasons)

    def test_a_private_network_asks_for_its_cutover_first(self, sample_systems: dict[str, LegacySystem],
                                                          inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("edu-student", sample_systems, inventory, rules)
        steps = {r.rule: r.step for r in result.reasons}
        assert steps["private-network-first"] == "network_cutover"

    def test_a_merged_private_network_asks_for_nothing(self, sample_systems: dict[str, LegacySystem],
                                                       inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("tax-echeng", sample_systems, inventory, rules)
        assert "private-network-first" not in {r.rule for r in result.reasons}

    def test_end_of_life_is_judged_on_the_given_day(self, sample_systems: dict[str, LegacySystem],
                                                    inventory: Inventory, rules: RuleSet) -> None:
        early = assess({"x": sample_systems["gsd-queue"]}, inventory, rules, date(2019, 1, 1))[0]
        late = assess({"x": sample_systems["gsd-queue"]}, inventory, rules, date(2020, 6, 1))[0]
        assert early.strategy_rule == "rehost-default"
        assert late.strategy_rule == "os-end-of-life"

    def test_missing_facts_lower_the_confidence(self, sample_systems: dict[str, LegacySystem],
                                                inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("met-radar", sample_systems, inventory, rules)
        assert result.confidence.value == "low"
        assert {"data_gb", "users", "ipv6", "stack.database"} <= set(result.missing)
        assert result.readiness is Readiness.not_ready

    def test_hardware_bound_systems_are_not_ready(self, sample_systems: dict[str, LegacySystem],
                                                  inventory: Inventory, rules: RuleSet) -> None:
        result = verdict("hr-card", sample_systems, inventory, rules)
        assert (result.readiness, result.strategy) == (Readiness.not_ready, Strategy.refactor)
