"""`ezgov config ...` in-process on an empty state folder: no config repository yet is said plainly and nothing is
created; a bad --since names the option with exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


class TestEmptyStateDir:
    def test_changes_say_there_is_no_repository_yet_and_create_none(self, cli: Cli, tmp_path: Path) -> None:
        state = tmp_path / "empty-state"
        result = cli("config", "changes", "--state-dir", state, "--format", "json")
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err == (f"error: {state / 'configs'}: no config repository yet "
                              "(run `ezgov playbook run backup_configs`)\n")
        assert not state.exists()

    def test_diff_of_a_device_says_the_same(self, cli: Cli, tmp_path: Path) -> None:
        state = tmp_path / "empty-state"
        result = cli("config", "diff", "ez-core-1", "--state-dir", state)
        assert result.code == 2 and "no config repository yet" in result.err
        assert not state.exists()


class TestBadInput:
    def test_a_since_that_is_not_a_date_names_the_option(self, cli: Cli, tmp_path: Path) -> None:
        result = cli("config", "changes", "--since", "soon", "--state-dir", tmp_path / "state")
        assert result.code == 2
        assert "Invalid value for '--since'" in result.err and "'soon'" in result.err
