"""The SNMP adapter (pysnmp 7, asyncio): the only module that imports pysnmp.

A small generic API, numeric OIDs throughout and no MIB lookups (`lookupMib=False`), so it is fast and needs no
MIB files:

    target = SnmpTarget("2001:db8:0:2::10", credentials)           # v2c or v3 authPriv, IPv4 or IPv6
    async with SnmpSession() as session:                             # one engine for many agents
        values = await session.get(target, SYS_DESCR, SYS_UPTIME)    # {oid: value}
        rows = await session.walk(target, IF_NAME, IF_HIGH_SPEED)    # {column: {index: value}}

Values come back as Python types: int (Integer, Counter32/64, Gauge, TimeTicks), bytes (OCTET STRING; `text()`
decodes), str (IpAddress) and tuples (OBJECT IDENTIFIER); OIDs and row indexes are tuples of ints.
Failures raise the ezgov errors: no answer `CollectTimeout`, a v3 authentication report `AuthError`, a socket
error `UnreachableError`, an agent error status `UnsupportedError`.

GETs (what counter polling repeats every round) go on the wire: `_V2cClient` for v2c and `_V3Client` for v3 USM
with MD5/SHA/SHA-256/SHA-512 and AES/AES256, both writing around PDUs pysnmp encoded once and reading with `ber`.
Walks, SNMPv1 and DES go through pysnmp's engine.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
import random
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import monotonic as _monotonic
from types import TracebackType
from typing import Any

from ezgov_infra.collect import ber
from ezgov_infra.errors import AuthError, CollectError, CollectTimeout, UnreachableError, UnsupportedError
from ezgov_infra.models.credentials import SnmpCredentials
from ezgov_infra.models.facts import DeviceFacts, Fault, InterfaceFacts, Source

Oid = ber.Oid
Value = ber.Value

# The columns and scalars the audits use (numeric, so no MIB is loaded).
SYS_DESCR: Oid = (1, 3, 6, 1, 2, 1, 1, 1, 0)
SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)
SYS_NAME: Oid = (1, 3, 6, 1, 2, 1, 1, 5, 0)
IF_DESCR: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
IF_ADMIN_STATUS: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
IF_OPER_STATUS: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 8)
IF_NAME: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1)
IF_HC_IN_OCTETS: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6)
IF_HC_OUT_OCTETS: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10)
IF_HIGH_SPEED: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15)
IF_ALIAS: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18)
IP_ADDRESS_IF_INDEX: Oid = (1, 3, 6, 1, 2, 1, 4, 34, 1, 3)       # IP-MIB ipAddressIfIndex
IP_ADDRESS_PREFIX: Oid = (1, 3, 6, 1, 2, 1, 4, 34, 1, 5)         # IP-MIB ipAddressPrefix (a RowPointer)
IP_ADDRESS_TYPE: Oid = (1, 3, 6, 1, 2, 1, 4, 34, 1, 4)           # unicast(1) anycast(2) broadcast(3)
IPV6_IP_FORWARDING: Oid = (1, 3, 6, 1, 2, 1, 4, 25, 0)           # IP-MIB ipv6IpForwarding: forwarding(1)
IPV6_MIB_FORWARDING: Oid = (1, 3, 6, 1, 2, 1, 55, 1, 1, 0)       # IPV6-MIB ipv6Forwarding (obsolete)
IPV6_ADDR_PFX_LENGTH: Oid = (1, 3, 6, 1, 2, 1, 55, 1, 8, 1, 2)   # IPV6-MIB ipv6AddrPfxLength, index ifIndex.addr
IP_AD_ENT_IF_INDEX: Oid = (1, 3, 6, 1, 2, 1, 4, 20, 1, 2)         # RFC 1213 ipAdEntIfIndex, index the address
IP_AD_ENT_NET_MASK: Oid = (1, 3, 6, 1, 2, 1, 4, 20, 1, 3)         # RFC 1213 ipAdEntNetMask


@dataclass(frozen=True, slots=True)
class SnmpTarget:
    """One agent: host (IPv4 or IPv6 literal or name), credentials, and how patiently to ask it."""

    host: str
    credentials: SnmpCredentials = field(repr=False)
    port: int = 161
    timeout: float = 2.0
    retries: int = 1
    max_repetitions: int = 25

    def __repr__(self) -> str:
        return f"SnmpTarget({self.host}:{self.port}, {self.credentials})"


def text(value: Value) -> str:
    """An OCTET STRING as text (undecodable bytes replaced); other values as str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    return "" if value is None else str(value)


def _python(value: Any) -> Value:
    from pyasn1.type import univ  # type: ignore[import-untyped]
    from pysnmp.proto import rfc1902, rfc1905

    if isinstance(value, rfc1905.NoSuchObject | rfc1905.NoSuchInstance | rfc1905.EndOfMibView):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return str(ipaddress.IPv4Address(bytes(value.asOctets())))
    if isinstance(value, rfc1902.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, rfc1902.ObjectIdentifier | univ.ObjectIdentifier):
        return tuple(value)
    if isinstance(value, rfc1902.Integer | rfc1902.Integer32 | rfc1902.Counter32 | rfc1902.Counter64
                  | rfc1902.Gauge32 | rfc1902.Unsigned32 | rfc1902.TimeTicks):
        return int(value)
    return None


_AUTH = {"MD5": "usmHMACMD5AuthProtocol", "SHA": "usmHMACSHAAuthProtocol",
         "SHA256": "usmHMAC192SHA256AuthProtocol", "SHA512": "usmHMAC384SHA512AuthProtocol"}
_PRIV = {"DES": "usmDESPrivProtocol", "AES": "usmAesCfb128Protocol", "AES256": "usmAesBlumenthalCfb256Protocol"}


class SnmpSession:
    """One pysnmp engine shared by every request; use as `async with SnmpSession() as session`."""

    def __init__(self) -> None:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        self._engine = SnmpEngine()
        self._transports: dict[tuple[str, int, float, int], Any] = {}
        self._v2c: _V2cClient | None = None
        self._v3: _V3Client | None = None

    async def __aenter__(self) -> SnmpSession:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._engine.close_dispatcher()
        for client in (self._v2c, self._v3):
            if client is not None:
                client.close()
        self._v2c = self._v3 = None

    def _auth(self, credentials: SnmpCredentials) -> Any:
        from pysnmp.hlapi.v3arch import asyncio as api

        if credentials.version in ("1", "2c"):
            return api.CommunityData(credentials.community or "", mpModel=0 if credentials.version == "1" else 1)
        auth = getattr(api, _AUTH[credentials.auth_protocol or "SHA"]) if credentials.auth_key else \
            api.usmNoAuthProtocol
        priv = getattr(api, _PRIV[credentials.priv_protocol or "AES"]) if credentials.priv_key else \
            api.usmNoPrivProtocol
        return api.UsmUserData(credentials.user or "", authKey=credentials.auth_key, privKey=credentials.priv_key,
                               authProtocol=auth, privProtocol=priv)

    async def _transport(self, target: SnmpTarget) -> Any:
        from pysnmp.hlapi.v3arch import asyncio as api

        key = (target.host, target.port, target.timeout, target.retries)
        if key not in self._transports:
            try:
                version = ipaddress.ip_address(target.host).version
            except ValueError:
                version = 4
            cls = api.Udp6TransportTarget if version == 6 else api.UdpTransportTarget
            try:
                self._transports[key] = await cls.create((target.host, target.port), timeout=target.timeout,
                                                         retries=target.retries)
            except Exception as exc:  # pysnmp raises its own PySnmpError for unresolvable hosts
                raise UnreachableError(f"{target.host}: cannot open SNMP transport: {exc}") from exc
        return self._transports[key]

    async def _request(self, target: SnmpTarget, oids: Sequence[Oid], bulk: bool) -> list[tuple[Oid, Value]]:
        from pysnmp.hlapi.v3arch import asyncio as api

        transport = await self._transport(target)
        binds = [api.ObjectType(api.ObjectIdentity(oid)) for oid in oids]
        try:
            if bulk:
                error, status, index, var_binds = await api.bulk_cmd(
                    self._engine, self._auth(target.credentials), transport, api.ContextData(), 0,
                    target.max_repetitions, *binds, lookupMib=False)
            else:
                error, status, index, var_binds = await api.get_cmd(
                    self._engine, self._auth(target.credentials), transport, api.ContextData(), *binds,
                    lookupMib=False)
        except OSError as exc:
            raise UnreachableError(f"{target.host}: {exc.strerror or exc}") from exc
        if error:
            raise _translate(target, str(error))
        if status:
            raise UnsupportedError(f"{target.host}: agent answered {status.prettyPrint()} at index {index}")
        return [(tuple(name), _python(value)) for name, value in var_binds]

    async def get(self, target: SnmpTarget, *oids: Oid) -> dict[Oid, Value]:
        """Scalars by exact OID; a missing object comes back as None."""
        if target.credentials.version == "2c":
            if self._v2c is None:
                self._v2c = _V2cClient()
            return dict(await self._v2c.get(target, oids))
        if target.credentials.version == "3" and _fast_v3(target.credentials):
            if self._v3 is None:
                self._v3 = _V3Client()
            return dict(await self._v3.get(target, oids))
        return dict(await self._request(target, oids, bulk=False))

    async def walk(self, target: SnmpTarget, *columns: Oid) -> dict[Oid, dict[Oid, Value]]:
        """Each column's rows, `{column: {row index: value}}`, fetched with GETBULK, all columns at once."""
        found: dict[Oid, dict[Oid, Value]] = {c: {} for c in columns}
        cursors: dict[Oid, Oid] = {c: c for c in columns}
        while cursors:
            pending = list(cursors)
            answer = await self._request(target, [cursors[c] for c in pending], bulk=True)
            width = len(pending)
            done: set[Oid] = set()
            for position, (oid, value) in enumerate(answer):
                column = pending[position % width]
                if column in done:
                    continue
                if value is None or oid[:len(column)] != column or oid <= cursors[column]:
                    done.add(column)
                    continue
                found[column][oid[len(column):]] = value
                cursors[column] = oid
            if not answer:
                done.update(pending)
            for column in done:
                cursors.pop(column, None)
        return found


def _encoded_get(community: str, oids: tuple[Oid, ...]) -> bytes:
    """A v2c GetRequest for these OIDs as pysnmp encodes it, request id `_MIN_REQUEST_ID` (four octets)."""
    from pyasn1.codec.ber import encoder  # type: ignore[import-untyped]
    from pysnmp.proto import api

    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = proto.GetRequestPDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_request_id(pdu, _MIN_REQUEST_ID)
    proto.apiPDU.set_varbinds(pdu, [(oid, proto.Null("")) for oid in oids])
    message = proto.Message()
    proto.apiMessage.set_defaults(message)
    proto.apiMessage.set_community(message, community)
    proto.apiMessage.set_pdu(message, pdu)
    return bytes(encoder.encode(message))


class _Datagrams(asyncio.DatagramProtocol):
    """One UDP socket per address family; each answer goes to the request that `_route` finds for it."""

    def __init__(self) -> None:
        self._sockets: dict[int, asyncio.DatagramTransport] = {}
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = random.randint(_MIN_REQUEST_ID, _MAX_REQUEST_ID)

    def _route(self, data: bytes) -> tuple[int, Any] | None:
        """(request id, what the waiting request receives) for a datagram, None to drop it."""
        raise NotImplementedError

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            routed = self._route(data)
        except (IndexError, ValueError):
            return  # not an SNMP answer we can read: ignore it, as an agent would a bad request
        if routed is not None:
            future = self._pending.get(routed[0])
            if future is not None and not future.done():
                future.set_result(routed[1])

    def error_received(self, exc: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)

    def _request_id(self) -> int:
        self._next_id = self._next_id + 1 if self._next_id < _MAX_REQUEST_ID else _MIN_REQUEST_ID
        return self._next_id

    async def _exchange(self, target: SnmpTarget, address: str, request_id: int, wire: bytes) -> Any:
        """Send `wire`, resend on timeout as the target says; what `_route` made of the answer, or None."""
        if (family := 6 if ":" in address else 4) not in self._sockets:

            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: self, family=socket.AF_INET6 if family == 6 else socket.AF_INET)
            self._sockets[family] = transport
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            for _ in range(target.retries + 1):
                try:
                    self._sockets[family].sendto(wire, (address, target.port))
                    return await asyncio.wait_for(asyncio.shield(future), target.timeout)
                except TimeoutError:
                    continue
                except OSError as exc:
                    raise UnreachableError(f"{target.host}: {exc.strerror or exc}") from exc
            return None
        finally:
            self._pending.pop(request_id, None)
            if not future.done():
                future.cancel()

    def close(self) -> None:
        for transport in self._sockets.values():
            transport.close()
        self._sockets.clear()


def _address(target: SnmpTarget) -> str:
    try:
        return _literal(target.host)
    except ValueError as exc:
        raise UnreachableError(f"{target.host}: SNMP needs an address literal here") from exc


@functools.lru_cache(maxsize=65536)
def _literal(host: str) -> str:
    """An address literal in its canonical form (parsed once per host: polling asks the same hosts each round)."""
    return str(ipaddress.ip_address(host))


class _V2cClient(_Datagrams):
    """SNMPv2c GETs straight on the wire, answers matched by request id.

    Counter polling is one GET per agent per round, so its cost is what a province multiplies. The high-level API
    spends most of its CPU on per-request engine plumbing and generic ASN.1 object trees. Here pysnmp builds each
    distinct request once (the same OIDs are asked every round); a request only patches its fixed-width request id
    into those bytes, and the answer is read by `ber.read_v2c_response`, a reader of exactly the BER that RFC 3416
    responses use.
    """

    def __init__(self) -> None:
        super().__init__()
        self._templates: dict[tuple[str, tuple[Oid, ...]], tuple[bytes, int]] = {}

    def _route(self, data: bytes) -> tuple[int, Any] | None:
        return ber.read_v2c_header(data)[0], data

    def _template(self, community: str, oids: tuple[Oid, ...]) -> tuple[bytes, int]:
        """The encoded GetRequest for these OIDs, and where its 4-byte request id sits."""
        key = (community, oids)
        if key not in self._templates:
            wire = _encoded_get(community, oids)
            self._templates[key] = (wire, ber.read_v2c_header(wire)[1])
        return self._templates[key]

    async def get(self, target: SnmpTarget, oids: Sequence[Oid]) -> list[tuple[Oid, Value]]:
        address = _address(target)
        template, at = self._template(target.credentials.community or "", tuple(oids))
        request_id = self._request_id()
        wire = template[:at] + request_id.to_bytes(4, "big") + template[at + 4:]
        answer = await self._exchange(target, address, request_id, wire)
        if answer is None:
            raise _translate(target, "No SNMP response received before timeout")
        try:
            status, index, varbinds = ber.read_v2c_response(answer)
        except (IndexError, ValueError) as exc:
            raise UnsupportedError(f"{target.host}: unreadable SNMP answer ({exc})") from exc
        if status:
            raise UnsupportedError(f"{target.host}: agent answered error status {status} at index {index}")
        return varbinds


# ---- SNMPv3 (USM) GETs on the wire

_USM_STATS: Oid = (1, 3, 6, 1, 6, 3, 15, 1, 1)  # usmStats: the reports an agent sends instead of an answer
_NOT_IN_TIME_WINDOW, _UNKNOWN_ENGINE_ID = (*_USM_STATS, 2, 0), (*_USM_STATS, 4, 0)
_FAST_AUTH = {"MD5": "md5", "SHA": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
_FAST_PRIV = ("AES", "AES256")
_AUTH_FLAG, _PRIV_FLAG, _REPORTABLE_FLAG = 0x01, 0x02, 0x04
_MAX_SIZE = ber.encode_int(65507)
_USM_MODEL = ber.encode_int(3)


def _fast_v3(credentials: SnmpCredentials) -> bool:
    """Whether `_V3Client` speaks this user's protocols (the rest, DES, goes through pysnmp's engine)."""
    if credentials.priv_key and not credentials.auth_key:
        return False
    return (not credentials.auth_key or (credentials.auth_protocol or "SHA") in _FAST_AUTH) and \
        (not credentials.priv_key or (credentials.priv_protocol or "AES") in _FAST_PRIV)


class _Usm:
    """One user's protocols and passphrase digests (RFC 3414 A.2: hashed once, localised per engine)."""

    def __init__(self, credentials: SnmpCredentials) -> None:
        from pysnmp.hlapi.v3arch import asyncio as api
        from pysnmp.proto.secmod.rfc3414.service import SnmpUSMSecurityModel

        self.user = (credentials.user or "").encode()
        self.flags = _REPORTABLE_FLAG
        self.auth_service = self.priv_service = None
        self.hash, self.digest_size = "", 0
        self.auth_passphrase = self.priv_passphrase = b""
        self.auth_protocol: Oid = ()
        if credentials.auth_key:
            name = credentials.auth_protocol or "SHA"
            self.auth_protocol = tuple(getattr(api, _AUTH[name]))
            self.auth_service = SnmpUSMSecurityModel.AUTH_SERVICES[self.auth_protocol]
            self.hash, self.digest_size = _FAST_AUTH[name], self.auth_service.digest_length
            self.auth_passphrase = self.auth_service.hash_passphrase(credentials.auth_key)
            self.flags |= _AUTH_FLAG
        if credentials.priv_key:
            protocol = tuple(getattr(api, _PRIV[credentials.priv_protocol or "AES"]))
            self.priv_service = SnmpUSMSecurityModel.PRIV_SERVICES[protocol]
            self.priv_passphrase = self.priv_service.hash_passphrase(self.auth_protocol, credentials.priv_key)
            self.flags |= _PRIV_FLAG

    def localise(self, engine_id: bytes) -> tuple[bytes, bytes]:
        """(authentication key, privacy key) localised to one engine, empty where the user has none."""
        from pyasn1.type import univ

        engine = univ.OctetString(engine_id)
        auth = bytes(self.auth_service.localize_key(self.auth_passphrase, engine)) if self.auth_service else b""
        priv = bytes(self.priv_service.localize_key(self.auth_protocol, self.priv_passphrase, engine)) \
            if self.priv_service else b""
        return auth, priv


@dataclass(slots=True)
class _Answer:
    tag: int
    status: int
    index: int
    varbinds: list[tuple[Oid, Value]]
    message: ber.V3Message
    authentic: bool


class _Peer:
    """What one user knows of one agent's engine: its id, boots and time (RFC 3414 2.3) and the local keys."""

    def __init__(self, usm: _Usm) -> None:
        self.usm = usm
        self.engine_id: bytes | None = None
        self.boots = self.time = 0
        self.since = 0.0
        self.auth_key = self.priv_key = b""
        self.answered = False  # an authentic message came back: the user's keys are right
        self.lock = asyncio.Lock()

    def learn(self, engine_id: bytes, boots: int, time: int) -> None:
        if engine_id != self.engine_id:
            self.auth_key, self.priv_key = self.usm.localise(engine_id)
            self.engine_id = engine_id
        self.boots, self.time, self.since = boots, time, _monotonic()

    def request(self, pdu: bytes, msg_id: int, salt: int) -> bytes:
        """An authPriv (or lower) message around `pdu`, stamped with the agent's estimated boots and time."""
        engine_id = self.engine_id or b""
        usm = self.usm
        boots, time = self.boots, min(self.time + int(_monotonic() - self.since), _MAX_REQUEST_ID)
        scoped = ber.encode(0x30, ber.encode(0x04, engine_id) + b"\x04\x00" + pdu)
        if usm.flags & _PRIV_FLAG:
            privacy = salt.to_bytes(8, "big")
            cipher = _aes(self.priv_key, boots.to_bytes(4, "big") + time.to_bytes(4, "big") + privacy).encryptor()
            data = ber.encode(0x04, cipher.update(scoped) + cipher.finalize())
        else:
            privacy, data = b"", scoped
        privacy = ber.encode(0x04, privacy)
        security = ber.encode(0x30, ber.encode(0x04, engine_id) + ber.encode_int(boots) + ber.encode_int(time)
                              + ber.encode(0x04, usm.user) + ber.encode(0x04, bytes(usm.digest_size)) + privacy)
        header = ber.encode(0x30, ber.encode_int(msg_id) + _MAX_SIZE + ber.encode(0x04, bytes((usm.flags,)))
                            + _USM_MODEL)
        whole = ber.encode(0x30, b"\x02\x01\x03" + header + ber.encode(0x04, security) + data)
        if not usm.digest_size:
            return whole
        at = len(whole) - len(data) - len(privacy) - usm.digest_size  # the placeholder the digest replaces
        digest = hmac.digest(self.auth_key, whole, usm.hash)[:usm.digest_size]
        return whole[:at] + digest + whole[at + usm.digest_size:]

    def open(self, data: bytes, message: ber.V3Message) -> _Answer | None:
        """The answer in a datagram, None when it is not authentic where it must be (RFC 3414 3.2)."""
        usm, authentic = self.usm, False
        if message.flags & _AUTH_FLAG:
            size = usm.digest_size
            if not size or message.engine_id != self.engine_id or message.user != usm.user or \
                    len(message.auth) != size:
                return None
            at = message.auth_at
            expected = hmac.digest(self.auth_key, data[:at] + bytes(size) + data[at + size:], usm.hash)[:size]
            if not hmac.compare_digest(expected, message.auth):
                return None
            authentic = True
        if message.flags & _PRIV_FLAG:
            tag, start, end = ber.tlv(data, message.data_at)
            if not authentic or not self.priv_key or tag != 0x04 or len(message.salt) != 8:
                return None
            iv = message.boots.to_bytes(4, "big") + message.time.to_bytes(4, "big") + message.salt
            cipher = _aes(self.priv_key, iv).decryptor()
            _, tag, _, status, index, varbinds = ber.read_scoped_pdu(cipher.update(data[start:end]) + cipher.finalize())
        else:
            _, tag, _, status, index, varbinds = ber.read_scoped_pdu(data, message.data_at)
        if usm.digest_size and not authentic and tag != ber.REPORT:
            return None  # only reports (unknown engine, wrong digest, ...) may come back unauthenticated
        if authentic:
            self.answered = True
            self.boots, self.time, self.since = message.boots, message.time, _monotonic()
        return _Answer(tag, status, index, varbinds, message, authentic)


def _aes(key: bytes, iv: bytes) -> Any:
    """AES in CFB128 mode (RFC 3826 3.1.3, and the 256-bit key of draft-blumenthal-aes-usm-04)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    return Cipher(algorithms.AES(key), _cfb()(iv))


@functools.cache
def _cfb() -> Any:
    try:
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # cryptography before 47 keeps CFB with the other modes
        from cryptography.hazmat.primitives.ciphers.modes import CFB
    return CFB


class _V3Client(_Datagrams):
    """SNMPv3 USM GETs on the wire: engine discovery, time window, HMAC authentication and AES privacy.

    Each agent's engine id, boots and time are learnt from its discovery report and kept current from its
    authentic messages; a notInTimeWindow report (an agent that restarted with the same engine id) sets them again
    and an unknownEngineID report (a new engine id) discovers the agent again, then the GET is sent once more.
    pysnmp hashes and localises the keys and builds each GetRequest PDU once; messages are written around that PDU
    and read by `ber`. Reports keep pysnmp's wording, so errors read as they do through its engine.
    """

    def __init__(self) -> None:
        super().__init__()
        self._users: dict[SnmpCredentials, _Usm] = {}
        self._peers: dict[tuple[str, int, SnmpCredentials], _Peer] = {}
        self._awaiting: dict[int, _Peer] = {}
        self._pdus: dict[tuple[Oid, ...], tuple[bytes, int]] = {}
        self._salt = random.getrandbits(64)

    def _route(self, data: bytes) -> tuple[int, Any] | None:
        message = ber.read_v3(data)
        peer = self._awaiting.get(message.msg_id)
        answer = None if peer is None else peer.open(data, message)
        return None if answer is None else (message.msg_id, answer)

    def _pdu(self, oids: tuple[Oid, ...]) -> tuple[bytes, int]:
        """The GetRequest PDU for these OIDs, and where its 4-byte request id sits in it."""
        if oids not in self._pdus:
            wire = _encoded_get("", oids)
            _, at, _ = ber.tlv(wire, 0)
            _, _, at = ber.tlv(wire, at)       # version
            _, _, at = ber.tlv(wire, at)       # community
            self._pdus[oids] = (wire[at:], ber.read_v2c_header(wire)[1] - at)
        return self._pdus[oids]

    def _peer(self, target: SnmpTarget, address: str) -> _Peer:
        key = (address, target.port, target.credentials)
        peer = self._peers.get(key)
        if peer is None:
            usm = self._users.get(target.credentials)
            if usm is None:
                usm = self._users[target.credentials] = _Usm(target.credentials)
            peer = self._peers[key] = _Peer(usm)
        return peer

    async def _send(self, target: SnmpTarget, address: str, peer: _Peer, oids: tuple[Oid, ...],
                    discovery: bool = False) -> _Answer:
        pdu, at = self._pdu(oids)
        msg_id = self._request_id()
        pdu = pdu[:at] + msg_id.to_bytes(4, "big") + pdu[at + 4:]
        if discovery:  # noAuthNoPriv, no engine id, no user (RFC 3414 4)
            security = ber.encode(0x30, b"\x04\x00\x02\x01\x00\x02\x01\x00\x04\x00\x04\x00\x04\x00")
            header = ber.encode(0x30, ber.encode_int(msg_id) + _MAX_SIZE + b"\x04\x01\x04" + _USM_MODEL)
            wire = ber.encode(0x30, b"\x02\x01\x03" + header + ber.encode(0x04, security)
                              + ber.encode(0x30, b"\x04\x00\x04\x00" + pdu))
        else:
            self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
            wire = peer.request(pdu, msg_id, self._salt)
        self._awaiting[msg_id] = peer
        try:
            answer = await self._exchange(target, address, msg_id, wire)
        finally:
            self._awaiting.pop(msg_id, None)
        if answer is None:
            error = _translate(target, "No SNMP response received before timeout")
            if peer.engine_id is not None and not peer.answered:
                error = CollectTimeout(f"{error} (the agent answers engine discovery but nothing of this user's: "
                                       "wrong privacy key?)")
            raise error
        assert isinstance(answer, _Answer)
        return answer

    async def _discover(self, target: SnmpTarget, address: str, peer: _Peer) -> None:
        async with peer.lock:
            if peer.engine_id is not None:
                return
            answer = await self._send(target, address, peer, (), discovery=True)
            if answer.tag != ber.REPORT or not answer.message.engine_id:
                raise UnsupportedError(f"{target.host}: the agent did not report its SNMP engine id")
            peer.learn(answer.message.engine_id, answer.message.boots, answer.message.time)

    async def get(self, target: SnmpTarget, oids: Sequence[Oid]) -> list[tuple[Oid, Value]]:
        from pysnmp.proto import errind
        from pysnmp.proto.mpmod.rfc3412 import _snmpErrors

        address = _address(target)
        peer = self._peer(target, address)
        report: Oid = ()
        for _ in range(3):  # discovery, then the GET; once more after a time-window or engine-id report
            if peer.engine_id is None:
                await self._discover(target, address, peer)
            answer = await self._send(target, address, peer, tuple(oids))
            if answer.tag == ber.RESPONSE:
                if answer.status:
                    raise UnsupportedError(f"{target.host}: agent answered error status {answer.status} at index "
                                           f"{answer.index}")
                return answer.varbinds
            report = answer.varbinds[0][0] if answer.tag == ber.REPORT and answer.varbinds else ()
            if report == _UNKNOWN_ENGINE_ID:
                peer.engine_id = None
            elif report != _NOT_IN_TIME_WINDOW or not answer.authentic:
                break
        indication = _snmpErrors.get(report, errind.reportPduReceived)
        raise _translate(target, str(indication))


# Request ids from 2**24 to 2**31 - 1 always take four bytes in BER, so one encoded request serves every round.
_MIN_REQUEST_ID, _MAX_REQUEST_ID = 1 << 24, (1 << 31) - 1


def _translate(target: SnmpTarget, error: str) -> CollectError:
    lowered = error.lower()
    if "timeout" in lowered or "no snmp response" in lowered:
        hint = " (wrong community or agent down)" if target.credentials.version != "3" else ""
        return CollectTimeout(f"{target.host}: no SNMP answer within {target.timeout:g} s x "
                              f"{target.retries + 1}{hint}")
    if any(word in lowered for word in ("wrongdigest", "unknownusername", "unknown user", "unknown usm user",
                                        "authentication", "decryption", "ciphertext", "unsupportedseclevel",
                                        "security level", "digest", "not in time window", "windows of trust")):
        return AuthError(f"{target.host}: SNMPv3 authentication failed ({error})")
    return UnreachableError(f"{target.host}: {error}")


def run(coroutine: Any) -> Any:
    """Run a coroutine from synchronous code (a job, a thread of the runner)."""
    return asyncio.run(coroutine)


# ---- Device facts over SNMP (IF-MIB, IP-MIB, IPV6-MIB fallback), used by the IPv6 audit

async def device_facts(session: SnmpSession, target: SnmpTarget, *, device: str, platform: str,
                       probe_ipv6: SnmpTarget | None = None) -> Any:
    """`DeviceFacts` from one agent: interfaces by ifIndex with their addresses, IPv6 forwarding, sysDescr.

    Rows are joined on ifIndex, never on walk order. Addresses come from IP-MIB's ipAddressTable (RFC 4293); an
    agent with no IPv4 rows there is read from RFC 1213's ipAddrTable, one with no IPv6 rows from the obsolete
    IPV6-MIB's ipv6AddrTable (RFC 2465). `probe_ipv6` (the same agent over its IPv6
    management address) sets whether SNMP answers over IPv6; a probe that gets no answer is a `Fault` and the
    fact stays unknown.
    """

    scalars = await session.get(target, SYS_DESCR, SYS_UPTIME, SYS_NAME, IPV6_IP_FORWARDING)
    table = await session.walk(target, IF_NAME, IF_DESCR, IF_ADMIN_STATUS, IF_OPER_STATUS, IF_HIGH_SPEED, IF_ALIAS,
                               IP_ADDRESS_IF_INDEX, IP_ADDRESS_PREFIX, IP_ADDRESS_TYPE)
    interfaces: dict[int, InterfaceFacts] = {}
    for (if_index, *_), name in table[IF_DESCR].items():
        row = (if_index,)
        label = text(table[IF_NAME].get(row)) or text(name)
        interfaces[if_index] = InterfaceFacts(
            name=label, if_index=if_index, admin_up=table[IF_ADMIN_STATUS].get(row) == 1,
            oper_up=table[IF_OPER_STATUS].get(row) == 1, description=text(table[IF_ALIAS].get(row)) or None,
            speed_mbps=_int(table[IF_HIGH_SPEED].get(row)) or None)
    found_v4 = found_v6 = False
    legacy: dict[Oid, dict[Oid, Value]] = {IPV6_ADDR_PFX_LENGTH: {}}
    for index, owner in table[IP_ADDRESS_IF_INDEX].items():
        address = _inet_address(index)
        interface = interfaces.get(_int(owner) or -1)
        if address is None or interface is None or table[IP_ADDRESS_TYPE].get(index, 1) != 1:
            continue  # broadcast and anycast rows are not interface addresses
        pointer = table[IP_ADDRESS_PREFIX].get(index)
        length: int = pointer[-1] if isinstance(pointer, tuple) and len(pointer) > 2 else address.max_prefixlen
        _add(interface, f"{address}/{length}")
        found_v4, found_v6 = found_v4 or address.version == 4, found_v6 or address.version == 6
    if not found_v4:
        # many switches fill only RFC 1213's ipAddrTable: the address is the row index, the mask a column
        legacy4 = await session.walk(target, IP_AD_ENT_IF_INDEX, IP_AD_ENT_NET_MASK)
        for index, owner in legacy4[IP_AD_ENT_IF_INDEX].items():
            interface = interfaces.get(_int(owner) or -1)
            mask = legacy4[IP_AD_ENT_NET_MASK].get(index)
            if len(index) == 4 and interface is not None and isinstance(mask, str):
                _add(interface, f"{'.'.join(map(str, index))}/{mask}")
    if not found_v6:
        legacy = await session.walk(target, IPV6_ADDR_PFX_LENGTH)
        for index, value in legacy[IPV6_ADDR_PFX_LENGTH].items():
            if len(index) == 17 and (interface := interfaces.get(index[0])) is not None:
                _add(interface, f"{ipaddress.IPv6Address(bytes(index[1:]))}/{_int(value) or 128}")
    forwarding = scalars.get(IPV6_IP_FORWARDING)
    if forwarding is None:
        forwarding = (await session.get(target, IPV6_MIB_FORWARDING)).get(IPV6_MIB_FORWARDING)
    facts = DeviceFacts(device=device, platform=platform, source=Source.snmp, software=text(scalars.get(SYS_DESCR)),
                        hostname=text(scalars.get(SYS_NAME)) or None, interfaces=sorted(
                            interfaces.values(), key=lambda i: i.name))
    uptime = scalars.get(SYS_UPTIME)
    facts.uptime_s = uptime // 100 if isinstance(uptime, int) else None
    facts.routing.ipv6_forwarding = None if forwarding is None else forwarding == 1
    # An agent without IPv6 objects says nothing about IPv6: interfaces and forwarding stay unknown.
    if found_v6 or legacy[IPV6_ADDR_PFX_LENGTH]:
        facts.ipv6_evidence.append("IP-MIB ipAddressTable (IPv6 rows)" if found_v6 else "IPV6-MIB ipv6AddrTable")
        for interface in facts.interfaces:
            interface.ipv6_enabled = bool(interface.ipv6)
    if forwarding is not None:
        facts.ipv6_evidence.append("ipv6IpForwarding")
    if probe_ipv6 is not None:
        try:
            await session.get(probe_ipv6, SYS_UPTIME)
            facts.reachability.snmp_ipv6 = True
        except CollectError as exc:
            # UDP gives no refusal to an unconnected socket: silence is a failed probe, never "no SNMP on IPv6"
            facts.faults.append(Fault(step="SNMP over IPv6", category=exc.category, message=str(exc)))
    return facts


def _int(value: Value) -> int | None:
    return value if isinstance(value, int) else None


def _inet_address(index: Oid) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An ipAddressTable index (InetAddressType, length, octets...) as an address; zoned and odd forms skipped."""
    if len(index) == 6 and index[:2] == (1, 4):
        return ipaddress.IPv4Address(bytes(index[2:]))
    if len(index) == 18 and index[:2] == (2, 16):
        return ipaddress.IPv6Address(bytes(index[2:]))
    return None


def _add(interface: Any, address: str) -> None:
    parsed = ipaddress.ip_interface(address)
    if isinstance(parsed, ipaddress.IPv6Interface):
        if not parsed.ip.is_link_local and not parsed.ip.is_loopback and parsed not in interface.ipv6:
            interface.ipv6.append(parsed)
    elif not parsed.ip.is_loopback and parsed not in interface.ipv4:
        interface.ipv4.append(parsed)


def collect(target: SnmpTarget, *, device: str, platform: str, probe_ipv6: SnmpTarget | None = None) -> Any:
    """Synchronous `device_facts` with its own engine (one per thread of the batch runner)."""
    async def main() -> Any:
        async with SnmpSession() as session:
            return await device_facts(session, target, device=device, platform=platform, probe_ipv6=probe_ipv6)

    return asyncio.run(main())
