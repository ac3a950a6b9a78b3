"""The routing plane under an emulated CLI: what the configuration asks of IPv6 (addresses, OSPFv3, forwarding),
applied to the FRR daemons of the device's namespace, and what FRR reports back (neighbours, routes).

`plane_state` reads the emulated configuration as the vendor does: on VRP5 and Comware 5 nothing of IPv6 works
before the global `ipv6`; on VRP an interface runs IPv6 only after `ipv6 enable`; VRP8 and Comware 7 have no
global switch (forwarding follows the interfaces). `FrrPlane` turns the difference between two states into vtysh
commands; `NoPlane` keeps the state only (for the CLI's own tests, where no FRR runs).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from ipaddress import IPv6Interface
from pathlib import Path
from typing import Protocol

from ezgov_infra.lab import ns
from ezgov_infra.lab.emulator.config import Line, norm
from ezgov_infra.lab.emulator.device import DeviceSpec


@dataclass(frozen=True, slots=True)
class PortState:
    addresses: tuple[str, ...] = ()
    area: bool = False
    p2p: bool = False
    hello: int | None = None
    dead: int | None = None
    passive: bool = False


@dataclass(frozen=True, slots=True)
class PlaneState:
    forwarding: bool = False
    router_id: str | None = None
    ports: dict[str, PortState] = field(default_factory=dict)  # kernel device -> state


@dataclass(frozen=True, slots=True)
class Peer:
    router_id: str
    state: str
    interface: str  # the vendor's interface name
    dead: str


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    protocol: str  # Direct, OSPFv3, Static
    next_hop: str
    interface: str


def plane_state(root: Line, spec: DeviceSpec) -> PlaneState:
    vrp = spec.vendor == "huawei"
    global_ipv6 = root.find("ipv6") is not None
    needs_global = spec.dialect in ("vrp5", "comware5")
    ports: dict[str, PortState] = {}
    any_v6 = False
    for section in root.children:
        words = section.text.split()
        if words[0] != "interface" or (port := spec.port(words[1])) is None:
            continue
        lines = [norm(c.text) for c in section.children]
        enabled = (not needs_global or global_ipv6) and (not vrp or "ipv6 enable" in lines)
        # EUI-64 needs the interface's MAC, which FRR would not derive the vendor's way: not applied
        addresses = tuple(sorted(str(IPv6Interface(w.split()[2])) for w in lines
                                 if w.startswith("ipv6 address ") and "/" in w and not w.endswith("eui-64")))
        if not enabled:
            addresses = ()
        any_v6 = any_v6 or bool(addresses) or (vrp and enabled)
        area = enabled and any(w.startswith("ospfv3 ") and " area " in w for w in lines)
        timers = {w.split()[2]: int(w.split()[3]) for w in lines if w.startswith("ospfv3 timer ")}
        ports[port.dev] = PortState(addresses, area, area and "ospfv3 network-type p2p" in lines,
                                    timers.get("hello") if area else None, timers.get("dead") if area else None,
                                    area and port.kind in ("loopback", "lan"))
    ospfv3 = next((s for s in root.children if s.text.split()[0] == "ospfv3"), None)
    router_id = None
    if ospfv3 is not None and (not needs_global or global_ipv6):
        router_id = next((c.text.split()[1] for c in ospfv3.children if c.text.startswith("router-id ")), None)
    forwarding = global_ipv6 if needs_global else any_v6
    return PlaneState(forwarding, router_id, ports)


class RoutingPlane(Protocol):
    def apply(self, state: PlaneState) -> None: ...

    def peers(self) -> list[Peer]: ...

    def routes(self) -> list[Route]: ...


class NoPlane:
    """No routing daemons: the state is kept, nothing is routed."""

    def __init__(self) -> None:
        self.state = PlaneState()

    def apply(self, state: PlaneState) -> None:
        self.state = state

    def peers(self) -> list[Peer]:
        return []

    def routes(self) -> list[Route]:
        return []


def delta(old: PlaneState, new: PlaneState) -> list[str]:
    """vtysh configuration commands that take FRR from `old` to `new`."""
    commands: list[str] = []
    if new.forwarding != old.forwarding:
        commands.append("ipv6 forwarding" if new.forwarding else "no ipv6 forwarding")
    for dev in sorted(set(old.ports) | set(new.ports)):
        before, after = old.ports.get(dev, PortState()), new.ports.get(dev, PortState())
        lines = [f"no ipv6 address {a}" for a in before.addresses if a not in after.addresses]
        lines += [f"ipv6 address {a}" for a in after.addresses if a not in before.addresses]
        for flag, text in (("area", "ipv6 ospf6 area 0"), ("p2p", "ipv6 ospf6 network point-to-point"),
                           ("passive", "ipv6 ospf6 passive")):
            if getattr(before, flag) != getattr(after, flag):
                lines.append(text if getattr(after, flag) else "no " + text)
        for timer, text in (("hello", "ipv6 ospf6 hello-interval"), ("dead", "ipv6 ospf6 dead-interval")):
            if getattr(before, timer) != getattr(after, timer):
                value = getattr(after, timer)
                lines.append(f"{text} {value}" if value is not None else f"no {text}")
        if lines:
            commands += [f"interface {dev}", *lines, "exit"]
    if new.router_id != old.router_id:
        if new.router_id is None:
            commands.append("no router ospf6")
        else:
            commands += ["router ospf6", f"ospf6 router-id {new.router_id}", "timers lsa min-arrival 0",
                         "timers throttle spf 0 50 1000", "exit"]
    return commands


class FrrPlane:
    """FRR in the device's namespace, reached with vtysh; the state applied is kept in `state_file` so that a
    restarted emulator knows what FRR already has."""

    def __init__(self, spec: DeviceSpec, state_file: Path, baseline: PlaneState) -> None:
        self.spec = spec
        self.state_file = state_file
        self.state = _load_state(state_file) or baseline

    def _vtysh(self, *commands: str) -> str:
        argv = ["vtysh"]
        for command in commands:
            argv += ["-c", command]
        return ns.run(argv, check=False, timeout=30).stdout

    def apply(self, state: PlaneState) -> None:
        commands = delta(self.state, state)
        if commands:
            self._vtysh("configure terminal", *commands)
        self.state = state
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), sort_keys=True), encoding="utf-8")
        tmp.replace(self.state_file)

    def _vendor_name(self, dev: str) -> str:
        return next((p.name for p in self.spec.ports if p.dev == dev), dev)

    def peers(self) -> list[Peer]:
        try:
            document = json.loads(self._vtysh("show ipv6 ospf6 neighbor json") or "{}")
        except ValueError:
            return []
        return [Peer(str(n.get("neighborId", "")), str(n.get("state", "")),
                     self._vendor_name(str(n.get("interfaceName", ""))), _clock(str(n.get("deadTime", ""))))
                for n in document.get("neighbors", [])]

    def routes(self) -> list[Route]:
        try:
            document = json.loads(self._vtysh("show ipv6 route json") or "{}")
        except ValueError:
            return []
        found: list[Route] = []
        names = {"connected": "Direct", "ospf6": "OSPFv3", "static": "Static", "local": "Direct"}
        for prefix, entries in sorted(document.items()):
            for entry in entries:
                if not entry.get("selected") or IPv6Interface(prefix).ip.is_link_local:
                    continue
                hop = (entry.get("nexthops") or [{}])[0]
                found.append(Route(prefix, names.get(str(entry.get("protocol")), "Static"),
                                   str(hop.get("ip", "::")), self._vendor_name(str(hop.get("interfaceName", "")))))
        return found


def _clock(text: str) -> str:
    """FRR's dead time (`00:00:02.838` or `2.838s`) as the vendors print it, `00:00:02`."""
    found = re.search(r"\d\d:\d\d:\d\d", text)
    if found:
        return found.group()
    seconds = re.match(r"(\d+)", text)
    return f"00:00:{int(seconds.group(1)) % 60:02d}" if seconds else "00:00:00"


def _load_state(path: Path) -> PlaneState | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ports = {dev: PortState(tuple(p["addresses"]), p["area"], p["p2p"], p["hello"], p["dead"], p["passive"])
             for dev, p in document.get("ports", {}).items()}
    return PlaneState(document["forwarding"], document["router_id"], ports)
