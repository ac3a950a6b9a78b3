"""`display` outputs of an emulated device, in the layouts real devices print.

Layouts follow captured outputs: ntc-templates' test files for VRP (`display ip interface brief`, the VRP8
`display ipv6 interface brief` with its VPN column, `display version` of VRP 8.180) and Comware
(`display ip interface brief`, `display version` of Comware 5.20 and 7.1), and the sample's snapshots
(`ezgov_infra.testing.vendors`) for the rest. Values come from the emulated configuration and, for
neighbours and routes, from the routing plane.
"""

from __future__ import annotations

import time
from ipaddress import IPv4Interface, IPv6Interface

from ezgov_infra.lab.emulator.config import Line, norm
from ezgov_infra.lab.emulator.device import DeviceSpec
from ezgov_infra.lab.emulator.routing import PlaneState, RoutingPlane

SOFTWARE = {
    "vrp5": ("5.170", "V200R019C10SPC500"),
    "vrp8": ("8.180", "V200R005C10SPC800"),
    "comware5": ("5.20", "Release 2220P07"),
    "comware7": ("7.1.070", "Release 6616P01"),
}


def software_line(spec: DeviceSpec) -> str:
    """The first line of `display current-configuration` (VRP: `!Software Version ...`; Comware: ` version`)."""
    version, release = SOFTWARE[spec.dialect]
    if spec.vendor == "huawei":
        return f"!Software Version {release}"
    return f" version {version}, {release}"


def uptime(started: float) -> str:
    minutes = int(time.time() - started) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    return f"{days} days, {hours} hours, {minutes} minutes"


def version(spec: DeviceSpec, started: float) -> str:
    number, release = SOFTWARE[spec.dialect]
    if spec.dialect == "vrp5":
        return ("Huawei Versatile Routing Platform Software\n"
                f"VRP (R) software, Version {number} ({spec.model.split('-')[0]} {release})\n"
                "Copyright (C) 2000-2020 HUAWEI TECH Co., Ltd.\n"
                f"HUAWEI {spec.model} Routing Switch uptime is {uptime(started)}\n")
    if spec.dialect == "vrp8":
        return ("Huawei Versatile Routing Platform Software\n"
                f"VRP (R) software, Version {number} ({spec.model.split('-')[0]} {release})\n"
                "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\n"
                f"HUAWEI {spec.model} uptime is {uptime(started)}\n")
    if spec.dialect == "comware5":
        return ("H3C Comware Platform Software\n"
                f"Comware Software, Version {number}, {release}\n"
                "Copyright (c) 2004-2015 Hangzhou H3C Tech. Co., Ltd. All rights reserved.\n"
                f"H3C {spec.model} uptime is {uptime(started)}\n")
    return (f"H3C Comware Software, Version {number}, {release}\n"
            "Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.\n"
            f"H3C {spec.model} uptime is {uptime(started)}\n")


def _interfaces(root: Line) -> list[tuple[str, list[str]]]:
    return [(s.text.split(None, 1)[1], [c.text for c in s.children]) for s in root.children
            if s.text.split()[0] == "interface"]


def _v4(lines: list[str]) -> IPv4Interface | None:
    for line in lines:
        words = line.split()
        if words[:2] == ["ip", "address"] and len(words) >= 4:
            return IPv4Interface(f"{words[2]}/{words[3]}")
    return None


def _state(lines: list[str], name: str) -> tuple[str, str]:
    if "shutdown" in [norm(x) for x in lines]:
        return "*down", "down"
    return "up", "up(s)" if name.lower().startswith(("loopback", "null")) else "up"


def comware_short(name: str, dialect: str = "comware7") -> str:
    """Comware's abbreviation in brief tables (the management port is `MGE` on Comware 7, `M-GE` on 5)."""
    management = "MGE" if dialect == "comware7" else "M-GE"
    for long, short in (("Ten-GigabitEthernet", "XGE"), ("M-GigabitEthernet", management), ("GigabitEthernet", "GE"),
                        ("LoopBack", "Loop"), ("Vlan-interface", "Vlan")):
        if name.startswith(long):
            return short + name[len(long):]
    return name


def ip_brief(spec: DeviceSpec, root: Line) -> str:
    rows = [(name, _v4(lines), *_state(lines, name)) for name, lines in _interfaces(root)]
    if spec.vendor == "huawei":
        rows.append(("NULL0", None, "up", "up(s)"))
        up = sum(1 for r in rows if r[2] == "up")
        proto = sum(1 for r in rows if r[3].startswith("up"))
        out = ["*down: administratively down", "^down: standby", "(l): loopback", "(s): spoofing",
               "(E): E-Trunk down",
               f"The number of interface that is UP in Physical is {up}",
               f"The number of interface that is DOWN in Physical is {len(rows) - up}",
               f"The number of interface that is UP in Protocol is {proto}",
               f"The number of interface that is DOWN in Protocol is {len(rows) - proto}", "",
               f"{'Interface':<34}{'IP Address/Mask':<21}{'Physical':<11}Protocol  "]
        out += [f"{n:<34}{str(a) if a else 'unassigned':<21}{p:<11}{q}" for n, a, p, q in sorted(rows)]
        return "\n".join(out) + "\n"
    out = ["*down: administratively down", "(s): spoofing  (l): loopback",
           f"{'Interface':<30}{'Physical':<9}{'Protocol':<9}{'IP Address':<16}Description"]
    out += [f"{comware_short(n, spec.dialect):<30}{p:<9}{q:<9}{str(a.ip) if a else '--':<16}--"
            for n, a, p, q in sorted(rows)]
    return "\n".join(out) + "\n"


def ipv6_brief(spec: DeviceSpec, root: Line, plane: PlaneState) -> str:
    """Interfaces running IPv6 with their addresses (those the routing plane has, the same rule)."""
    ports = {p.name: p.dev for p in spec.ports}
    rows = []
    for name, lines in _interfaces(root):
        lowered = [norm(x) for x in lines]
        dev = ports.get(name)
        running = plane.ports.get(dev) if dev else None
        enabled = "ipv6 enable" in lowered if spec.vendor == "huawei" else any(
            x.startswith("ipv6 address") for x in lowered)
        if spec.dialect in ("vrp5", "comware5") and not plane.forwarding:
            enabled = False
        if not enabled:
            continue
        addresses = list(running.addresses) if running else []
        rows.append((name, addresses, *_state(lines, name)))
    if spec.dialect == "vrp5":
        out = ["*down: administratively down", "(l): loopback", "(s): spoofing",
               f"{'Interface':<42}{'Physical':<20}Protocol"]
        for name, addresses, physical, protocol in sorted(rows):
            out.append(f"{name:<42}{physical:<20}{protocol}")
            out += [f"[IPv6 Address] {str(IPv6Interface(a).ip).upper()}" for a in addresses] \
                or ["[IPv6 Address] Unassigned"]
        return "\n".join(out) + "\n"
    if spec.dialect == "vrp8":
        out = ["*down: administratively down", "!down: FIB overload down", "(l): loopback", "(s): spoofing",
               f"{'Interface':<29}{'Physical':<9}{'Protocol':<9}VPN"]
        for name, addresses, physical, protocol in sorted(rows):
            out.append(f"{name:<29}{physical:<9}{protocol:<9}--")
            out += [f"[IPv6 Address/Prefix Length] {str(IPv6Interface(a)).upper()}" for a in addresses]
        return "\n".join(out) + "\n"
    out = ["*down: administratively down", "(s): spoofing",
           f"{'Interface':<41}{'Physical':<9}{'Protocol':<9}IPv6 Address"]
    for name, addresses, physical, protocol in sorted(rows):
        for address in addresses or ["Unassigned"]:
            shown = str(IPv6Interface(address).ip).upper() if address != "Unassigned" else address
            out.append(f"{comware_short(name, spec.dialect):<41}{physical:<9}{protocol:<9}{shown}")
    return "\n".join(out) + "\n"


def ospfv3_peers(spec: DeviceSpec, plane: RoutingPlane, router_id: str | None) -> str:
    if router_id is None:
        return "" if spec.vendor == "huawei" else " Info: OSPFv3 is not configured.\n"
    peers = plane.peers()
    if spec.vendor == "huawei":
        out = ["", "OSPFv3 Process (1)", "OSPFv3 Area (0.0.0.0)",
               f"{'Neighbor ID':<16}{'Pri':<5}{'State':<17}{'Dead Time':<12}{'Interface':<28}Instance ID"]
        out += [f"{p.router_id:<16}{1:<5}{p.state + '/ -':<17}{p.dead:<12}{p.interface:<28}0" for p in peers]
        return "\n".join(out) + "\n"
    out = ["", f"         OSPFv3 Process 1 with Router ID {router_id}", "", "                         Area: 0.0.0.0",
           " " + "-" * 73, " Router ID       Pri State             Dead-Time InstID Interface"]
    out += [f" {p.router_id:<16}{1:<4}{p.state + '/-':<18}{p.dead:<10}{0:<7}{comware_short(p.interface)}"
            for p in peers]
    return "\n".join(out) + "\n"


def ipv6_routes(spec: DeviceSpec, plane: RoutingPlane) -> str:
    routes = plane.routes()
    if spec.vendor == "huawei":
        out = ["Routing Table : _public_", f"         Destinations : {len(routes)}        Routes : {len(routes)}", ""]
        for route in routes:
            network = IPv6Interface(route.prefix)
            direct = route.protocol == "Direct"
            out += [f" Destination  : {str(network.ip).upper():<40}PrefixLength : {network.network.prefixlen}",
                    f" NextHop      : {route.next_hop.upper():<40}Preference   : {0 if direct else 10}",
                    f" Cost         : {0 if direct else 1:<40}Protocol     : {route.protocol}",
                    f" RelayNextHop : {'::':<40}TunnelID     : 0x0",
                    f" Interface    : {route.interface:<40}Flags        : D", ""]
        return "\n".join(out) + "\n"
    out = [f"Destinations : {len(routes)}        Routes : {len(routes)}", ""]
    for route in routes:
        network = IPv6Interface(route.prefix)
        direct = route.protocol == "Direct"
        out += [f"Destination: {str(network.network).upper():<41}Protocol  : {'Direct' if direct else 'O_INTRA'}",
                f"NextHop    : {route.next_hop.upper():<41}Preference: {0 if direct else 10}",
                f"Interface  : {comware_short(route.interface):<41}Cost      : {0 if direct else 1}", ""]
    return "\n".join(out) + "\n"
