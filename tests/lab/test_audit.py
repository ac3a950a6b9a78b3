"""The IPv6 device audit against the virtual lab: live SSH and SNMP (v2c and v3) find exactly the planted
faults, failing routers are categorised while the others complete, and no secret leaks anywhere."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ezgov_infra.lab.lab import Lab
from tests.conftest import SAMPLE

pytestmark = pytest.mark.lab
LAB_ROUTERS = "platform:frr"
IPV4_ONLY = "tujianao-ar-1"


def audit_json(cli: Callable[..., Any], lab: Lab, *args: Any, inventory: Path = SAMPLE) -> tuple[int, dict[str, Any],
                                                                                                    str]:
    result = cli("ipv6", "audit", "--live", "-i", inventory, "--state-dir", lab.state_dir, "--limit", LAB_ROUTERS,
                 "--format", "json", *args)
    return result.code, json.loads(result.out), result.out + result.err


def readiness(document: dict[str, Any]) -> dict[str, str]:
    return {d["device"]: (d["score"]["readiness"] if d["score"] else f"failed: {d['category']}")
            for d in document["devices"]}


class TestPlantedFaults:
    @pytest.mark.parametrize("via", [("ssh", None), ("snmp", "lab-v2c"), ("snmp", "lab-v3")],
                             ids=["ssh", "snmp-v2c", "snmp-v3"])
    def test_only_the_ipv4_only_router_is_not_ready(self, lab: Lab, cli: Callable[..., Any],
                                                    via: tuple[str, str | None]) -> None:
        collector, profile = via
        extra = ["--via", collector] + (["--snmp-profile", profile] if profile else [])
        code, document, _ = audit_json(cli, lab, *extra)
        assert code == 0, document
        states = readiness(document)
        assert states.pop(IPV4_ONLY) == "not ready"
        assert set(states.values()) == {"ready"}, {d["device"]: [f["message"] for f in d["findings"]]
                                                   for d in document["devices"] if d["findings"]}
        ipv4_only = next(d for d in document["devices"] if d["device"] == IPV4_ONLY)
        rules = {f["rule"] for f in ipv4_only["findings"]}
        assert {"V6-ADDR-001", "V6-ADDR-002", "V6-MGMT-001"} <= rules
        if collector == "ssh":
            assert "V6-CP-001" in rules


def _inventory_with_wrong_password(tmp_path: Path, device: str) -> Path:
    folder = tmp_path / "inventory"
    folder.mkdir()
    for source in SAMPLE.glob("*.yaml"):
        (folder / source.name).write_bytes(source.read_bytes())
    devices = yaml.safe_load((folder / "devices.yaml").read_text())
    devices[device]["credential_profile"] = "wrong-password"
    (folder / "devices.yaml").write_text(yaml.safe_dump(devices, sort_keys=True, allow_unicode=True))
    credentials = yaml.safe_load((folder / "credentials.yaml").read_text())
    credentials["wrong-password"] = {"source": "env", "username": "ezgov", "password_env": "EZGOV_TEST_WRONG_PW"}
    (folder / "credentials.yaml").write_text(yaml.safe_dump(credentials, sort_keys=True))
    return folder


class TestFailures:
    def test_each_failure_is_categorised_while_the_others_complete(self, lab: Lab, cli: Callable[..., Any],
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        stopped, wrong_password, frozen, unknown_key = "huarong-agg-1", "echeng-agg-1", "fenghuang-ar-1", "ez-cloud-gw"
        inventory = _inventory_with_wrong_password(tmp_path, wrong_password)
        monkeypatch.setenv("EZGOV_TEST_WRONG_PW", "not-the-lab-password")
        known_hosts = tmp_path / "known_hosts"
        stranger = lab.nodes[unknown_key].mgmt_ipv4 or ""
        known_hosts.write_text("".join(line for line in Path(lab.secrets["known_hosts"]).read_text().splitlines(True)
                                       if stranger not in line.split()[0].split(",")))
        sshd = lab.pids(frozen)["sshd"]
        lab.stop_daemon(stopped, "sshd")
        os.kill(sshd, signal.SIGSTOP)
        try:
            started = time.monotonic()
            code, document, _ = audit_json(cli, lab, "--connect-timeout", "3", "--timeout", "20", "--known-hosts",
                                           known_hosts, inventory=inventory)
            elapsed = time.monotonic() - started
        finally:
            os.kill(sshd, signal.SIGCONT)
            lab.start_daemon(stopped, "sshd")
        assert code == 1
        states = readiness(document)
        assert states[stopped] == "failed: unreachable"
        assert states[wrong_password] == "failed: auth"
        assert states[frozen] == "failed: timeout"
        assert states[unknown_key] == "failed: host-key"
        assert {d: s for d, s in states.items() if not s.startswith("failed")} == {
            "ez-core-1": "ready", "liangzihu-agg-1": "ready", "taihe-ar-1": "ready", IPV4_ONLY: "not ready"}
        assert elapsed < 20


class TestSecrets:
    def test_no_secret_in_history_outputs_or_json(self, lab: Lab, cli: Callable[..., Any]) -> None:
        texts = []
        for extra in (["--via", "ssh,snmp"], ["--via", "snmp", "--snmp-profile", "lab-v2c"]):
            _, _, output = audit_json(cli, lab, *extra)
            texts.append(output)
        texts.append(cli("ipv6", "findings", "--state-dir", lab.state_dir, "--format", "json").out)
        secrets = lab.secrets
        values = [secrets["ssh"]["password"], secrets["snmp"]["community"], secrets["snmp"]["v3"]["auth_key"],
                  secrets["snmp"]["v3"]["priv_key"]]
        stored = b"".join(p.read_bytes() for p in lab.state_dir.glob("history.sqlite*"))
        for value in values:
            assert value and value.encode() not in stored
            assert all(value not in text for text in texts)
