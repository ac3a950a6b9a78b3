"""The sample as each device would see it: which addresses, links and faults a rendered snapshot shows.

Faults are planted deterministically by position in the sorted device list (see `ezgov_infra.testing.snapshots`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Interface

from ezgov_infra.models.inventory import Device, DeviceRole, Interface, InterfaceKind, Inventory

LOOPBACK_V4 = IPv4Address("203.0.113.9")


@dataclass
class Plant:
    forwarding_off: set[str] = field(default_factory=set)
    no_ipv6_acl: set[str] = field(default_factory=set)
    snmp_v2c_only: set[str] = field(default_factory=set)
    telnet: set[str] = field(default_factory=set)


@dataclass
class View:
    """One device as the renderers see it."""

    device: Device
    interfaces: list[Interface]
    loopback_v4: IPv4Address
    neighbours: list[tuple[str, str, str]]  # (peer router id, local interface, state)
    routes: list[tuple[str, str, str]]      # (prefix, protocol, interface)
    plant: Plant
    ipv6: bool

    @property
    def id(self) -> str:
        return self.device.id

    def addresses(self, interface: Interface) -> list[IPv6Interface]:
        return [a for a in interface.ipv6 if not a.ip.is_link_local]


def _plant(inv: Inventory, ipv6: Mapping[str, bool]) -> Plant:
    devices = sorted(d.id for d in inv.devices.values() if not d.lab)
    plant = Plant()
    cisco = [d for d in devices if inv.devices[d].platform == "cisco_ios" and ipv6[d]]
    plant.forwarding_off = set(cisco[:1])
    dual = [d for d in devices if ipv6[d] and inv.devices[d].platform in ("huawei_vrp", "hp_comware")]
    plant.no_ipv6_acl = set(dual[::5])
    plant.snmp_v2c_only = set(devices[3::7])
    plant.telnet = {d for d in devices if not ipv6[d]}.intersection(devices[::9])
    return plant


def views(inv: Inventory) -> dict[str, View]:
    interfaces: dict[str, list[Interface]] = {}
    for interface in sorted(inv.interfaces.values(), key=lambda i: i.id):
        interfaces.setdefault(interface.device, []).append(interface)
    ipv6 = {d: any(i.ipv6 for i in interfaces.get(d, [])) for d in inv.devices}
    plant = _plant(inv, ipv6)
    forwards = {d: ipv6[d] and d not in plant.forwarding_off for d in inv.devices}
    links: dict[str, list[tuple[str, str, str]]] = {d: [] for d in inv.devices}
    for circuit in sorted(inv.circuits.values(), key=lambda c: c.id):
        a, z = inv.interfaces.get(circuit.a_end), inv.interfaces.get(circuit.z_end)
        if a and z and a.ipv6 and z.ipv6 and forwards[a.device] and forwards[z.device]:
            links[a.device].append((z.device, a.name, circuit.id))
            links[z.device].append((a.device, z.name, circuit.id))
    offline = sorted(d.id for d in inv.devices.values() if not d.lab)
    loopback_v4: dict[str, IPv4Address] = {}
    for index, device_id in enumerate(offline):
        loopback_v4[device_id] = LOOPBACK_V4 + index
    for interface in inv.interfaces.values():
        if interface.kind is InterfaceKind.loopback and interface.ipv4:
            loopback_v4[interface.device] = interface.ipv4[0].ip
    cores = [d.id for d in inv.devices.values() if d.role is DeviceRole.core]
    reachable = _reachable(cores, links)
    out: dict[str, View] = {}
    for device_id in offline:
        device = inv.devices[device_id]
        neighbours = [(str(loopback_v4.get(peer, LOOPBACK_V4)), local, "Full")
                      for peer, local, _ in links[device_id]]
        routes = [(str(a.network), "Direct", i.name) for i in interfaces.get(device_id, [])
                  for a in i.ipv6]
        if neighbours and device.role is not DeviceRole.core:
            routes.insert(0, ("::/0", "OSPFv3", neighbours[0][1]))
        if device.role is DeviceRole.core and neighbours:
            for other in sorted(reachable - {device_id}):
                for i in interfaces.get(other, []):
                    if i.kind is InterfaceKind.loopback:
                        routes += [(str(a.network), "OSPFv3", neighbours[0][1]) for a in i.ipv6]
        out[device_id] = View(device, interfaces.get(device_id, []), loopback_v4[device_id], neighbours, routes,
                              plant, ipv6[device_id])
    return out


def _reachable(cores: list[str], links: Mapping[str, list[tuple[str, str, str]]]) -> set[str]:
    seen, queue = set(cores), deque(cores)
    while queue:
        for peer, _, _ in links[queue.popleft()]:
            if peer not in seen:
                seen.add(peer)
                queue.append(peer)
    return seen
