"""Helpers every platform parser shares: config blocks, address forms, rejected-command detection."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from ipaddress import IPv4Interface, IPv6Interface, IPv6Network, ip_interface
from typing import Protocol

from ezgov_infra.errors import ParseError, UnsupportedError
from ezgov_infra.models.facts import InterfaceFacts

# What devices print when they refuse a command; such output is "the device cannot tell", not facts.
REJECTED = re.compile(r"^\s*(% ?(Invalid|Unknown|Incomplete|Ambiguous) (input|command)|Error: Unrecognized command"
                      r"|% Unrecognized command|% Command incomplete)", re.IGNORECASE | re.MULTILINE)


def known(outputs: Mapping[str, str], key: str, device: str) -> str | None:
    """The output for `key`, None when it was not collected; `UnsupportedError` when the device refused it."""
    text = outputs.get(key)
    if text is None:
        return None
    if REJECTED.search(text):
        raise UnsupportedError(f"{device}: the device rejected the {key} command: "
                               f"{REJECTED.search(text).group(0).strip()}")  # type: ignore[union-attr]
    return text


def blocks(config: str, *, separator: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """Config sections with their children: `("interface Gi0/0", ["ip address ..."])`, all stripped.

    A line indented deeper than the current section's header is its child; anything else starts a section.
    VRP and Comware indent global commands by one space (` sysname X`) and their sections' children by one more,
    so indentation is compared, not tested for zero. `!` (IOS, FRR) or `separator` (`#`) closes a section.
    """
    header: str | None = None
    header_indent = 0
    children: list[str] = []
    for raw in config.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if stripped == separator or (indent == 0 and (stripped[0] == "!" or stripped in ("exit", "end", "return"))):
            if header is not None:
                yield header, children
            header, children = None, []
            continue
        if stripped[0] == "!":
            continue
        if header is not None and indent > header_indent:
            children.append(stripped)
            continue
        if header is not None:
            yield header, children
        header, header_indent, children = stripped, indent, []
    if header is not None:
        yield header, children


def v4_mask(address: str, mask: str) -> IPv4Interface:
    return IPv4Interface(f"{address}/{mask}")


def v6(text: str) -> IPv6Interface:
    """`2001:DB8::1/64` or `2001:DB8::1 64` (VRP, Comware) as an interface address, canonical lower case."""
    text = text.strip().replace(" ", "/")
    try:
        return IPv6Interface(text.lower())
    except ValueError as exc:
        raise ParseError(f"not an IPv6 address: {text!r}") from exc


def v6_net(address: str, prefixlen: int | str) -> IPv6Network:
    return IPv6Network(f"{address.lower()}/{prefixlen}", strict=False)


def add_address(interface: InterfaceFacts, text: str) -> None:
    address = ip_interface(text.lower())
    if isinstance(address, IPv6Interface):
        if address.ip.is_link_local:
            return
        if address not in interface.ipv6:
            interface.ipv6.append(address)
    elif address not in interface.ipv4:
        interface.ipv4.append(address)


# an IPv4 or IPv6 server address in a config line (captured as group 1 by the patterns below)
ADDRESS = r"((?:\d+\.\d+\.\d+\.\d+)|(?:[0-9A-Fa-f]*:[0-9A-Fa-f:]+))"
SNMP_ORDER = ("1", "2c", "3")


def ordered_versions(versions: Iterable[str]) -> list[str]:
    """SNMP versions without repeats, oldest first."""
    return sorted(set(versions), key=SNMP_ORDER.index)


def snmp_sys_info_versions(words: list[str]) -> list[str]:
    """The versions of VRP's and Comware's `snmp-agent sys-info version v2c v3` (one lineage, one syntax)."""
    return [v.removeprefix("v") for v in words[3:] if v in ("v1", "v2c", "v3")]


def vrp_style_services(lines: list[str], aaa: str) -> tuple[list[str], list[str], list[str]]:
    """NTP, syslog and AAA servers as VRP and Comware write them; `aaa` is the platform's AAA line prefix."""
    return (servers(lines, rf"^ntp-service unicast-server (?:ipv6 )?{ADDRESS}"),
            servers(lines, rf"^info-center loghost (?:ipv6 )?{ADDRESS}"),
            servers(lines, rf"^{aaa} authentication (?:ipv6 )?{ADDRESS}"))


def servers(lines: list[str], pattern: str) -> list[str]:
    """Every server address a config pattern captures (group 1), in config order, without repeats."""
    found: list[str] = []
    regex = re.compile(pattern, re.IGNORECASE)
    for line in lines:
        match = regex.search(line)
        if match and match.group(1).lower() not in found:
            found.append(match.group(1).lower())
    return found


# ---- reading line by line: one unreadable line is reported, the rest of the output still parsed

ECHO = re.compile(r"^\s*(?:[<\[]?[\w.:/-]*[#>\]]\s*)?(?:show|display|dis)\s", re.IGNORECASE)


def without_echo(text: str) -> list[tuple[int, str]]:
    """The output's lines with their numbers (from 1), without a leading echo of the command (`R1#show ...`)."""
    lines = list(enumerate(text.splitlines(), start=1))
    for index, (_, line) in enumerate(lines):
        if line.strip():
            return lines[index + 1:] if ECHO.match(line) else lines[index:]
    return []


Numbered = tuple[int, str]


def numbered_blocks(config: str, *, separator: str | None = None) -> Iterator[tuple[Numbered, list[Numbered]]]:
    """`blocks` with line numbers: `((12, "interface Gi0/0"), [(13, "ipv6 address ...")])`, text stripped."""
    header: Numbered | None = None
    header_indent = 0
    children: list[Numbered] = []
    for number, raw in without_echo(config):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        # a `#` deeper than the section's header separates its sub-views (VRP's bgp ipv6-family) and closes nothing
        if (stripped == separator and (header is None or indent <= header_indent)) \
                or (indent == 0 and (stripped[0] == "!" or stripped in ("exit", "end", "return"))):
            if header is not None:
                yield header, children
            header, children = None, []
            continue
        if stripped[0] in "!#":
            continue
        if header is not None and indent > header_indent:
            children.append((number, stripped))
            continue
        if header is not None:
            yield header, children
        header, header_indent, children = (number, stripped), indent, []
    if header is not None:
        yield header, children


V6_TEXT = re.compile(r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$")
DYNAMIC = {"autoconfig": "autoconfig", "auto": "autoconfig", "dhcp": "dhcp", "dhcp-alloc": "dhcp"}


def add_config_ipv6(interface: ConfigInterfaceLike, words: list[str]) -> None:
    """One `ipv6 address ...` line (the words after `address`) onto a configured interface.

    Forms: `X/L`, `X L` (VRP, Comware), either with `eui-64` or `anycast`; `X link-local`, `auto link-local`;
    `autoconfig`, `auto [global]`, `dhcp`, `auto dhcp`, `dhcp-alloc`; IOS general prefixes `NAME ::1/64`.
    Raises ValueError (with what is wrong) for anything else, so the caller reports the line.
    """
    if not words:
        raise ValueError("no address")
    if "link-local" in words:
        interface.ipv6_enabled = True
        return
    if words[0] in DYNAMIC or words[:2] == ["auto", "global"]:
        interface.ipv6_dynamic.append("dhcp" if "dhcp" in words else DYNAMIC.get(words[0], "autoconfig"))
        return
    if not V6_TEXT.match(words[0].split("/")[0]) and len(words) >= 2 and "/" in words[1]:
        interface.ipv6_dynamic.append(f"general prefix {words[0]} {words[1]}")  # the prefix is learnt
        return
    if "/" in words[0]:
        text, rest = words[0], words[1:]
    elif len(words) >= 2 and words[1].isdigit():
        text, rest = f"{words[0]}/{words[1]}", words[2:]
    else:
        raise ValueError("an address without a prefix length")
    flags = [w.lower() for w in rest]
    if any(f not in ("eui-64", "anycast") for f in flags):
        raise ValueError(f"unexpected {' '.join(rest)!r} after the address")
    address = IPv6Interface(text.lower())  # ValueError for a malformed one
    if "anycast" in flags:
        return  # a shared service address, not the interface's own
    if "eui-64" in flags:
        interface.ipv6_eui64.append(address.network)
    elif not address.ip.is_link_local and address not in interface.ipv6:
        interface.ipv6.append(address)


class ConfigInterfaceLike(Protocol):
    ipv6: list[IPv6Interface]
    ipv6_eui64: list[IPv6Network]
    ipv6_dynamic: list[str]
    ipv6_enabled: bool


def eui64(prefix: IPv6Network, mac: str) -> IPv6Interface:
    """The EUI-64 address of `mac` (any of `aabb.ccdd.eeff`, `aabb-ccdd-eeff`, `aa:bb:...`) in a /64 prefix."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", mac)
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    octets = bytearray.fromhex(digits)
    octets[0] ^= 0x02
    identifier = int.from_bytes(bytes(octets[:3]) + b"\xff\xfe" + bytes(octets[3:]), "big")
    return IPv6Interface(f"{prefix.network_address + identifier}/{prefix.prefixlen}")
