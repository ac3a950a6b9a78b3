"""FRR through vtysh: `show interface`, `show ipv6 forwarding`, `show ipv6 route`, OSPF/OSPFv3 neighbours,
`show bgp summary` and `show running-config`.

No ntc-templates exist for vtysh output, so these are small line parsers. Quirks: vtysh prints both address
families in `show interface`; `show bgp summary` prints one table per address family and `% No BGP neighbors
found` (or `% BGP instance not found`) when BGP is not running; ipv6 forwarding appears in the running config only
when it is off. sshd, snmpd and packet filters live outside vtysh, so management facts are left unknown here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv6Network

from ezgov_infra.errors import ParseError
from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Neighbour, Routing, Source
from ezgov_infra.platforms.parsers.common import add_address, blocks, known

INTERFACE = re.compile(r"^Interface (\S+) is (up|down)(?:, line protocol is (up|down))?")
ROUTE = re.compile(r"^([A-Za-z])[>*=qrbto ]*\s+([0-9a-fA-F:]+/\d+)\s")
OSPF_NEIGHBOUR = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+(\S+?)(?::\S+)?\s+\d+")
OSPF6_NEIGHBOUR = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+\S+\s+(\S+?)/\S+\s+\S+\s+(\S+?)\[")
BGP_PEER = re.compile(r"^(\S+)\s+4\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\S+\s+(\S+(?: \(\S+\))?)")
VERSION = re.compile(r"^FRRouting (\S+) \((\S+)\)")


def parse(device: str, outputs: Mapping[str, str], source: Source) -> DeviceFacts:
    facts = DeviceFacts(device=device, platform="frr", source=source, commands=sorted(outputs))
    facts.ipv6_evidence = [k for k in ("interfaces", "ipv6_forwarding", "ipv6_routes", "ospf6_neighbours", "config")
                           if k in outputs]
    if (text := known(outputs, "version", device)) is not None:
        for line in text.splitlines():
            if match := VERSION.match(line.strip()):
                facts.software, facts.hostname = f"FRRouting {match.group(1)}", match.group(2)
    if (text := known(outputs, "interfaces", device)) is not None:
        facts.interfaces = parse_interfaces(text, device)
    routing = Routing()
    if (text := known(outputs, "ipv6_forwarding", device)) is not None:
        match = re.search(r"ipv6 forwarding is (on|off)", text)
        if not match:
            raise ParseError(f"{device}: unexpected `show ipv6 forwarding` output: {text.strip()[:80]!r}")
        routing.ipv6_forwarding = match.group(1) == "on"
    if (text := known(outputs, "ipv6_routes", device)) is not None:
        routing.ipv6_routes = parse_routes(text)
    neighbours: list[Neighbour] | None = None
    for key, parser in (("ospf_neighbours", _ospf), ("ospf6_neighbours", _ospf6), ("bgp_summary", _bgp)):
        if (text := known(outputs, key, device)) is not None:
            neighbours = (neighbours or []) + parser(text)
    routing.neighbours = neighbours
    if (text := known(outputs, "config", device)) is not None:
        _config(text, facts, routing)
    facts.routing = routing
    return facts


def parse_interfaces(text: str, device: str) -> list[InterfaceFacts]:
    interfaces: list[InterfaceFacts] = []
    current: InterfaceFacts | None = None
    for line in text.splitlines():
        if match := INTERFACE.match(line):
            current = InterfaceFacts(name=match.group(1), oper_up=(match.group(3) or match.group(2)) == "up")
            interfaces.append(current)
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("flags:"):
            current.admin_up = bool(re.search(r"[<,]UP[,>]", stripped))
        elif stripped.startswith(("inet ", "inet6 ")):
            add_address(current, stripped.split()[1])
        elif stripped.startswith("Description:"):
            current.description = stripped.partition(":")[2].strip()
        elif match := re.search(r"\bindex (\d+) .*?speed (\d+)", stripped):
            current.if_index, current.speed_mbps = int(match.group(1)), int(match.group(2)) or None
    if not interfaces and text.strip():
        raise ParseError(f"{device}: no interface found in `show interface` output")
    for interface in interfaces:
        interface.ipv6_enabled = bool(interface.ipv6)
    return interfaces


def parse_routes(text: str) -> list[IPv6Network]:
    routes: list[IPv6Network] = []
    for line in text.splitlines():
        if line.startswith(("Codes:", " ")) or not line.strip():
            continue
        if match := ROUTE.match(line):
            network = IPv6Network(match.group(2), strict=False)
            if network not in routes:
                routes.append(network)
    return routes


def _ospf(text: str) -> list[Neighbour]:
    return [Neighbour(protocol="ospf", afi="ipv4", address=m.group(3), state=m.group(2), interface=m.group(4))
            for line in text.splitlines() if (m := OSPF_NEIGHBOUR.match(line))]


def _ospf6(text: str) -> list[Neighbour]:
    return [Neighbour(protocol="ospf6", afi="ipv6", address=m.group(1), state=m.group(2), interface=m.group(3))
            for line in text.splitlines() if (m := OSPF6_NEIGHBOUR.match(line))]


def _bgp(text: str) -> list[Neighbour]:
    if "No BGP neighbors found" in text or "BGP instance not found" in text:
        return []
    peers: list[Neighbour] = []
    afi = "ipv4"
    for line in text.splitlines():
        if "Unicast Summary" in line:
            afi = "ipv6" if "IPv6" in line else "ipv4"
        elif (match := BGP_PEER.match(line)) and not line.startswith("Neighbor"):
            peers.append(Neighbour(protocol="bgp", afi="ipv6" if afi == "ipv6" else "ipv4",
                                   address=match.group(1), state=match.group(2)))
    return peers


def _config(text: str, facts: DeviceFacts, routing: Routing) -> None:
    protocols: list[str] = []
    for header, children in blocks(text):
        if header.startswith("hostname ") and not facts.hostname:
            facts.hostname = header.split()[1]
        elif header == "no ipv6 forwarding":
            routing.ipv6_forwarding = False
        elif header.startswith("router ospf6"):
            protocols.append("ospf6")
        elif _isis_ipv6(header, children):
            protocols.append("isis")
        elif header.startswith("router bgp") and "address-family ipv6 unicast" in children:
            start = children.index("address-family ipv6 unicast")
            family = children[start:children.index("exit-address-family", start)
                              if "exit-address-family" in children[start:] else None]
            if any(c.startswith("neighbor ") and c.endswith(" activate") for c in family):
                protocols.append("bgp")
    routing.protocols = sorted(set(protocols))
    if routing.ipv6_forwarding is None:
        routing.ipv6_forwarding = True  # FRR writes `no ipv6 forwarding` only when it is off


def _isis_ipv6(header: str, children: list[str]) -> bool:
    if header.startswith("router isis"):
        return any(c.startswith("topology ipv6") for c in children)
    return header.startswith("interface ") and any(c.startswith("ipv6 router isis") for c in children)
