"""Device configs versioned in git (real git): one commit per backup that changed something, a one-hunk diff
for one change, volatile lines never a change, secrets never in the repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.jobs.configs import commit_backup
from tests.conftest import DATA, SAMPLE

SNAPSHOTS = SAMPLE / "snapshots"
VRP = "changgang-ar-1"


def backup(folder: Path, device: str, config: str, platform: str) -> Path:
    (folder / device).mkdir(parents=True, exist_ok=True)
    (folder / device / "config.txt").write_text(config)
    (folder / device / "meta.yaml").write_text(f"device: {device}\nplatform: {platform}\nsource: backup\n")
    return folder


def git_history(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "log", "-p", "--all"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def vrp_config() -> str:
    return (SNAPSHOTS / VRP / "config.txt").read_text()


class TestCommits:
    def test_two_backups_with_one_change_give_a_one_hunk_diff(self, tmp_path: Path, vrp_config: str,
                                                             cli: Callable[..., Any]) -> None:
        state = tmp_path / "state"
        first = commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b1", VRP, vrp_config, "huawei_vrp"),
                              devices=[VRP])
        changed = vrp_config.replace("sysname changgang-ar-1", "sysname changgang-ar-1\n ntp-service unicast-server "
                                     "2001:db8:0:2::123")
        changed = changed.replace("saved at 2026-11-20 02:00:00", "saved at 2026-11-21 02:00:00")
        second = commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b2", VRP, changed, "huawei_vrp"),
                               devices=[VRP])
        assert first.rev and second.rev and first.changed == second.changed == [VRP]
        result = cli("config", "diff", VRP, "--state-dir", state, "--format", "json")
        assert result.code == 0, result.err
        diff = json.loads(result.out)
        assert diff["hunks"] == 1
        added = [line for line in diff["diff"].splitlines() if line.startswith(("+", "-"))
                 and not line.startswith(("+++", "---"))]
        assert added == ["+ ntp-service unicast-server 2001:db8:0:2::123"]
        plain = cli("config", "diff", VRP, first.rev, second.rev, "--state-dir", state)
        assert plain.out == diff["diff"]

    def test_a_backup_differing_only_in_volatile_lines_is_no_commit(self, tmp_path: Path, vrp_config: str) -> None:
        state = tmp_path / "state"
        commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b1", VRP, vrp_config, "huawei_vrp"),
                      devices=[VRP])
        later = vrp_config.replace("saved at 2026-11-20 02:00:00", "saved at 2026-12-01 02:00:00")
        assert later != vrp_config
        again = commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b2", VRP, later, "huawei_vrp"),
                              devices=[VRP])
        assert again.rev is None and again.changed == []
        assert "Last configuration was saved" not in (state / "configs" / f"{VRP}.cfg").read_text()

    def test_the_message_names_the_run_and_the_devices_and_changes_lists_it(self, tmp_path: Path, vrp_config: str,
                                                                          cli: Callable[..., Any]) -> None:
        state = tmp_path / "state"
        folder = backup(tmp_path / "b1", VRP, vrp_config, "huawei_vrp")
        ios = DATA / "outputs" / "cisco_ios" / "zhaoshan-ar-1"
        shutil.copy(ios / "config.txt", backup(folder, "zhaoshan-ar-1", "", "cisco_ios") / "zhaoshan-ar-1" /
                    "config.txt")
        done = commit_backup(state_dir=state, backup_dir=folder, devices=[VRP, "zhaoshan-ar-1", "gone-1"])
        assert done.missing == ["gone-1"]
        subject = subprocess.run(["git", "-C", str(state / "configs"), "log", "-1", "--format=%s"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        assert subject == f"config backup run {done.run_id}: 2 devices changed: {VRP}, zhaoshan-ar-1"
        result = cli("config", "changes", "--since", "2000-01-01", "--state-dir", state, "--format", "json")
        assert result.code == 0, result.err
        rows = json.loads(result.out)
        assert [(r["run"], r["devices"]) for r in rows] == [(done.run_id, [VRP, "zhaoshan-ar-1"])]
        future = cli("config", "changes", "--since", "2999-01-01", "--state-dir", state, "--format", "json")
        assert json.loads(future.out) == []

    def test_diff_of_an_unknown_device_is_bad_input(self, tmp_path: Path, vrp_config: str,
                                                   cli: Callable[..., Any]) -> None:
        state = tmp_path / "state"
        commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b1", VRP, vrp_config, "huawei_vrp"),
                      devices=[VRP])
        result = cli("config", "diff", "nowhere-1", "--state-dir", state)
        assert result.code == 2 and "nowhere-1: no config of this device" in result.err


class TestSecrets:
    @pytest.mark.parametrize(("platform", "line", "secret"), [
        ("cisco_ios", "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"),
        ("cisco_ios", "username admin privilege 15 secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0", "$9$nhEmQVczB7dqsO"),
        ("cisco_ios", "snmp-server community Pub1ic-ro RO", "Pub1ic-ro"),
        ("cisco_ios", " password 7 0822455D0A16", "0822455D0A16"),
        ("cisco_ios", "snmp-server user u1 G1 v3 auth sha AuthKey123 priv aes 128 PrivKey456", "PrivKey456"),
        ("huawei_vrp", " local-user admin password irreversible-cipher $1c$abcdef$", "$1c$abcdef$"),
        ("huawei_vrp", "snmp-agent community read cipher %^%#Zz9!x%^%# acl 2000", "%^%#Zz9!x%^%#"),
        ("hp_comware", " password hash $h$6$Jk0T4n", "$h$6$Jk0T4n"),
        ("hp_comware", " snmp-agent community read simple s3cr3t-ro", "s3cr3t-ro"),
        ("frr", " neighbor 2001:db8::2 password Bgp-Pass1", "Bgp-Pass1"),
        ("frr", "  key-string Ospf-Key9", "Ospf-Key9"),
    ])
    def test_a_secret_is_hidden_and_its_line_kept(self, platform: str, line: str, secret: str) -> None:
        from ezgov_infra.ops.configs import HIDDEN, ConfigFilter
        from ezgov_infra.platforms import load_profile

        profile = load_profile(platform)
        cleaned = ConfigFilter.of(platform, profile.volatile, profile.secrets).clean(f"hostname r1\n{line}\n")
        assert secret not in cleaned
        assert HIDDEN in cleaned and cleaned.startswith("hostname r1\n")

    def test_ios_volatile_lines_are_dropped(self) -> None:
        from ezgov_infra.ops.configs import ConfigFilter
        from ezgov_infra.platforms import load_profile

        profile = load_profile("cisco_ios")
        text = ("Building configuration...\n\nCurrent configuration : 4231 bytes\n"
                "! Last configuration change at 10:15:01 UTC Tue Mar 5 2024 by admin\n"
                "! NVRAM config last updated at 10:16:40 UTC Tue Mar 5 2024 by admin\n"
                "hostname r1\nntp clock-period 17179860\nntp server 2001:db8::123\n")
        cleaned = ConfigFilter.of("cisco_ios", profile.volatile, profile.secrets).clean(text)
        assert cleaned == "Building configuration...\n\nhostname r1\nntp server 2001:db8::123\n"

    def test_no_secret_of_a_config_reaches_the_repository_history(self, tmp_path: Path, vrp_config: str) -> None:
        state = tmp_path / "state"
        secret = "Q7x2Lr9TzW4kP8mN3vB6"
        with_secret = vrp_config.replace("sysname changgang-ar-1",
                                         f"sysname changgang-ar-1\n local-user ops password cipher {secret}")
        commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b1", VRP, vrp_config, "huawei_vrp"),
                      devices=[VRP])
        commit_backup(state_dir=state, backup_dir=backup(tmp_path / "b2", VRP, with_secret, "huawei_vrp"),
                      devices=[VRP])
        history = git_history(state / "configs")
        assert "local-user ops password cipher <secret hidden>" in history
        assert secret not in history
