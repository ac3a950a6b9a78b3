"""Hierarchical IPv6 address plan along the region tree (verification lives in `addressing.verify`).

Layout (all boundaries on nibbles, so every block reads cleanly in `ip -6 route` and reverse DNS):

    root (policy.addressing.root, 2001:db8::/32 in the sample)
      slot 0  infrastructure: /64 #0 loopbacks (/128 each), /64 #1 point-to-point links (/127 each),
              /64 #2 out-of-band management
      slot 1  the city's own sites (one /56 each by default)
      slot 2+ districts and development zones
        slot 0  the district's own sites
        slot 1+ townships and sub-districts
          slot 0  the township's own sites
          slot 1+ villages and communities, each holding its own sites

Slot sizes are uniform per level and come from the largest fan-out at that level times the policy's headroom,
rounded up to a nibble. Allocation is stable: prefixes already in the inventory are kept where they are and new
regions, sites and devices take the first free slot, so adding sites never renumbers existing ones.
"""

from __future__ import annotations

import math
import socket
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network

from ezgov_infra.errors import PlanError
from ezgov_infra.models.inventory import InterfaceKind, Inventory, PrefixRole, RegionLevel

LEVELS = (RegionLevel.city, RegionLevel.district, RegionLevel.township, RegionLevel.village)
INFRA_SEGMENTS = {"loopback": 0, "p2p": 1, "management": 2}
BITS = 128


def _nibbles(count: float) -> int:
    """Bits, rounded up to whole nibbles, to number `count` slots (at least one nibble)."""
    if count <= 1:
        return 4
    bits = math.ceil(math.log2(count))
    return max(4, 4 * math.ceil(bits / 4))


def _net(base: int, prefixlen: int) -> str:
    if base >> 32 in (0, 0xFFFF):  # ::a.b.c.d and ::ffff:a.b.c.d: the C library may write these its own way
        return f"{IPv6Address(base)}/{prefixlen}"
    # the C library writes RFC 5952's text as ipaddress does, some ten times faster (a province has 350,000)
    return f"{socket.inet_ntop(socket.AF_INET6, base.to_bytes(16, 'big'))}/{prefixlen}"


@dataclass(slots=True)
class Block:
    base: int
    prefixlen: int

    def slot(self, index: int, slot_prefixlen: int) -> Block:
        return Block(self.base + (index << (BITS - slot_prefixlen)), slot_prefixlen)

    def slots(self, slot_prefixlen: int) -> int:
        return 1 << (slot_prefixlen - self.prefixlen)

    def index_of(self, other: Block) -> int | None:
        if other.prefixlen < self.prefixlen or (other.base >> (BITS - self.prefixlen)) != (
            self.base >> (BITS - self.prefixlen)
        ):
            return None
        return (other.base - self.base) >> (BITS - other.prefixlen)

    def __str__(self) -> str:
        return _net(self.base, self.prefixlen)


def _block(text: str) -> Block:
    net = IPv6Network(text)
    return Block(int(net.network_address), net.prefixlen)


@dataclass(slots=True)
class AddressPlan:
    """The plan: a prefix per region and site, /64 segments per site, loopbacks and point-to-point links."""

    root: str
    prefixlen: dict[str, int]
    infrastructure: str
    loopbacks_block: str
    p2p_block: str
    management_block: str
    regions: dict[str, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)
    segments: dict[str, dict[str, str]] = field(default_factory=dict)
    loopbacks: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "root": self.root,
            "prefixlen": self.prefixlen,
            "infrastructure": {"block": self.infrastructure, "loopbacks": self.loopbacks_block,
                               "p2p": self.p2p_block, "management": self.management_block},
            "regions": dict(sorted(self.regions.items())),
            "sites": dict(sorted(self.sites.items())),
            "segments": {k: dict(sorted(v.items())) for k, v in sorted(self.segments.items())},
            "loopbacks": dict(sorted(self.loopbacks.items())),
            "links": dict(sorted(self.links.items())),
        }


class _Slots:
    """Free-slot bookkeeping for one parent block: existing allocations are pinned, new ones take the next gap."""

    def __init__(self, parent: Block, slot_prefixlen: int, reserved: int, level: str, owner: str) -> None:
        self.parent = parent
        self.slot_prefixlen = slot_prefixlen
        self.taken: set[int] = set(range(reserved))
        self.next = reserved
        self.level = level
        self.owner = owner

    def pin(self, block: Block) -> bool:
        index = self.parent.index_of(block)
        if index is None or block.prefixlen != self.slot_prefixlen:
            return False
        self.taken.add(index)
        return True

    def take(self, missing: int) -> Block:
        capacity = self.parent.slots(self.slot_prefixlen)
        while self.next in self.taken:
            self.next += 1
        if self.next >= capacity:
            raise PlanError(
                f"address plan exhausted at level {self.level!r} in {self.owner} ({self.parent}): "
                f"{capacity} slots of /{self.slot_prefixlen}, {missing} more needed "
                "(widen the parent's prefix or lower the headroom)"
            )
        self.taken.add(self.next)
        return self.parent.slot(self.next, self.slot_prefixlen)


def make_plan(inv: Inventory) -> AddressPlan:
    """Compute the IPv6 plan for the whole inventory, keeping every prefix it already holds."""
    policy = inv.policy.addressing
    root = _block(policy.root)
    headroom = policy.headroom
    children: dict[str | None, list[str]] = defaultdict(list)
    for region in inv.regions.values():
        children[region.parent].append(region.id)
    own_sites: dict[str, list[str]] = defaultdict(list)
    for site in inv.sites.values():
        own_sites[site.region].append(site.id)
    by_level: dict[RegionLevel, list[str]] = defaultdict(list)
    for region in inv.regions.values():
        by_level[region.level].append(region.id)

    existing_region: dict[str, Block] = {}
    existing_site: dict[str, Block] = {}
    existing_segment: dict[tuple[str, str], Block] = {}
    for pid, prefix in inv.prefixes.items():
        if ":" not in pid:
            continue
        if prefix.role is PrefixRole.region and prefix.region:
            existing_region[prefix.region] = _block(pid)
        elif prefix.role is PrefixRole.site and prefix.site:
            existing_site[prefix.site] = _block(pid)
        elif prefix.site and prefix.role.value in policy.segments:
            existing_segment[(prefix.site, prefix.role.value)] = _block(pid)

    site_len = policy.site_prefixlen
    max_own = max((len(v) for v in own_sites.values()), default=1)
    local_len = site_len - _nibbles(max_own * headroom.get("site", 2.0))
    prefixlen: dict[str, int] = {"site": site_len}
    below = local_len
    for level in (RegionLevel.village, RegionLevel.township, RegionLevel.district):
        parents = by_level.get(LEVELS[LEVELS.index(level) - 1], [])
        fan_out = max((sum(1 for c in children[p] if inv.regions[c].level is level) for p in parents), default=0)
        level_len = below
        reserved = 2 if level is RegionLevel.district else 1
        for rid in by_level.get(level, []):
            if rid in existing_region:
                level_len = existing_region[rid].prefixlen
                break
        prefixlen[level.value] = level_len
        below = level_len - _nibbles(math.ceil(fan_out * headroom.get(level.value, 2.0)) + reserved)
    prefixlen["city"] = root.prefixlen
    if below < root.prefixlen:
        raise PlanError(
            f"address plan exhausted at level 'district': the tree needs a /{below} per city but the root is "
            f"{root} ({root.prefixlen - below} bits missing; give a shorter --prefix or lower the headroom)"
        )

    district_len = prefixlen["district"]
    infra = root.slot(0, district_len)
    infra_64 = {name: infra.slot(index, 64) for name, index in INFRA_SEGMENTS.items()}
    plan = AddressPlan(
        root=str(root), prefixlen=prefixlen, infrastructure=str(infra),
        loopbacks_block=str(infra_64["loopback"]), p2p_block=str(infra_64["p2p"]),
        management_block=str(infra_64["management"]),
    )
    city_ids = sorted(by_level.get(RegionLevel.city, []))
    region_block: dict[str, Block] = {}
    for city in city_ids:
        region_block[city] = root
        plan.regions[city] = str(root)
    # walk the tree top-down; each parent allocates its children and its own sites
    site_block: dict[str, Block] = {}
    queue = deque(city_ids)
    while queue:
        parent_id = queue.popleft()
        parent = region_block[parent_id]
        level = inv.regions[parent_id].level
        kids = sorted(children[parent_id])
        if kids:
            kid_len = prefixlen[LEVELS[LEVELS.index(level) + 1].value]
            slots = _Slots(parent, kid_len, 2 if level is RegionLevel.city else 1,
                           LEVELS[LEVELS.index(level) + 1].value, parent_id)
            fresh: list[str] = []
            for kid in kids:
                if kid in existing_region and slots.pin(existing_region[kid]):
                    region_block[kid] = existing_region[kid]
                else:
                    fresh.append(kid)
            for n, kid in enumerate(fresh):
                region_block[kid] = slots.take(len(fresh) - n)
            for kid in kids:
                plan.regions[kid] = str(region_block[kid])
            queue.extend(kids)
        local = parent.slot(1 if level is RegionLevel.city else 0, _local_len(prefixlen, level, local_len))
        site_slots = _Slots(local, site_len, 0, "site", parent_id)
        fresh_sites: list[str] = []
        for site_id in sorted(own_sites.get(parent_id, [])):
            if site_id in existing_site and site_slots.pin(existing_site[site_id]):
                site_block[site_id] = existing_site[site_id]
                plan.sites[site_id] = str(existing_site[site_id])
            else:
                fresh_sites.append(site_id)
        for n, site_id in enumerate(fresh_sites):
            site_block[site_id] = site_slots.take(len(fresh_sites) - n)
            plan.sites[site_id] = str(site_block[site_id])
    segments = [(name, index << (BITS - 64)) for name, index in sorted(policy.segments.items(), key=lambda kv: kv[1])]
    for site_id in plan.sites:
        base = site_block[site_id].base
        plan.segments[site_id] = {
            name: str(existing_segment[(site_id, name)]) if (site_id, name) in existing_segment
            else _net(base + offset, 64) for name, offset in segments
        }
    _plan_devices(inv, plan, infra_64["loopback"], infra_64["p2p"])
    return plan


def _local_len(prefixlen: dict[str, int], level: RegionLevel, local_len: int) -> int:
    """The size of a region's own-sites slot: one child slot, or the local block size at the village level."""
    if level is RegionLevel.village:
        return prefixlen["village"]
    return prefixlen[LEVELS[LEVELS.index(level) + 1].value]


def _plan_devices(inv: Inventory, plan: AddressPlan, loopbacks: Block, p2p: Block) -> None:
    """A /128 loopback per device and a /127 per circuit, keeping addresses the inventory already holds."""
    taken_lo: set[int] = set()
    existing_lo: dict[str, int] = {}
    for interface in inv.interfaces.values():
        if interface.kind is InterfaceKind.loopback:
            for address in interface.ipv6:
                value = int(address.ip)
                if loopbacks.index_of(Block(value, 128)) is not None and interface.device not in existing_lo:
                    existing_lo[interface.device] = value
                    taken_lo.add(value)
    for device_id, value in _assign(inv.devices, existing_lo, taken_lo, loopbacks.base + 1, 1).items():
        plan.loopbacks[device_id] = _net(value, 128)
    taken_link: set[int] = set()
    existing_link: dict[str, int] = {}
    for circuit in inv.circuits.values():
        end = inv.interfaces.get(circuit.a_end)
        for address in end.ipv6 if end else []:
            value = int(address.network.network_address)
            if address.network.prefixlen == 127 and p2p.index_of(Block(value, 127)) is not None:
                existing_link[circuit.id] = value
                taken_link.add(value)
    for circuit_id, value in _assign(inv.circuits, existing_link, taken_link, p2p.base, 2).items():
        plan.links[circuit_id] = _net(value, 127)


def _assign(ids: Iterable[str], existing: Mapping[str, int], taken: set[int], start: int,
            step: int) -> dict[str, int]:
    """Each id's block (in id order): the one it already has, else the next free one from `start` in `step`s."""
    out: dict[str, int] = {}
    free = start
    for key in sorted(ids):
        if key in existing:
            out[key] = existing[key]
            continue
        while free in taken:
            free += step
        out[key] = free
        taken.add(free)
    return out


def plan_prefixes(inv: Inventory, plan: AddressPlan) -> dict[str, dict[str, str]]:
    """The prefixes.yaml records the plan implies (IPv6 only), keyed by prefix."""
    records: dict[str, dict[str, str]] = {
        plan.root: {"role": "aggregate", "description": "address plan root"},
        plan.loopbacks_block: {"region": _city(inv), "role": "loopback", "description": "device loopbacks"},
        plan.p2p_block: {"region": _city(inv), "role": "p2p", "description": "point-to-point links"},
        plan.management_block: {"region": _city(inv), "role": "management",
                                "description": "out-of-band management"},
    }
    for region_id, prefix in plan.regions.items():
        if prefix != plan.root:
            records[prefix] = {"region": region_id, "role": "region"}
    for site_id, prefix in plan.sites.items():
        records[prefix] = {"site": site_id, "role": "site"}
        for name, segment in plan.segments[site_id].items():
            records[segment] = {"site": site_id, "role": name}
    return dict(sorted(records.items(), key=lambda kv: prefix_sort_key(kv[0])))


def prefix_sort_key(prefix: str) -> tuple[int, int]:
    block = _block(prefix)
    return block.base, block.prefixlen


def _city(inv: Inventory) -> str:
    return next((r.id for r in inv.regions.values() if r.level is RegionLevel.city), "")


def management_address(inv: Inventory, device_id: str) -> str | None:
    """The device's IPv6 management address: the recorded one; else the next free one in the /64 its site's other
    devices use; else in an out-of-band /64 (one that at least three devices sharing its IPv4 management subnet
    and its lab flag use); else in its site's management segment. None when there is nowhere to put one."""
    device = inv.devices[device_id]
    if device.mgmt_ipv6 is not None:
        return device.mgmt_ipv6.with_prefixlen
    used = {d.mgmt_ipv6.ip for d in inv.devices.values() if d.mgmt_ipv6 is not None}
    used |= {a.ip for i in inv.interfaces.values() for a in i.ipv6}
    subnet: IPv6Network | None = None
    same_site = sorted(str(d.mgmt_ipv6.network) for d in inv.devices.values()
                       if d.site == device.site and d.mgmt_ipv6 is not None)
    if same_site:
        subnet = IPv6Network(same_site[0])
    elif device.mgmt_ipv4 is not None:
        counts: dict[IPv6Network, int] = defaultdict(int)
        for peer in inv.devices.values():
            if (peer.mgmt_ipv6 is not None and peer.lab == device.lab and peer.mgmt_ipv4 is not None
                    and peer.mgmt_ipv4.network == device.mgmt_ipv4.network):
                counts[peer.mgmt_ipv6.network] += 1
        if counts and max(counts.values()) >= 3:
            subnet = max(sorted(counts, key=str), key=lambda net: counts[net])
    if subnet is None:
        plan = make_plan(inv)
        segment = plan.segments.get(device.site, {}).get("management")
        subnet = IPv6Network(segment) if segment else None
    if subnet is None:
        return None
    # devices still without one take addresses in id order, so the same inventory always gives the same answer
    waiting = sorted(d.id for d in inv.devices.values() if d.mgmt_ipv6 is None and d.lab == device.lab
                     and d.mgmt_ipv4 is not None and device.mgmt_ipv4 is not None
                     and d.mgmt_ipv4.network == device.mgmt_ipv4.network)
    rank = waiting.index(device_id) if device_id in waiting else 0
    candidate = int(subnet.network_address) + 0x10
    while True:
        address = IPv6Address(candidate)
        if address not in used:
            if rank == 0:
                return f"{address}/{subnet.prefixlen}"
            rank -= 1
        candidate += 1
