"""The lab's emulated Huawei VRP and H3C Comware devices (emulators of the CLI, with FRR routing under them):
they answer over SSH as their vendor does, and the closed loop runs on the two IPv4-only ones: audited not
ready, `ezgov ipv6 remediate --limit` runs ipv6_enable.yml on them (netmiko's huawei and hp_comware drivers) and
on their FRR neighbours, the re-audit finds them ready, the core reaches their loopbacks over IPv6, and a second
run changes nothing. Everything is put back afterwards (the lab is shared)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab import probe
from ezgov_infra.lab.lab import Lab

pytestmark = pytest.mark.lab
SAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "ezhou"
PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
VRP5, COMWARE7, VRP8 = "taihe-sw-1", "fenghuang-sw-1", "huarong-sw-1"
PARENTS = {VRP5: ("taihe-ar-1", "eth3"), COMWARE7: ("fenghuang-ar-1", "eth3")}
CORE = "ez-core-1"


def ipv6_vars(device: str, inventory: Path = SAMPLE) -> dict[str, Any]:
    from ezgov_infra.addressing.allocate import make_plan
    from ezgov_infra.automation.hostvars import ipv6_plan_vars
    from ezgov_infra.store.inventory import load_inventory

    inv = load_inventory(inventory)
    return ipv6_plan_vars(inv, make_plan(inv), device)


def factory_reset(lab: Lab, device: str) -> None:
    """Forget the saved configuration and restart the emulator: it comes back with its starting configuration
    and takes FRR back to it too."""
    lab.stop_daemon(device, "emulator")
    (lab.node_dir(device) / "emulator" / "saved-config.json").unlink(missing_ok=True)
    lab.start_daemon(device, "emulator")


def undo_parent(lab: Lab, device: str) -> None:
    parent, port = PARENTS[device]
    plan = ipv6_vars(parent)
    link = next(x for x in plan["links"] if x["interface"] == port)
    with contextlib.suppress(LabError):
        lab.vtysh(parent, "configure terminal", f"interface {port}", f"no ipv6 address {link['address']}",
                  "no ipv6 ospf6 area 0", "no ipv6 ospf6 network point-to-point", "no ipv6 ospf6 hello-interval",
                  "no ipv6 ospf6 dead-interval", "exit")


@pytest.fixture
def emulated(lab: Lab) -> Iterator[list[str]]:
    try:
        yield [VRP5, COMWARE7]
    finally:
        for device in (VRP5, COMWARE7):
            with contextlib.suppress(LabError):
                factory_reset(lab, device)
            undo_parent(lab, device)


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "ezhou"
    folder.mkdir()
    for source in SAMPLE.glob("*.yaml"):
        shutil.copy2(source, folder / source.name)
    (folder / "snapshots").symlink_to(SAMPLE / "snapshots")
    return folder


@pytest.fixture
def state_dir(lab: Lab, tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    (state / "lab").symlink_to(lab.lab_dir)
    return state


def ssh_lines(lab: Lab, address: str, *lines: str) -> str:
    """What a person typing over SSH sees (OpenSSH client, the lab key)."""
    argv = ["ssh", "-tt", "-i", str(lab.lab_dir / "id_ed25519"), "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={lab.lab_dir / 'known_hosts'}", "-o", "StrictHostKeyChecking=yes",
            "-o", "LogLevel=ERROR", f"ezgov@{address}"]
    done = subprocess.run(argv, input="\n".join([*lines, "quit"]) + "\n", capture_output=True, text=True,
                          timeout=30, check=False)
    return done.stdout.replace("\r", "")


def findings(cli: Callable[..., Any], state_dir: Path, inventory: Path, device: str) -> list[str]:
    """What a fresh live audit finds on the device (shown when a readiness assertion fails)."""
    audit = cli("ipv6", "audit", "--live", "--limit", f"device:{device}", "--state-dir", state_dir, "-i", inventory,
                "--format", "json")
    return [f"{f['rule']} {f['severity']}: {f['message']}" for d in json.loads(audit.out)["devices"]
            for f in d.get("findings", [])]


def ping6(lab: Lab, source: str, address: str) -> bool:
    return lab.exec(source, ["ping", "-6", "-c", "2", "-W", "1", "-i", "0.2", address]).returncode == 0


class TestEmulatedDevices:
    def test_each_answers_with_its_vendor_prompt_and_error_text(self, lab: Lab) -> None:
        vrp = ssh_lines(lab, lab.nodes[VRP5].mgmt_ipv4 or "", "display versoin")
        assert f"<{VRP5}>" in vrp and "Error: Unrecognized command found at '^' position." in vrp
        comware = ssh_lines(lab, lab.nodes[COMWARE7].mgmt_ipv4 or "", "display versoin")
        assert " % Unrecognized command found at '^' position." in comware
        assert "H3C Comware Software, Version 7.1" in ssh_lines(lab, lab.nodes[COMWARE7].mgmt_ipv4 or "",
                                                                 "display version")

    def test_snmp_names_the_interfaces_as_the_vendor_does(self, lab: Lab) -> None:
        for device, port in ((VRP5, "GigabitEthernet0/0/1"), (COMWARE7, "GigabitEthernet1/0/1")):
            address = lab.nodes[device].mgmt_ipv4 or ""
            names = set(probe.snmp_walk(lab.lab_dir, address, "3", ".1.3.6.1.2.1.31.1.1.1.1").values())
            described = set(probe.snmp_walk(lab.lab_dir, address, "3", ".1.3.6.1.2.1.2.2.1.2").values())
            assert {port, "LoopBack0"} <= names and {port, "LoopBack0"} <= described, (names, described)
            assert not {"ge0-0-1", "ge1-0-1", "lo"} & (names | described)

    def test_the_dual_stack_vrp8_device_routes_ipv6_with_its_frr_neighbour(self, lab: Lab) -> None:
        shown = ssh_lines(lab, lab.nodes[VRP8].mgmt_ipv6 or "", "screen-length 0 temporary", "display ospfv3 peer",
                          "display ipv6 routing-table")
        assert "Full/ -" in shown  # the adjacency with huarong-agg-1, as FRR under the emulator reports it
        core_loopback = ipv6_vars(CORE)["loopback"]["address"].split("/")[0].upper()
        assert core_loopback in shown
        assert ping6(lab, CORE, ipv6_vars(VRP8)["loopback"]["address"].split("/")[0])

    def test_the_dual_stack_vrp8_device_is_judged_ready(
            self, lab: Lab, cli: Callable[..., Any], state_dir: Path, inventory: Path) -> None:
        # VRP8 has no global `ipv6` switch: forwarding is read from the interfaces' `ipv6 enable`, never assumed
        audit = cli("ipv6", "audit", "--live", "--limit", f"device:{VRP8}", "--state-dir", state_dir, "-i", inventory,
                    "--format", "json")
        assert audit.code == 0, audit.err
        device = json.loads(audit.out)["devices"][0]
        assert device["device"] == VRP8
        assert device["score"]["readiness"] == "ready", findings(cli, state_dir, inventory, VRP8)


class TestNetworkCli:
    def test_the_bundled_vrp_and_comware_plugins_drive_network_cli(self, lab: Lab, tmp_path: Path) -> None:
        """`network_cli` with the playbooks' own cliconf/terminal plugins (ezgov_vrp, ezgov_comware) opens the
        session (pager off), runs display commands and reads the current configuration."""
        secrets = lab.secrets
        hosts = {device: {"ansible_host": lab.nodes[device].mgmt_ipv4, "ansible_network_os": network_os}
                 for device, network_os in ((VRP5, "ezgov_vrp"), (COMWARE7, "ezgov_comware"))}
        inventory = {"all": {"hosts": hosts, "vars": {
            "ansible_connection": "ansible.netcommon.network_cli", "ansible_network_cli_ssh_type": "libssh",
            "ansible_user": secrets["ssh"]["username"], "ansible_password": secrets["ssh"]["password"]}}}
        (tmp_path / "hosts.json").write_text(json.dumps(inventory))
        env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "30",
               "ANSIBLE_CLICONF_PLUGINS": str(PLAYBOOKS / "cliconf_plugins"),
               "ANSIBLE_TERMINAL_PLUGINS": str(PLAYBOOKS / "terminal_plugins"), "HOME": str(tmp_path),
               "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp")}
        ansible = Path(sys.executable).with_name("ansible")
        done = subprocess.run([str(ansible), "all", "-i", str(tmp_path / "hosts.json"), "-m",
                               "ansible.netcommon.cli_command", "-a", "command='display current-configuration'"],
                              capture_output=True, text=True, env=env, timeout=180, check=False)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        for device in (VRP5, COMWARE7):
            assert f"sysname {device}" in done.stdout, done.stdout[-3000:]


class TestClosedLoop:
    def test_remediation_makes_the_ipv4_only_vrp_and_comware_devices_ready(
            self, lab: Lab, cli: Callable[..., Any], state_dir: Path, inventory: Path, emulated: list[str]) -> None:
        limit = ",".join(f"device:{d}" for d in emulated)
        audit = cli("ipv6", "audit", "--live", "--limit", limit, "--state-dir", state_dir, "-i", inventory,
                    "--format", "json")
        assert audit.code == 0, audit.err
        before = {d["device"]: d["score"]["readiness"] for d in json.loads(audit.out)["devices"]}
        assert before == {VRP5: "not ready", COMWARE7: "not ready"}
        loopbacks = {d: ipv6_vars(d)["loopback"]["address"].split("/")[0] for d in emulated}
        assert not any(ping6(lab, CORE, a) for a in loopbacks.values())

        # --limit narrows the targets to the VRP device first: the Comware device is left alone
        only_vrp = cli("ipv6", "remediate", "--limit", f"device:{VRP5}", "--state-dir", state_dir, "-i", inventory,
                       "--format", "json")
        assert only_vrp.code == 0, only_vrp.out + only_vrp.err
        document = json.loads(only_vrp.out)
        assert document["targets"] == [VRP5] and document["peers"] == [PARENTS[VRP5][0]]
        rows = {r["device"]: r for r in document["devices"]}
        assert rows[VRP5]["after"] == "ready", findings(cli, state_dir, inventory, VRP5)
        assert rows[PARENTS[VRP5][0]]["after"] == "ready"

        audit = cli("ipv6", "audit", "--live", "--limit", f"device:{COMWARE7}", "--state-dir", state_dir,
                    "-i", inventory, "--format", "json")
        assert json.loads(audit.out)["devices"][0]["score"]["readiness"] == "not ready"
        comware = cli("ipv6", "remediate", "--state-dir", state_dir, "-i", inventory, "--format", "json")
        assert comware.code == 0, comware.out + comware.err
        document = json.loads(comware.out)
        assert document["targets"] == [COMWARE7] and document["peers"] == [PARENTS[COMWARE7][0]]
        after = {r["device"]: r["after"] for r in document["devices"] if r["remediated"]}
        assert after == {COMWARE7: "ready", PARENTS[COMWARE7][0]: "ready"}, \
            findings(cli, state_dir, inventory, COMWARE7)
        for device in emulated:
            assert ping6(lab, CORE, loopbacks[device]), device

        again = cli("playbook", "run", "ipv6_enable", "--limit", ",".join(emulated), "--state-dir", state_dir,
                    "-i", inventory, "--format", "json")
        assert again.code == 0, again.out
        hosts = json.loads(again.out)["per_host"]
        assert {h: r["changed"] for h, r in hosts.items()} == {VRP5: 0, COMWARE7: 0}
