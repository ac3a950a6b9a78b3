"""The vendor CLI emulators: their command line on its own, then driven over SSH by netmiko's real `huawei` and
`hp_comware` drivers through ezgov's SSH adapter (on loopback, with host-key checking)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ezgov_infra.collect.credentials import SshCredentials
from ezgov_infra.collect.ssh import SshTarget, configure, driver_session, run_commands
from ezgov_infra.errors import CollectTimeout, ConfigRefused
from ezgov_infra.lab.emulator.cli import Device, Session
from ezgov_infra.lab.emulator.device import DeviceSpec, PortSpec
from ezgov_infra.lab.emulator.routing import plane_state
from ezgov_infra.models.facts import Source
from ezgov_infra.platforms import load_profile
from ezgov_infra.platforms.parsers import parse

PASSWORD = "lab-password-1"


def spec(dialect: str, *, ipv6: bool = False) -> DeviceSpec:
    vrp = dialect.startswith("vrp")
    uplink = "GigabitEthernet0/0/1" if vrp else "GigabitEthernet1/0/1"
    return DeviceSpec(
        "taihe-sw-1", dialect, "S5735-L24T4S-A1" if vrp else "S6520X-30QC-EI", "203.0.113.20", ipv6,
        [PortSpec("MEth0/0/1" if vrp else "M-GigabitEthernet0/0/0", "eth0", "management", ["198.51.100.19/24"]),
         PortSpec(uplink, "ge0-0-1", "circuit", ["203.0.113.150/31"], ["2001:db8:0:1::9e/127"] if ipv6 else [],
                  ospf6=ipv6),
         PortSpec("LoopBack0", "lo", "loopback", ["203.0.113.20/32"], ["2001:db8::20/128"] if ipv6 else [])])


def typed(session: Session, *lines: str) -> str:
    """What the terminal shows: each prompt, the line typed, the answer."""
    out = []
    for line in lines:
        prompt = session.prompt()
        out.append(prompt + line + "\n" + session.handle(line))
    return "".join(out)


class TestCommandLine:
    def test_views_change_the_prompt_as_on_vrp(self) -> None:
        session = Session(Device(spec("vrp5")))
        assert session.prompt() == "<taihe-sw-1>"
        session.handle("system-view")
        assert session.prompt() == "[taihe-sw-1]"
        session.handle("interface GigabitEthernet0/0/1")
        assert session.prompt() == "[taihe-sw-1-GigabitEthernet0/0/1]"
        session.handle("quit")
        session.handle("ospfv3 1")
        session.handle("area 0")
        assert session.prompt() == "[taihe-sw-1-ospfv3-1-area-0.0.0.0]"
        session.handle("return")
        assert session.prompt() == "<taihe-sw-1>"

    def test_an_unknown_command_gets_the_vrp_error_with_the_caret_under_it(self) -> None:
        session = Session(Device(spec("vrp5")))
        shown = typed(session, "display versoin")
        assert shown.splitlines() == ["<taihe-sw-1>display versoin", " " * 20 + "^",
                                      "Error: Unrecognized command found at '^' position."]

    def test_an_unknown_command_gets_the_comware_error(self) -> None:
        session = Session(Device(spec("comware7")))
        session.handle("system-view")
        session.handle("interface GigabitEthernet1/0/1")
        shown = typed(session, "ipv6 enable")  # VRP's interface command; Comware 7 has none
        assert shown.splitlines()[1:] == [" " * 38 + "^", " % Unrecognized command found at '^' position."]

    def test_a_bad_address_is_a_wrong_parameter_and_a_short_line_incomplete(self) -> None:
        session = Session(Device(spec("vrp5")))
        session.handle("system-view")
        session.handle("interface GigabitEthernet0/0/1")
        assert "Error: Wrong parameter found at '^' position." in session.handle("ipv6 address 2001:zz::1/64")
        assert "Error: Incomplete command found at '^' position." in session.handle("ipv6 address")

    def test_vrp8_has_no_global_ipv6_and_keeps_changes_until_commit(self) -> None:
        device = Device(spec("vrp8"))
        session = Session(device)
        session.handle("system-view")
        assert session.prompt() == "[~taihe-sw-1]"
        assert "Unrecognized command" in session.handle("ipv6")
        session.handle("interface GigabitEthernet0/0/1")
        session.handle("ipv6 enable")
        assert session.prompt() == "[*taihe-sw-1-GigabitEthernet0/0/1]"
        assert "ipv6 enable" not in device.config_text()
        session.handle("commit")
        assert " ipv6 enable" in device.config_text()
        assert session.prompt() == "[~taihe-sw-1-GigabitEthernet0/0/1]"

    def test_vrp8_asks_before_leaving_with_uncommitted_changes(self) -> None:
        device = Device(spec("vrp8"))
        session = Session(device)
        session.handle("system-view")
        session.handle("interface LoopBack0")
        session.handle("ipv6 enable")
        assert "Uncommitted configurations found" in session.handle("return")
        session.handle("n")
        assert session.prompt() == "<taihe-sw-1>"
        assert "ipv6 enable" not in device.config_text()

    def test_ipv6_runs_on_vrp5_only_after_the_global_switch_and_ipv6_enable(self) -> None:
        device = Device(spec("vrp5"))
        session = Session(device)
        session.handle("system-view")
        session.handle("interface GigabitEthernet0/0/1")
        session.handle("ipv6 address 2001:db8:0:1::9e 127")
        assert plane_state(device.running, device.spec).ports["ge0-0-1"].addresses == ()
        session.handle("ipv6 enable")
        session.handle("quit")
        assert plane_state(device.running, device.spec).ports["ge0-0-1"].addresses == ()
        session.handle("ipv6")
        state = plane_state(device.running, device.spec)
        assert state.forwarding and state.ports["ge0-0-1"].addresses == ("2001:db8:0:1::9e/127",)
        assert " ipv6 address 2001:DB8:0:1::9E/127" in device.config_text()

    def test_undo_removes_what_was_configured(self) -> None:
        device = Device(spec("comware7", ipv6=True))
        session = Session(device)
        session.handle("system-view")
        session.handle("interface GigabitEthernet1/0/1")
        assert "ipv6 address 2001:DB8:0:1::9E/127" in device.config_text()
        session.handle("undo ipv6 address 2001:db8:0:1::9e/127")
        session.handle("quit")
        session.handle("undo ospfv3 1")
        assert "ipv6 address" not in device.config_text().split("interface GigabitEthernet1/0/1")[1].split("#")[0]
        assert "\nospfv3 1\n" not in device.config_text()

    def test_save_keeps_the_configuration_for_the_next_start(self, tmp_path: Path) -> None:
        device = Device(spec("vrp5"), tmp_path)
        session = Session(device)
        session.handle("system-view")
        session.handle("ipv6")
        session.handle("return")
        assert "Continue? [Y/N]" in session.handle("save")
        assert "Save the configuration successfully" in session.handle("y")
        assert "\n ipv6\n" in Device(spec("vrp5"), tmp_path).config_text()

    @pytest.mark.parametrize("dialect", ["vrp5", "vrp8", "comware5", "comware7"])
    def test_the_platform_parser_reads_what_the_emulator_shows(self, dialect: str) -> None:
        device = Device(spec(dialect, ipv6=True))
        session = Session(device)
        platform = "huawei_vrp" if dialect.startswith("vrp") else "hp_comware"
        outputs = {key: session.handle(command) for key, command in load_profile(platform).commands.items()}
        facts = parse("taihe-sw-1", platform, outputs, Source.ssh)
        uplink = "GigabitEthernet0/0/1" if dialect.startswith("vrp") else "GigabitEthernet1/0/1"
        interface = facts.interface(uplink)
        assert interface is not None
        assert [str(a.ip) for a in interface.ipv6 if a.ip.is_global or str(a.ip).startswith("2001:db8")] == \
            ["2001:db8:0:1::9e"]
        assert facts.hostname == "taihe-sw-1"
        assert facts.routing.protocols == ["ospf6"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, Device], dict[str, int], Path]]:
    """A VRP5, a VRP8 and a Comware 7 emulator on loopback, each on its own port, and a known_hosts for them."""
    from ezgov_infra.lab.emulator import server

    key_file = tmp_path / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(key_file)], check=True)
    key = server.host_key(key_file)
    devices = {d: Device(spec(d), tmp_path / d) for d in ("vrp5", "vrp8", "comware7")}
    stop = threading.Event()
    ports: dict[str, int] = {}
    known = []
    for name, device in devices.items():
        (tmp_path / name).mkdir()
        sock = server.listen("127.0.0.1", 0)
        ports[name] = sock.getsockname()[1]
        known.append(f"[127.0.0.1]:{ports[name]} {key_file.with_suffix('.pub').read_text().split()[0]} "
                     f"{key.get_base64()}")
        threading.Thread(target=server.serve, args=(sock, device),
                         kwargs={"key": key, "username": "ezgov", "password": PASSWORD, "authorized": [],
                                 "stop": stop}, daemon=True).start()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("\n".join(known) + "\n")
    yield devices, ports, known_hosts
    stop.set()


def target(dialect: str, port: int, known_hosts: Path) -> SshTarget:
    platform = "huawei_vrp" if dialect.startswith("vrp") else "hp_comware"
    return SshTarget("taihe-sw-1", "127.0.0.1", load_profile(platform),
                     SshCredentials("ezgov", PASSWORD, None, str(known_hosts)), port=port, connect_timeout=10,
                     command_timeout=20)


class TestDrivenByNetmiko:
    @pytest.mark.parametrize("dialect", ["vrp5", "comware7"])
    def test_the_audit_commands_come_back_as_the_device_shows_them(
            self, served: tuple[dict[str, Device], dict[str, int], Path], dialect: str) -> None:
        devices, ports, known_hosts = served
        outputs = run_commands(target(dialect, ports[dialect], known_hosts),
                               {"version": "display version", "config": "display current-configuration"})
        assert outputs["config"].strip() == devices[dialect].config_text().strip()
        assert "uptime is" in outputs["version"]

    @pytest.mark.parametrize("dialect", ["vrp8", "comware7"])
    def test_the_show_session_answers_exactly_as_netmikos_driver(
            self, served: tuple[dict[str, Device], dict[str, int], Path], dialect: str) -> None:
        _, ports, known_hosts = served
        device = target(dialect, ports[dialect], known_hosts)
        commands = {key: device.profile.commands[key] for key in ("version", "interfaces_v6", "config")}
        driver = driver_session(device)
        try:
            expected = {key: driver.send_command(command) for key, command in commands.items()}
        finally:
            driver.disconnect()
        assert run_commands(device, commands) == expected
        assert "uptime is" in expected["version"] and "return" in expected["config"]

    @pytest.mark.parametrize("dialect", ["vrp5", "comware7"])
    def test_a_pager_left_on_is_paged_through(
            self, served: tuple[dict[str, Device], dict[str, int], Path], dialect: str) -> None:
        devices, ports, known_hosts = served
        device = target(dialect, ports[dialect], known_hosts)
        config = devices[dialect].config_text().strip()
        assert config.count("\n") > 24  # more than a screen
        pager_on = SshTarget(device.device, device.host, device.profile.model_copy(update={"paging": []}),
                             device.credentials, port=device.port, command_timeout=1)
        assert run_commands(pager_on, {"config": "display current-configuration"})["config"].strip() == config
        # the emulator's pager is real: a session that does not answer it waits for a prompt that never comes
        deaf = SshTarget(device.device, device.host, pager_on.profile.model_copy(update={"more": None}),
                         device.credentials, port=device.port, command_timeout=1)
        with pytest.raises(CollectTimeout):
            run_commands(deaf, {"config": "display current-configuration"})

    @pytest.mark.parametrize(("dialect", "uplink", "commit"), [
        ("vrp5", "GigabitEthernet0/0/1", []), ("vrp8", "GigabitEthernet0/0/1", ["commit"]),
        ("comware7", "GigabitEthernet1/0/1", [])])
    def test_configuration_is_applied_and_saved(self, served: tuple[dict[str, Device], dict[str, int], Path],
                                                dialect: str, uplink: str, commit: list[str]) -> None:
        devices, ports, known_hosts = served
        enable = ["ipv6 enable"] if dialect.startswith("vrp") else []
        configure(target(dialect, ports[dialect], known_hosts),
                  [f"interface {uplink}", *enable, "ipv6 address 2001:db8:0:1::9e/127", "quit", *commit])
        assert "ipv6 address 2001:DB8:0:1::9E/127" in devices[dialect].config_text()
        saved = Device(spec(dialect), devices[dialect].folder)
        assert "ipv6 address 2001:DB8:0:1::9E/127" in saved.config_text()

    def test_a_line_the_device_refuses_stops_the_run_with_its_error(
            self, served: tuple[dict[str, Device], dict[str, int], Path]) -> None:
        _, ports, known_hosts = served
        with pytest.raises(ConfigRefused, match="Unrecognized command"):
            configure(target("comware7", ports["comware7"], known_hosts),
                      ["interface GigabitEthernet1/0/1", "ipv6 enable"])
