"""Exactly the BER that SNMP GET exchanges use (RFC 3416 PDUs, RFC 3412 v3 messages, RFC 3414 USM parameters).

The SNMP adapter's fast paths encode requests around PDUs that pysnmp built once, and read answers here instead of
through a generic ASN.1 object tree. Nothing here imports a third-party library; tests prove every reader against
pysnmp's own decoder. Values come back as the adapter returns them: int, bytes, str (IpAddress), tuples (OIDs),
None (NULL, noSuchObject, noSuchInstance, endOfMibView and types ezgov does not read).
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

Oid = tuple[int, ...]
Value = int | bytes | str | Oid | None

RESPONSE, REPORT = 0xA2, 0xA8
_END_OF_VALUES = {0x80, 0x81, 0x82}  # noSuchObject, noSuchInstance, endOfMibView


def tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the element at `at`; refuses lengths that run past the data."""
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


def _expect(data: bytes, at: int, tag: int, what: str) -> tuple[int, int]:
    found, start, end = tlv(data, at)
    if found != tag:
        raise ValueError(f"no {what} at {at}")
    return start, end


def _int(data: bytes, at: int, what: str) -> tuple[int, int]:
    """(value, end) of the INTEGER at `at`."""
    start, end = _expect(data, at, 0x02, what)
    return int.from_bytes(data[start:end], "big", signed=True), end


# ---- writing

def encode(tag: int, content: bytes) -> bytes:
    """One element, definite length in the fewest octets."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(octets))) + octets + content


def encode_int(value: int) -> bytes:
    """An INTEGER in its shortest two's complement form."""
    return encode(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


# ---- SNMPv1/v2c messages

def read_v2c_header(data: bytes) -> tuple[int, int]:
    """(request id, offset of its content) of a v2c message: SEQUENCE { version, community, PDU { request-id ..."""
    _, at, _ = tlv(data, 0)
    _, at = _int(data, at, "version")
    _, at = _expect(data, at, 0x04, "community")
    _, at, _ = tlv(data, at)               # the PDU's own header
    start, end = _expect(data, at, 0x02, "request id")
    return int.from_bytes(data[start:end], "big", signed=True), start


def read_v2c_response(data: bytes) -> tuple[int, int, list[tuple[Oid, Value]]]:
    """(error status, error index, varbinds) of a v2c GetResponse."""
    _, at, _ = tlv(data, 0)
    _, _, at = tlv(data, at)               # version
    _, _, at = tlv(data, at)               # community
    tag, _, status, index, varbinds = read_pdu(data, at)
    if tag != RESPONSE:
        raise ValueError(f"PDU type {tag:#x} is not a response")
    return status, index, varbinds


def read_pdu(data: bytes, at: int) -> tuple[int, int, int, int, list[tuple[Oid, Value]]]:
    """(PDU tag, request id, error status, error index, varbinds) of the PDU at `at`."""
    tag, at, _ = tlv(data, at)
    request_id, at = _int(data, at, "request id")
    status, at = _int(data, at, "error status")
    index, at = _int(data, at, "error index")
    at, end = _expect(data, at, 0x30, "varbind list")
    varbinds: list[tuple[Oid, Value]] = []
    while at < end:
        _, inner, after = tlv(data, at)
        start, stop = _expect(data, inner, 0x06, "varbind OID")
        oid = read_oid(data[start:stop])
        kind, start, stop = tlv(data, stop)
        varbinds.append((oid, read_value(kind, data[start:stop])))
        at = after
    return tag, request_id, status, index, varbinds


def read_oid(content: bytes) -> Oid:
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


def read_value(tag: int, content: bytes) -> Value:
    if tag == 0x02:                                        # INTEGER
        return int.from_bytes(content, "big", signed=True)
    if tag in (0x41, 0x42, 0x43, 0x46):                    # Counter32, Gauge32, TimeTicks, Counter64
        return int.from_bytes(content, "big")
    if tag == 0x04:                                        # OCTET STRING
        return bytes(content)
    if tag == 0x40 and len(content) == 4:                  # IpAddress
        return str(ipaddress.IPv4Address(content))
    if tag == 0x06:                                        # OBJECT IDENTIFIER
        return read_oid(content)
    if tag == 0x05 or tag in _END_OF_VALUES:               # NULL, no such object/instance, end of view
        return None
    return None                                            # Opaque and anything else: not a value ezgov reads


# ---- SNMPv3 messages with USM security parameters

class V3Message(NamedTuple):
    """The fields of an SNMPv3 message a USM client reads; offsets index the datagram."""

    msg_id: int
    flags: int
    engine_id: bytes
    boots: int
    time: int
    user: bytes
    auth: bytes
    auth_at: int          # where the authentication parameters' content starts
    salt: bytes
    data_at: int          # the msgData element: a plaintext ScopedPDU (SEQUENCE) or an encrypted OCTET STRING


def read_v3(data: bytes) -> V3Message:
    """SEQUENCE { msgVersion 3, msgGlobalData, msgSecurityParameters (USM), msgData }."""
    _, at, _ = tlv(data, 0)
    version, at = _int(data, at, "version")
    if version != 3:
        raise ValueError(f"message version {version}")
    header, data_at = _expect(data, at, 0x30, "msgGlobalData")
    msg_id, header = _int(data, header, "msgID")
    _, header = _int(data, header, "msgMaxSize")
    start, header = _expect(data, header, 0x04, "msgFlags")
    flags = data[start] if header > start else 0
    model, _ = _int(data, header, "msgSecurityModel")
    if model != 3:
        raise ValueError(f"security model {model} is not USM")
    at, data_at = _expect(data, data_at, 0x04, "msgSecurityParameters")
    at, _ = _expect(data, at, 0x30, "UsmSecurityParameters")
    start, at = _expect(data, at, 0x04, "msgAuthoritativeEngineID")
    engine_id = data[start:at]
    boots, at = _int(data, at, "msgAuthoritativeEngineBoots")
    time, at = _int(data, at, "msgAuthoritativeEngineTime")
    start, at = _expect(data, at, 0x04, "msgUserName")
    user = data[start:at]
    auth_at, at = _expect(data, at, 0x04, "msgAuthenticationParameters")
    auth = data[auth_at:at]
    start, at = _expect(data, at, 0x04, "msgPrivacyParameters")
    return V3Message(msg_id, flags, engine_id, boots, time, user, auth, auth_at, data[start:at], data_at)


def read_scoped_pdu(data: bytes, at: int = 0) -> tuple[bytes, int, int, int, int, list[tuple[Oid, Value]]]:
    """(contextEngineID, PDU tag, request id, error status, error index, varbinds) of a ScopedPDU."""
    at, _ = _expect(data, at, 0x30, "ScopedPDU")
    start, at = _expect(data, at, 0x04, "contextEngineID")
    context = data[start:at]
    _, at = _expect(data, at, 0x04, "contextName")
    return (context, *read_pdu(data, at))
