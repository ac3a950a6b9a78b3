"""Huawei VRP: `display ip interface brief`, `display ipv6 interface brief`, `display ipv6 routing-table`,
`display ospfv3 peer`, `display current-configuration`, `display version`.

ntc-templates has no template for these VRP commands, so they are parsed here. Quirks: the IPv6 brief table of VRP5
lists addresses without prefix length (`[IPv6 Address] X`; the configuration has them) under an `Interface Physical
Protocol` header; VRP8 adds a `VPN` column and, on CE and NE, prints the length (`[IPv6 Address/Prefix Length]
X/LEN`, `[TENTATIVE]` while duplicate address detection runs); `*down` marks an administratively down interface.
IPv6 forwarding: VRP5 (S, AR) needs the global `ipv6` command before any interface takes IPv6; VRP8 (CE, NE) has no
global switch and routes IPv6 on every interface with `ipv6 enable`. So the device forwards IPv6 when the global
command is there or an interface runs IPv6, and does not when a whole configuration shows neither. SNMP over IPv6
needs `snmp-agent protocol source-status ipv6 all-interface`; config sections are separated by `#`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv4Interface, IPv6Address, IPv6Interface

from ezgov_infra.errors import ParseError
from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Source, Unreadable
from ezgov_infra.platforms.parsers import system_view
from ezgov_infra.platforms.parsers.common import known, without_echo
from ezgov_infra.platforms.parsers.configs import ConfigFacts

V4_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\*?down|\^down|up)\S*\s+(up|down)\S*\s*$")
V6_HEADER = re.compile(r"^Interface\s+Physical\s+Protocol(\s+VPN)?\s*$")
# NE40E's reference prints `GigabitEthernet 1/0/1` (the CLI accepts the space); the configuration has none
V6_ROW = re.compile(r"^(\S+?(?: \d+(?:/\d+)+)?)\s+(\*?down|\^down|up)\S*\s+(up|down)\S*(?:\s+(\S+))?\s*$")
# `[IPv6 Address] X` (VRP5, no length) or `[IPv6 Address/Prefix Length] X/LEN [TENTATIVE]` (VRP8 CE, NE)
V6_ADDRESS = re.compile(r"^\[IPv6 Address(?:/Prefix Length)?\]\s+(\S+)(?:\s+\[[A-Z]+\])?\s*$")
ROUTE = re.compile(r"Destination\s*:\s*(\S+)\s+PrefixLength\s*:\s*(\d+)")
# the state without the neighbour's role: `Full/Backup`, `Full/DR`, `Full/ -` are all `Full`
PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+?)(?:\s*/\s*\S*)?\s+\d\d:\d\d:\d\d\s+(\S+)")
VERSION = re.compile(r"VRP \(R\) software, Version (\S+ \([^)]*\))")


def parse(device: str, outputs: Mapping[str, str], source: Source) -> DeviceFacts:
    facts = DeviceFacts(device=device, platform="huawei_vrp", source=source, commands=sorted(outputs))
    if (text := known(outputs, "version", device)) is not None and (match := VERSION.search(text)):
        facts.software = f"VRP {match.group(1)}"
    table: dict[str, InterfaceFacts] = {}
    if (text := known(outputs, "interfaces_v4", device)) is not None:
        for line in text.splitlines():
            if (match := V4_ROW.match(line)) and match.group(1) != "Interface":
                interface = table.setdefault(match.group(1), InterfaceFacts(name=match.group(1)))
                interface.admin_up = not match.group(3).startswith("*")
                interface.oper_up = match.group(4) == "up"
                if match.group(2) != "unassigned":
                    interface.ipv4 = [IPv4Interface(match.group(2))]
    if (text := known(outputs, "interfaces_v6", device)) is not None:
        facts.ipv6_evidence.append("interfaces_v6")
        parse_v6_brief(text, table, facts.unreadable)
    config = parse_config(text) if (text := known(outputs, "config", device)) is not None else None
    system_view.finish(facts, outputs, table, config, route=ROUTE, peer=PEER)
    return facts


def parse_v6_brief(text: str, table: dict[str, InterfaceFacts], unreadable: list[Unreadable]) -> None:
    """`display ipv6 interface brief`, VRP5 (`Interface Physical Protocol`) or VRP8 (`... VPN`): one row per
    interface, each address on its own `[IPv6 Address]` line (VRP8 CE and NE: with its length). A header alone is
    a device without IPv6 interfaces; lines under it of which none is a row are an error, never an empty table."""
    header = False
    rows, before = 0, len(unreadable)
    current: InterfaceFacts | None = None
    for number, line in without_echo(text):
        stripped = line.strip()
        if not stripped or (not header and system_view.LEGEND.match(stripped)):
            continue
        if V6_HEADER.match(stripped):
            header = True
            continue
        if header and (match := V6_ROW.match(stripped)):
            name = match.group(1).replace(" ", "")
            current = table.setdefault(name, InterfaceFacts(name=name))
            current.admin_up = not match.group(2).startswith("*")
            current.oper_up = match.group(3) == "up"
            current.ipv6_enabled = True
            rows += 1
        elif header and current is not None and (match := V6_ADDRESS.match(stripped)):
            if match.group(1).lower() == "unassigned":
                continue
            try:
                add_brief_address(current, match.group(1))
            except ValueError:
                unreadable.append(Unreadable(output="interfaces_v6", line=number, text=line,
                                             reason="not an IPv6 address", interface=current.name))
        else:
            unreadable.append(Unreadable(output="interfaces_v6", line=number, text=line,
                                         reason="not a row of the IPv6 interface table" if header
                                         else "text before the table header"))
    if not header:
        raise ParseError("`display ipv6 interface brief`: no `Interface Physical Protocol` header found")
    if not rows and len(unreadable) > before:
        raise ParseError("`display ipv6 interface brief`: the table has lines but no interface row was recognised "
                         f"(first: {unreadable[before]})")


def add_brief_address(interface: InterfaceFacts, text: str) -> None:
    """One address of the IPv6 brief table: with its length where the table gives it (VRP8), else without."""
    if "/" in text:
        with_length = IPv6Interface(text.lower())
        if not with_length.ip.is_link_local and with_length not in interface.ipv6:
            interface.ipv6.append(with_length)
        return
    address = IPv6Address(text.lower())
    if not address.is_link_local and address not in interface.ipv6_unknown_length:
        interface.ipv6_unknown_length.append(address)


def parse_config(text: str) -> ConfigFacts:
    return system_view.parse_config(text, sections=sections, aaa=r"(?:hwtacacs|radius)-server")


def sections(config: ConfigFacts, header: str, words: list[str], children: list[str]) -> None:
    """VRP's own global sections: IS-IS and BGP for IPv6, the vty lines, STelnet, SNMP over IPv6."""
    management = config.management
    if words[0] == "isis" and "ipv6 enable" in " ".join(children):
        config.protocols.append("isis")
    elif words[0] == "bgp" and any(c.startswith("ipv6-family unicast") or re.match(r"peer [0-9A-Fa-f]*:", c)
                                   for c in children):
        config.protocols.append("bgp")
    elif header.startswith("user-interface vty"):
        management.ipv4_acl = management.ipv4_acl or any(re.match(r"acl \d+ inbound", c) for c in children)
        management.ipv6_acl = any(re.match(r"acl ipv6 \S+ inbound", c) for c in children)
        management.telnet_enabled = any(c in ("protocol inbound telnet", "protocol inbound all") for c in children)
    elif header in ("stelnet server enable", "stelnet ipv6 server enable"):
        management.ssh_enabled = management.ssh_ipv6 = True
    elif header == "stelnet ipv4 server enable":
        management.ssh_enabled = True
    elif header == "snmp-agent protocol source-status ipv6 all-interface":
        management.snmp_ipv6 = True
