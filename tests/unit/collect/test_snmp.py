"""The SNMP adapter against a real net-snmp agent on the loopback: v2c and v3 authPriv, IPv4 and IPv6, errors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ezgov_infra.collect.snmp import (
    IF_NAME,
    SYS_DESCR,
    SYS_NAME,
    SYS_UPTIME,
    SnmpSession,
    SnmpTarget,
    Value,
    collect,
    text,
)
from ezgov_infra.errors import AuthError, CollectTimeout
from ezgov_infra.models.credentials import SnmpCredentials
from tests.agents import free_udp_port, private_snmpd

COMMUNITY = "unit-community-7Qx"
SYS_OBJECT_ID = (1, 3, 6, 1, 2, 1, 1, 2, 0)
V3 = SnmpCredentials("3", user="unit", auth_protocol="SHA", auth_key="unit-auth-key-1", priv_protocol="AES",
                     priv_key="unit-priv-key-1")
# The other users the agent knows: every protocol a profile can name, key extension (AES256 after MD5 or SHA)
# included, and authNoPriv. DES goes through pysnmp's engine; the others through the adapter's own USM.
USERS = [
    SnmpCredentials("3", user="u-sha512", auth_protocol="SHA512", auth_key="a-key-sha512", priv_protocol="AES256",
                    priv_key="p-key-aes256"),
    SnmpCredentials("3", user="u-sha256", auth_protocol="SHA256", auth_key="a-key-sha256", priv_protocol="AES",
                    priv_key="p-key-aes128"),
    SnmpCredentials("3", user="u-md5", auth_protocol="MD5", auth_key="a-key-md5-1", priv_protocol="AES256",
                    priv_key="p-key-aes256-2"),
    SnmpCredentials("3", user="u-sha-256", auth_protocol="SHA", auth_key="a-key-sha-1", priv_protocol="AES256",
                    priv_key="p-key-aes256-3"),
    SnmpCredentials("3", user="u-des", auth_protocol="MD5", auth_key="a-key-md5-2", priv_protocol="DES",
                    priv_key="p-key-des-1"),
    SnmpCredentials("3", user="u-auth", auth_protocol="SHA", auth_key="a-key-sha-2"),
]
NET_SNMP = {"MD5": "MD5", "SHA": "SHA", "SHA256": "SHA-256", "SHA512": "SHA-512", "AES": "AES", "AES256": "AES-256",
            "DES": "DES"}


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private snmpd on 127.0.0.1 and ::1."""
    def config(port: int) -> str:
        return (f"agentAddress udp:127.0.0.1:{port},udp6:[::1]:{port}\n"
                f"rocommunity {COMMUNITY} 127.0.0.1\nrocommunity6 {COMMUNITY} ::1\n"
                f"createUser unit SHA {V3.auth_key} AES {V3.priv_key}\nrouser unit priv\n"
                + "".join(f"createUser {c.user} {NET_SNMP[c.auth_protocol or '']} {c.auth_key}"
                          + (f" {NET_SNMP[c.priv_protocol or '']} {c.priv_key}" if c.priv_key else "")
                          + f"\nrouser {c.user} {'priv' if c.priv_key else 'auth'}\n" for c in USERS))

    with private_snmpd(tmp_path_factory.mktemp("snmpd"), COMMUNITY, config) as port:
        yield port


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

    @pytest.mark.parametrize("credentials", [V3, *USERS], ids=lambda c: c.user)
    def test_the_v3_fast_path_reads_what_pysnmps_engine_reads(self, agent: int, credentials: SnmpCredentials) -> None:
        """Every profile's protocols, key extension included; a missing object is None through both."""
        if_type, if_mtu, missing = (1, 3, 6, 1, 2, 1, 2, 2, 1, 3, 1), (1, 3, 6, 1, 2, 1, 2, 2, 1, 4, 1), \
            (1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 999999)
        oids = [SYS_DESCR, SYS_NAME, SYS_OBJECT_ID, if_type, if_mtu, missing]

        async def both() -> tuple[dict[tuple[int, ...], Value], dict[tuple[int, ...], Value]]:
            async with SnmpSession() as session:
                target = SnmpTarget("::1", credentials, port=agent)
                fast = await session.get(target, *oids)
                return fast, dict(await session._request(target, oids, bulk=False))

        fast, engine = asyncio.run(both())
        assert fast == engine and list(fast) == oids
        assert text(fast[SYS_DESCR]).startswith("Linux") and fast[oids[-1]] is None

    def test_a_wrong_v3_privacy_key_is_a_timeout_naming_the_likely_cause(self, agent: int) -> None:
        wrong = SnmpCredentials("3", user="unit", auth_protocol="SHA", auth_key=V3.auth_key, priv_protocol="AES",
                                priv_key="not-the-key-8")
        with pytest.raises(CollectTimeout, match="wrong privacy key"):
            asyncio.run(_get(SnmpTarget("127.0.0.1", wrong, port=agent, timeout=0.3, retries=0), SYS_UPTIME))

    def test_an_unknown_v3_user_is_an_auth_error(self, agent: int) -> None:
        stranger = SnmpCredentials("3", user="nobody", auth_protocol="SHA", auth_key=V3.auth_key,
                                   priv_protocol="AES", priv_key=V3.priv_key)
        with pytest.raises(AuthError, match="Unknown USM user"):
            asyncio.run(_get(SnmpTarget("127.0.0.1", stranger, port=agent, timeout=0.5, retries=0), SYS_UPTIME))

    def test_asking_privacy_of_a_user_without_it_is_an_auth_error(self, agent: int) -> None:
        auth_only = USERS[-1]
        asking = SnmpCredentials("3", user=auth_only.user, auth_protocol="SHA", auth_key=auth_only.auth_key,
                                 priv_protocol="AES", priv_key="a-privacy-key")
        with pytest.raises(AuthError, match="security level"):
            asyncio.run(_get(SnmpTarget("127.0.0.1", asking, port=agent, timeout=0.5, retries=0), SYS_UPTIME))

    def test_a_wrong_v3_auth_key_is_an_auth_error_for_every_digest(self, agent: int) -> None:
        for user in USERS[:3]:
            wrong = SnmpCredentials("3", user=user.user, auth_protocol=user.auth_protocol, auth_key="not-the-key-7",
                                    priv_protocol=user.priv_protocol, priv_key=user.priv_key)
            with pytest.raises(AuthError, match="digest"):
                asyncio.run(_get(SnmpTarget("::1", wrong, port=agent, timeout=0.5, retries=0), SYS_UPTIME))

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
        assert facts.faults == []

    def test_an_ipv6_probe_without_an_answer_is_a_fault_and_leaves_the_fact_unknown(self, agent: int) -> None:
        silent = free_udp_port()  # nothing listens there: the probe times out
        facts = collect(SnmpTarget("127.0.0.1", V3, port=agent), device="host", platform="frr",
                        probe_ipv6=SnmpTarget("::1", V3, port=silent, timeout=0.2, retries=0))
        assert facts.reachability.snmp_ipv6 is None
        assert [(f.step, f.category) for f in facts.faults] == [("SNMP over IPv6", "timeout")]
        assert "no SNMP answer within 0.2 s" in facts.faults[0].message
        assert any(i.name == "lo" for i in facts.interfaces)


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

        from ezgov_infra.collect.ber import read_v2c_header, read_v2c_response
        from ezgov_infra.collect.snmp import _python

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
        status, _, got = read_v2c_response(wire)
        assert got == expected
        assert status == int(proto.apiPDU.get_error_status(pdu))
        assert read_v2c_header(wire)[0] == request_id

    def test_a_truncated_answer_is_refused_not_misread(self) -> None:
        from pysnmp.proto import rfc1902

        from ezgov_infra.collect.ber import read_v2c_response

        wire = self._encoded(7, 0, [((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(5))])
        with pytest.raises((ValueError, IndexError)):
            read_v2c_response(wire[:-3])


FAST_PROTOCOLS = [(auth, priv) for auth in ("MD5", "SHA", "SHA256", "SHA512") for priv in (None, "AES", "AES256")]


class TestUsmWire:
    """The v3 fast path writes and reads messages itself: pysnmp's own USM services must accept what it writes
    (digest and ciphertext) and it must read what they write, for every protocol it speaks."""

    @staticmethod
    def _peer(auth: str, priv: str | None, engine_id: bytes, boots: int, time_: int) -> object:
        from ezgov_infra.collect.snmp import _Peer, _Usm

        credentials = SnmpCredentials("3", user="wire-user", auth_protocol=auth, auth_key="wire-auth-key",
                                      priv_protocol=priv, priv_key="wire-priv-key" if priv else None)
        peer = _Peer(_Usm(credentials))
        peer.learn(engine_id, boots, time_)
        return peer

    @staticmethod
    def _keys(peer: object) -> tuple[object, object]:
        from pyasn1.type import univ

        return univ.OctetString(peer.auth_key), univ.OctetString(peer.priv_key)  # type: ignore[attr-defined]

    @settings(max_examples=60, deadline=None)
    @given(protocols=st.sampled_from(FAST_PROTOCOLS), data=st.data())
    def test_requests_pass_pysnmps_authentication_and_decrypt_to_the_get(self, protocols: tuple[str, str | None],
                                                                         data: st.DataObject) -> None:
        from pyasn1.codec.ber import decoder  # type: ignore[import-untyped]
        from pysnmp.proto.error import StatusInformation
        from pysnmp.proto.mpmod.rfc3412 import ScopedPDU, SNMPv3Message
        from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters

        from ezgov_infra.collect.snmp import _V3Client

        auth, priv = protocols
        engine_id = data.draw(st.binary(min_size=5, max_size=32).filter(lambda b: bytes(12) not in b))
        boots, time_ = data.draw(st.integers(0, 2**31 - 1)), data.draw(st.integers(0, 2**31 - 2))
        oids = tuple(data.draw(st.lists(st.tuples(st.just(1), st.just(3), st.integers(0, 2**32 - 1)), max_size=9)))
        msg_id, salt = data.draw(st.integers(1 << 24, 2**31 - 1)), data.draw(st.integers(0, 2**64 - 1))
        peer = self._peer(auth, priv, engine_id, boots, time_)
        pdu, at = _V3Client()._pdu(oids)
        wire = peer.request(pdu[:at] + msg_id.to_bytes(4, "big") + pdu[at + 4:], msg_id, salt)  # type: ignore[attr-defined]

        message, rest = decoder.decode(wire, asn1Spec=SNMPv3Message())
        assert not rest and int(message["msgGlobalData"]["msgID"]) == msg_id
        assert int(message["msgGlobalData"]["msgSecurityModel"]) == 3
        usm, _ = decoder.decode(bytes(message["msgSecurityParameters"]), asn1Spec=UsmSecurityParameters())
        assert bytes(usm["msgAuthoritativeEngineId"]) == engine_id and bytes(usm["msgUserName"]) == b"wire-user"
        assert int(usm["msgAuthoritativeEngineBoots"]) == boots
        assert int(usm["msgAuthoritativeEngineTime"]) - time_ in (0, 1)  # the agent's clock moved on meanwhile
        service, crypt = peer.usm.auth_service, peer.usm.priv_service  # type: ignore[attr-defined]
        auth_key, priv_key = self._keys(peer)
        service.authenticate_incoming_message(auth_key, usm["msgAuthenticationParameters"], wire)  # raises if wrong
        if priv:
            plain = crypt.decrypt_data(priv_key, (usm["msgAuthoritativeEngineBoots"],
                                                  usm["msgAuthoritativeEngineTime"], usm["msgPrivacyParameters"]),
                                       message["msgData"]["encryptedPDU"])
            scoped, _ = decoder.decode(plain, asn1Spec=ScopedPDU())
        else:
            scoped = message["msgData"]["plaintext"]
        assert bytes(scoped["contextEngineId"]) == engine_id and bytes(scoped["contextName"]) == b""
        get = scoped["data"]["get-request"]
        assert int(get["request-id"]) == msg_id
        assert [tuple(vb["name"]) for vb in get["variable-bindings"]] == list(oids)
        tampered = bytearray(wire)
        tampered[-1] ^= 0x01
        with pytest.raises(StatusInformation):
            service.authenticate_incoming_message(auth_key, usm["msgAuthenticationParameters"], bytes(tampered))

    @settings(max_examples=60, deadline=None)
    @given(protocols=st.sampled_from(FAST_PROTOCOLS), data=st.data())
    def test_answers_that_pysnmps_services_write_are_read_as_pysnmp_reads_them(
            self, protocols: tuple[str, str | None], data: st.DataObject) -> None:
        from pyasn1.codec.ber import encoder  # type: ignore[import-untyped]
        from pysnmp.proto import api, rfc1902
        from pysnmp.proto.mpmod.rfc3412 import ScopedPDU, SNMPv3Message
        from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters

        from ezgov_infra.collect import ber
        from ezgov_infra.collect.snmp import _python

        auth, priv = protocols
        engine_id = data.draw(st.binary(min_size=5, max_size=32).filter(lambda b: bytes(12) not in b))
        boots, time_ = data.draw(st.integers(0, 2**31 - 1)), data.draw(st.integers(0, 2**31 - 1))
        peer = self._peer(auth, priv, engine_id, 0, 0)
        proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        values = [rfc1902.Counter64(data.draw(st.integers(0, 2**64 - 1))),
                  rfc1902.OctetString(data.draw(st.binary(max_size=200))),
                  rfc1902.TimeTicks(data.draw(st.integers(0, 2**32 - 1)))]
        varbinds = [((1, 3, 6, 1, 2, 1, n), v) for n, v in enumerate(values)]
        pdu = proto.GetResponsePDU()
        proto.apiPDU.set_defaults(pdu)
        msg_id = data.draw(st.integers(1, 2**31 - 1))
        proto.apiPDU.set_request_id(pdu, msg_id)
        proto.apiPDU.set_varbinds(pdu, varbinds)
        scoped = ScopedPDU()
        scoped["contextEngineId"] = engine_id
        scoped["contextName"] = b""
        scoped["data"]["response"] = pdu
        plain = encoder.encode(scoped)
        auth_key, priv_key = self._keys(peer)
        service, crypt = peer.usm.auth_service, peer.usm.priv_service  # type: ignore[attr-defined]
        usm = UsmSecurityParameters()
        usm["msgAuthoritativeEngineId"] = engine_id
        usm["msgAuthoritativeEngineBoots"] = boots
        usm["msgAuthoritativeEngineTime"] = time_
        usm["msgUserName"] = b"wire-user"
        usm["msgAuthenticationParameters"] = bytes(service.digest_length)
        message = SNMPv3Message()
        message["msgVersion"] = 3
        message["msgGlobalData"]["msgID"] = msg_id
        message["msgGlobalData"]["msgMaxSize"] = 65507
        message["msgGlobalData"]["msgFlags"] = bytes((0x03 if priv else 0x01,))
        message["msgGlobalData"]["msgSecurityModel"] = 3
        if priv:
            ciphertext, salt = crypt.encrypt_data(priv_key, (boots, time_, None), plain)
            usm["msgPrivacyParameters"] = salt
            message["msgData"]["encryptedPDU"] = ciphertext
        else:
            usm["msgPrivacyParameters"] = b""
            message["msgData"]["plaintext"] = scoped
        message["msgSecurityParameters"] = encoder.encode(usm)
        wire = service.authenticate_outgoing_message(auth_key, encoder.encode(message))

        answer = peer.open(wire, ber.read_v3(wire))  # type: ignore[attr-defined]
        assert answer is not None and answer.authentic and answer.tag == ber.RESPONSE
        assert answer.varbinds == [(oid, _python(value)) for oid, value in varbinds]
        assert (peer.boots, peer.time) == (boots, time_)  # type: ignore[attr-defined]
        forged = bytearray(wire)
        forged[len(wire) // 2 + 8] ^= 0x40
        with contextlib.suppress(ValueError, IndexError):  # a flipped bit that breaks the framing: dropped as well
            assert peer.open(bytes(forged), ber.read_v3(bytes(forged))) is None  # type: ignore[attr-defined]


class TestAgentRestart:
    """An agent that restarts comes back with more boots (same engine id) or a new engine id; the same session
    learns either from the agent's report and asks again, without a new engine."""

    @staticmethod
    def _start(folder: Path, persist: Path, port: int) -> subprocess.Popen[bytes]:
        binary = shutil.which("snmpd") or "/usr/sbin/snmpd"
        if not os.path.exists(binary):
            if os.environ.get("CI") == "true":
                pytest.fail("snmpd is not installed")
            pytest.skip("snmpd is not installed")
        (folder / "snmpd.conf").write_text(f"agentAddress udp:127.0.0.1:{port}\n"
                                           f"createUser unit SHA {V3.auth_key} AES {V3.priv_key}\nrouser unit priv\n")
        persist.mkdir(exist_ok=True)
        # No -C: the agent reads only SNMPCONFPATH and its persistent store, where it keeps its engine id and boots
        return subprocess.Popen([binary, "-f", "-Lf", str(folder / "log"), f"--persistentDir={persist}", "-I",
                                 "-smux,mteTrigger,mteTriggerConf"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "SNMPCONFPATH": f"{folder}:{persist}"})

    @pytest.mark.parametrize("keeps_engine_id", [True, False], ids=["more-boots", "new-engine-id"])
    def test_the_same_session_answers_after_a_restart(self, tmp_path: Path, keeps_engine_id: bool) -> None:
        port = free_udp_port()
        target = SnmpTarget("127.0.0.1", V3, port=port, timeout=0.5, retries=1)
        processes = [self._start(tmp_path, tmp_path / "persist", port)]

        async def polls() -> list[tuple[bytes | None, int]]:
            seen: list[tuple[bytes | None, int]] = []
            async with SnmpSession() as session:
                for _ in range(40):  # until the agent listens
                    try:
                        await session.get(target, SYS_UPTIME)
                        break
                    except CollectTimeout:
                        await asyncio.sleep(0.1)
                peer = next(iter(session._v3._peers.values()))  # type: ignore[union-attr]
                seen.append((peer.engine_id, peer.boots))
                processes[0].send_signal(signal.SIGTERM)
                processes[0].wait(10)
                persist = tmp_path / ("persist" if keeps_engine_id else "persist-new")
                processes.append(self._start(tmp_path, persist, port))
                for _ in range(40):
                    try:
                        uptime = (await session.get(target, SYS_UPTIME))[SYS_UPTIME]
                        break
                    except CollectTimeout:
                        await asyncio.sleep(0.1)
                else:
                    pytest.fail("the restarted agent never answered the same session")
                assert isinstance(uptime, int) and uptime < 1000  # the new process, up for seconds
                seen.append((peer.engine_id, peer.boots))
            return seen

        try:
            (engine_before, boots_before), (engine_after, boots_after) = asyncio.run(polls())
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(10)
        if keeps_engine_id:
            assert engine_after == engine_before and boots_after == boots_before + 1
        else:
            assert engine_after != engine_before
