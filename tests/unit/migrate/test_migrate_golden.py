"""What a person reads: the sample's assessment and plan, compared with golden files; the CLI end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ezgov_infra.cli.main import app
from ezgov_infra.cli.render import to_json
from ezgov_infra.jobs import migration
from ezgov_infra.store.history import open_history
from ezgov_infra.store.systems import load_plan, plan_text

SAMPLE = Path(__file__).resolve().parents[3] / "inventories" / "ezhou"
DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "migrate"


class TestSampleGolden:
    def test_assessment(self, golden: Callable[[str, str], None]) -> None:
        golden("assessment.json", to_json(migration.assess(folder=SAMPLE)) + "\n")

    def test_plan(self, tmp_path: Path, golden: Callable[[str, str], None]) -> None:
        plan, path = migration.make_plan(folder=SAMPLE, name="ezhou-2019", plans_dir=tmp_path)
        assert path == tmp_path / "ezhou-2019.yaml"
        golden("plan-ezhou-2019.yaml", path.read_text(encoding="utf-8"))
        assert load_plan(tmp_path, "ezhou-2019") == plan

    def test_the_plan_meets_the_milestone_and_lists_what_misses_it(self, tmp_path: Path) -> None:
        plan, _ = migration.make_plan(folder=SAMPLE, name="p", plans_dir=tmp_path, write=False)
        assert plan.deadline.isoformat() == "2019-12-31"
        assert not [w.id for w in plan.waves if w.after_deadline]
        misses = {m.system: m.reason for m in plan.misses}
        assert "health-net, whose cutover has no date" in misses["hc-ehr"]
        assert misses["hr-card"].startswith("held: hr-card is not ready")

    def test_an_early_deadline_lists_the_late_waves(self, tmp_path: Path) -> None:
        from datetime import date

        plan, _ = migration.make_plan(folder=SAMPLE, name="p", plans_dir=tmp_path, write=False,
                                      deadline=date(2019, 10, 31))
        late = [w.id for w in plan.waves if w.after_deadline]
        assert late and all(plan.waves[int(w[1:]) - 1].window_start.date() > date(2019, 10, 31) for w in late)
        assert any("after the deadline 2019-10-31 (--deadline)" in m.reason for m in plan.misses)

    def test_a_measured_bottleneck_changes_the_plan(self, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        with open_history(db) as history:
            history.record_run("bandwidth-audit", status="ok", results=[
                {"subject": "ez-psb", "status": "ok", "facts": {"headroom_mbps": 20}}])
        plan, _ = migration.make_plan(folder=SAMPLE, name="p", plans_dir=tmp_path, write=False, history_db=db)
        traffic = next(t for w in plan.waves for t in w.transfers if t.system == "psb-traffic")
        assert traffic.presync and traffic.bandwidth_source.startswith("measured p95 headroom")


class TestCli:
    runner = CliRunner()

    def invoke(self, *args: str) -> tuple[int, str]:
        result = self.runner.invoke(app, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout

    def test_plan_show_and_diff(self, tmp_path: Path) -> None:
        plans = str(tmp_path)
        code, _ = self.invoke("migrate", "plan", "--name", "a", "-i", str(SAMPLE), "--plans-dir", plans,
                              "--state-dir", str(tmp_path / "state"))
        assert code == 0
        code, _ = self.invoke("migrate", "plan", "--name", "b", "--start", "2019-10-01", "-i", str(SAMPLE),
                              "--plans-dir", plans, "--state-dir", str(tmp_path / "state"))
        assert code == 0
        code, out = self.invoke("migrate", "show", "a", "--plans-dir", plans, "--format", "json")
        assert code == 0 and json.loads(out)["name"] == "a"
        code, out = self.invoke("migrate", "show", "a", "--plans-dir", plans, "--wave", "W01", "--format", "json")
        assert code == 0 and [s["kind"] for s in json.loads(out)["steps"]][-2:] == ["verification", "rollback"]
        code, out = self.invoke("migrate", "diff", "a", "b", "--plans-dir", plans, "--format", "json")
        changes = json.loads(out)
        assert code == 0 and changes["same_input"] is True
        assert {"kind": "wave", "id": "W01", "before": "2019-09-07 20:00",
                "after": "2019-10-19 20:00"} in changes["changes"]
        assert {"kind": "system", "id": "edu-enrol", "before": "W07 2019-11-23 20:00",
                "after": "W06 2019-11-23 20:00"} in changes["changes"]
        assert "gsd-uac" not in {c["id"] for c in changes["changes"]}  # same wave, only its date moved

    def test_plans_are_written_byte_for_byte_the_same(self, tmp_path: Path) -> None:
        first, _ = migration.make_plan(folder=SAMPLE, name="x", plans_dir=tmp_path, write=False)
        again, _ = migration.make_plan(folder=SAMPLE, name="x", plans_dir=tmp_path, write=False)
        assert plan_text(first) == plan_text(again)

    def test_import_writes_the_catalogue_and_export_round_trips(self, inventory_copy: Path) -> None:
        code, _ = self.invoke("migrate", "import", str(DATA / "konveyor.csv"), "--format", "konveyor",
                              "-i", str(inventory_copy))
        assert code == 0
        text = (inventory_copy / "systems.yaml").read_text(encoding="utf-8")
        assert "archives-portal:" in text and text.startswith("# Legacy government information systems")
        code, exported = self.invoke("migrate", "export", "-i", str(inventory_copy))
        csv_file = inventory_copy.parent / "export.csv"
        csv_file.write_text(exported, encoding="utf-8")
        before = (inventory_copy / "systems.yaml").read_text(encoding="utf-8")
        code, _ = self.invoke("migrate", "import", str(csv_file), "--format", "csv", "-i", str(inventory_copy))
        assert code == 0
        code, again = self.invoke("migrate", "export", "-i", str(inventory_copy))
        assert again == exported
        assert (inventory_copy / "systems.yaml").read_text(encoding="utf-8") == before

    def test_a_bad_plan_name_is_refused(self, tmp_path: Path) -> None:
        from ezgov_infra.errors import InputError

        with pytest.raises(InputError, match="plan name"):
            migration.make_plan(folder=SAMPLE, name="../escape", plans_dir=tmp_path)
