"""`ezgov lab ...` in-process when no lab is up: status shows the topology as down and starts nothing; commands that
need the lab say so. No root, no namespaces."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


class TestStatusWithoutALab:
    def test_every_node_is_shown_not_running_and_the_exit_code_is_1(self, cli: Cli, sample_inventory: Path,
                                                                     tmp_path: Path) -> None:
        result = cli("lab", "status", "-i", sample_inventory, "--format", "json")
        assert result.code == 1, result.err
        status = json.loads(result.out)
        assert status["up"] is False and status["state_dir"] == str(tmp_path / "state" / "lab")
        nodes = {n["node"]: n for n in status["nodes"]}
        assert {"ez-core-1", "taihe-ar-1", "tujianao-ar-1"} <= set(nodes)
        assert all(n["running"] is False and n["daemons"] == {} for n in nodes.values())
        assert all(n["namespace"] == f"ezlab-{name}" for name, n in nodes.items())
        assert nodes["tujianao-ar-1"]["addresses"] == ["198.51.100.18"]  # the planted IPv4-only router

    def test_status_creates_nothing(self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        assert cli("lab", "status", "-i", sample_inventory).code == 1
        state = tmp_path / "state"
        assert not state.exists()  # no lab state, and the parse cache lives outside the state dir

    def test_the_table_says_the_lab_is_down(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("lab", "status", "-i", sample_inventory)
        assert "down" in result.out and "ezlab-ez-core-1" in result.out


class TestNeedsTheLab:
    def test_validate_says_the_lab_is_not_up(self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        result = cli("lab", "validate", "-i", sample_inventory)
        assert result.code == 1
        assert result.err == f"error: the lab in {tmp_path / 'state' / 'lab'} is not up (run `ezgov lab up`)\n"


class TestBadInput:
    def test_a_missing_inventory_folder_is_one_line_naming_it(self, cli: Cli, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere"
        result = cli("lab", "status", "-i", missing)
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err.startswith(f"error: {missing}: no such inventory folder")
