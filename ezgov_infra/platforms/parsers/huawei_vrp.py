"""Huawei VRP: `display ip interface brief`, `display ipv6 interface brief`, `display ipv6 routing-table`,
`display ospfv3 peer`, `display current-configuration`, `display version`.

ntc-templates has no template for these VRP commands, so they are parsed here. Quirks: the IPv6 brief table lists
addresses without prefix length (the configuration has them); `*down` marks an administratively down interface;
IPv6 forwarding is the global `ipv6` command (absent: the router does not forward IPv6 at all); SNMP over IPv6
needs `snmp-agent protocol source-status ipv6 all-interface`; config sections are separated by `#`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv4Interface

from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Neighbour, Routing, Source
from ezgov_infra.platforms.parsers.common import (
    blocks,
    known,
    ordered_versions,
    snmp_sys_info_versions,
    v4_mask,
    v6,
    v6_net,
    vrp_style_services,
)
from ezgov_infra.platforms.parsers.configs import ConfigFacts, merge

V4_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\*?down|\^down|up)\S*\s+(up|down)\S*\s*$")
V6_ROW = re.compile(r"^(\S+)\s+(\*?down|up)\S*\s+(up|down)\S*\s*$")
V6_ADDRESS = re.compile(r"^\[IPv6 Address\]\s+(\S+)")
ROUTE = re.compile(r"Destination\s*:\s*(\S+)\s+PrefixLength\s*:\s*(\d+)")
PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+)(?:\s*/\s*\S*)?\s+\d\d:\d\d:\d\d\s+(\S+)")
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
        current: InterfaceFacts | None = None
        for line in text.splitlines():
            if (match := V6_ROW.match(line)) and match.group(1) != "Interface":
                current = table.setdefault(match.group(1), InterfaceFacts(name=match.group(1)))
                current.admin_up = not match.group(2).startswith("*")
                current.oper_up = match.group(3) == "up"
                current.ipv6_enabled = True
            elif (match := V6_ADDRESS.match(line.strip())) and current is not None \
                    and match.group(1).lower() != "unassigned":
                address = v6(match.group(1) + "/128")
                if not address.ip.is_link_local:
                    current.ipv6.append(address)
    config = parse_config(text) if (text := known(outputs, "config", device)) is not None else None
    facts.interfaces = merge(table, config)
    routing = Routing()
    if (text := known(outputs, "ipv6_routes", device)) is not None:
        routing.ipv6_routes = [v6_net(a, n) for a, n in ROUTE.findall(text)]
    if (text := known(outputs, "ospf6_neighbours", device)) is not None:
        routing.neighbours = [Neighbour(protocol="ospf6", afi="ipv6", address=m.group(1), state=m.group(2),
                                        interface=m.group(3))
                              for line in text.splitlines() if (m := PEER.match(line.strip()))]
    if config is not None:
        facts.hostname = config.hostname
        routing.ipv6_forwarding = config.ipv6_forwarding
        routing.protocols = config.protocols
        facts.management, facts.services = config.management, config.services
    facts.routing = routing
    return facts


def parse_config(text: str) -> ConfigFacts:
    config = ConfigFacts(ipv6_forwarding=False)
    all_lines: list[str] = []
    snmp_versions: list[str] = []
    management = config.management
    management.ssh_enabled = management.ssh_ipv6 = management.telnet_enabled = False
    management.ipv4_acl = management.ipv6_acl = management.snmp_ipv6 = False
    for header, children in blocks(text, separator="#"):
        all_lines += [header, *children]
        words = header.split()
        if words[0] == "sysname":
            config.hostname = words[1]
        elif header == "ipv6":
            config.ipv6_forwarding = True
        elif words[0] == "interface":
            interface = config.interface(words[1])
            for child in children:
                parts = child.split()
                if parts[:2] == ["ip", "address"] and len(parts) >= 4 and parts[2][0].isdigit():
                    interface.ipv4.append(v4_mask(parts[2], parts[3]))
                elif parts[:2] == ["ipv6", "address"] and parts[2] != "auto" and "link-local" not in parts:
                    interface.ipv6.append(v6(" ".join(parts[2:4])))
                elif parts[:2] == ["ipv6", "enable"]:
                    interface.ipv6_enabled = True
                elif parts[0] == "description":
                    interface.description = child.partition(" ")[2]
                elif parts == ["shutdown"]:
                    interface.shutdown = True
        elif words[0] == "ospfv3":
            config.protocols.append("ospf6")
        elif words[0] == "isis" and "ipv6 enable" in " ".join(children):
            config.protocols.append("isis")
        elif words[0] == "bgp" and any(c.startswith("ipv6-family unicast") for c in children):
            config.protocols.append("bgp")
        elif header.startswith("user-interface vty"):
            management.ipv4_acl = management.ipv4_acl or any(re.match(r"acl \d+ inbound", c) for c in children)
            management.ipv6_acl = any(re.match(r"acl ipv6 \S+ inbound", c) for c in children)
            management.telnet_enabled = any(c in ("protocol inbound telnet", "protocol inbound all")
                                            for c in children)
        elif header in ("stelnet server enable", "stelnet ipv6 server enable"):
            management.ssh_enabled = management.ssh_ipv6 = True
        elif header == "stelnet ipv4 server enable":
            management.ssh_enabled = True
        elif header == "telnet server enable":
            management.telnet_enabled = True
        elif header.startswith("snmp-agent sys-info version"):
            snmp_versions = snmp_sys_info_versions(words)
        elif header == "snmp-agent protocol source-status ipv6 all-interface":
            management.snmp_ipv6 = True
    management.snmp_versions = ordered_versions(snmp_versions)  # type: ignore[assignment]
    services = config.services
    services.ntp, services.syslog, services.aaa = vrp_style_services(all_lines, r"(?:hwtacacs|radius)-server")
    config.protocols = sorted(set(config.protocols))
    return config
