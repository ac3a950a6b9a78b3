"""Control-plane rules: an IPv6 routing protocol with neighbours up, a route towards the core, and the core's
route back to the device (dual-stack reachability through the network)."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv6Address

from ezgov_infra.audit.rules import Context, Rule, rule
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.inventory import DeviceRole, InterfaceKind
from ezgov_infra.models.kinds import Category, Severity

IGP_RATIONALE = "RIPE-554 lists OSPFv3, IS-IS for IPv6 and MP-BGP for IPv6 unicast as required router features."


def core_devices(ctx: Context) -> list[str]:
    roots = set(ctx.inventory.policy.extranet_roots)
    return sorted(d.id for d in ctx.inventory.devices.values()
                  if d.role is DeviceRole.core and (not roots or d.site in roots))


def loopbacks_of(ctx: Context, device_id: str) -> list[IPv6Address]:
    return [a.ip for i in ctx.inventory.interfaces.values()
            if i.device == device_id and i.kind is InterfaceKind.loopback for a in i.ipv6]


@rule("V6-CP-001", "An IPv6 routing protocol or a default route is configured", Severity.high,
      Category.control_plane, IGP_RATIONALE)
def igp(r: Rule, ctx: Context) -> Iterator[Finding]:
    routing = ctx.facts.routing
    if routing.protocols is None or routing.protocols or routing.ipv6_default:
        return
    router_id = next((str(a.ip) for i in ctx.facts.interfaces for a in i.ipv4 if i.name.lower().startswith(
        ("lo", "loopback"))), "<router-id>")
    uplink = next((i.name for i in ctx.expected_of(InterfaceKind.uplink, InterfaceKind.downlink)), "<uplink>")
    yield r.finding(ctx, "no IPv6 routing protocol (OSPFv3, IS-IS, BGP IPv6) and no IPv6 default route",
                    {"protocols": [], "ipv6_default": routing.ipv6_default},
                    ctx.remedy("igp", "Run OSPFv3 on the uplinks:", router_id=router_id, interface=uplink))


@rule("V6-CP-002", "IPv6 routing neighbours are up", Severity.high, Category.control_plane, IGP_RATIONALE)
def neighbours(r: Rule, ctx: Context) -> Iterator[Finding]:
    routing = ctx.facts.routing
    if not routing.protocols or routing.neighbours is None:
        return
    v6 = [n for n in routing.neighbours if n.afi == "ipv6"]
    if not any(n.up for n in v6):
        yield r.finding(ctx, f"{', '.join(routing.protocols)} configured but no IPv6 neighbour is up",
                        {"protocols": routing.protocols,
                         "neighbours": [f"{n.protocol} {n.address} {n.state}" for n in v6]},
                        "Check the IPv6 addresses and the OSPFv3 area/network type on both ends of the uplink.")


@rule("V6-CP-003", "A route towards the core exists (default or the core loopbacks)", Severity.high,
      Category.control_plane, "Without a route to the core, the site's IPv6 traffic has nowhere to go.")
def route_to_core(r: Rule, ctx: Context) -> Iterator[Finding]:
    routes = ctx.facts.routing.ipv6_routes
    if routes is None or ctx.device.role is DeviceRole.core:
        return
    if any(route.prefixlen == 0 for route in routes):
        return
    targets = [a for core in core_devices(ctx) for a in loopbacks_of(ctx, core)]
    if targets and any(t in route for t in targets for route in routes):
        return
    yield r.finding(ctx, "no IPv6 default route and no route to the core loopbacks",
                    {"routes": len(routes), "core_loopbacks": [str(t) for t in targets]},
                    ctx.remedy("default_route", "Learn a default from the core (OSPFv3 default-information "
                               "originate) or configure one:", next_hop="<uplink peer address>"))


@rule("V6-REACH-001", "The core has an IPv6 route to the device's loopback", Severity.medium,
      Category.control_plane, "Dual-stack reachability from the core: what the NOC cannot reach it cannot manage.")
def reachable_from_core(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.device.role is DeviceRole.core or ctx.failed & set(core_devices(ctx)):
        return  # a core that could not be collected may hold the route: its failure is no finding here
    cores = [ctx.peers[c] for c in core_devices(ctx) if c in ctx.peers and ctx.peers[c].routing.ipv6_routes]
    loopbacks = loopbacks_of(ctx, ctx.device.id)
    if not cores or not loopbacks:
        return
    for loopback in loopbacks:
        if not any(loopback in route and route.prefixlen > 0 for core in cores
                   for route in core.routing.ipv6_routes or []):
            yield r.finding(ctx, f"no core router has a route to loopback {loopback}",
                            {"loopback": str(loopback), "cores": [c.device for c in cores]},
                            "Advertise the loopback into OSPFv3 (passive interface) and check the path to the core.")
