"""The SSH adapter's failure categories on the loopback: refused is unreachable, silence is a timeout."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from ezgov_infra.collect.ssh import SshTarget, collect, probe_ssh
from ezgov_infra.errors import CollectTimeout, UnreachableError, UnsupportedError
from ezgov_infra.models.credentials import SshCredentials
from ezgov_infra.models.facts import Source
from ezgov_infra.platforms import load_profile
from ezgov_infra.platforms.parsers import parse
from ezgov_infra.testing.replay import ReplaySession, recorded_outputs
from tests.conftest import DATA


def target(port: int, timeout: float = 1.0) -> SshTarget:
    return SshTarget(device="r1", host="127.0.0.1", port=port, profile=load_profile("frr"),
                     credentials=SshCredentials("ezgov", password="unit-pw"), connect_timeout=timeout,
                     command_timeout=timeout)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """Accepts TCP connections and never says a word (like a SIGSTOPped sshd)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    server.close()


class TestFailureCategories:
    def test_a_refused_connection_is_unreachable(self, closed_port: int) -> None:
        with pytest.raises(UnreachableError, match="refused"):
            collect(target(closed_port))

    def test_a_listener_that_never_speaks_is_a_timeout_within_the_limit(self, silent_listener: int) -> None:
        started = time.monotonic()
        with pytest.raises(CollectTimeout):
            collect(target(silent_listener, timeout=1.0))
        assert time.monotonic() - started < 6

    def test_the_password_never_appears_in_the_target(self) -> None:
        assert "unit-pw" not in repr(target(22))


class TestProbe:
    """A probe says False only when the host answers that SSH is not there; silence is a failed probe."""

    def test_a_refused_port_means_no_ssh(self, closed_port: int) -> None:
        assert probe_ssh("127.0.0.1", closed_port, timeout=0.3) is False

    def test_a_listener_that_never_speaks_is_a_timeout_not_a_verdict(self, silent_listener: int) -> None:
        with pytest.raises(CollectTimeout, match=r"no answer within 0\.3 s"):
            probe_ssh("127.0.0.1", silent_listener, timeout=0.3)

    def test_a_probe_timing_out_leaves_ssh_over_ipv6_unknown_and_records_the_fault(self,
                                                                                   silent_listener: int) -> None:
        profile = load_profile("huawei_vrp")
        recorded = recorded_outputs(DATA / "outputs" / "huawei_vrp" / "changgang-ar-1")
        session = ReplaySession({profile.commands[key]: text for key, text in recorded.items()})
        vrp = SshTarget(device="changgang-ar-1", host="127.0.0.2", port=silent_listener, profile=profile,
                        credentials=SshCredentials("ezgov", password="unit-pw"), connect_timeout=0.5,
                        probe_ipv6="127.0.0.1")
        facts = collect(vrp, connect=lambda _: session)
        assert facts.reachability.ssh_ipv6 is None
        assert [(f.step, f.category) for f in facts.faults] == [("SSH over IPv6", "timeout")]
        assert facts.interfaces  # the rest of what the session gave is kept


class TestTranslation:
    """netmiko wraps paramiko's reasons in long messages; the category comes from the reason."""

    def test_an_unknown_host_key_inside_a_netmiko_timeout_is_host_key(self) -> None:
        from netmiko.exceptions import NetmikoTimeoutException

        from ezgov_infra.collect.ssh import _translate
        from ezgov_infra.errors import HostKeyError

        wrapped = NetmikoTimeoutException("\nA paramiko SSHException occurred during connection creation:\n\n"
                                          "Server '198.51.100.12' not found in known_hosts\n")
        error = _translate(target(22), wrapped)
        assert isinstance(error, HostKeyError) and "not found in known_hosts" in str(error)

    def test_a_missing_banner_is_a_timeout(self) -> None:
        from netmiko.exceptions import NetmikoTimeoutException

        from ezgov_infra.collect.ssh import _translate

        wrapped = NetmikoTimeoutException("\nA paramiko SSHException occurred during connection creation:\n\n"
                                          "Error reading SSH protocol banner\n")
        assert isinstance(_translate(target(22), wrapped), CollectTimeout)


class TestInjectedSession:
    """The collector takes its session from a factory: the replaying fake stands in for netmiko in unit tests."""

    def test_each_profile_command_is_sent_once_and_its_answer_parsed(self) -> None:
        profile = load_profile("huawei_vrp")
        recorded = recorded_outputs(DATA / "outputs" / "huawei_vrp" / "changgang-ar-1")
        session = ReplaySession({profile.commands[key]: text for key, text in recorded.items()})
        vrp = SshTarget(device="changgang-ar-1", host="127.0.0.1", port=22, profile=profile,
                        credentials=SshCredentials("ezgov", password="unit-pw"))
        facts = collect(vrp, connect=lambda _: session)
        assert sorted(session.sent) == sorted(profile.commands.values())
        offline = parse("changgang-ar-1", "huawei_vrp", recorded, Source.offline)
        assert facts.source is Source.ssh
        assert facts.interfaces == offline.interfaces and facts.routing == offline.routing

    def test_a_command_the_device_refuses_is_unsupported_naming_the_command(self) -> None:
        profile = load_profile("huawei_vrp")
        session = ReplaySession({profile.commands["version"]: "Huawei Versatile Routing Platform Software"})
        vrp = SshTarget(device="r2", host="127.0.0.1", port=22, profile=profile,
                        credentials=SshCredentials("ezgov", password="unit-pw"))
        with pytest.raises(UnsupportedError, match="rejected the interfaces_v4 command") as caught:
            collect(vrp, connect=lambda _: session)
        assert caught.value.category == "unsupported"


class TestLoading:
    def test_netmiko_loads_once_with_the_collector_paused_and_what_is_loaded_frozen(self) -> None:
        """In a fresh interpreter: the first load freezes the modules, a later one freezes nothing of the run's."""
        code = ("import gc, json\nfrom ezgov_infra.collect import ssh\n"
                "before = gc.get_freeze_count()\nssh._netmiko()\nfirst = gc.get_freeze_count()\n"
                "garbage = [[i] for i in range(1000)]\nssh._netmiko()\n"
                "print(json.dumps([before, first, gc.get_freeze_count(), gc.isenabled()]))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        before, first, second, enabled = json.loads(done.stdout)
        assert first > before + 50_000  # netmiko, paramiko and cryptography
        assert second == first and enabled
