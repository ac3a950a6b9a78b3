"""The SNMP adapter against a real net-snmp agent on the loopback: v2c and v3 authPriv, IPv4 and IPv6, errors."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from ezgov_infra.collect.snmp import (
    IF_NAME,
    SYS_DESCR,
    SYS_UPTIME,
    SnmpSession,
    SnmpTarget,
    collect,
    text,
)
from ezgov_infra.errors import AuthError, CollectTimeout
from ezgov_infra.models.credentials import SnmpCredentials

COMMUNITY = "unit-community-7Qx"
V3 = SnmpCredentials("3", user="unit", auth_protocol="SHA", auth_key="unit-auth-key-1", priv_protocol="AES",
                     priv_key="unit-priv-key-1")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private snmpd on 127.0.0.1 and ::1; killed by its PID afterwards."""
    binary = shutil.which("snmpd") or "/usr/sbin/snmpd"
    if not os.path.exists(binary):
        if os.environ.get("CI") == "true":
            pytest.fail("snmpd is not installed")
        pytest.skip("snmpd is not installed")
    folder = tmp_path_factory.mktemp("snmpd")
    port = free_udp_port()
    (folder / "snmpd.conf").write_text(
        f"agentAddress udp:127.0.0.1:{port},udp6:[::1]:{port}\n"
        f"rocommunity {COMMUNITY} 127.0.0.1\nrocommunity6 {COMMUNITY} ::1\n"
        f"createUser unit SHA {V3.auth_key} AES {V3.priv_key}\nrouser unit priv\n")
    process = subprocess.Popen([binary, "-f", "-Lf", str(folder / "log"), "-C", "-c", str(folder / "snmpd.conf"),
                                f"--persistentDir={folder}", "-I", "-smux"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                asyncio.run(_get(SnmpTarget("127.0.0.1", SnmpCredentials("2c", community=COMMUNITY), port=port,
                                            timeout=0.5, retries=0), SYS_UPTIME))
                break
            except CollectTimeout:
                time.sleep(0.2)
        yield port
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(10)


async def _get(target: SnmpTarget, *oids: tuple[int, ...]) -> dict[tuple[int, ...], object]:
    async with SnmpSession() as session:
        return dict(await session.get(target, *oids))


async def _walk(target: SnmpTarget, column: tuple[int, ...]) -> dict[tuple[int, ...], object]:
    async with SnmpSession() as session:
        return dict((await session.walk(target, column))[column])


class TestSnmpSession:
    @pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
    @pytest.mark.parametrize("version", ["2c", "3"])
    def test_get_and_walk_over_both_transports_and_versions(self, agent: int, host: str, version: str) -> None:
        credentials = SnmpCredentials("2c", community=COMMUNITY) if version == "2c" else V3
        target = SnmpTarget(host, credentials, port=agent)
        values = asyncio.run(_get(target, SYS_DESCR, SYS_UPTIME))
        assert text(values[SYS_DESCR]).startswith("Linux")  # type: ignore[arg-type]
        assert isinstance(values[SYS_UPTIME], int)
        names = asyncio.run(_walk(target, IF_NAME))
        assert b"lo" in names.values() and all(len(index) == 1 for index in names)

    def test_a_wrong_community_is_a_timeout_naming_the_likely_cause(self, agent: int) -> None:
        target = SnmpTarget("127.0.0.1", SnmpCredentials("2c", community="wrong"), port=agent, timeout=0.3,
                            retries=0)
        with pytest.raises(CollectTimeout, match="wrong community"):
            asyncio.run(_get(target, SYS_UPTIME))

    def test_a_wrong_v3_key_is_an_auth_error(self, agent: int) -> None:
        wrong = SnmpCredentials("3", user="unit", auth_protocol="SHA", auth_key="not-the-key-9", priv_protocol="AES",
                                priv_key=V3.priv_key)
        with pytest.raises(AuthError):
            asyncio.run(_get(SnmpTarget("127.0.0.1", wrong, port=agent, timeout=0.5, retries=0), SYS_UPTIME))

    def test_repr_hides_secrets(self) -> None:
        target = SnmpTarget("127.0.0.1", V3)
        assert "unit-auth-key-1" not in repr(target) and "unit-priv-key-1" not in repr(V3)


class TestDeviceFacts:
    def test_interfaces_are_joined_by_ifindex_with_their_addresses(self, agent: int) -> None:
        facts = collect(SnmpTarget("127.0.0.1", V3, port=agent), device="host", platform="frr",
                        probe_ipv6=SnmpTarget("::1", V3, port=agent))
        names = {i.name: i for i in facts.interfaces}
        assert "lo" in names and names["lo"].if_index is not None
        assert facts.reachability.snmp_ipv6 is True
        assert facts.routing.ipv6_forwarding in (True, False)
        assert facts.source.value == "snmp"
