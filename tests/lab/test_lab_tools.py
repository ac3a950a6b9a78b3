"""The tools ezgov drives reach the lab as they reach real routers: netmiko's `cisco_ios` driver and Ansible's
`network_cli` with `cisco.ios.ios` over libssh, with host-key checking against the lab's `known_hosts`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ezgov_infra.lab.lab import Lab

pytestmark = pytest.mark.lab
NODE = "fenghuang-ar-1"


def netmiko_session(lab: Lab, address: str, *, use_key: bool) -> object:
    from netmiko import ConnectHandler

    secrets = lab.secrets
    options = {"use_keys": True, "key_file": secrets["ssh"]["key_file"]} if use_key else {
        "password": secrets["ssh"]["password"], "use_keys": False, "allow_agent": False}
    return ConnectHandler(device_type="cisco_ios", host=address, username=secrets["ssh"]["username"],
                          ssh_strict=True, system_host_keys=False, alt_host_keys=True,
                          alt_key_file=secrets["known_hosts"], fast_cli=False, **options)


class TestNetmiko:
    def test_key_login_reads_the_running_config_with_the_router_name(self, lab: Lab) -> None:
        session = netmiko_session(lab, lab.nodes[NODE].mgmt_ipv4 or "", use_key=True)
        try:
            assert session.find_prompt() == f"{NODE}#"  # type: ignore[attr-defined]
            assert f"hostname {NODE}" in session.send_command("show running-config")  # type: ignore[attr-defined]
        finally:
            session.disconnect()  # type: ignore[attr-defined]

    def test_the_audit_show_session_reads_what_the_driver_reads(self, lab: Lab) -> None:
        """ezgov's `ShowSession` (netmiko's connection, its own reads) against netmiko's `send_command`."""
        from ezgov_infra.collect.ssh import SshTarget, run_commands
        from ezgov_infra.models.credentials import SshCredentials
        from ezgov_infra.platforms import load_profile

        secrets = lab.secrets
        profile = load_profile("frr")
        commands = {key: profile.commands[key] for key in ("version", "bgp_summary", "config")}
        target = SshTarget(NODE, lab.nodes[NODE].mgmt_ipv4 or "", profile, SshCredentials(
            secrets["ssh"]["username"], None, secrets["ssh"]["key_file"], secrets["known_hosts"]))
        session = netmiko_session(lab, target.host, use_key=True)
        try:
            expected = {key: session.send_command(command) for key, command in commands.items()}  # type: ignore[attr-defined]
        finally:
            session.disconnect()  # type: ignore[attr-defined]
        assert run_commands(target, commands) == expected
        assert f"hostname {NODE}" in expected["config"]

    def test_password_login_over_ipv6_can_configure(self, lab: Lab) -> None:
        session = netmiko_session(lab, lab.nodes[NODE].mgmt_ipv6 or "", use_key=False)
        try:
            session.send_config_set(["interface lan0", "description set-by-netmiko"])  # type: ignore[attr-defined]
        finally:
            session.disconnect()  # type: ignore[attr-defined]
        assert "description set-by-netmiko" in lab.vtysh(NODE, "show running-config")
        lab.vtysh(NODE, "configure terminal", "interface lan0", "no description")


class TestAnsible:
    def test_ios_command_through_network_cli_and_libssh(self, lab: Lab, tmp_path: Path) -> None:
        secrets = lab.secrets
        inventory = {"all": {"hosts": {NODE: {
            "ansible_host": lab.nodes[NODE].mgmt_ipv4, "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": "cisco.ios.ios", "ansible_network_cli_ssh_type": "libssh",
            "ansible_user": secrets["ssh"]["username"], "ansible_password": secrets["ssh"]["password"],
            "ansible_become": False}}}}
        (tmp_path / "hosts.json").write_text(json.dumps(inventory))
        # ansible.netcommon's libssh plugin reads host keys only from ~/.ssh/known_hosts of the passwd entry (it
        # passes no known-hosts file to pylibssh), so this test of the transport does not check them; netmiko's
        # test above and `test_pylibssh_checks_the_lab_host_key` do
        env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_LIBSSH_HOST_KEY_AUTO_ADD": "False",
               "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "30", "ANSIBLE_STDOUT_CALLBACK": "json",
               "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "HOME": str(tmp_path),
               "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp")}
        ansible = Path(sys.executable).with_name("ansible")
        done = subprocess.run([str(ansible), NODE, "-i", str(tmp_path / "hosts.json"), "-m",
                               "cisco.ios.ios_command", "-a", "commands='show running-config'"],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        assert f"hostname {NODE}" in done.stdout

    def test_pylibssh_checks_the_lab_host_key(self, lab: Lab) -> None:
        from pylibsshext.session import Session

        secrets = lab.secrets
        for address in (lab.nodes[NODE].mgmt_ipv4, lab.nodes[NODE].mgmt_ipv6):
            session = Session()
            session.connect(host=address, user=secrets["ssh"]["username"], password=secrets["ssh"]["password"],
                            host_key_checking=True, look_for_keys=False, knownhosts=secrets["known_hosts"],
                            timeout=10)
            session.close()
