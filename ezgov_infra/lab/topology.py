"""The lab's topology: which routers, which links, which addresses, from the inventory (or made up for benches).

Pure data, no I/O. Every `lab: true` device is a router (FRR; a Huawei VRP or H3C Comware device is FRR under an
emulator of its vendor's CLI, see `lab.emulator`); every active circuit whose both ends are lab devices is a
veth link carrying the addresses the inventory gives its two interfaces, shaped to the circuit's contracted rate.
A router whose inventory holds no IPv6 address anywhere is built with IPv6 switched off in the kernel.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface, ip_interface

from ezgov_infra.errors import LabError
from ezgov_infra.models.inventory import CircuitStatus, InterfaceKind, Inventory

MGMT_BRIDGE = "ezlab0"
HOST_MGMT_IPV4 = IPv4Interface("198.51.100.1/24")
HOST_MGMT_IPV6 = IPv6Interface("2001:db8:0:2::1/64")
# Installed in the host before anything else and kept after `down`: lab traffic can never leave the machine.
GUARD_PREFIXES = ("2001:db8::/32", "198.51.100.0/24", "203.0.113.0/24")
GUARD_METRIC = 4000
NAMESPACE_PREFIX = "ezlab-"
EMULATED_PLATFORMS = ("huawei_vrp", "hp_comware")
SHORT_NAMES = (("Ten-GigabitEthernet", "xge"), ("M-GigabitEthernet", "mge"), ("GigabitEthernet", "ge"),
               ("XGigabitEthernet", "xge"), ("100GE", "hge"), ("Eth-Trunk", "trunk"), ("Vlanif", "vlanif"))


@dataclass(frozen=True, slots=True)
class Port:
    """One interface of a router: management, circuit, loopback or LAN."""

    name: str
    kind: str
    ipv4: tuple[IPv4Interface, ...] = ()
    ipv6: tuple[IPv6Interface, ...] = ()
    circuit: str | None = None
    peer: str | None = None
    mbps: int | None = None
    ospf6: bool = False
    ifname: str = ""  # the kernel's name when the inventory's cannot be one (`GigabitEthernet0/0/1`)

    @property
    def dev(self) -> str:
        """The interface's name in the router's namespace (what FRR, `ip` and tc call it)."""
        return self.ifname or self.name


@dataclass(frozen=True, slots=True)
class Node:
    """One router: a namespace of its own, named after the device."""

    id: str
    mgmt_ipv4: IPv4Interface | None
    mgmt_ipv6: IPv6Interface | None
    ports: tuple[Port, ...]
    ipv6: bool = True
    role: str = "core"
    platform: str = "frr"
    model: str = ""

    @property
    def emulated(self) -> bool:
        """A vendor whose image cannot run here: its CLI is emulated (`lab.emulator`), FRR routes under it."""
        return self.platform in EMULATED_PLATFORMS

    @property
    def namespace(self) -> str:
        return NAMESPACE_PREFIX + self.id

    @property
    def host_leg(self) -> str:
        """The host-side name of the management veth (interface names stop at 15 characters)."""
        return "ezl" + hashlib.sha1(self.id.encode()).hexdigest()[:10]

    @property
    def router_id(self) -> str:
        for port in self.ports:
            if port.kind == "loopback" and port.ipv4:
                return str(port.ipv4[0].ip)
        raise LabError(f"lab device {self.id}: the loopback has no IPv4 address to use as router id")

    @property
    def addresses(self) -> list[str]:
        """Management addresses, IPv4 first."""
        return [str(a.ip) for a in (self.mgmt_ipv4, self.mgmt_ipv6) if a is not None]

    def port(self, name: str) -> Port:
        for port in self.ports:
            if name in (port.name, port.dev):  # an emulated device's `LoopBack0` is also `lo`
                return port
        raise LabError(f"lab device {self.id} has no interface {name}")


@dataclass(frozen=True, slots=True)
class Link:
    """A circuit between two routers: a veth pair, shaped on both ends."""

    circuit: str
    a_node: str
    a_port: str
    z_node: str
    z_port: str
    mbps: int
    ipv6: bool


@dataclass(frozen=True, slots=True)
class Topology:
    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    links: tuple[Link, ...] = ()

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            known = ", ".join(sorted(self.nodes))
            raise LabError(f"no lab node {node_id!r} (nodes: {known})") from None


def from_inventory(inventory: Inventory, name: str = "inventory") -> Topology:
    """Routers for every `lab: true` device, links for active circuits between two of them."""
    lab_ids = sorted(d.id for d in inventory.devices.values() if d.lab)
    if not lab_ids:
        raise LabError("the inventory has no `lab: true` device to build")
    links: list[Link] = []
    circuit_of: dict[str, tuple[str, str, int]] = {}
    for circuit in sorted(inventory.circuits.values(), key=lambda c: c.id):
        a_dev, _, a_port = circuit.a_end.partition(":")
        z_dev, _, z_port = circuit.z_end.partition(":")
        if circuit.status is not CircuitStatus.active or a_dev not in lab_ids or z_dev not in lab_ids:
            continue
        a_if, z_if = inventory.interfaces.get(circuit.a_end), inventory.interfaces.get(circuit.z_end)
        both_v6 = bool(a_if and a_if.ipv6 and z_if and z_if.ipv6)
        links.append(Link(circuit.id, a_dev, a_port, z_dev, z_port, circuit.contracted_mbps, both_v6))
        circuit_of[circuit.a_end] = (circuit.id, circuit.z_end, circuit.contracted_mbps)
        circuit_of[circuit.z_end] = (circuit.id, circuit.a_end, circuit.contracted_mbps)
    ospf6_ends = {f"{lk.a_node}:{lk.a_port}" for lk in links if lk.ipv6} | {
        f"{lk.z_node}:{lk.z_port}" for lk in links if lk.ipv6}
    nodes: dict[str, Node] = {}
    for device_id in lab_ids:
        device = inventory.devices[device_id]
        ports: list[Port] = []
        for interface in sorted(inventory.interfaces.values(), key=lambda i: i.name):
            if interface.device != device_id or not interface.enabled:
                continue
            circuit_id, peer, mbps = circuit_of.get(interface.id, (None, None, None))
            kind = _port_kind(interface.kind, interface.name, circuit_id)
            if kind == "circuit" and circuit_id is None:
                continue  # an uplink whose other end is not in the lab: nothing to plug it into
            emulated = device.platform in EMULATED_PLATFORMS
            ports.append(Port(interface.name, kind, tuple(interface.ipv4), tuple(interface.ipv6),
                              circuit_id, peer, mbps, interface.id in ospf6_ends,
                              kernel_name(interface.name, kind) if emulated else ""))
        if not any(p.kind == "management" for p in ports):
            v4 = (device.mgmt_ipv4,) if device.mgmt_ipv4 else ()
            v6 = (device.mgmt_ipv6,) if device.mgmt_ipv6 else ()
            ports.insert(0, Port("eth0", "management", v4, v6))
        has_v6 = device.mgmt_ipv6 is not None or any(p.ipv6 for p in ports)
        nodes[device_id] = Node(device_id, device.mgmt_ipv4, device.mgmt_ipv6, tuple(ports), has_v6,
                                device.role.value, device.platform, device.model or "")
    topology = Topology(name, nodes, tuple(links))
    for node in nodes.values():
        _ = node.router_id  # every router needs one; fail now with the device named
    return topology


def chain(count: int, mbps: int = 1000) -> Topology:
    """`count` routers in a line (r01 - r02 - ... ), dual-stack, for benchmarks; addresses from the lab ranges."""
    if not 2 <= count <= 60:
        raise LabError("a chain has between 2 and 60 routers")
    nodes: dict[str, Node] = {}
    links: list[Link] = []
    for index in range(1, count + 1):
        node_id = f"r{index:02d}"
        ports = [
            Port("eth0", "management", (IPv4Interface(f"198.51.100.{100 + index}/24"),),
                 (IPv6Interface(f"2001:db8:0:2::{100 + index:x}/64"),)),
            Port("lo", "loopback", (IPv4Interface(f"203.0.113.{index}/32"),),
                 (IPv6Interface(f"2001:db8::{index:x}/128"),)),
        ]
        if index > 1:
            ports.append(_chain_port(index - 1, "eth1", upper=True, peer=f"r{index - 1:02d}:eth2", mbps=mbps))
        if index < count:
            ports.append(_chain_port(index, "eth2", upper=False, peer=f"r{index + 1:02d}:eth1", mbps=mbps))
            links.append(Link(f"CHAIN-{index:02d}", node_id, "eth2", f"r{index + 1:02d}", "eth1", mbps, True))
        nodes[node_id] = Node(node_id, ports[0].ipv4[0], ports[0].ipv6[0], tuple(ports),
                              role="core" if index == 1 else "access")
    return Topology(f"chain-{count}", nodes, tuple(links))


def _chain_port(segment: int, name: str, *, upper: bool, peer: str, mbps: int) -> Port:
    offset = 1 if upper else 0
    v4 = ip_interface(f"203.0.113.{128 + 2 * segment + offset}/31")
    v6 = ip_interface(f"2001:db8:0:1::{2 * segment + offset:x}/127")
    return Port(name, "circuit", (v4,), (v6,), f"CHAIN-{segment:02d}", peer, mbps, True)  # type: ignore[arg-type]


def kernel_name(name: str, kind: str) -> str:
    """A vendor interface's name in the namespace: the management port is `eth0` and the loopback `lo` (as on
    every lab router), others shortened (`GigabitEthernet0/0/1` -> `ge0-0-1`; at most 15 characters)."""
    if kind == "management":
        return "eth0"
    if kind == "loopback":
        return "lo"
    for long, short in SHORT_NAMES:
        if name.startswith(long):
            name = short + name[len(long):]
            break
    return name.replace("/", "-").replace(":", "-").replace(" ", "")[:15].lower()


def _port_kind(kind: InterfaceKind, name: str, circuit_id: str | None) -> str:
    if kind is InterfaceKind.management:
        return "management"
    if kind is InterfaceKind.loopback or name == "lo":
        return "loopback"
    if kind is InterfaceKind.lan:
        return "lan"
    return "circuit"

