"""Settings resolved once at the root: `ezgov --inventory/--state-dir/--plans-dir`, their environment variables,
and a command's own options, which win."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def plan_source(result: CliResult) -> str:
    assert result.code == 0, result.err
    rows = {row["title"]: row["source"] for row in json.loads(result.out)["figures"]}
    return rows["Systems moved to the government cloud"]


class TestInventory:
    def test_the_root_option_reaches_the_command(self, cli: Cli, inventory_copy: Path) -> None:
        result = cli("--inventory", inventory_copy, "inventory", "validate")
        assert result.code == 0, result.err
        assert result.out.startswith(f"{inventory_copy}: valid")

    def test_the_root_option_wins_over_the_environment(self, cli: Cli, inventory_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("EZGOV_INVENTORY", str(tmp_path / "nowhere"))
        assert cli("inventory", "validate").code == 2
        result = cli("-i", inventory_copy, "inventory", "validate")
        assert result.code == 0 and result.out.startswith(f"{inventory_copy}: valid")

    def test_the_environment_is_read_without_options(self, cli: Cli, inventory_copy: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EZGOV_INVENTORY", str(inventory_copy))
        assert cli("inventory", "validate").out.startswith(f"{inventory_copy}: valid")

    def test_the_commands_own_option_wins_over_the_root_option(self, cli: Cli, inventory_copy: Path,
                                                                tmp_path: Path) -> None:
        result = cli("--inventory", tmp_path / "nowhere", "inventory", "validate", "-i", inventory_copy)
        assert result.code == 0 and result.out.startswith(f"{inventory_copy}: valid")


class TestStateDir:
    def test_the_root_option_wins_over_the_environment_and_the_command_over_both(
            self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        root, mine = tmp_path / "root-state", tmp_path / "own-state"
        audit = ("ipv6", "audit", "-i", sample_inventory, "--limit", "device:ez-core-2", "--format", "json")
        assert cli("--state-dir", root, *audit).code == 0
        assert (root / "history.sqlite").exists()
        assert cli("--state-dir", root, *audit, "--state-dir", mine).code == 0
        runs = {str(folder): json.loads(cli("ipv6", "runs", "--state-dir", folder, "--format", "json").out)
                for folder in (root, mine, tmp_path / "state")}
        assert [len(r) for r in runs.values()] == [1, 1, 0]  # tmp_path/state is EZGOV_STATE_DIR (see conftest)


class TestPlansDir:
    @pytest.fixture
    def plans(self, cli: Cli, sample_inventory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        """A plan `p1` in its own folder; the working directory has no `migration_plans/`."""
        monkeypatch.chdir(tmp_path)
        folder = tmp_path / "plans"
        made = cli("migrate", "plan", "--name", "p1", "-i", sample_inventory, "--plans-dir", folder)
        assert made.code == 0, made.err
        return folder

    def test_ezgov_plans_dir_reaches_the_report(self, cli: Cli, plans: Path, sample_inventory: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        figures = ("report", "figures", "-i", sample_inventory, "--as-of", "2019-11-01", "--format", "json")
        assert plan_source(cli(*figures)) == "No migration plan yet"
        monkeypatch.setenv("EZGOV_PLANS_DIR", str(plans))
        assert plan_source(cli(*figures)) == "Migration plan p1"

    def test_the_root_option_wins_over_the_environment_for_report_and_migrate(
            self, cli: Cli, plans: Path, sample_inventory: Path, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EZGOV_PLANS_DIR", str(tmp_path / "empty"))
        figures = ("report", "figures", "-i", sample_inventory, "--as-of", "2019-11-01", "--format", "json")
        assert plan_source(cli(*figures)) == "No migration plan yet"
        assert plan_source(cli("--plans-dir", plans, *figures)) == "Migration plan p1"
        assert cli("--plans-dir", plans, "migrate", "show", "p1", "--format", "json").code == 0
        assert cli("migrate", "show", "p1").code == 2
