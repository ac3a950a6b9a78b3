"""Errors, exit codes and flags: bad input is a located one-line error and exit 2, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
LOCATED = re.compile(r"^error: [^:\n]+\.(yaml|csv):\d+: ", re.MULTILINE)


def append(path: Path, text: str) -> None:
    before = path.read_text(encoding="utf-8")
    path.write_text(before + ("" if before.endswith("\n") else "\n") + text, encoding="utf-8")


def refused(result: CliResult, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.err)
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


class TestLocatedErrorsNotTracebacks:
    def test_an_impossible_date(self, cli: Cli, inventory_copy: Path) -> None:
        append(inventory_copy / "circuits.yaml", "ZZ-1:\n  provider: p\n  a_end: ez-core-1:eth1\n"
               "  z_end: ez-core-1:eth2\n  access_type: fibre\n  contracted_mbps: 100\n  installed: 2019-11-31\n")
        result = cli("inventory", "validate", "-i", inventory_copy)
        refused(result, "circuits.yaml:", "not a date: '2019-11-31'")
        assert LOCATED.search(result.err)

    def test_an_ipv4_root_for_the_ipv6_plan(self, cli: Cli, inventory_copy: Path) -> None:
        policy = inventory_copy / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("root: 2001:db8::/32", "root: 198.51.100.0/24"),
                          encoding="utf-8")
        refused(cli("inventory", "validate", "-i", inventory_copy), "policy.yaml:", "addressing.root",
                "not an IPv6 prefix")
        refused(cli("ipv6", "plan", "-i", inventory_copy), "addressing.root")

    def test_a_complex_yaml_key(self, cli: Cli, inventory_copy: Path) -> None:
        append(inventory_copy / "websites.yaml", "? [a, b]\n: {name: x}\n")
        result = cli("inventory", "validate", "-i", inventory_copy)
        refused(result, "websites.yaml:", "a key must be a plain value")
        assert LOCATED.search(result.err)

    def test_policy_that_is_not_utf8(self, cli: Cli, inventory_copy: Path) -> None:
        (inventory_copy / "policy.yaml").write_bytes(b"extranet_roots: [ez-dc]\nname: \xff\xfe\n")
        refused(cli("inventory", "validate", "-i", inventory_copy), "policy.yaml:2: not UTF-8 text")

    def test_policy_that_is_a_folder(self, cli: Cli, inventory_copy: Path) -> None:
        (inventory_copy / "policy.yaml").unlink()
        (inventory_copy / "policy.yaml").mkdir()
        refused(cli("inventory", "validate", "-i", inventory_copy), "policy.yaml: cannot read: a folder")

    def test_a_csv_field_over_the_csv_module_limit(self, cli: Cli, inventory_copy: Path, tmp_path: Path) -> None:
        path = tmp_path / "sites.csv"
        path.write_text("slug,name\nzz," + "a" * 140_000 + "\n", encoding="utf-8")
        refused(cli("inventory", "import", "sites", path, "-i", inventory_copy), "sites.csv:2:", "field limit")


class TestWrongInputIsRefused:
    def test_a_management_address_written_as_a_number(self, cli: Cli, inventory_copy: Path) -> None:
        devices = inventory_copy / "devices.yaml"
        text = devices.read_text(encoding="utf-8")
        first = re.search(r"mgmt_ipv4: \S+", text)
        assert first
        devices.write_text(text.replace(first.group(), "mgmt_ipv4: 12", 1), encoding="utf-8")
        refused(cli("inventory", "validate", "-i", inventory_copy), "devices.yaml:", ".mgmt_ipv4: write the "
                "address as text")

    def test_validate_reads_the_catalogue_of_legacy_systems(self, cli: Cli, inventory_copy: Path) -> None:
        systems = inventory_copy / "systems.yaml"
        systems.write_text(systems.read_text(encoding="utf-8").replace("vcpu: 4", "vcpu: many", 1), encoding="utf-8")
        refused(cli("inventory", "validate", "-i", inventory_copy), "systems.yaml:", ".vcpu:")

    def test_the_valid_sample_counts_its_systems(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "validate", "-i", sample_inventory)
        assert result.code == 0 and "63 systems" in result.out

    def test_an_empty_folder_is_no_inventory(self, cli: Cli, tmp_path: Path) -> None:
        (tmp_path / "empty").mkdir()
        refused(cli("inventory", "validate", "-i", tmp_path / "empty"), "no inventory file here")

    def test_a_dangling_cloud_site(self, cli: Cli, inventory_copy: Path) -> None:
        policy = inventory_copy / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("cloud_site: ez-cloud", "cloud_site: ez-nimbus"),
                          encoding="utf-8")
        refused(cli("inventory", "validate", "-i", inventory_copy), "policy.yaml:",
                "migration.cloud_site: unknown site 'ez-nimbus'")

    def test_reference_errors_come_with_schema_errors_in_one_pass(self, cli: Cli, inventory_copy: Path) -> None:
        append(inventory_copy / "devices.yaml", "zz-dev:\n  site: nowhere\n  role: access\n  platform: frr\n"
               "  credential_profile: lab\n  colour: blue\n")
        systems = inventory_copy / "systems.yaml"
        text = systems.read_text(encoding="utf-8").replace("vcpu: 4", "vcpu: many", 1)
        text = text.replace("  - target: hr-social-ins", "  - target: nosuch-system", 1)
        systems.write_text(text, encoding="utf-8")
        result = cli("inventory", "validate", "-i", inventory_copy)
        refused(result, "zz-dev.colour: unknown field", "zz-dev.site: unknown site 'nowhere'",
                ".vcpu:", "unknown system 'nosuch-system'")


class TestRunsSayWhatHappened:
    def test_an_offline_folder_that_does_not_exist(self, cli: Cli, sample_inventory: Path) -> None:
        refused(cli("ipv6", "audit", "--offline", "NOSUCHDIR", "-i", sample_inventory), "NOSUCHDIR")

    @pytest.mark.parametrize(("option", "hint"), [("--district=liangzhu", "liangzihu"), ("--role=acess", "access")])
    def test_a_filter_that_matches_nothing(self, cli: Cli, sample_inventory: Path, option: str, hint: str) -> None:
        refused(cli("inventory", "list", "devices", option, "-i", sample_inventory), "did you mean", hint)

    def test_show_suggests_the_id_meant(self, cli: Cli, sample_inventory: Path) -> None:
        refused(cli("inventory", "show", "taihe-ar1", "-i", sample_inventory), "did you mean taihe-ar-1 ")

    def test_a_poll_interval_under_the_minimum(self, cli: Cli, sample_inventory: Path) -> None:
        refused(cli("bandwidth", "poll", "--interval", "1s", "--count", "3", "-i", sample_inventory),
                "--interval: at least 5 s")


class TestOptions:
    def test_version(self, cli: Cli) -> None:
        result = cli("--version")
        assert result.code == 0 and re.fullmatch(r"ezgov \S+\n", result.out)

    def test_h_is_help_everywhere(self, cli: Cli) -> None:
        for args in (("-h",), ("inventory", "-h"), ("inventory", "list", "-h"), ("migrate", "import", "-h")):
            result = cli(*args)
            assert result.code == 0 and "Usage:" in result.out, args

    def test_shell_completion_is_offered(self, cli: Cli) -> None:
        result = cli("--help")
        assert "--install-completion" in result.out and "--show-completion" in result.out

    def test_debug_keeps_the_exit_code_of_bad_input(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("--debug", "inventory", "show", "no-such-id", "-i", sample_inventory)
        assert result.code == 2 and "Traceback" in result.err and "error: no record" in result.err

    def test_o_is_a_path_f_a_format_l_the_selector(self) -> None:
        from typer.main import get_command

        from ezgov_infra.cli.main import app

        def walk(command: object, path: str) -> list[tuple[str, str, str]]:
            found = []
            for param in getattr(command, "params", []):
                for opt in getattr(param, "opts", []) + getattr(param, "secondary_opts", []):
                    found.append((path, opt, param.name or ""))
            for name, sub in getattr(command, "commands", {}).items():
                found += walk(sub, f"{path} {name}")
            return found

        options = walk(get_command(app), "ezgov")
        assert {(p, n) for p, o, n in options if o == "-o" and n not in ("out",)} == set()
        assert {(p, n) for p, o, n in options if o == "-l" and n != "limit"} == set()
        assert {(p, n) for p, o, n in options if o == "--out" and n != "out"} == set()
        assert {(p, n) for p, o, n in options if o == "-f" and not any(x == (p, "--format", n) for x in options)} \
            == set()
        assert ("ezgov migrate import", "--output-format", "fmt") in options

    def test_help_stays_light(self) -> None:
        proc = subprocess.run([sys.executable, "-m", "ezgov_infra", "-h"], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0 and "Usage:" in proc.stdout
