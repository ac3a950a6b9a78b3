"""H3C / HPE Comware 7: `display ip interface brief`, `display ipv6 interface brief`,
`display ipv6 routing-table`, `display ospfv3 peer`, `display current-configuration`, `display version`.

Quirks: the brief tables abbreviate interface names (`GE1/0/1`, `XGE1/0/49`, `Loop0`, `Vlan10`), expanded here
to the configuration's names; the IPv6 table prints one address per row (no length) and `Unassigned` for none.
IPv6 forwarding: Comware 5 needs the global `ipv6` command before an interface takes an IPv6 address, Comware 7
has no global switch and routes IPv6 on every interface with an address; so the device forwards IPv6 when the
global command is there or an interface has IPv6, and does not when a whole configuration shows neither. SSH and
SNMP agents listen on IPv6 unless an ACL keeps them off; `ssh server ipv6 acl ipv6 N` filters the management
plane.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv4Interface, IPv6Address

from ezgov_infra.errors import ParseError
from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Source, Unreadable
from ezgov_infra.platforms.parsers import system_view
from ezgov_infra.platforms.parsers.common import known, without_echo
from ezgov_infra.platforms.parsers.configs import ConfigFacts

ROW = re.compile(r"^(\S+)\s+(\*?down|up|ADM|Stby)\S*\s+(up|down)\S*\s+(\S+)")
ROUTE = re.compile(r"Destination\s*:\s*([0-9A-Fa-f:]+)/(\d+)")
# `Full/DR`, `Full/BDR`, `Init/ -` (a space when the neighbour has no role yet)
PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+?)(?:/\s*\S*)?\s+\d\d:\d\d:\d\d\s+\d+\s+(\S+)")
VERSION = re.compile(r"Comware Software, Version (\S+, Release \S+)")
ABBREVIATIONS = (("XGE", "Ten-GigabitEthernet"), ("GE", "GigabitEthernet"), ("Loop", "LoopBack"),
                 ("Vlan", "Vlan-interface"), ("RAGG", "Route-Aggregation"), ("MGE", "M-GigabitEthernet"))


def full_name(name: str) -> str:
    for short, long in ABBREVIATIONS:
        if name.startswith(short) and name[len(short):][:1].isdigit():
            return long + name[len(short):]
    return name


def parse(device: str, outputs: Mapping[str, str], source: Source) -> DeviceFacts:
    facts = DeviceFacts(device=device, platform="hp_comware", source=source, commands=sorted(outputs))
    if (text := known(outputs, "version", device)) is not None and (match := VERSION.search(text)):
        facts.software = f"Comware {match.group(1)}"
    table: dict[str, InterfaceFacts] = {}
    for key in ("interfaces_v4", "interfaces_v6"):
        if (text := known(outputs, key, device)) is None:
            continue
        if key == "interfaces_v6":
            facts.ipv6_evidence.append(key)
        rows = 0
        for number, line in without_echo(text):
            stripped = line.strip()
            if not stripped or system_view.LEGEND.match(stripped) or stripped.startswith("Interface "):
                continue
            if not (match := ROW.match(stripped)):
                facts.unreadable.append(Unreadable(output=key, line=number, text=line,
                                                   reason="not a row of the interface table"))
                continue
            rows += 1
            name = full_name(match.group(1))
            interface = table.setdefault(name, InterfaceFacts(name=name))
            interface.admin_up = not match.group(2).startswith(("*", "ADM"))
            interface.oper_up = match.group(3) == "up"
            address = match.group(4)
            if key == "interfaces_v4" and address[0].isdigit():
                interface.ipv4 = [IPv4Interface(address)]
            elif key == "interfaces_v6":
                interface.ipv6_enabled = ":" in address
                if ":" in address:
                    found = IPv6Address(address.lower().split("/")[0])
                    if not found.is_link_local and found not in interface.ipv6_unknown_length:
                        interface.ipv6_unknown_length.append(found)
        if not rows and facts.unreadable:
            raise ParseError(f"{key}: the table has lines but no interface row was recognised "
                             f"(first: {facts.unreadable[0]})")
    config = parse_config(text) if (text := known(outputs, "config", device)) is not None else None
    system_view.finish(facts, outputs, table, config, route=ROUTE, peer=PEER, name=full_name)
    return facts


def parse_config(text: str) -> ConfigFacts:
    return system_view.parse_config(text, sections=sections, aaa=r"(?:primary|secondary)")


def sections(config: ConfigFacts, header: str, words: list[str], children: list[str]) -> None:
    """Comware's own global sections: IS-IS and BGP address families, the vty lines, SSH and its ACLs, SNMP."""
    management = config.management
    if words[0] in ("isis", "bgp") and any(c.startswith("address-family ipv6") for c in children):
        config.protocols.append(words[0])
    elif header.startswith("line vty"):
        management.ipv4_acl = management.ipv4_acl or any(re.match(r"acl \d+ inbound", c) for c in children)
        management.ipv6_acl = management.ipv6_acl or any(re.match(r"acl ipv6 \S+ inbound", c) for c in children)
        management.telnet_enabled = any(c in ("protocol inbound telnet", "protocol inbound all") for c in children)
    elif header == "ssh server enable":
        management.ssh_enabled = management.ssh_ipv6 = True
    elif header.startswith("ssh server acl "):
        management.ipv4_acl = True
    elif header.startswith("ssh server ipv6 acl "):
        management.ipv6_acl = True
    elif header == "snmp-agent":
        management.snmp_ipv6 = True
