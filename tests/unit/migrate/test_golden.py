"""What a person reads: the sample's assessment and plan, compared with golden files; plan files themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ezgov_infra.cli.render import to_json
from ezgov_infra.errors import InputError
from ezgov_infra.jobs import migration
from ezgov_infra.store.history import open_history
from ezgov_infra.store.systems import load_plan, plan_text


class TestSampleGolden:
    def test_assessment(self, sample_inventory: Path, golden: Callable[[str, str], None]) -> None:
        golden("migrate/assessment.json", to_json(migration.assess(folder=sample_inventory)) + "\n")

    def test_plan(self, sample_inventory: Path, tmp_path: Path, golden: Callable[[str, str], None]) -> None:
        plan, path = migration.make_plan(folder=sample_inventory, name="ezhou-2019", plans_dir=tmp_path)
        assert path == tmp_path / "ezhou-2019.yaml"
        golden("migrate/plan-ezhou-2019.yaml", path.read_text(encoding="utf-8"))
        assert load_plan(tmp_path, "ezhou-2019") == plan

    def test_the_plan_meets_the_milestone_and_lists_what_misses_it(self, sample_inventory: Path,
                                                                   tmp_path: Path) -> None:
        plan, _ = migration.make_plan(folder=sample_inventory, name="p", plans_dir=tmp_path, write=False)
        assert plan.deadline.isoformat() == "2019-12-31"
        assert not [w.id for w in plan.waves if w.after_deadline]
        misses = {m.system: m.reason for m in plan.misses}
        assert "health-net, whose cutover has no date" in misses["hc-ehr"]
        assert misses["hr-card"].startswith("held: hr-card is not ready")

    def test_an_early_deadline_lists_the_late_waves(self, sample_inventory: Path, tmp_path: Path) -> None:
        plan, _ = migration.make_plan(folder=sample_inventory, name="p", plans_dir=tmp_path, write=False,
                                      deadline=date(2019, 10, 31))
        late = [w.id for w in plan.waves if w.after_deadline]
        assert late and all(plan.waves[int(w[1:]) - 1].window_start.date() > date(2019, 10, 31) for w in late)
        assert any("after the deadline 2019-10-31 (--deadline)" in m.reason for m in plan.misses)

    def test_a_measured_bottleneck_changes_the_plan(self, sample_inventory: Path, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        with open_history(db) as history:
            history.record_run("bandwidth-audit", status="ok", results=[
                {"subject": "ez-psb", "status": "ok", "facts": {"headroom_mbps": 20}}])
        plan, _ = migration.make_plan(folder=sample_inventory, name="p", plans_dir=tmp_path, write=False, history_db=db)
        traffic = next(t for w in plan.waves for t in w.transfers if t.system == "psb-traffic")
        assert traffic.presync and traffic.bandwidth_source.startswith("measured p95 headroom")


class TestPlanFiles:
    def test_plans_are_written_byte_for_byte_the_same(self, sample_inventory: Path, tmp_path: Path) -> None:
        first, _ = migration.make_plan(folder=sample_inventory, name="x", plans_dir=tmp_path, write=False)
        again, _ = migration.make_plan(folder=sample_inventory, name="x", plans_dir=tmp_path, write=False)
        assert plan_text(first) == plan_text(again)

    def test_a_bad_plan_name_is_refused(self, sample_inventory: Path, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="plan name"):
            migration.make_plan(folder=sample_inventory, name="../escape", plans_dir=tmp_path)
