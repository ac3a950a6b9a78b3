"""Cisco IOS / IOS XE: `show ip interface brief` and `show ipv6 interface brief` through ntc-templates
(TextFSM), `show ipv6 route`, `show ipv6 ospf neighbor` and `show running-config` parsed here.

Quirks: the brief tables carry no prefix lengths (the configuration has them); `ipv6 unicast-routing` is what
makes IOS forward IPv6; the vty `ipv6 access-class` is the management-plane IPv6 filter; SSH and SNMP agents
answer over IPv6 once configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv6Address, IPv6Interface, IPv6Network
from typing import Any

from ezgov_infra.errors import ParseError
from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Neighbour, Routing, Source, Unreadable
from ezgov_infra.platforms.parsers.common import (
    ADDRESS,
    REJECTED,
    known,
    numbered_blocks,
    ordered_versions,
    servers,
    v4_mask,
    without_echo,
)
from ezgov_infra.platforms.parsers.configs import ConfigFacts, apply, merge, read_interface

ROUTE = re.compile(r"^[A-Za-z]{1,3}\s+([0-9A-Fa-f:]+/\d+)\s+\[")
PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+?)(?:/\s*\S*)?\s+\d\d:\d\d:\d\d\s+\d+\s+(\S+)")


def textfsm(command: str, text: str) -> list[dict[str, Any]]:
    from ntc_templates.parse import parse_output

    try:
        rows: list[dict[str, Any]] = parse_output(platform="cisco_ios", command=command, data=text)
    except Exception as exc:  # ntc-templates raises plain Exception subclasses of textfsm
        raise ParseError(f"`{command}`: {exc}") from exc
    return [{str(k).lower(): v for k, v in row.items()} for row in rows]


DETAIL_HEAD = re.compile(r"^(\S+) is (administratively down|up|down|deleted)\S*, line protocol is (\S+)")
DETAIL_ADDRESS = re.compile(r"^\s*([0-9A-Fa-f:]+), subnet is ([0-9A-Fa-f:]+/\d+)(?:\s+\[([A-Z/]+)\])?")


def rejected(outputs: Mapping[str, str], key: str) -> bool:
    """An image without IPv6 refuses the IPv6 show commands (`% Invalid input detected`)."""
    text = outputs.get(key)
    return text is not None and REJECTED.search(text) is not None


def parse(device: str, outputs: Mapping[str, str], source: Source) -> DeviceFacts:
    facts = DeviceFacts(device=device, platform="cisco_ios", source=source, commands=sorted(outputs))
    if (text := known(outputs, "version", device)) is not None:
        rows = textfsm("show version", text)
        if rows:
            facts.software = f"IOS {rows[0].get('software_image', '')} {rows[0].get('version', '')}".strip()
            facts.hostname = rows[0].get("hostname") or None
    table: dict[str, InterfaceFacts] = {}
    if (text := known(outputs, "interfaces_v4", device)) is not None:
        for row in table_rows("show ip interface brief", text):
            interface = table.setdefault(row["interface"], InterfaceFacts(name=row["interface"]))
            interface.admin_up = row["status"] != "administratively down"
            interface.oper_up = row["proto"] == "up"
            if row["ip_address"][:1].isdigit():
                interface.ipv4 = [v4_mask(row["ip_address"], "32")]
    no_ipv6_image = [k for k in ("interfaces_v6", "interfaces_v6_detail") if rejected(outputs, k)]
    if no_ipv6_image:
        facts.ipv6_evidence += [f"{k} rejected: no IPv6 in this image" for k in no_ipv6_image]
    elif (text := known(outputs, "interfaces_v6", device)) is not None:
        facts.ipv6_evidence.append("interfaces_v6")
        for row in table_rows("show ipv6 interface brief", text):
            interface = table.setdefault(row["interface"], InterfaceFacts(name=row["interface"]))
            interface.admin_up = row["admin"] != "administratively down"
            interface.oper_up = row["protocol"] == "up"
            addresses = [IPv6Address(a.lower()) for a in row["ipv6_address"] if ":" in a]
            interface.ipv6_enabled = bool(addresses)
            interface.ipv6_unknown_length = [a for a in addresses if not a.is_link_local]
    if not no_ipv6_image and (text := known(outputs, "interfaces_v6_detail", device)) is not None:
        facts.ipv6_evidence.append("interfaces_v6_detail")
        parse_detail(text, table, facts.unreadable)
    config = parse_config(text) if (text := known(outputs, "config", device)) is not None else None
    facts.interfaces = merge(table, config)
    routing = Routing()
    if (text := known(outputs, "ipv6_routes", device)) is not None:

        facts.ipv6_evidence.append("ipv6_routes")
        routing.ipv6_routes = [IPv6Network(m.group(1).lower(), strict=False)
                               for line in text.splitlines() if (m := ROUTE.match(line))]
    if (text := known(outputs, "ospf6_neighbours", device)) is not None:
        routing.neighbours = [Neighbour(protocol="ospf6", afi="ipv6", address=m.group(1), state=m.group(2),
                                        interface=m.group(3))
                              for line in text.splitlines() if (m := PEER.match(line.strip()))]
    if no_ipv6_image:
        routing.ipv6_forwarding = False
    if config is not None:
        apply(facts, routing, config)
    facts.routing = routing
    return facts


def table_rows(command: str, text: str) -> list[dict[str, Any]]:
    """TextFSM rows of a brief table; an output with lines but no row is an error, never an empty table."""
    rows = textfsm(command, text)
    if not rows and any(line.strip() for _, line in without_echo(text)):
        raise ParseError(f"`{command}`: the output has lines but no interface row was recognised")
    return rows


def parse_detail(text: str, table: dict[str, InterfaceFacts], unreadable: list[Unreadable]) -> None:
    """`show ipv6 interface`: per interface its state, whether IPv6 is on, and each address with its length."""
    current: InterfaceFacts | None = None
    found = False
    for number, line in without_echo(text):
        if (match := DETAIL_HEAD.match(line)):
            found = True
            current = table.setdefault(match.group(1), InterfaceFacts(name=match.group(1)))
            current.admin_up = match.group(2) != "administratively down"
            current.oper_up = match.group(3) == "up"
            current.ipv6_enabled = False
        elif current is None:
            if line.strip():
                unreadable.append(Unreadable(output="interfaces_v6_detail", line=number, text=line,
                                             reason="text before the first interface"))
        elif re.match(r"^\s*IPv6 is (enabled|tentative)", line):
            current.ipv6_enabled = True
        elif line.strip() == "Stateless address autoconfig enabled":
            current.ipv6_dynamic.append("autoconfig")
        elif (match := DETAIL_ADDRESS.match(line)):
            flags = (match.group(3) or "").split("/")
            if "ANY" in flags:
                continue  # anycast: a shared service address
            length = match.group(2).split("/")[1]
            address = IPv6Interface(f"{match.group(1).lower()}/{length}")
            if not address.ip.is_link_local and address not in current.ipv6:
                current.ipv6.append(address)
    if not found and any(line.strip() for _, line in without_echo(text)):
        raise ParseError("`show ipv6 interface`: the output has lines but no interface was recognised")


def interface_protocol(parts: list[str]) -> str | None:
    """The IPv6 routing protocol an interface line turns on (`ipv6 ospf 1 area 0`, `ospfv3 1 ipv6 area 0`,
    `ipv6 router isis`)."""
    if parts[:2] == ["ipv6", "ospf"] or (parts[0] == "ospfv3" and "ipv6" in parts):
        return "ospf6"
    return "isis" if parts[:3] == ["ipv6", "router", "isis"] else None


def parse_config(text: str) -> ConfigFacts:
    config = ConfigFacts()
    lines: list[str] = []
    management = config.management
    management.ssh_enabled = management.ssh_ipv6 = management.telnet_enabled = False
    management.ipv4_acl = management.ipv6_acl = management.snmp_ipv6 = False
    versions: set[str] = set()
    unicast_routing = False
    for (_, header), numbered in numbered_blocks(text):
        children = [c for _, c in numbered]
        lines += [header, *children]
        words = header.split()
        if words[0] in ("hostname", "version"):
            config.whole = True
            config.hostname = words[1] if words[0] == "hostname" else config.hostname
        elif header == "ipv6 unicast-routing":
            unicast_routing = True
        elif words[0] == "interface":
            read_interface(config, config.interface(" ".join(words[1:])), numbered, secondary="secondary",
                           protocol=interface_protocol)
        elif header.startswith(("ipv6 router ospf", "router ospfv3")):
            config.protocols.append("ospf6")
        elif header.startswith("ipv6 router rip"):
            config.protocols.append("ripng")
        elif words[:2] == ["router", "isis"] and any(c.startswith("address-family ipv6") for c in children):
            config.protocols.append("isis")
        elif words[:2] == ["router", "bgp"] and any(c.startswith("address-family ipv6") for c in children):
            config.protocols.append("bgp")
        elif header.startswith("line vty"):
            management.ipv4_acl = management.ipv4_acl or any(c.startswith("access-class ") for c in children)
            management.ipv6_acl = management.ipv6_acl or any(c.startswith("ipv6 access-class ") for c in children)
            management.telnet_enabled = management.telnet_enabled or any(
                c.startswith("transport input") and ("telnet" in c or c.endswith(" all")) for c in children)
        elif header.startswith("ip ssh version"):
            management.ssh_enabled = management.ssh_ipv6 = True
        elif words[0] == "snmp-server" and len(words) > 1:
            if words[1] == "community":
                versions.add("2c")
            elif words[1] == "group" and "v3" in words:
                versions.add("3")
            management.snmp_ipv6 = True
    # IOS routes IPv6 only with `ipv6 unicast-routing`; an excerpt (`show running-config interface X`) cannot say
    config.ipv6_forwarding = True if unicast_routing else (False if config.whole else None)
    management.snmp_versions = ordered_versions(versions)  # type: ignore[assignment]
    config.services.ntp = servers(lines, rf"^ntp server (?:ipv6 )?{ADDRESS}")
    config.services.syslog = servers(lines, rf"^logging (?:host )?(?:ipv6 )?{ADDRESS}")
    config.services.aaa = servers(lines, rf"^(?:address ipv[46] |tacacs-server host |radius-server host ){ADDRESS}")
    config.protocols = sorted(set(config.protocols))
    return config
