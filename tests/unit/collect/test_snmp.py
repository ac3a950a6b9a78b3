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
from hypothesis import given, settings
from hypothesis import strategies as st

from ezgov_infra.collect.snmp import (
    IF_NAME,
    SYS_DESCR,
    SYS_UPTIME,
    SnmpSession,
    SnmpTarget,
    Value,
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

    def test_a_v2c_get_of_a_missing_object_is_none(self, agent: int) -> None:
        target = SnmpTarget("::1", SnmpCredentials("2c", community=COMMUNITY), port=agent)
        values = asyncio.run(_get(target, SYS_UPTIME, (1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 999999)))
        assert isinstance(values[SYS_UPTIME], int) and values[(1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 999999)] is None

    def test_concurrent_v2c_gets_each_get_their_own_answer(self, agent: int) -> None:
        """Answers are matched to requests by request id, never by arrival order."""
        v2c = SnmpCredentials("2c", community=COMMUNITY)
        oids = [SYS_DESCR, SYS_UPTIME, (1, 3, 6, 1, 2, 1, 1, 5, 0)]

        async def many() -> list[dict[tuple[int, ...], Value]]:
            async with SnmpSession() as session:
                targets = [SnmpTarget(host, v2c, port=agent) for host in ("127.0.0.1", "::1") * 20]
                return list(await asyncio.gather(*(session.get(t, oids[i % 3]) for i, t in enumerate(targets))))

        for i, answer in enumerate(asyncio.run(many())):
            assert list(answer) == [oids[i % 3]] and answer[oids[i % 3]] is not None

    def test_the_v2c_fast_path_reads_what_the_v3_engine_reads(self, agent: int) -> None:
        v2c = asyncio.run(_get(SnmpTarget("::1", SnmpCredentials("2c", community=COMMUNITY), port=agent), SYS_DESCR))
        v3 = asyncio.run(_get(SnmpTarget("::1", V3, port=agent), SYS_DESCR))
        assert v2c == v3

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


class TestResponseReader:
    """The v2c fast path reads answers itself; it must read every response exactly as pysnmp's decoder does."""

    @staticmethod
    def _encoded(request_id: int, status: int, varbinds: list[tuple[tuple[int, ...], object]]) -> bytes:
        from pyasn1.codec.ber import encoder  # type: ignore[import-untyped]
        from pysnmp.proto import api

        proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        pdu = proto.GetResponsePDU()
        proto.apiPDU.set_defaults(pdu)
        proto.apiPDU.set_request_id(pdu, request_id)
        proto.apiPDU.set_error_status(pdu, status)
        proto.apiPDU.set_varbinds(pdu, varbinds)
        message = proto.Message()
        proto.apiMessage.set_defaults(message)
        proto.apiMessage.set_community(message, "c0mm\"unity")
        proto.apiMessage.set_pdu(message, pdu)
        return bytes(encoder.encode(message))

    @settings(max_examples=200, deadline=None)
    @given(data=st.data())
    def test_random_responses_read_as_pysnmp_reads_them(self, data: st.DataObject) -> None:
        from pysnmp.proto import api, rfc1902, rfc1905

        from ezgov_infra.collect.snmp import _python, _read_header, _read_response

        proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        first = data.draw(st.integers(0, 2))
        second = data.draw(st.integers(0, 39 if first < 2 else 1000))
        arcs = st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=12)
        makers = [
            lambda: rfc1902.Integer32(data.draw(st.integers(-(2**31), 2**31 - 1))),
            lambda: rfc1902.Counter32(data.draw(st.integers(0, 2**32 - 1))),
            lambda: rfc1902.Gauge32(data.draw(st.integers(0, 2**32 - 1))),
            lambda: rfc1902.TimeTicks(data.draw(st.integers(0, 2**32 - 1))),
            lambda: rfc1902.Counter64(data.draw(st.integers(0, 2**64 - 1))),
            lambda: rfc1902.OctetString(data.draw(st.binary(max_size=300))),
            lambda: rfc1902.IpAddress(data.draw(st.binary(min_size=4, max_size=4))),
            lambda: rfc1902.ObjectIdentifier((1, 3, *data.draw(arcs))),
            lambda: rfc1905.NoSuchObject(""), lambda: rfc1905.NoSuchInstance(""), lambda: rfc1905.EndOfMibView(""),
        ]
        varbinds = [((first, second, *data.draw(arcs)), data.draw(st.sampled_from(makers))())
                    for _ in range(data.draw(st.integers(0, 30)))]
        request_id = data.draw(st.integers(0, 2**31 - 1))
        wire = self._encoded(request_id, data.draw(st.integers(0, 18)), varbinds)
        from pyasn1.codec.ber import decoder

        message, _ = decoder.decode(wire, asn1Spec=proto.Message())
        pdu = proto.apiMessage.get_pdu(message)
        expected = [(tuple(name), _python(value)) for name, value in proto.apiPDU.get_varbinds(pdu)]
        status, _, got = _read_response(wire)
        assert got == expected
        assert status == int(proto.apiPDU.get_error_status(pdu))
        assert _read_header(wire)[0] == request_id

    def test_a_truncated_answer_is_refused_not_misread(self) -> None:
        from pysnmp.proto import rfc1902

        from ezgov_infra.collect.snmp import _read_response

        wire = self._encoded(7, 0, [((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(5))])
        with pytest.raises((ValueError, IndexError)):
            _read_response(wire[:-3])
