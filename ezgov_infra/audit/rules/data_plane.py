"""Data-plane rules: forwarding on, global addresses on every uplink, downlink and loopback, links as /127,
addresses inside the address plan."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv6Network

from ezgov_infra.addressing.allocate import AddressPlan
from ezgov_infra.audit.rules import Context, Rule, rule
from ezgov_infra.models.facts import InterfaceFacts
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.inventory import Interface, InterfaceKind
from ezgov_infra.models.kinds import Category, Severity

WAN = (InterfaceKind.uplink, InterfaceKind.downlink)


def _pairs(ctx: Context, *kinds: InterfaceKind) -> Iterator[tuple[Interface, InterfaceFacts | None]]:
    """Each interface the inventory declares (of these kinds, or all), with what the device said of it (None:
    the device does not show it)."""
    for expected in ctx.expected_of(*kinds) if kinds else ctx.expected:
        yield expected, ctx.facts.interface(expected.name)


def _unreadable(ctx: Context, name: str) -> bool:
    """A line of this interface could not be read: what it said is unknown, so no rule judges it as absent."""
    return any(u.interface == name for u in ctx.facts.unreadable)


def _undetermined(seen: InterfaceFacts) -> bool:
    """Addresses are there whose value or length the outputs did not give (brief tables, EUI-64, SLAAC)."""
    return bool(seen.ipv6_unknown_length or seen.ipv6_eui64 or seen.ipv6_dynamic)


@rule("V6-FWD-001", "IPv6 forwarding is on", Severity.critical, Category.data_plane,
      "RIPE-554 requires IPv6 routing in hardware/software; a router that does not forward IPv6 carries none.")
def forwarding(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.facts.routing.ipv6_forwarding is False:
        yield r.finding(ctx, "IPv6 forwarding is off", {"ipv6_forwarding": False},
                        ctx.remedy("ipv6_forwarding", "Enable IPv6 forwarding:"))


@rule("V6-ADDR-001", "Every uplink and downlink has a global IPv6 address", Severity.critical, Category.data_plane,
      "RFC 8504 and the city's plan (task 2): dual-stack on every extranet link; an uplink without IPv6 cuts the "
      "site off from IPv6.")
def wan_addresses(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.facts.interfaces:
        return
    for expected, seen in _pairs(ctx, *WAN):
        if (seen is not None and seen.has_ipv6_global is not False) or _unreadable(ctx, expected.name):
            continue
        planned = [str(a) for a in expected.ipv6] or _planned_link(ctx, expected.id)
        severity = Severity.critical if expected.kind is InterfaceKind.uplink else Severity.high
        message = f"{expected.kind.value} {expected.name} has no global IPv6 address"
        downstream = _ipv4_only_peer(ctx, expected.id) if expected.kind is InterfaceKind.downlink else None
        if downstream is not None:
            # One IPv4-only link is one fault: it is counted at the downstream device's uplink.
            severity = Severity.low
            message += f" (the link to {downstream} is IPv4-only at both ends; counted at {downstream})"
        evidence = {"interface": expected.name, "kind": expected.kind.value,
                    "found": [] if seen is None else [str(a) for a in seen.ipv6],
                    "present": seen is not None}
        address = planned[0] if planned else "<address>/127"
        yield r.finding(ctx, message, evidence,
                        ctx.remedy("interface_address", f"Configure {address} on {expected.name}:",
                                   interface=expected.name, address=address), severity=severity)


def _ipv4_only_peer(ctx: Context, interface_id: str) -> str | None:
    """The downstream device of a downlink whose far end has no IPv6 in the inventory either."""
    for circuit in ctx.inventory.circuits.values():
        if circuit.z_end == interface_id:
            far = ctx.inventory.interfaces.get(circuit.a_end)
            if far is not None and not far.ipv6:
                return far.device
    return None


def _planned_link(ctx: Context, interface_id: str) -> list[str]:
    if ctx.plan is None:
        return []
    for circuit in ctx.inventory.circuits.values():
        if interface_id in (circuit.a_end, circuit.z_end) and circuit.id in ctx.plan.links:
            link = IPv6Network(ctx.plan.links[circuit.id])
            host = link[0] if interface_id == circuit.z_end else link[1]
            return [f"{host}/127"]
    return []


@rule("V6-ADDR-002", "The loopback has a global IPv6 /128", Severity.high, Category.data_plane,
      "RIPE-554: router identity, management and iBGP/OSPFv3 sessions need a stable IPv6 loopback address.")
def loopback(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.facts.interfaces:
        return
    for expected, seen in _pairs(ctx, InterfaceKind.loopback):
        if seen is not None and (any(a.network.prefixlen == 128 for a in seen.ipv6_global) or _undetermined(seen)):
            continue
        if _unreadable(ctx, expected.name):
            continue
        planned = [str(a) for a in expected.ipv6]
        if not planned and ctx.plan is not None and ctx.device.id in ctx.plan.loopbacks:
            planned = [ctx.plan.loopbacks[ctx.device.id]]
        address = planned[0] if planned else "<address>/128"
        yield r.finding(ctx, f"loopback {expected.name} has no global IPv6 /128",
                        {"interface": expected.name, "found": [] if seen is None else [str(a) for a in seen.ipv6]},
                        ctx.remedy("interface_address", f"Configure {address} on {expected.name}:",
                                   interface=expected.name, address=address))


@rule("V6-ADDR-003", "The device carries the IPv6 addresses the inventory gives", Severity.medium,
      Category.data_plane, "The inventory is the source of truth; drift hides misrouted or duplicate addresses.")
def drift(r: Rule, ctx: Context) -> Iterator[Finding]:
    for expected, seen in _pairs(ctx):
        if seen is None or not seen.has_ipv6_global or seen.ipv6_eui64 or seen.ipv6_dynamic:
            continue  # V6-ADDR-001/002 report interfaces without IPv6; an undetermined address may be the one
        found = set(seen.ipv6_unknown_length)
        missing = [str(a) for a in expected.ipv6 if a not in seen.ipv6 and a.ip not in found
                   and not a.ip.is_link_local]
        if missing:
            yield r.finding(ctx, f"{expected.name} lacks {', '.join(missing)} (inventory)",
                            {"interface": expected.name, "expected": missing, "found": [str(a) for a in seen.ipv6]},
                            "Configure the inventory's address or correct the inventory.")


@rule("V6-LINK-001", "Point-to-point links use /127", Severity.low, Category.data_plane,
      "RFC 6164: /127 on inter-router links prevents the ping-pong and neighbour-cache exhaustion of /64 links.")
def link_length(r: Rule, ctx: Context) -> Iterator[Finding]:
    for expected, seen in _pairs(ctx, *WAN):
        for address in seen.ipv6_global if seen else []:
            if address.network.prefixlen != 127:
                yield r.finding(ctx, f"{expected.name} uses /{address.network.prefixlen} on a point-to-point link",
                                {"interface": expected.name, "address": str(address)},
                                "Renumber the link as a /127 from the plan's link block.")


@rule("V6-IF-001", "Interfaces with IPv6 on the WAN are up", Severity.high, Category.data_plane,
      "An uplink that carries the IPv6 plan but is down leaves the site without IPv6 transport.")
def wan_up(r: Rule, ctx: Context) -> Iterator[Finding]:
    for expected, seen in _pairs(ctx, *WAN):
        if seen is not None and seen.has_ipv6_global and not (seen.admin_up and seen.oper_up):
            state = "administratively down" if not seen.admin_up else "down"
            yield r.finding(ctx, f"{expected.kind.value} {expected.name} is {state}",
                            {"interface": expected.name, "admin_up": seen.admin_up, "oper_up": seen.oper_up},
                            "Check the circuit with the provider; `undo shutdown`/`no shutdown` if disabled.")


@rule("V6-PLAN-001", "IPv6 addresses lie inside the address plan", Severity.medium, Category.data_plane,
      "The city's hierarchical plan (site /56, loopback and link blocks) keeps routing aggregatable.")
def plan_conformance(r: Rule, ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    if plan is None:
        return
    kinds = {i.name: i for i in ctx.expected}
    link_of = {end: c.id for c in ctx.inventory.circuits.values() for end in (c.a_end, c.z_end)}
    site = IPv6Network(plan.sites[ctx.device.site]) if ctx.device.site in plan.sites else None
    for seen in ctx.facts.interfaces:
        declared = kinds.get(seen.name)
        for address in seen.ipv6_global_addresses:
            allowed = _allowed(plan, declared.kind if declared else None, link_of.get(f"{ctx.device.id}:{seen.name}"),
                               site)
            if allowed and not any(address in block for block in allowed):
                yield r.finding(ctx, f"{address} on {seen.name} is outside {', '.join(map(str, allowed))}",
                                {"interface": seen.name, "address": str(address),
                                 "allowed": [str(b) for b in allowed]},
                                "Renumber from the plan (`ezgov ipv6 plan`) or correct the plan.")


def _allowed(plan: AddressPlan, kind: InterfaceKind | None, circuit: str | None,
             site: IPv6Network | None) -> list[IPv6Network]:
    if kind is InterfaceKind.loopback:
        return [IPv6Network(plan.loopbacks_block)]
    if circuit is not None and circuit in plan.links:
        return [IPv6Network(plan.links[circuit])]
    if kind is InterfaceKind.management:
        return [IPv6Network(plan.management_block)] + ([site] if site else [])
    return [site] if site else [IPv6Network(plan.root)]


