"""Playbooks against the virtual routers: backups the offline audit reads like a live one, a router that is down
is reported unreachable while the others complete, and no lab secret reaches the artifacts or the output."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.lab.lab import Lab
from tests.conftest import SAMPLE

pytestmark = pytest.mark.lab
DOWN_ROUTER = "taihe-ar-1"


def findings_of(document: dict[str, Any]) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    states = {d["device"]: (d["score"]["readiness"] if d["score"] else f"failed: {d['category']}")
              for d in document["devices"]}
    found = {(d["device"], f["rule"], f["message"]) for d in document["devices"] for f in d["findings"]}
    return states, found


def lab_secrets(lab: Lab) -> list[str]:
    sec = lab.secrets
    key_text = Path(sec["ssh"]["key_file"]).read_text()
    key_body = [line for line in key_text.splitlines() if line and not line.startswith("-----")]
    return [sec["ssh"]["password"], sec["snmp"]["community"], sec["snmp"]["v3"]["auth_key"],
            sec["snmp"]["v3"]["priv_key"], *key_body]


@pytest.fixture(scope="module")
def backup(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One backup_configs run over every lab router, through the CLI."""
    from ezgov_infra.cli.main import main

    folder = tmp_path_factory.mktemp("backup")
    out = tmp_path_factory.mktemp("out") / "backup.json"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["playbook", "run", "backup_configs", "--state-dir", str(lab.state_dir), "-i", str(SAMPLE),
                     "-e", f"ezgov_backup_dir={folder}", "--format", "json"])
    out.write_text(buffer.getvalue())
    return {"code": code, "summary": json.loads(buffer.getvalue()), "folder": folder, "output": buffer.getvalue()}


class TestBackupConfigs:
    def test_every_lab_router_is_backed_up(self, backup: dict[str, Any], lab: Lab) -> None:
        assert backup["code"] == 0, backup["output"]
        assert sorted(backup["summary"]["per_host"]) == sorted(lab.nodes)
        for device in lab.nodes:
            folder = backup["folder"] / device
            node = lab.topology.node(device)
            if node.emulated:  # Huawei VRP, H3C Comware: `display current-configuration` through netmiko
                assert f"sysname {device}" in (folder / "config.txt").read_text()
                assert f"platform: {node.platform}" in (folder / "meta.yaml").read_text()
                continue
            assert (folder / "config.txt").read_text().startswith("Building configuration")
            assert f"hostname {device}" in (folder / "config.txt").read_text()
            assert "platform: frr" in (folder / "meta.yaml").read_text()

    def test_the_offline_audit_of_the_backup_equals_the_live_audit(self, backup: dict[str, Any], lab: Lab,
                                                                   cli: Callable[..., Any]) -> None:
        common = ["--limit", "platform:frr", "--state-dir", lab.state_dir, "-i", SAMPLE, "--format", "json"]
        offline = cli("ipv6", "audit", "--offline", backup["folder"], *common)
        live = cli("ipv6", "audit", "--live", *common)
        assert offline.code == 0 and live.code == 0, offline.err + live.err
        offline_states, offline_findings = findings_of(json.loads(offline.out))
        live_states, live_findings = findings_of(json.loads(live.out))
        assert offline_states == live_states
        assert offline_findings == live_findings
        assert offline_states["tujianao-ar-1"] == "not ready"


class TestUnreachableHost:
    def test_a_router_whose_sshd_is_down_is_unreachable_and_the_others_complete(
            self, lab: Lab, cli: Callable[..., Any], tmp_path: Path) -> None:
        lab.stop_daemon(DOWN_ROUTER, "sshd")
        try:
            result = cli("playbook", "run", "backup_configs", "--state-dir", lab.state_dir, "-i", SAMPLE,
                         "-e", f"ezgov_backup_dir={tmp_path}", "--format", "json")
        finally:
            lab.start_daemon(DOWN_ROUTER, "sshd")
        assert result.code == 1
        summary = json.loads(result.out)
        assert summary["per_host"][DOWN_ROUTER]["status"] == "unreachable"
        others = {h: r["status"] for h, r in summary["per_host"].items() if h != DOWN_ROUTER}
        assert set(others.values()) == {"changed"} and len(others) == len(lab.nodes) - 1
        assert not (tmp_path / DOWN_ROUTER).exists()
        assert (tmp_path / "ez-core-1" / "config.txt").exists()


class TestSecrets:
    def test_no_lab_secret_is_in_the_artifacts_or_the_output(self, backup: dict[str, Any], lab: Lab) -> None:
        secrets = lab_secrets(lab)
        artifacts = Path(backup["summary"]["artifacts_dir"])
        assert list(artifacts.rglob("job_events/*.json"))
        for path in [*artifacts.rglob("*"), *(lab.state_dir / "automation").rglob("*")]:
            if path.is_file():
                content = path.read_text(errors="replace")
                for secret in secrets:
                    assert secret not in content, f"a lab secret is in {path}"
        for secret in secrets:
            assert secret not in backup["output"]
        assert backup["summary"]["masked"] == 0  # nothing had to be masked: no secret ever reached a file
