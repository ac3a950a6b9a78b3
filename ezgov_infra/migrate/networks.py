"""Departments' private networks against the extranet's address plan (the plan's task 4): overlaps, and where to
renumber.

Pure. A merger fails on addresses first: a private network whose prefix overlaps the extranet's plan, or another
private network, must renumber before it joins. The extranet's plan is the IPv6 plan (`addressing.make_plan`, every
prefix it allocates below the root; a district's or township's block counts, as the plan allocates sites from it)
and the IPv4 networks configured on the extranet's devices. Of two overlapping private networks the smaller
prefix renumbers (on a tie, the network whose id sorts last); against the extranet, the private network always
does. A proposal is the first free prefix of the same length: for IPv6 from the top of the address plan's root
down (far from the districts' blocks), for IPv4 from `addressing.ipv4_pool`; none when nothing is free.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network

from ezgov_infra.addressing.allocate import make_plan, plan_prefixes
from ezgov_infra.models.inventory import Inventory

Net = IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class Overlap:
    network: str
    prefix: str
    other: str  # the extranet's prefix or the other network's
    owner: str  # "extranet <role> <site or region>" or "network <id>"
    renumber: str  # the network that renumbers
    proposal: str | None

    @property
    def message(self) -> str:
        fix = (f"renumber {self.renumber} to {self.proposal}" if self.proposal
               else f"renumber {self.renumber}: no free prefix of that size in the address plan")
        return f"{self.network} {self.prefix} overlaps {self.other} ({self.owner}): {fix}"


def extranet_plan(inventory: Inventory) -> dict[Net, str]:
    """Every prefix of the extranet's plan, and whose it is in words."""
    used: dict[Net, str] = {}
    for prefix, record in plan_prefixes(inventory, make_plan(inventory)).items():
        if record.get("role") == "aggregate":
            continue  # the root holds everything, allocated or not
        scope = record.get("site") or record.get("region") or ""
        used[ip_network(prefix)] = f"extranet {record['role']} {scope}".strip()
    for interface in sorted(inventory.interfaces.values(), key=lambda i: i.id):
        for address in interface.ipv4:
            used.setdefault(address.network, f"extranet link {interface.id}")
    for device in sorted(inventory.devices.values(), key=lambda d: d.id):
        if device.mgmt_ipv4 is not None:
            used.setdefault(device.mgmt_ipv4.network, f"extranet management of {device.id}")
    return used


class _Free:
    """Free space of one family, as sorted integer ranges of what is taken."""

    def __init__(self, taken: Iterable[Net]) -> None:
        spans = sorted((int(n.network_address), int(n.broadcast_address)) for n in taken)
        self.starts = [a for a, _ in spans]
        self.spans = spans

    def clear(self, candidate: Net) -> bool:
        low, high = int(candidate.network_address), int(candidate.broadcast_address)
        index = bisect.bisect_right(self.starts, high)
        # any taken span starting at or before `high` may reach into the candidate; spans are few
        return all(end < low for _, end in self.spans[:index])

    def take(self, candidate: Net) -> None:
        span = (int(candidate.network_address), int(candidate.broadcast_address))
        index = bisect.bisect_left(self.spans, span)
        self.spans.insert(index, span)
        self.starts.insert(index, span[0])


def _propose(prefix: Net, free: _Free, pools: list[Net]) -> Net | None:
    for pool in pools:
        if pool.version != prefix.version or pool.prefixlen > prefix.prefixlen:
            continue
        candidates = pool.subnets(new_prefix=prefix.prefixlen)
        if prefix.version == 6:
            count = 1 << (prefix.prefixlen - pool.prefixlen)
            step = 1 << (128 - prefix.prefixlen)
            top = int(pool.network_address)
            candidates = (IPv6Network((top + (count - 1 - n) * step, prefix.prefixlen))
                          for n in range(min(count, 1 << 16)))
        for candidate in candidates:
            if free.clear(candidate):
                free.take(candidate)
                return candidate
    return None


def overlaps(networks: Mapping[str, list[str]], inventory: Inventory) -> list[Overlap]:
    """Each overlap of a private network's prefix with the extranet's plan or another network, with a proposal."""
    extranet = extranet_plan(inventory)
    own = {(nid, ip_network(p)) for nid, prefixes in networks.items() for p in prefixes}
    free = {4: _Free([n for n in extranet if n.version == 4] + [n for _, n in own if n.version == 4]),
            6: _Free([n for n in extranet if n.version == 6] + [n for _, n in own if n.version == 6])}
    pools: dict[int, list[Net]] = {
        6: [ip_network(inventory.policy.addressing.root)],
        4: [ip_network(p) for p in inventory.policy.addressing.ipv4_pool],
    }
    found: list[tuple[str, Net, str, str, str]] = []
    for nid, prefix in sorted(own, key=lambda item: (item[0], item[1].version, item[1])):
        for other, owner in sorted(extranet.items(), key=lambda kv: (kv[0].version, kv[0])):
            if other.version == prefix.version and other.overlaps(prefix):
                found.append((nid, prefix, str(other), owner, nid))
        for oid, other in sorted(own, key=lambda item: (item[0], item[1].version, item[1])):
            if oid <= nid or other.version != prefix.version or not other.overlaps(prefix):
                continue
            smaller = (nid, prefix) if prefix.num_addresses < other.num_addresses else (
                (oid, other) if other.num_addresses < prefix.num_addresses else max((nid, prefix), (oid, other)))
            found.append((nid, prefix, str(other), f"network {oid}", smaller[0]))
    proposals: dict[tuple[str, Net], Net | None] = {}
    results: list[Overlap] = []
    for nid, prefix, against, owner, renumber in found:
        moving = prefix if renumber == nid else ip_network(against)
        key = (renumber, moving)
        if key not in proposals:
            proposals[key] = _propose(moving, free[moving.version], pools[moving.version])
        proposal = proposals[key]
        results.append(Overlap(network=nid, prefix=str(prefix), other=against, owner=owner, renumber=renumber,
                               proposal=str(proposal) if proposal is not None else None))
    return results
