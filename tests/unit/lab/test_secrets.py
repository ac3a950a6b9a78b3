"""Generated secrets: created once with mode 0600, reused, and never put on a command line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab import secrets


class TestEnsureSecrets:
    def test_the_contract_format_with_mode_0600(self, tmp_path: Path) -> None:
        value = secrets.ensure_secrets(tmp_path)
        path = tmp_path / "secrets.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert json.loads(path.read_text()) == value
        assert value["ssh"]["username"] == "ezgov"
        assert Path(value["ssh"]["key_file"]).is_absolute()
        assert stat.S_IMODE(Path(value["ssh"]["key_file"]).stat().st_mode) == 0o600
        assert value["snmp"]["v3"]["auth_protocol"] == "SHA"
        assert value["snmp"]["v3"]["priv_protocol"] == "AES"
        assert len(value["snmp"]["v3"]["auth_key"]) >= 8  # net-snmp refuses shorter passphrases

    def test_a_second_call_keeps_every_secret(self, tmp_path: Path) -> None:
        first = secrets.ensure_secrets(tmp_path)
        key = Path(first["ssh"]["key_file"]).read_text()
        assert secrets.ensure_secrets(tmp_path) == first
        assert Path(first["ssh"]["key_file"]).read_text() == key

    def test_two_labs_get_different_secrets(self, tmp_path: Path) -> None:
        a = secrets.ensure_secrets(tmp_path / "a")
        b = secrets.ensure_secrets(tmp_path / "b")
        assert a["ssh"]["password"] != b["ssh"]["password"]
        assert a["snmp"]["community"] != b["snmp"]["community"]

    def test_a_missing_file_tells_to_bring_the_lab_up(self, tmp_path: Path) -> None:
        with pytest.raises(LabError, match="ezgov lab up"):
            secrets.load_secrets(tmp_path)


class TestKnownHosts:
    def test_one_line_per_router_with_all_its_addresses(self, tmp_path: Path) -> None:
        key = secrets.ensure_host_key(tmp_path)
        text = secrets.known_hosts_text([(["198.51.100.11", "2001:db8:0:2::10"], key)])
        hosts, algo, blob = text.split()
        assert hosts == "198.51.100.11,2001:db8:0:2::10"
        assert algo == "ssh-ed25519"
        assert blob == key.with_name(key.name + ".pub").read_text().split()[1]


class TestSnmpClientConf:
    def test_all_snmp_secrets_go_to_the_client_file(self, tmp_path: Path) -> None:
        value = secrets.ensure_secrets(tmp_path)
        text = secrets.snmp_client_conf(value)
        for secret in (value["snmp"]["community"], value["snmp"]["v3"]["auth_key"], value["snmp"]["v3"]["priv_key"]):
            assert secret in text
        assert "defSecurityLevel authPriv" in text
