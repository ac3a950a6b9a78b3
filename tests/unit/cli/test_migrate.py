"""`ezgov migrate ...` in-process: assess, plan, show and diff on the sample, import and export on a copy, and bad
input as one located line with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue
from tests.conftest import DATA, CliResult

Cli = Callable[..., CliResult]


class TestAssess:
    def test_json_gives_every_catalogued_system_a_readiness_strategy_and_rule(self, cli: Cli,
                                                                             sample_inventory: Path) -> None:
        result = cli("migrate", "assess", "-i", sample_inventory, "--as-of", "2019-09-01", "--format", "json")
        assert result.code == 0, result.err
        document = json.loads(result.out)
        assert document["as_of"] == "2019-09-01"
        systems = {s["system"]: s for s in document["systems"]}
        catalogue = load_catalogue(sample_inventory, load_inventory(sample_inventory))
        assert set(systems) == set(catalogue)
        assert all(s["readiness"] and s["strategy"] and s["strategy_rule"] for s in systems.values())
        assert systems["ca-assistance"]["classification"] == "sensitive"

    def test_a_date_that_is_not_one_names_the_option(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("migrate", "assess", "-i", sample_inventory, "--as-of", "soon")
        assert result.code == 2
        assert "--as-of: 'soon' is not a date (YYYY-MM-DD)" in result.err


class TestPlanShowDiff:
    def test_plan_show_and_diff(self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        plans = tmp_path / "plans"
        made = cli("migrate", "plan", "--name", "a", "-i", sample_inventory, "--plans-dir", plans)
        assert made.code == 0, made.err
        assert f"wrote {plans / 'a.yaml'}" in made.out
        made = cli("migrate", "plan", "--name", "b", "--start", "2019-10-01", "-i", sample_inventory,
                   "--plans-dir", plans)
        assert made.code == 0, made.err
        shown = cli("migrate", "show", "a", "--plans-dir", plans, "--format", "json")
        assert shown.code == 0 and json.loads(shown.out)["name"] == "a"
        wave = cli("migrate", "show", "a", "--plans-dir", plans, "--wave", "W01", "--format", "json")
        assert wave.code == 0 and [s["kind"] for s in json.loads(wave.out)["steps"]][-2:] == ["verification",
                                                                                              "rollback"]
        diff = cli("migrate", "diff", "a", "b", "--plans-dir", plans, "--format", "json")
        changes = json.loads(diff.out)
        assert diff.code == 0 and changes["same_input"] is True
        assert {"kind": "wave", "id": "W01", "before": "2019-09-07 20:00",
                "after": "2019-10-19 20:00"} in changes["changes"]
        assert {"kind": "system", "id": "edu-enrol", "before": "W07 2019-11-23 20:00",
                "after": "W06 2019-11-23 20:00"} in changes["changes"]
        assert "gsd-uac" not in {c["id"] for c in changes["changes"]}  # same wave, only its date moved

    def test_a_dry_run_writes_no_plan(self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        plans = tmp_path / "plans"
        result = cli("migrate", "plan", "--name", "a", "-i", sample_inventory, "--plans-dir", plans, "--dry-run")
        assert result.code == 0, result.err
        assert not (plans / "a.yaml").exists() and "wrote" not in result.out

    def test_showing_a_plan_that_does_not_exist_names_its_file_and_the_known_plans(self, cli: Cli,
                                                                                  sample_inventory: Path,
                                                                                  tmp_path: Path) -> None:
        plans = tmp_path / "plans"
        assert cli("migrate", "plan", "--name", "a", "-i", sample_inventory, "--plans-dir", plans).code == 0
        result = cli("migrate", "show", "nope", "--plans-dir", plans)
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err == f"error: {plans / 'nope.yaml'}: no such plan (known plans: a)\n"

    def test_an_unknown_wave_lists_the_plan_s_waves(self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        plans = tmp_path / "plans"
        assert cli("migrate", "plan", "--name", "a", "-i", sample_inventory, "--plans-dir", plans).code == 0
        result = cli("migrate", "show", "a", "--plans-dir", plans, "--wave", "W99")
        assert result.code == 2 and "--wave: no wave 'W99' in plan a (W01, " in result.err


class TestImportExport:
    def test_import_writes_the_catalogue_and_export_round_trips(self, cli: Cli, inventory_copy: Path) -> None:
        imported = cli("migrate", "import", DATA / "migrate" / "konveyor.csv", "--format", "konveyor",
                       "-i", inventory_copy)
        assert imported.code == 0, imported.err
        text = (inventory_copy / "systems.yaml").read_text(encoding="utf-8")
        assert "archives-portal:" in text and text.startswith("# Legacy government information systems")
        exported = cli("migrate", "export", "-i", inventory_copy)
        assert exported.code == 0, exported.err
        csv_file = inventory_copy.parent / "export.csv"
        csv_file.write_text(exported.out, encoding="utf-8")
        before = (inventory_copy / "systems.yaml").read_text(encoding="utf-8")
        assert cli("migrate", "import", csv_file, "--format", "csv", "-i", inventory_copy).code == 0
        again = cli("migrate", "export", "-i", inventory_copy)
        assert again.out == exported.out
        assert (inventory_copy / "systems.yaml").read_text(encoding="utf-8") == before
