"""Config backups of the lab routers versioned in git: two backups with one change between them give a one-hunk
`ezgov config diff`, and no credential of the lab reaches the repository (its whole history is searched)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.lab.lab import Lab
from tests.conftest import SAMPLE
from tests.lab.test_playbook import lab_secrets

pytestmark = pytest.mark.lab
ROUTER = "taihe-ar-1"
CHAIN = "ezgov-backup-test"


def run_backup(cli: Callable[..., Any], lab: Lab, folder: Path) -> Any:
    result = cli("playbook", "run", "backup_configs", "--state-dir", lab.state_dir, "-i", SAMPLE, "--limit", ROUTER,
                 "-e", f"ezgov_backup_dir={folder}", "--format", "json")
    assert result.code == 0, result.out + result.err
    return result


class TestConfigBackupsInGit:
    def test_one_change_between_two_backups_is_one_hunk_and_no_lab_secret_is_committed(
            self, lab: Lab, cli: Callable[..., Any], tmp_path: Path) -> None:
        secret = lab.secrets["snmp"]["community"]
        run_backup(cli, lab, tmp_path / "first")
        # the change: a key chain whose key is a lab credential, as an operator might paste one
        lab.vtysh(ROUTER, "configure terminal", f"key chain {CHAIN}", "key 1", f"key-string {secret}")
        try:
            run_backup(cli, lab, tmp_path / "second")
        finally:
            lab.vtysh(ROUTER, "configure terminal", f"no key chain {CHAIN}")
        assert secret in (tmp_path / "second" / ROUTER / "config.txt").read_text()  # the device did print it

        result = cli("config", "diff", ROUTER, "--state-dir", lab.state_dir, "--format", "json")
        assert result.code == 0, result.err
        diff = json.loads(result.out)
        assert diff["hunks"] == 1, diff["diff"]
        changed = [line for line in diff["diff"].splitlines()
                   if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
        assert changed[0] == f"+key chain {CHAIN}"
        assert "+  key-string <secret hidden>" in changed
        assert all(line.startswith("+") for line in changed)

        changes = json.loads(cli("config", "changes", "--device", ROUTER, "--state-dir", lab.state_dir,
                                 "--format", "json").out)
        assert len(changes) >= 2 and changes[0]["devices"] == [ROUTER]

        repo = lab.state_dir / "configs"
        history = subprocess.run(["git", "-C", str(repo), "log", "-p", "--all"], capture_output=True, text=True,
                                 check=True).stdout
        assert f"hostname {ROUTER}" in history
        for credential in lab_secrets(lab):
            assert credential not in history, "a lab credential is in the config repository"
