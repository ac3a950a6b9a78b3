"""`ezgov playbook ...` in-process without a lab: the bundled playbooks are listed, and `run` refuses bad arguments
before ansible or any device is touched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO, CliResult

Cli = Callable[..., CliResult]


class TestList:
    def test_every_bundled_playbook_is_listed_with_its_purpose_and_platforms(self, cli: Cli) -> None:
        result = cli("playbook", "list", "--format", "json")
        assert result.code == 0, result.err
        listed = {p["name"]: p for p in json.loads(result.out)}
        assert set(listed) == {path.stem for path in (REPO / "playbooks").glob("*.yml")}
        assert all(p["purpose"] and p["platforms"] for p in listed.values())
        assert "frr" in listed["ipv6_enable"]["platforms"]
        assert Path(listed["backup_configs"]["path"]).name == "backup_configs.yml"

    def test_the_table_names_each_playbook(self, cli: Cli) -> None:
        result = cli("playbook", "list")
        assert result.code == 0, result.err
        assert all(name in result.out for name in ("backup_configs", "ipv6_enable", "snmpv3"))


class TestRunArguments:
    def test_an_unknown_playbook_lists_the_known_ones(self, cli: Cli, sample_inventory: Path,
                                                      tmp_path: Path) -> None:
        result = cli("playbook", "run", "nosuch", "-i", sample_inventory, "--check")
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err.startswith("error: no playbook 'nosuch' (one of backup_configs, ipv6_enable")
        assert not (tmp_path / "state" / "artifacts").exists()

    def test_an_extra_var_without_a_value_is_refused(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("playbook", "run", "ipv6_enable", "-i", sample_inventory, "--check", "-e", "novalue")
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err == "error: -e 'novalue': expected KEY=VALUE with KEY a variable name\n"

    def test_an_unknown_limit_key_lists_the_keys(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("playbook", "run", "ipv6_enable", "-i", sample_inventory, "--check", "--limit", "colour:red")
        assert result.code == 2 and result.err.count("\n") == 1
        assert "colour:red: unknown key 'colour' (keys: device, site," in result.err
