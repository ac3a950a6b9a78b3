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
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ezgov_infra.collect.credentials import SnmpCredentials
from ezgov_infra.errors import AuthError, CollectError, CollectTimeout, UnreachableError, UnsupportedError

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
_PRIV = {"DES": "usmDESPrivProtocol", "AES": "usmAesCfb128Protocol", "AES256": "usmAesCfb256Protocol"}


class SnmpSession:
    """One pysnmp engine shared by every request; use as `async with SnmpSession() as session`."""

    def __init__(self) -> None:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        self._engine = SnmpEngine()
        self._transports: dict[tuple[str, int, float, int], Any] = {}

    async def __aenter__(self) -> SnmpSession:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._engine.close_dispatcher()

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

    Rows are joined on ifIndex, never on walk order. Addresses come from IP-MIB's ipAddressTable (RFC 4293); an
    agent with no IPv4 rows there is read from RFC 1213's ipAddrTable, one with no IPv6 rows from the obsolete
    IPV6-MIB's ipv6AddrTable (RFC 2465). `probe_ipv6` (the same agent over its IPv6
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
    found_v4 = found_v6 = False
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
    for interface in facts.interfaces:
        interface.ipv6_enabled = bool(interface.ipv6)
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
