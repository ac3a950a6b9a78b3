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
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ezgov_infra.errors import AuthError, CollectError, CollectTimeout, UnreachableError, UnsupportedError
from ezgov_infra.models.credentials import SnmpCredentials

Oid = tuple[int, ...]
Value = int | bytes | str | Oid | None

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
_PRIV = {"DES": "usmDESPrivProtocol", "AES": "usmAesCfb128Protocol", "AES256": "usmAesCfb256Protocol"}


class SnmpSession:
    """One pysnmp engine shared by every request; use as `async with SnmpSession() as session`."""

    def __init__(self) -> None:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        self._engine = SnmpEngine()
        self._transports: dict[tuple[str, int, float, int], Any] = {}
        self._v2c: _V2cClient | None = None

    async def __aenter__(self) -> SnmpSession:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._engine.close_dispatcher()
        if self._v2c is not None:
            self._v2c.close()
            self._v2c = None

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


class _V2cClient(asyncio.DatagramProtocol):
    """SNMPv2c GETs straight on pysnmp's message layer: one UDP socket per address family, answers matched by
    request id.

    Counter polling is one GET per agent per round, so its cost is what a province multiplies. The high-level API
    spends most of its CPU on per-request engine plumbing and generic ASN.1 object trees. Here pysnmp builds each
    distinct request once (the same OIDs are asked every round); a request only patches its fixed-width request id
    into those bytes, and the answer is read by `_read_response`, a reader of exactly the BER that RFC 3416
    responses use. SNMPv3 keeps the high-level API, where the engine's USM state (discovery, boots, time window)
    belongs.
    """

    def __init__(self) -> None:
        self._sockets: dict[int, asyncio.DatagramTransport] = {}
        self._pending: dict[int, asyncio.Future[bytes]] = {}
        self._templates: dict[tuple[str, tuple[Oid, ...]], tuple[bytes, int]] = {}
        self._next_id = random.randint(_MIN_REQUEST_ID, _MAX_REQUEST_ID)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            request_id = _read_header(data)[0]
        except (IndexError, ValueError):
            return  # not an SNMP answer we can read: ignore it, as an agent would a bad request
        future = self._pending.get(request_id)
        if future is not None and not future.done():
            future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)

    async def _socket(self, family: int) -> asyncio.DatagramTransport:
        if family not in self._sockets:
            import socket

            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: self, family=socket.AF_INET6 if family == 6 else socket.AF_INET)
            self._sockets[family] = transport
        return self._sockets[family]

    def _template(self, community: str, oids: tuple[Oid, ...]) -> tuple[bytes, int]:
        """The encoded GetRequest for these OIDs, and where its 4-byte request id sits."""
        key = (community, oids)
        if key not in self._templates:
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
            wire = bytes(encoder.encode(message))
            self._templates[key] = (wire, _read_header(wire)[1])
        return self._templates[key]

    async def get(self, target: SnmpTarget, oids: Sequence[Oid]) -> list[tuple[Oid, Value]]:
        try:
            address = ipaddress.ip_address(target.host)
        except ValueError as exc:
            raise UnreachableError(f"{target.host}: SNMP needs an address literal here") from exc
        transport = await self._socket(address.version)
        template, at = self._template(target.credentials.community or "", tuple(oids))
        self._next_id = self._next_id + 1 if self._next_id < _MAX_REQUEST_ID else _MIN_REQUEST_ID
        request_id = self._next_id
        wire = template[:at] + request_id.to_bytes(4, "big") + template[at + 4:]
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            for _ in range(target.retries + 1):
                try:
                    transport.sendto(wire, (str(address), target.port))
                    answer = await asyncio.wait_for(asyncio.shield(future), target.timeout)
                    break
                except TimeoutError:
                    continue
                except OSError as exc:
                    raise UnreachableError(f"{target.host}: {exc.strerror or exc}") from exc
            else:
                raise _translate(target, "No SNMP response received before timeout")
        finally:
            self._pending.pop(request_id, None)
            if not future.done():
                future.cancel()
        try:
            status, index, varbinds = _read_response(answer)
        except (IndexError, ValueError) as exc:
            raise UnsupportedError(f"{target.host}: unreadable SNMP answer ({exc})") from exc
        if status:
            raise UnsupportedError(f"{target.host}: agent answered error status {status} at index {index}")
        return varbinds

    def close(self) -> None:
        for transport in self._sockets.values():
            transport.close()
        self._sockets.clear()


# Request ids from 2**24 to 2**31 - 1 always take four bytes in BER, so one encoded request serves every round.
_MIN_REQUEST_ID, _MAX_REQUEST_ID = 1 << 24, (1 << 31) - 1
_END_OF_VALUES = {0x80, 0x81, 0x82}  # noSuchObject, noSuchInstance, endOfMibView


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the BER element at `at`."""
    tag, length = data[at], data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError(f"length of {count} octets at {at}")
        length, start = int.from_bytes(data[start:start + count], "big"), start + count
    end = start + length
    if end > len(data):
        raise ValueError(f"element at {at} runs past the end of the datagram")
    return tag, start, end


def _read_header(data: bytes) -> tuple[int, int]:
    """(request id, offset of its content) of a v2c message: SEQUENCE { version, community, PDU { request-id ..."""
    _, at, _ = _tlv(data, 0)
    tag, _, at = _tlv(data, at)            # version
    if tag != 0x02:
        raise ValueError("no version")
    tag, _, at = _tlv(data, at)            # community
    if tag != 0x04:
        raise ValueError("no community")
    _, at, _ = _tlv(data, at)              # the PDU's own header
    tag, start, end = _tlv(data, at)       # request-id
    if tag != 0x02:
        raise ValueError("no request id")
    return int.from_bytes(data[start:end], "big", signed=True), start


def _read_response(data: bytes) -> tuple[int, int, list[tuple[Oid, Value]]]:
    """(error status, error index, varbinds) of a v2c GetResponse, values as `_python` gives them."""
    _, at, _ = _tlv(data, 0)
    _, _, at = _tlv(data, at)              # version
    _, _, at = _tlv(data, at)              # community
    tag, at, _ = _tlv(data, at)
    if tag != 0xA2:
        raise ValueError(f"PDU type {tag:#x} is not a response")
    _, _, at = _tlv(data, at)              # request-id
    _, start, at = _tlv(data, at)
    status = int.from_bytes(data[start:at], "big", signed=True)
    _, start, at2 = _tlv(data, at)
    index = int.from_bytes(data[start:at2], "big", signed=True)
    _, at, end = _tlv(data, at2)           # the varbind list
    varbinds: list[tuple[Oid, Value]] = []
    while at < end:
        _, inner, after = _tlv(data, at)
        tag, start, stop = _tlv(data, inner)
        if tag != 0x06:
            raise ValueError("varbind without an OID")
        oid = _oid(data[start:stop])
        tag, start, stop = _tlv(data, stop)
        varbinds.append((oid, _value(tag, data[start:stop])))
        at = after
    return status, index, varbinds


def _oid(content: bytes) -> Oid:
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0] if arcs else 0
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


def _value(tag: int, content: bytes) -> Value:
    if tag == 0x02:                                        # INTEGER
        return int.from_bytes(content, "big", signed=True)
    if tag in (0x41, 0x42, 0x43, 0x46):                    # Counter32, Gauge32, TimeTicks, Counter64
        return int.from_bytes(content, "big")
    if tag == 0x04:                                        # OCTET STRING
        return bytes(content)
    if tag == 0x40 and len(content) == 4:                  # IpAddress
        return str(ipaddress.IPv4Address(content))
    if tag == 0x06:                                        # OBJECT IDENTIFIER
        return _oid(content)
    if tag == 0x05 or tag in _END_OF_VALUES:               # NULL, no such object/instance, end of view
        return None
    return None                                            # Opaque and anything else: not a value ezgov reads


def _translate(target: SnmpTarget, error: str) -> CollectError:
    lowered = error.lower()
    if "timeout" in lowered or "no snmp response" in lowered:
        hint = " (wrong community or agent down)" if target.credentials.version != "3" else ""
        return CollectTimeout(f"{target.host}: no SNMP answer within {target.timeout:g} s x "
                              f"{target.retries + 1}{hint}")
    if any(word in lowered for word in ("wrongdigest", "unknownusername", "unknown user", "authentication",
                                        "decryption", "unsupportedseclevel", "digest", "not in time window")):
        return AuthError(f"{target.host}: SNMPv3 authentication failed ({error})")
    return UnreachableError(f"{target.host}: {error}")


def run(coroutine: Any) -> Any:
    """Run a coroutine from synchronous code (a job, a thread of the runner)."""
    return asyncio.run(coroutine)


# ---- Device facts over SNMP (IF-MIB, IP-MIB, IPV6-MIB fallback), used by the IPv6 audit

async def device_facts(session: SnmpSession, target: SnmpTarget, *, device: str, platform: str,
                       probe_ipv6: SnmpTarget | None = None) -> Any:
    """`DeviceFacts` from one agent: interfaces by ifIndex with their addresses, IPv6 forwarding, sysDescr.

    Rows are joined on ifIndex, never on walk order. IPv6 addresses come from IP-MIB's ipAddressTable, or from
    the obsolete IPV6-MIB when an agent has no IPv6 rows there. `probe_ipv6` (the same agent over its IPv6
    management address) sets whether SNMP answers over IPv6.
    """
    from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Source

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
    found_v6 = False
    legacy: dict[Oid, dict[Oid, Value]] = {IPV6_ADDR_PFX_LENGTH: {}}
    for index, owner in table[IP_ADDRESS_IF_INDEX].items():
        address = _inet_address(index)
        interface = interfaces.get(_int(owner) or -1)
        if address is None or interface is None or table[IP_ADDRESS_TYPE].get(index, 1) != 1:
            continue  # broadcast and anycast rows are not interface addresses
        pointer = table[IP_ADDRESS_PREFIX].get(index)
        length: int = pointer[-1] if isinstance(pointer, tuple) and len(pointer) > 2 else address.max_prefixlen
        _add(interface, f"{address}/{length}")
        found_v6 = found_v6 or address.version == 6
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
        except CollectError:
            facts.reachability.snmp_ipv6 = False
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
