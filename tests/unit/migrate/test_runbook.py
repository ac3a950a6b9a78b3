"""Runbooks by strategy: each system's steps with owner, start, duration, verification and rollback, in Markdown
and as a workbook, in Chinese and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path

import pytest

from ezgov_infra.jobs import migration
from ezgov_infra.migrate.runbook import MOVING, STAYING, build_runbook
from ezgov_infra.models.plan import MigrationPlan, Strategy
from ezgov_infra.store.carrier_files import read_grid
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture
def plans(sample_inventory: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    migration.make_plan(folder=sample_inventory, name="ezhou-2019", plans_dir=folder)
    return folder


class TestGolden:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_markdown(self, plans: Path, lang: str, golden: Callable[[str, str], None]) -> None:
        result = migration.runbook(name="ezhou-2019", lang=lang, plans_dir=plans)
        assert result.text is not None
        golden(f"migrate/runbook-ezhou-2019.{lang}.md", result.text)


class TestSteps:
    def test_each_strategy_has_its_own_steps(self, sample_plan: MigrationPlan) -> None:
        wave = sample_plan.waves[0]
        for strategy in (Strategy.rehost, Strategy.replatform, Strategy.refactor, Strategy.repurchase):
            for sid in wave.strategy:
                wave.strategy[sid] = strategy
            first = next(s for s in build_runbook(sample_plan) if s.kind == "wave")
            steps = [s for s in first.steps if s.system == sorted(wave.strategy)[0]]
            assert [s.action for s in steps] == [a for a, _, _ in MOVING[strategy]]
        assert [a for a, _, _ in MOVING[Strategy.refactor]][1:] == ["hand_off", "migrate_data", "cut_dns",
                                                                     "acceptance"]
        sections = {s.kind: s for s in build_runbook(sample_plan)}
        assert {s.action for s in sections["retire"].steps} == {"archive", "decommission", "remove_dns"}
        assert {s.action for s in sections["retain"].steps} == {"interconnect", "monitoring"}
        assert all(s.starts is None for k in ("retire", "retain") for s in sections[k].steps)
        assert [a for a, _, _ in STAYING["retain"]] == ["interconnect", "monitoring"]

    def test_steps_are_dated_inside_the_plan_and_the_cutover_inside_the_slot(self,
                                                                             sample_plan: MigrationPlan) -> None:
        first = datetime.combine(sample_plan.start, time())
        slots = {x.system: x for w in sample_plan.waves for x in w.slots}
        for section in build_runbook(sample_plan):
            for step in section.steps:
                if section.kind != "wave":
                    continue
                assert step.starts is not None and step.starts >= first
                if step.action in ("replicate", "migrate_data", "cut_dns", "verify", "acceptance"):
                    slot = slots[step.system]
                    assert slot.starts <= step.starts <= slot.ends
                    assert step.starts.second == 0

    def test_owners_come_from_the_catalogue_and_the_policy(self, sample_plan: MigrationPlan) -> None:
        steps = {(s.system, s.action): s for sec in build_runbook(sample_plan) for s in sec.steps}
        assert steps[("ca-assistance", "verify")].owner == "社会救助科"
        assert steps[("ca-assistance", "pre_check")].owner == "政务云运维值班组, 电子政务外网运维值班组"


class TestWorkbook:
    def test_the_workbook_holds_a_row_per_step_with_its_section(self, plans: Path, tmp_path: Path) -> None:
        result = migration.runbook(name="ezhou-2019", lang="en", fmt="xlsx", plans_dir=plans)
        assert result.written == plans / "ezhou-2019.runbook.en.xlsx"
        grid = read_grid(result.written)
        rows = [cells for _, cells in grid.rows]
        assert rows[0][0] == "Migration runbook: plan ezhou-2019"
        assert rows[1][:4] == ["Section", "#", "System", "Strategy"]
        steps = sum(len(s.steps) for s in build_runbook(migration.show(name="ezhou-2019", plans_dir=plans)))
        assert len(rows) == 2 + steps
        assert any(str(r[0]).startswith("Wave W01: window 2019-09-07 20:00") and r[4] ==
                   "Replicate the servers and data to the cloud" for r in rows[2:])

    def test_cli_writes_markdown_on_stdout_and_refuses_a_bad_format(self, cli: Cli, plans: Path) -> None:
        shown = cli("migrate", "runbook", "ezhou-2019", "--lang", "en", "--plans-dir", plans)
        assert shown.code == 0 and shown.out.startswith("# Migration runbook: plan ezhou-2019")
        assert cli("migrate", "runbook", "ezhou-2019", "-f", "pdf", "--plans-dir", plans).code == 2
        bad = cli("migrate", "runbook", "ezhou-2019", "-f", "xlsx", "-o", plans / "x.csv", "--plans-dir", plans)
        assert bad.code == 2 and "ends in .xlsx" in bad.err
