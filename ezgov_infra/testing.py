"""Public test helpers: a replaying SSH session, recorded-output loading, and the sample's snapshot generator.

`render_snapshots(inventory)` writes what each non-lab device of an inventory would print, in its platform's
real output format, consistent with the inventory: IPv6 only where the inventory gives IPv6, IPv4 loopbacks from
203.0.113.0/25 with unnumbered WAN links, OSPFv3 adjacencies only where both ends of a circuit have IPv6, and the
core's routing table holding exactly the loopbacks reachable over IPv6. It is deterministic (no clock, no
randomness) and plants a few faults, chosen by position in the sorted device list:

    FORWARDING_OFF   the first Cisco router with IPv6 lacks `ipv6 unicast-routing`
    NO_IPV6_ACL      every fifth dual-stack VRP/Comware device has no IPv6 ACL on its vty lines
    SNMP_V2C_ONLY    every seventh device (starting at the fourth) still runs SNMPv2c only
    TELNET           every ninth IPv4-only device still accepts telnet

Run `python -m ezgov_infra.testing inventories/ezhou` to rewrite `inventories/ezhou/snapshots/`.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Interface
from pathlib import Path

from ezgov_infra.models.inventory import Device, DeviceRole, Interface, InterfaceKind, Inventory

LOOPBACK_V4 = IPv4Address("203.0.113.9")


class ReplaySession:
    """Answers commands from recorded outputs, like a netmiko connection (`send_command`)."""

    def __init__(self, outputs: Mapping[str, str]) -> None:
        self.outputs = dict(outputs)
        self.sent: list[str] = []

    def send_command(self, command: str, **_: object) -> str:
        self.sent.append(command)
        return self.outputs.get(command, f"% Invalid input detected at '^' marker: {command}")

    def disconnect(self) -> None:
        return None


def recorded_outputs(folder: Path) -> dict[str, str]:
    """`<key>.txt` files of a snapshot or recording folder as `{key: text}`."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


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


def render_snapshots(inv: Inventory) -> dict[str, dict[str, str]]:
    """`{device: {command key: output}}` for every non-lab device of the inventory."""
    from ezgov_infra.platforms.samples import RENDERERS

    return {device_id: RENDERERS[view.device.platform](view) for device_id, view in views(inv).items()}


def write_snapshots(folder: Path) -> int:
    """Rewrite `<inventory>/<device.snapshot>/<key>.txt` for every non-lab device; returns how many."""
    from ezgov_infra.store.inventory import load_inventory
    from ezgov_infra.store.yamlfiles import atomic_write

    inv = load_inventory(folder)
    snapshots = render_snapshots(inv)
    for device_id, outputs in snapshots.items():
        target = folder / (inv.devices[device_id].snapshot or f"snapshots/{device_id}")
        target.mkdir(parents=True, exist_ok=True)
        for key, text in outputs.items():
            atomic_write(target / f"{key}.txt", text)
        meta = f"device: {device_id}\nplatform: {inv.devices[device_id].platform}\nsource: generated\n"
        atomic_write(target / "meta.yaml", meta)
    return len(snapshots)


if __name__ == "__main__":
    count = write_snapshots(Path(sys.argv[1] if len(sys.argv) > 1 else "inventories/ezhou"))
    sys.stdout.write(f"wrote {count} device snapshots\n")
