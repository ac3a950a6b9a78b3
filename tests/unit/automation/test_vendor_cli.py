"""ipv6_enable.yml on Huawei VRP (5 and 8) and H3C Comware 7: the real playbook, run by ansible-runner, through
the `ezgov_vendor_cli` action and netmiko's drivers, against the lab's CLI emulators served on loopback."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.automation.runner import PlaybookSecrets, run_playbook
from ezgov_infra.automation.vendor_cli import dialect, missing_commands
from ezgov_infra.jobs.playbooks import playbooks_dir
from ezgov_infra.lab.emulator.cli import Device
from ezgov_infra.lab.emulator.device import DeviceSpec, PortSpec
from ezgov_infra.lab.emulator.routing import plane_state
from ezgov_infra.platforms.config_tree import parse

PASSWORD = "lab-password-2"
PLAN = {"loopback": {"interface": "LoopBack0", "address": "2001:db8::20/128"},
        "links": [{"interface": "GigabitEthernet0/0/1", "address": "2001:db8:0:1::9e/127", "circuit": "EZ-EXT-0088"}],
        "router_id": "203.0.113.20", "hello": 1, "dead": 3, "mgmt_acl": "EZGOV-MGMT-V6",
        "mgmt_prefix": "2001:db8:0:2::/64",
        "management": {"interface": "MEth0/0/1", "address": "2001:db8:0:2::17/64"}}
VRP8_CONFIG = """!Software Version V200R005C10SPC800
#
sysname ce-1
#
interface GigabitEthernet1/0/1
 ipv6 enable
 ipv6 address 2001:DB8:0:1::1:0/127
#
ospfv3 1
 router-id 203.0.113.11
 area 0.0.0.0
#
 ipv6
#
return
"""


def spec(dialect: str) -> DeviceSpec:
    vrp = dialect.startswith("vrp")
    return DeviceSpec(f"sw-{dialect}", dialect, "S5735-L24T4S-A1" if vrp else "S6520X-30QC-EI", "203.0.113.20",
                      False,
                      [PortSpec("MEth0/0/1" if vrp else "M-GigabitEthernet0/0/0", "eth0", "management",
                                ["198.51.100.19/24"]),
                       PortSpec("GigabitEthernet0/0/1" if vrp else "GigabitEthernet1/0/1", "ge0-0-1", "circuit",
                                ["203.0.113.150/31"]),
                       PortSpec("LoopBack0", "lo", "loopback", ["203.0.113.20/32"])])


def plan(dialect: str) -> dict[str, Any]:
    if dialect.startswith("vrp"):
        return PLAN
    return {**PLAN, "links": [{**PLAN["links"][0], "interface": "GigabitEthernet1/0/1"}],
            "management": {"interface": "M-GigabitEthernet0/0/0", "address": "2001:db8:0:2::17/64"}}


class TestConfigTree:
    def test_globals_after_a_separator_and_nested_sections_are_told_apart(self) -> None:
        root = parse(VRP8_CONFIG)
        assert [c.text for c in root.children] == ["sysname ce-1", "interface GigabitEthernet1/0/1", "ospfv3 1",
                                                  "ipv6"]
        ospf = root.find("ospfv3 1")
        assert ospf is not None and [c.text for c in ospf.children] == ["router-id 203.0.113.11", "area 0.0.0.0"]

    def test_only_missing_lines_are_sent_whatever_their_case(self) -> None:
        blocks = [{"parents": ["interface GigabitEthernet1/0/1"],
                   "lines": ["ipv6 enable", "ipv6 address 2001:db8:0:1::1:0/127", "ospfv3 1 area 0.0.0.0"]},
                  {"parents": [], "lines": ["ipv6"]}, {"parents": ["ospfv3 1"], "lines": ["router-id 203.0.113.11"]}]
        assert missing_commands(VRP8_CONFIG, blocks) == [
            "interface GigabitEthernet1/0/1", "ospfv3 1 area 0.0.0.0", "quit"]

    def test_the_dialect_comes_from_display_version(self) -> None:
        assert dialect("VRP (R) software, Version 8.180 (CE6881 V200R005C10SPC800)") == "vrp8"
        assert dialect("VRP (R) software, Version 5.170 (S5735 V200R019C10SPC500)") == "vrp5"
        assert dialect("H3C Comware Software, Version 7.1.070, Release 6616P01") == "comware7"
        assert dialect("Comware Software, Version 5.20, Feature 6709L25") == "comware5"


@pytest.fixture
def emulators(tmp_path: Path) -> Iterator[tuple[dict[str, Device], dict[str, int], Path]]:
    from ezgov_infra.lab.emulator import server

    key_file = tmp_path / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(key_file)], check=True)
    key = server.host_key(key_file)
    devices = {d: Device(spec(d), tmp_path / d) for d in ("vrp5", "vrp8", "comware7")}
    stop = threading.Event()
    ports: dict[str, int] = {}
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    lines = []
    for name, device in devices.items():
        (tmp_path / name).mkdir()
        sock = server.listen("127.0.0.1", 0)
        ports[name] = sock.getsockname()[1]
        lines.append(f"[127.0.0.1]:{ports[name]} ssh-ed25519 {key.get_base64()}")
        threading.Thread(target=server.serve, args=(sock, device), daemon=True,
                         kwargs={"key": key, "username": "ezgov", "password": PASSWORD, "authorized": [],
                                 "stop": stop}).start()
    (home / ".ssh" / "known_hosts").write_text("\n".join(lines) + "\n")
    yield devices, ports, home
    stop.set()


def inventory(ports: dict[str, int]) -> dict[str, Any]:
    hosts = {f"sw-{d}": {"ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "ezgov",
                         # what the exported inventory says for these platforms: the action needs no connection
                         "ansible_connection": "ansible.netcommon.network_cli",
                         "ansible_network_os": "community.network.ce",
                         "ezgov_platform": "huawei_vrp" if d.startswith("vrp") else "hp_comware",
                         "ezgov_ipv6": plan(d)} for d, port in ports.items()}
    groups = {f"platform_{p}": {"hosts": {h: None for h, v in hosts.items() if v["ezgov_platform"] == p}}
              for p in ("huawei_vrp", "hp_comware")}
    return {"all": {"hosts": hosts, "children": groups}}


class TestIpv6EnablePlaybook:
    def test_the_plan_is_configured_saved_and_a_second_run_changes_nothing(
            self, emulators: tuple[dict[str, Device], dict[str, int], Path], tmp_path: Path) -> None:
        devices, ports, home = emulators
        playbook = playbooks_dir() / "ipv6_enable.yml"
        run = run_playbook(playbook, inventory=inventory(ports), state_dir=tmp_path / "state",
                           secrets=PlaybookSecrets(ssh_password=PASSWORD), env={"HOME": str(home)})
        assert run.ok, run.per_host
        assert {h: r.changed > 0 for h, r in run.per_host.items()} == {f"sw-{d}": True for d in ports}
        for name, device in devices.items():
            state = plane_state(device.running, device.spec)
            assert state.forwarding, name
            assert state.router_id == "203.0.113.20"
            assert state.ports["ge0-0-1"].addresses == ("2001:db8:0:1::9e/127",)
            assert state.ports["ge0-0-1"].area and state.ports["ge0-0-1"].p2p
            assert state.ports["eth0"].addresses == ("2001:db8:0:2::17/64",)
            text = device.config_text()
            assert "acl ipv6 2001 inbound" in text
            assert Device(device.spec, device.folder).config_text() == text  # saved
        assert "\n ipv6\n" in devices["vrp5"].config_text() and "\n ipv6\n" not in devices["vrp8"].config_text()

        again = run_playbook(playbook, inventory=inventory(ports), state_dir=tmp_path / "state",
                             secrets=PlaybookSecrets(ssh_password=PASSWORD), env={"HOME": str(home)})
        assert again.ok
        assert {h: r.changed for h, r in again.per_host.items()} == {f"sw-{d}": 0 for d in ports}

    def test_check_mode_changes_nothing(self, emulators: tuple[dict[str, Device], dict[str, int], Path],
                                        tmp_path: Path) -> None:
        devices, ports, home = emulators
        before = {name: device.config_text() for name, device in devices.items()}
        run = run_playbook(playbooks_dir() / "ipv6_enable.yml", inventory=inventory(ports), check=True,
                           state_dir=tmp_path / "state", secrets=PlaybookSecrets(ssh_password=PASSWORD),
                           env={"HOME": str(home)}, limit="sw-vrp5")
        assert run.ok and run.per_host["sw-vrp5"].changed > 0 and set(run.per_host) == {"sw-vrp5"}
        assert {name: device.config_text() for name, device in devices.items()} == before
