"""Cisco IOS / IOS XE: `show ip interface brief` and `show ipv6 interface brief` through ntc-templates
(TextFSM), `show ipv6 route`, `show ipv6 ospf neighbor` and `show running-config` parsed here.

Quirks: the brief tables carry no prefix lengths (the configuration has them); `ipv6 unicast-routing` is what
makes IOS forward IPv6; the vty `ipv6 access-class` is the management-plane IPv6 filter; SSH and SNMP agents
answer over IPv6 once configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ezgov_infra.errors import ParseError
from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Neighbour, Routing, Source
from ezgov_infra.platforms.parsers.common import ADDRESS, blocks, known, ordered_versions, servers, v4_mask, v6
from ezgov_infra.platforms.parsers.configs import ConfigFacts, merge

ROUTE = re.compile(r"^[A-Za-z]{1,3}\s+([0-9A-Fa-f:]+/\d+)\s+\[")
PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+?)(?:/\s*\S*)?\s+\d\d:\d\d:\d\d\s+\d+\s+(\S+)")


def textfsm(command: str, text: str) -> list[dict[str, Any]]:
    from ntc_templates.parse import parse_output

    try:
        rows: list[dict[str, Any]] = parse_output(platform="cisco_ios", command=command, data=text)
    except Exception as exc:  # ntc-templates raises plain Exception subclasses of textfsm
        raise ParseError(f"`{command}`: {exc}") from exc
    return [{str(k).lower(): v for k, v in row.items()} for row in rows]


def parse(device: str, outputs: Mapping[str, str], source: Source) -> DeviceFacts:
    facts = DeviceFacts(device=device, platform="cisco_ios", source=source, commands=sorted(outputs))
    if (text := known(outputs, "version", device)) is not None:
        rows = textfsm("show version", text)
        if rows:
            facts.software = f"IOS {rows[0].get('software_image', '')} {rows[0].get('version', '')}".strip()
            facts.hostname = rows[0].get("hostname") or None
    table: dict[str, InterfaceFacts] = {}
    if (text := known(outputs, "interfaces_v4", device)) is not None:
        for row in textfsm("show ip interface brief", text):
            interface = table.setdefault(row["interface"], InterfaceFacts(name=row["interface"]))
            interface.admin_up = row["status"] != "administratively down"
            interface.oper_up = row["proto"] == "up"
            if row["ip_address"][:1].isdigit():
                interface.ipv4 = [v4_mask(row["ip_address"], "32")]
    if (text := known(outputs, "interfaces_v6", device)) is not None:
        for row in textfsm("show ipv6 interface brief", text):
            interface = table.setdefault(row["interface"], InterfaceFacts(name=row["interface"]))
            interface.admin_up = row["admin"] != "administratively down"
            interface.oper_up = row["protocol"] == "up"
            addresses = [v6(a + "/128") for a in row["ipv6_address"] if ":" in a]
            interface.ipv6_enabled = bool(addresses)
            interface.ipv6 = [a for a in addresses if not a.ip.is_link_local]
    config = parse_config(text) if (text := known(outputs, "config", device)) is not None else None
    facts.interfaces = merge(table, config)
    routing = Routing()
    if (text := known(outputs, "ipv6_routes", device)) is not None:
        from ipaddress import IPv6Network

        routing.ipv6_routes = [IPv6Network(m.group(1).lower(), strict=False)
                               for line in text.splitlines() if (m := ROUTE.match(line))]
    if (text := known(outputs, "ospf6_neighbours", device)) is not None:
        routing.neighbours = [Neighbour(protocol="ospf6", afi="ipv6", address=m.group(1), state=m.group(2),
                                        interface=m.group(3))
                              for line in text.splitlines() if (m := PEER.match(line.strip()))]
    if config is not None:
        facts.hostname = facts.hostname or config.hostname
        routing.ipv6_forwarding = config.ipv6_forwarding
        routing.protocols = config.protocols
        facts.management, facts.services = config.management, config.services
    facts.routing = routing
    return facts


def parse_config(text: str) -> ConfigFacts:
    config = ConfigFacts(ipv6_forwarding=False)
    lines: list[str] = []
    management = config.management
    management.ssh_enabled = management.ssh_ipv6 = management.telnet_enabled = False
    management.ipv4_acl = management.ipv6_acl = management.snmp_ipv6 = False
    versions: set[str] = set()
    for header, children in blocks(text):
        lines += [header, *children]
        words = header.split()
        if words[0] == "hostname":
            config.hostname = words[1]
        elif header == "ipv6 unicast-routing":
            config.ipv6_forwarding = True
        elif words[0] == "interface":
            interface = config.interface(words[1])
            for child in children:
                parts = child.split()
                if parts[:2] == ["ip", "address"] and len(parts) >= 4 and parts[2][0].isdigit():
                    interface.ipv4.append(v4_mask(parts[2], parts[3]))
                elif parts[:2] == ["ipv6", "address"] and "link-local" not in parts and "/" in parts[2]:
                    interface.ipv6.append(v6(parts[2]))
                elif parts[:2] == ["ipv6", "enable"]:
                    interface.ipv6_enabled = True
                elif parts[0] == "description":
                    interface.description = child.partition(" ")[2]
                elif parts == ["shutdown"]:
                    interface.shutdown = True
        elif header.startswith(("ipv6 router ospf", "router ospfv3")):
            config.protocols.append("ospf6")
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
    management.snmp_versions = ordered_versions(versions)  # type: ignore[assignment]
    config.services.ntp = servers(lines, rf"^ntp server (?:ipv6 )?{ADDRESS}")
    config.services.syslog = servers(lines, rf"^logging (?:host )?(?:ipv6 )?{ADDRESS}")
    config.services.aaa = servers(lines, rf"^(?:address ipv[46] |tacacs-server host |radius-server host ){ADDRESS}")
    config.protocols = sorted(set(config.protocols))
    return config
