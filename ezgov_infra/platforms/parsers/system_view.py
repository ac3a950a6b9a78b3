"""What Huawei VRP and H3C Comware share, one lineage with one syntax: `#`-separated configurations named by
`sysname`, the global `ipv6` switch of VRP5 and Comware 5 (VRP8 and Comware 7 have none and route IPv6 on every
interface that runs it), interface sections, `snmp-agent sys-info version`, NTP, syslog and AAA servers, the
`Destination` lines of `display ipv6 routing-table` and the OSPFv3 peer table. Each platform module adds only
the sections and tables that differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Neighbour, Routing
from ezgov_infra.platforms.parsers.common import (
    known,
    numbered_blocks,
    ordered_versions,
    snmp_sys_info_versions,
    v6_net,
    vrp_style_services,
)
from ezgov_infra.platforms.parsers.configs import ConfigFacts, apply, merge, read_interface

# the legend above VRP's and Comware's interface tables
LEGEND = re.compile(r"^(\*down|\^down|!down|#down|\(\w+\)|The number of|Info:)")

# reads a platform's own global sections: (config, header, its words, its children)
Sections = Callable[[ConfigFacts, str, list[str], list[str]], None]


def interface_protocol(parts: list[str]) -> str | None:
    """The IPv6 routing protocol an interface line turns on (`ospfv3 1 area 0`, `isis ipv6 enable`, `ripng 1
    enable`)."""
    if parts[0] == "ospfv3" and "area" in parts:
        return "ospf6"
    if parts[:3] == ["isis", "ipv6", "enable"]:
        return "isis"
    if parts[0] == "ripng" and parts[-1] == "enable":
        return "ripng"
    return None


def parse_config(text: str, *, sections: Sections, aaa: str) -> ConfigFacts:
    """A `display current-configuration`; `sections` reads the platform's own global sections, `aaa` is the
    pattern of its AAA server lines."""
    config = ConfigFacts()
    global_ipv6 = False
    all_lines: list[str] = []
    snmp_versions: list[str] = []
    management = config.management
    management.ssh_enabled = management.ssh_ipv6 = management.telnet_enabled = False
    management.ipv4_acl = management.ipv6_acl = management.snmp_ipv6 = False
    for (_, header), numbered in numbered_blocks(text, separator="#"):
        children = [c for _, c in numbered]
        all_lines += [header, *children]
        words = header.split()
        if words[0] == "sysname":
            config.hostname, config.whole = words[1], True
        elif header == "ipv6":
            global_ipv6 = True
        elif words[0] == "interface":
            read_interface(config, config.interface(" ".join(words[1:])), numbered, secondary="sub",
                           protocol=interface_protocol)
        elif words[0] == "ospfv3":
            config.protocols.append("ospf6")
        elif words[0] == "ripng":
            config.protocols.append("ripng")
        elif header == "telnet server enable":
            management.telnet_enabled = True
        elif header.startswith("snmp-agent sys-info version"):
            snmp_versions = snmp_sys_info_versions(words)
        else:
            sections(config, header, words, children)
    runs_ipv6 = global_ipv6 or any(i.runs_ipv6 for i in config.interfaces.values())
    config.ipv6_forwarding = True if runs_ipv6 else (False if config.whole else None)
    management.snmp_versions = ordered_versions(snmp_versions)  # type: ignore[assignment]
    services = config.services
    services.ntp, services.syslog, services.aaa = vrp_style_services(all_lines, aaa)
    config.protocols = sorted(set(config.protocols))
    return config


def finish(facts: DeviceFacts, outputs: Mapping[str, str], table: dict[str, InterfaceFacts],
           config: ConfigFacts | None, *, route: re.Pattern[str], peer: re.Pattern[str],
           name: Callable[[str], str] = str) -> None:
    """Interfaces from the tables and the configuration, routes, OSPFv3 neighbours (`name` spells a peer's
    interface as the configuration does) and forwarding: told by the configuration, else by an interface that
    runs IPv6 in the tables or an OSPFv3 neighbour (VRP5 and Comware 5 need the global switch first, VRP8 and
    Comware 7 have none). Without a configuration, a neighbour tells that OSPFv3 runs, not what else does."""
    facts.interfaces = merge(table, config)
    routing = Routing()
    if (text := known(outputs, "ipv6_routes", facts.device)) is not None:
        facts.ipv6_evidence.append("ipv6_routes")
        routing.ipv6_routes = [v6_net(a, n) for a, n in route.findall(text)]
    if (text := known(outputs, "ospf6_neighbours", facts.device)) is not None:
        routing.neighbours = [Neighbour(protocol="ospf6", afi="ipv6", address=m.group(1), state=m.group(2),
                                        interface=name(m.group(3)))
                              for line in text.splitlines() if (m := peer.match(line.strip()))]
    if config is not None:
        apply(facts, routing, config)
    if routing.neighbours:  # an OSPFv3 neighbour, even in Init, is IPv6 running on that interface
        facts.ipv6_evidence.append("ospf6_neighbours")
        routing.protocols = ["ospf6"] if routing.protocols is None else routing.protocols
    if routing.ipv6_forwarding is None and (routing.neighbours or any(i.ipv6_enabled for i in table.values())):
        routing.ipv6_forwarding = True
    facts.routing = routing
