"""Verification of the inventory against the hierarchical IPv6 address plan (`ezgov ipv6 plan --check`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv6Network, ip_interface

from ezgov_infra.addressing.allocate import AddressPlan, make_plan, prefix_sort_key
from ezgov_infra.models.inventory import InterfaceKind, Inventory, PrefixRole, RegionLevel


@dataclass(frozen=True, slots=True)
class Deviation:
    """One place where the inventory disagrees with the address plan."""

    kind: str
    id: str
    field: str
    message: str


def check_plan(inv: Inventory, plan: AddressPlan | None = None) -> list[Deviation]:
    """Where the inventory's IPv6 prefixes and addresses disagree with the plan."""
    plan = plan or make_plan(inv)
    out: list[Deviation] = []
    v6_prefixes = {pid: p for pid, p in inv.prefixes.items() if ":" in pid}
    site_has_prefix = {p.site for p in v6_prefixes.values() if p.role is PrefixRole.site and p.site}
    for site_id in sorted(inv.sites):
        if site_id not in site_has_prefix:
            out.append(Deviation("sites", site_id, "prefix", f"no IPv6 site prefix (plan: {plan.sites[site_id]})"))
    region_has_prefix = {p.region for p in v6_prefixes.values() if p.role is PrefixRole.region and p.region}
    for region_id in sorted(inv.regions):
        city = inv.regions[region_id].level is RegionLevel.city
        if not city and region_id not in region_has_prefix:
            out.append(Deviation("regions", region_id, "prefix",
                                 f"no IPv6 region prefix (plan: {plan.regions[region_id]})"))
    for pid in sorted(v6_prefixes, key=prefix_sort_key):
        prefix = v6_prefixes[pid]
        net = IPv6Network(pid)
        if net.prefixlen % 4 and prefix.role not in (PrefixRole.p2p, PrefixRole.loopback):
            out.append(Deviation("prefixes", pid, "", f"/{net.prefixlen} is not on a nibble boundary"))
        expected = None
        if prefix.role is PrefixRole.site and prefix.site:
            expected = plan.sites.get(prefix.site)
        elif prefix.role is PrefixRole.region and prefix.region:
            expected = plan.regions.get(prefix.region)
        if expected is not None and expected != pid:
            out.append(Deviation("prefixes", pid, "", f"plan says {expected}"))
        if not net.subnet_of(IPv6Network(plan.root)):
            out.append(Deviation("prefixes", pid, "", f"outside the plan's root {plan.root}"))
    out += _check_addresses(inv, plan)
    return out


def _check_addresses(inv: Inventory, plan: AddressPlan) -> Iterable[Deviation]:
    loopbacks = IPv6Network(plan.loopbacks_block)
    IPv6Network(plan.p2p_block)
    oob = IPv6Network(plan.management_block)
    circuit_of: dict[str, str] = {}
    for circuit in inv.circuits.values():
        circuit_of[circuit.a_end] = circuit.id
        circuit_of[circuit.z_end] = circuit.id
    for device_id in sorted(inv.devices):
        device = inv.devices[device_id]
        site_net = IPv6Network(plan.sites[device.site]) if device.site in plan.sites else None
        if device.mgmt_ipv6 is not None:
            ip = device.mgmt_ipv6.ip
            if ip not in oob and (site_net is None or ip not in site_net):
                out_of = f"{oob} or {site_net}" if site_net else str(oob)
                yield Deviation("devices", device_id, "mgmt_ipv6", f"{ip} is outside {out_of}")
    for interface_id in sorted(inv.interfaces):
        interface = inv.interfaces[interface_id]
        owner = inv.devices.get(interface.device)
        if owner is None:
            continue
        site_net = IPv6Network(plan.sites[owner.site]) if owner.site in plan.sites else None
        for i, address in enumerate(interface.ipv6):
            ip = address.ip
            if ip.is_link_local:
                continue
            field_name = f"ipv6[{i}]"
            if interface.kind is InterfaceKind.loopback:
                if ip not in loopbacks:
                    yield Deviation("interfaces", interface_id, field_name,
                                    f"loopback {ip} is outside the loopback block {loopbacks}")
            elif interface_id in circuit_of:
                link = IPv6Network(plan.links[circuit_of[interface_id]])
                if ip_interface(address).network != link and ip not in link:
                    yield Deviation("interfaces", interface_id, field_name,
                                    f"{address} is not the planned link {link} of circuit {circuit_of[interface_id]}")
            elif interface.kind is InterfaceKind.management:
                if ip not in oob and (site_net is None or ip not in site_net):
                    yield Deviation("interfaces", interface_id, field_name, f"{ip} is outside {oob}")
            elif site_net is not None and ip not in site_net:
                yield Deviation("interfaces", interface_id, field_name,
                                f"{address} is outside the site prefix {site_net}")
