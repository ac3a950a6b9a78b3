"""Host vars the playbooks need, computed in Python from the inventory, the address plan and the platform profiles.

Nothing here is a secret: a host gets its username, the path of its key file and of the libssh configuration that
points host-key checking at the right `known_hosts`. Passwords go to the runner separately (`PlaybookSecrets`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from ipaddress import IPv6Network, ip_network
from pathlib import Path
from typing import Any

from ezgov_infra.addressing.allocate import AddressPlan, management_address
from ezgov_infra.models.credentials import SshCredentials
from ezgov_infra.models.inventory import Device, InterfaceKind, Inventory
from ezgov_infra.platforms import PlatformProfile
from ezgov_infra.store.files import atomic_write

# The lab builds its OSPF adjacencies with fast timers; real circuits keep FRR's and IOS's defaults.
LAB_TIMERS = (1, 3)
DEFAULT_TIMERS = (10, 40)
MGMT_ACL = "EZGOV-MGMT-V6"


def link_address(plan: AddressPlan, inv: Inventory, circuit_id: str, end: str) -> str:
    """The /127 address of one end of a circuit: the a end takes the first address, the z end the second."""
    circuit = inv.circuits[circuit_id]
    existing = inv.interfaces.get(end)
    for address in existing.ipv6 if existing else []:
        if address.network.prefixlen == 127:
            return address.with_prefixlen
    network = IPv6Network(plan.links[circuit_id])
    offset = 0 if end == circuit.a_end else 1
    return f"{network.network_address + offset}/127"


def ipv6_plan_vars(inv: Inventory, plan: AddressPlan, device_id: str) -> dict[str, Any]:
    """`ezgov_ipv6` for one device: loopback, /127 on every active circuit, router id, timers, the management
    interface's IPv6 address (recorded, or planned by `management_address`), management ACL."""
    device = inv.devices[device_id]
    loopback = None
    router_id = ""
    for interface in sorted(inv.interfaces.values(), key=lambda i: i.name):
        if interface.device == device_id and interface.kind is InterfaceKind.loopback:
            v6 = interface.ipv6[0].with_prefixlen if interface.ipv6 else plan.loopbacks.get(device_id)
            loopback = {"interface": interface.name, "address": v6} if v6 else None
            router_id = str(interface.ipv4[0].ip) if interface.ipv4 else router_id
            break
    links = []
    for circuit in sorted(inv.circuits.values(), key=lambda c: c.id):
        if circuit.status.value != "active" or circuit.id not in plan.links:
            continue
        for end in (circuit.a_end, circuit.z_end):
            owner, _, name = end.partition(":")
            if owner == device_id:
                links.append({"interface": name, "address": link_address(plan, inv, circuit.id, end),
                              "circuit": circuit.id})
    if not router_id:
        router_id = _router_id_from(loopback["address"] if loopback else plan.loopbacks.get(device_id, ""))
    hello, dead = LAB_TIMERS if device.lab else DEFAULT_TIMERS
    mgmt = plan.management_block if plan.management_block else None
    management = None
    port = next((i for i in sorted(inv.interfaces.values(), key=lambda i: i.name)
                 if i.device == device_id and i.kind is InterfaceKind.management), None)
    address = management_address(inv, device_id)
    if port is not None and address is not None:
        management = {"interface": port.name, "address": address}
    return {"loopback": loopback, "links": links, "router_id": router_id, "hello": hello, "dead": dead,
            "mgmt_acl": MGMT_ACL, "mgmt_prefix": str(ip_network(mgmt)) if mgmt else None, "management": management}


def _router_id_from(address: str) -> str:
    """A stable 32-bit router id for a device with no IPv4 loopback, from its IPv6 loopback."""
    digest = hashlib.sha256(address.encode()).digest()
    return ".".join(str(b) for b in (digest[0] | 1, digest[1], digest[2], digest[3] | 1))


def snapshot_commands(profile: PlatformProfile | None) -> dict[str, str]:
    """The platform's commands by key, optional ones too (a backup is complete): the offline audit reads
    `<key>.txt`."""
    if profile is None:
        return {}
    return {**profile.optional_commands, **profile.commands}


def connection_vars(device: Device, credentials: SshCredentials) -> dict[str, Any]:
    """Login and transport. libssh checks host keys against the user's own `~/.ssh/known_hosts` only; a profile
    that names another known_hosts file (the lab's) uses the paramiko transport, which reads it through the run's
    private HOME (see `private_home`)."""
    out: dict[str, Any] = {"ansible_user": credentials.username, "ansible_host_key_checking": True,
                           "ansible_network_cli_ssh_type": "paramiko" if credentials.known_hosts else "libssh"}
    if credentials.key_file:
        out["ansible_ssh_private_key_file"] = credentials.key_file
        out["ansible_libssh_look_for_keys"] = False
        out["ansible_paramiko_look_for_keys"] = False
    return out


def private_home(state_dir: Path, known_hosts: list[str]) -> Path:
    """A HOME for ansible whose `.ssh/known_hosts` holds exactly the given files' entries."""
    home = (state_dir / "automation" / "home").resolve()
    text = "".join(Path(p).read_text(encoding="utf-8") for p in sorted(set(known_hosts)))
    target = home / ".ssh" / "known_hosts"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        atomic_write(target, text, mode=0o600)
    return home


def host_entries(document: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every host that carries vars in an exported inventory (the region leaf groups), with its vars dict."""
    stack: list[Mapping[str, Any]] = [document.get("all", {})]
    while stack:
        group = stack.pop()
        for host, values in (group.get("hosts") or {}).items():
            if isinstance(values, dict):
                yield host, values
        stack.extend((group.get("children") or {}).values())

