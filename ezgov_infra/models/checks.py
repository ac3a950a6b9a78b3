"""Rules that span records: references, the region tree, prefix containment and overlap, lab address ranges.

Pure: each check takes an `Inventory` and yields `Issue`s located by (kind, id, field path); the store turns
them into `file:line` problems.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

from ezgov_infra.models.inventory import (
    LEVEL_ORDER,
    Inventory,
    PrefixRole,
    parse_prefix,
)

LAB_RANGES: tuple[IPv4Network | IPv6Network, ...] = (
    ip_network("2001:db8::/32"),
    ip_network("198.51.100.0/24"),
    ip_network("203.0.113.0/24"),
)

Net = IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class Issue:
    kind: str
    id: str
    path: tuple[str | int, ...]
    message: str
    hint: str = ""


def in_lab_ranges(net: Net) -> bool:
    return any(net.version == lab.version and net.subnet_of(lab) for lab in LAB_RANGES)  # type: ignore[arg-type]


def check_inventory(inv: Inventory, platforms: Iterable[str] | None = None) -> list[Issue]:
    known_platforms = set(platforms) if platforms is not None else None
    issues: list[Issue] = []
    issues += _regions(inv)
    issues += _references(inv, known_platforms)
    issues += _addresses(inv)
    issues += _prefixes(inv)
    issues += _policy(inv)
    return issues


def _policy(inv: Inventory) -> Iterator[Issue]:
    """The cloud site policy.yaml names must exist (the default, when it names none, is not checked)."""
    migration = inv.policy.migration
    if "migration" in inv.policy.model_fields_set and "cloud_site" in migration.model_fields_set \
            and migration.cloud_site not in inv.sites:
        yield Issue("policy", "policy", ("migration", "cloud_site"), f"unknown site {migration.cloud_site!r}",
                    "the site of the government cloud")


def _regions(inv: Inventory) -> Iterator[Issue]:
    for region in inv.regions.values():
        if region.parent is None:
            continue
        parent = inv.regions.get(region.parent)
        if parent is None:
            yield Issue("regions", region.id, ("parent",), f"unknown region {region.parent!r}")
            continue
        if LEVEL_ORDER[parent.level] != LEVEL_ORDER[region.level] - 1:
            yield Issue("regions", region.id, ("parent",),
                        f"a {region.level.value} sits under a district-level region one level up, "
                        f"not under a {parent.level.value}")
    for region in inv.regions.values():
        seen = {region.id}
        current = region
        while current.parent and current.parent in inv.regions:
            if current.parent in seen:
                yield Issue("regions", region.id, ("parent",), "the region tree has a cycle here")
                break
            seen.add(current.parent)
            current = inv.regions[current.parent]


def _references(inv: Inventory, platforms: set[str] | None) -> Iterator[Issue]:
    def missing(kind: str, rid: str, field: tuple[str | int, ...], target_kind: str, ref: str) -> Issue:
        return Issue(kind, rid, field, f"unknown {target_kind[:-1]} {ref!r}")

    for site in inv.sites.values():
        if site.region not in inv.regions:
            yield missing("sites", site.id, ("region",), "regions", site.region)
    for device in inv.devices.values():
        if device.site not in inv.sites:
            yield missing("devices", device.id, ("site",), "sites", device.site)
        if platforms is not None and device.platform not in platforms:
            yield Issue("devices", device.id, ("platform",), f"unknown platform {device.platform!r}",
                        "one of " + ", ".join(sorted(platforms)))
        if device.credential_profile not in inv.credentials:
            yield missing("devices", device.id, ("credential_profile",), "credentials",
                          device.credential_profile)
        if device.snmp_profile and device.snmp_profile not in inv.snmp:
            yield missing("devices", device.id, ("snmp_profile",), "snmp profiles", device.snmp_profile)
    for interface in inv.interfaces.values():
        if interface.device not in inv.devices:
            yield missing("interfaces", interface.id, ("device",), "devices", interface.device)
    ends: dict[str, str] = {}
    types = set(inv.policy.circuit_types)
    for circuit in inv.circuits.values():
        if circuit.access_type not in types:
            yield Issue("circuits", circuit.id, ("access_type",), f"unknown circuit type {circuit.access_type!r}",
                        "policy.yaml circuit_types allows: " + ", ".join(inv.policy.circuit_types))
        for end in ("a_end", "z_end"):
            ref = getattr(circuit, end)
            if ref in inv.interfaces and ref in inv.sites:
                yield Issue("circuits", circuit.id, (end,), f"{ref!r} is both an interface and a site")
            elif ref in inv.sites:
                continue  # a circuit recorded as far as the building; a site may have several
            elif ref not in inv.interfaces:
                what = "interface" if ":" in ref else "interface or site"  # an interface id is DEVICE:NAME
                yield Issue("circuits", circuit.id, (end,), f"unknown {what} {ref!r}")
            elif circuit.status.value != "decommissioned":
                if ref in ends:
                    yield Issue("circuits", circuit.id, (end,), f"interface {ref!r} already ends circuit {ends[ref]!r}")
                ends[ref] = circuit.id
        if circuit.a_end == circuit.z_end:
            yield Issue("circuits", circuit.id, ("z_end",), "a circuit joins two different ends")
    for prefix in inv.prefixes.values():
        if prefix.region and prefix.region not in inv.regions:
            yield missing("prefixes", prefix.id, ("region",), "regions", prefix.region)
        if prefix.site and prefix.site not in inv.sites:
            yield missing("prefixes", prefix.id, ("site",), "sites", prefix.site)
    for website in inv.websites.values():
        if website.region not in inv.regions:
            yield missing("websites", website.id, ("region",), "regions", website.region)
    for network in inv.networks.values():
        for i, site_id in enumerate(network.sites):
            if site_id not in inv.sites:
                yield missing("networks", network.id, ("sites", i), "sites", site_id)
    for i, root in enumerate(inv.policy.extranet_roots):
        if root not in inv.sites:
            yield missing("policy", "policy", ("extranet_roots", i), "sites", root)


def _addresses(inv: Inventory) -> Iterator[Issue]:
    # keyed by the address objects (no text made per address: a province has a hundred thousand)
    mgmt_seen: dict[IPv4Address | IPv6Address, str] = {}
    for device in inv.devices.values():
        for field in ("mgmt_ipv4", "mgmt_ipv6"):
            address = getattr(device, field)
            if address is None:
                continue
            key = address.ip
            if key in mgmt_seen:
                yield Issue("devices", device.id, (field,), f"{key} is already the management address of "
                            f"{mgmt_seen[key]!r}")
            mgmt_seen[key] = device.id
            if device.lab and not in_lab_ranges(address.network):
                yield Issue("devices", device.id, (field,),
                            f"{address} is outside the lab ranges", "a lab: true device takes its management "
                            "address from 2001:db8::/32, 198.51.100.0/24 or 203.0.113.0/24")
    address_seen: dict[IPv4Address | IPv6Address, str] = {}
    for interface in inv.interfaces.values():
        for family in ("ipv4", "ipv6"):
            for i, address in enumerate(getattr(interface, family)):
                key = address.ip
                if key in address_seen and interface.kind.value != "loopback":
                    yield Issue("interfaces", interface.id, (family, i),
                                f"{key} is already used on {address_seen[key]!r}")
                address_seen.setdefault(key, interface.id)


def _scope_index(inv: Inventory) -> dict[tuple[str, str, PrefixRole], list[str]]:
    index: dict[tuple[str, str, PrefixRole], list[str]] = defaultdict(list)
    for pid, prefix in inv.prefixes.items():
        if prefix.site:
            index[("site", prefix.site, prefix.role)].append(pid)
        elif prefix.region:
            index[("region", prefix.region, prefix.role)].append(pid)
    return index


def _prefixes(inv: Inventory) -> Iterator[Issue]:
    children: dict[str | None, list[tuple[Net, str]]] = defaultdict(list)
    by_scope = _scope_index(inv)
    aggregates = [pid for pid, p in inv.prefixes.items() if p.role is PrefixRole.aggregate]
    for pid, _prefix in inv.prefixes.items():
        net = parse_prefix(pid)[0]
        parent_id = parent_prefix(inv, pid, by_scope=by_scope, aggregates=aggregates)
        if parent_id is not None and not net.subnet_of(parse_prefix(parent_id)[0]):  # type: ignore[arg-type]
            yield Issue("prefixes", pid, (), f"{pid} lies outside its parent {parent_id}")
            continue
        children[parent_id].append((net, pid))
    for siblings in children.values():
        for version in (4, 6):
            same = sorted((n, pid) for n, pid in siblings if n.version == version)
            for (n1, p1), (n2, p2) in itertools.pairwise(same):
                if n1.overlaps(n2):
                    yield Issue("prefixes", p2, (), f"{p2} overlaps its sibling {p1}")


def parent_prefix(inv: Inventory, prefix_id: str, *,
                  by_scope: dict[tuple[str, str, PrefixRole], list[str]] | None = None,
                  aggregates: list[str] | None = None) -> str | None:
    """The prefix this one must lie in, following its scope: segment -> site -> region -> ... -> aggregate."""
    if by_scope is None:
        by_scope = _scope_index(inv)
    if aggregates is None:
        aggregates = [pid for pid, p in inv.prefixes.items() if p.role is PrefixRole.aggregate]
    prefix = inv.prefixes[prefix_id]
    version = 6 if ":" in prefix_id else 4
    chain: list[str] = []
    if prefix.site:
        if prefix.role is not PrefixRole.site:
            chain += by_scope.get(("site", prefix.site, PrefixRole.site), [])
        site = inv.sites.get(prefix.site)
        region_id = site.region if site else None
    elif prefix.region:
        if prefix.role is not PrefixRole.region:
            chain += by_scope.get(("region", prefix.region, PrefixRole.region), [])
        region = inv.regions.get(prefix.region)
        region_id = region.parent if region else None
    else:
        region_id = None
    while region_id is not None:
        chain += by_scope.get(("region", region_id, PrefixRole.region), [])
        region = inv.regions.get(region_id)
        region_id = region.parent if region else None
    if prefix.role is not PrefixRole.aggregate:
        chain += aggregates
    for candidate in chain:
        if candidate != prefix_id and (":" in candidate) == (version == 6):
            return candidate
    return None
