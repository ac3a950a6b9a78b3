"""`--limit KEY:GLOB[,KEY:GLOB]` means the same in every command; its mistakes are bad input (exit 2) with a guess."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def ids(result: CliResult) -> list[str]:
    assert result.code == 0, result.err
    return [row["id"] for row in json.loads(result.out)]


class TestInventoryList:
    def test_the_convenience_flags_build_the_same_selector_as_limit(self, cli: Cli, sample_inventory: Path) -> None:
        flags = ids(cli("inventory", "list", "devices", "-i", sample_inventory, "--role", "core", "--platform", "frr",
                        "--format", "json"))
        limits = ids(cli("inventory", "list", "devices", "-i", sample_inventory, "--limit", "role:core",
                         "--limit", "platform:frr", "--format", "json"))
        assert flags == limits == ["ez-cloud-gw", "ez-core-1"]

    def test_commas_are_alternatives(self, cli: Cli, sample_inventory: Path) -> None:
        chosen = ids(cli("inventory", "list", "devices", "-i", sample_inventory, "--limit",
                         "device:taihe-ar-1,device:ez-core-1", "--format", "json"))
        assert chosen == ["ez-core-1", "taihe-ar-1"]

    def test_terms_that_match_but_not_together_list_nothing(self, cli: Cli, sample_inventory: Path) -> None:
        assert ids(cli("inventory", "list", "devices", "-i", sample_inventory, "--district", "liangzihu",
                       "--role", "core", "--format", "json")) == []

    def test_an_unknown_key_says_which_key_was_meant(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "list", "sites", "-i", sample_inventory, "--limit", "distrct:liangzihu")
        assert result.code == 2
        assert "unknown key 'distrct' (did you mean 'district'?" in result.err

    def test_a_key_the_kind_does_not_have_is_unknown(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "list", "regions", "-i", sample_inventory, "--role", "core")
        assert result.code == 2 and "unknown key 'role'" in result.err

    def test_a_value_that_matches_nothing_names_the_nearest(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "list", "devices", "-i", sample_inventory, "--district", "liangzhu")
        assert result.code == 2
        assert result.err == "error: district:liangzhu matches no device (did you mean district:liangzihu?)\n"


class TestEveryCommandSpeaksIt:
    def test_ipv6_audit(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("ipv6", "audit", "-i", sample_inventory, "--limit", "role:cor")
        assert result.code == 2 and "role:cor matches no device (did you mean role:core" in result.err
        limit = ("--limit", "region:liangzihu", "--limit", "role:access,role:aggregation")
        listed = ids(cli("inventory", "list", "devices", "-i", sample_inventory, *limit, "--format", "json"))
        chosen = cli("ipv6", "audit", "-i", sample_inventory, *limit, "--format", "json")
        assert chosen.code == 0, chosen.err
        document = json.loads(chosen.out)
        assert sorted([d["device"] for d in document["devices"]] + list(document["skipped"])) == listed
        assert len(listed) > 3 and document["devices"]
        assert document["scope"] == "region:liangzihu role:access,role:aggregation"

    def test_bandwidth_audit_judges_only_the_chosen_sites(self, cli: Cli, sample_inventory: Path) -> None:
        every = json.loads(cli("bandwidth", "audit", "-i", sample_inventory, "--no-store", "--format", "json").out)
        result = cli("bandwidth", "audit", "-i", sample_inventory, "--no-store", "--limit", "district:liangzihu",
                     "--format", "json")
        assert result.code == 0, result.err
        sites = [s["site"] for s in json.loads(result.out)["sites"]]
        assert sites and sites == [s["site"] for s in every["sites"] if s["district"] == "liangzihu"]
        assert json.loads(result.out)["summary"]["sites"] == len(sites)

    def test_bandwidth_poll_and_test_refuse_a_mistake_before_touching_anything(self, cli: Cli,
                                                                               sample_inventory: Path) -> None:
        poll = cli("bandwidth", "poll", "-i", sample_inventory, "--count", "2", "-l", "plaform:frr")
        assert poll.code == 2 and "did you mean 'platform'" in poll.err
        test = cli("bandwidth", "test", "-i", sample_inventory, "--limit", "setting:rurl")
        assert test.code == 2 and "did you mean setting:rural" in test.err

    def test_playbook_run_takes_limit_and_an_ansible_pattern_as_hosts(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("playbook", "run", "backup_configs", "-i", sample_inventory, "--limit", "platform:junos")
        assert result.code == 2 and "platform:junos matches no device" in result.err
        usage = cli("playbook", "run", "--help")
        assert "--hosts" in usage.out and "--limit" in usage.out
