"""What a running configuration says, in one vendor-neutral shape the three CLI-config parsers fill.

Brief interface tables (`show ipv6 interface brief`, `display ip interface brief`) give state but no prefix
lengths (IOS, VRP) or only abbreviated names (Comware); the configuration gives the prefix lengths. `merge`
joins the two: state from the table, addresses from the configuration where it has the interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface, IPv6Network

from ezgov_infra.models.facts import DeviceFacts, InterfaceFacts, Management, Routing, Services, Unreadable
from ezgov_infra.platforms.parsers.common import Numbered, add_config_ipv6, v4_mask


@dataclass
class ConfigInterface:
    name: str
    description: str | None = None
    shutdown: bool = False
    ipv4: list[IPv4Interface] = field(default_factory=list)
    ipv6: list[IPv6Interface] = field(default_factory=list)
    ipv6_eui64: list[IPv6Network] = field(default_factory=list)
    ipv6_dynamic: list[str] = field(default_factory=list)
    ipv6_enabled: bool = False
    unreadable: bool = False

    @property
    def runs_ipv6(self) -> bool:
        return self.ipv6_enabled or bool(self.ipv6 or self.ipv6_eui64 or self.ipv6_dynamic)


@dataclass
class ConfigFacts:
    hostname: str | None = None
    whole: bool = False  # the whole configuration, not an excerpt (`show running-config interface X`)
    ipv6_forwarding: bool | None = None
    protocols: list[str] = field(default_factory=list)
    interfaces: dict[str, ConfigInterface] = field(default_factory=dict)
    management: Management = field(default_factory=Management)
    services: Services = field(default_factory=Services)
    unreadable: list[Unreadable] = field(default_factory=list)

    def interface(self, name: str) -> ConfigInterface:
        if name not in self.interfaces:
            self.interfaces[name] = ConfigInterface(name)
        return self.interfaces[name]

    @property
    def evidence(self) -> str | None:
        """What this configuration says about IPv6: a whole one always says something (IPv6 or its absence);
        an excerpt only when IPv6 appears in it. An excerpt without IPv6 (`display current-configuration
        configuration local-user`, one interface) says nothing about the device's IPv6, so it is no evidence."""
        if self.whole:
            return "config"
        if self.ipv6_forwarding is not None or self.protocols or any(i.runs_ipv6 for i in self.interfaces.values()):
            return "config (excerpt)"
        return None


def read_interface(config: ConfigFacts, interface: ConfigInterface, numbered: list[Numbered], *, secondary: str,
                   protocol: Callable[[list[str]], str | None]) -> None:
    """An interface section's lines, as IOS, VRP and Comware write them alike; `secondary` is the word after a
    second IPv4 address (`secondary`, `sub`), `protocol` names the routing protocol a line turns on. A line that
    cannot be read is recorded and the others still count."""
    for number, child in numbered:
        parts = child.split()
        try:
            if parts[:2] == ["ip", "address"] and len(parts) >= 4 and parts[2][0].isdigit():
                if parts[4:] not in ([], [secondary]):
                    raise ValueError(f"unexpected {' '.join(parts[4:])!r} after the address")
                interface.ipv4.append(v4_mask(parts[2], parts[3]))
            elif parts[:2] == ["ipv6", "address"]:
                add_config_ipv6(interface, parts[2:])
            elif parts[:2] == ["ipv6", "enable"]:
                interface.ipv6_enabled = True
            elif parts[:2] == ["ipv6", "unnumbered"] and len(parts) == 3:
                interface.ipv6_dynamic.append(f"unnumbered {parts[2]}")  # borrowed from that interface
            elif parts[0] == "description":
                interface.description = child.partition(" ")[2]
            elif parts == ["shutdown"]:
                interface.shutdown = True
            elif (name := protocol(parts)) is not None:
                config.protocols.append(name)
        except ValueError as exc:
            interface.unreadable = True
            config.unreadable.append(Unreadable(output="config", line=number, text=child, reason=str(exc),
                                                interface=interface.name))


def apply(facts: DeviceFacts, routing: Routing, config: ConfigFacts) -> None:
    """What a configuration adds to the facts the show commands gave: evidence, unreadable lines, hostname,
    forwarding and protocols where no command said, management and services when it is the whole configuration."""
    if config.evidence is not None:
        facts.ipv6_evidence.append(config.evidence)
    facts.unreadable += config.unreadable
    facts.hostname = facts.hostname or config.hostname
    if routing.ipv6_forwarding is None:
        routing.ipv6_forwarding = config.ipv6_forwarding
    routing.protocols = config.protocols if (config.whole or config.protocols) else None
    if config.whole:
        facts.management, facts.services = config.management, config.services


def merge(table: dict[str, InterfaceFacts], config: ConfigFacts | None) -> list[InterfaceFacts]:
    """Interfaces from the brief tables, addresses and descriptions completed from the configuration.

    A table address without its length takes the configuration's length where the configuration has it (an
    `eui-64` prefix resolves the table's computed address); otherwise its length stays unknown.
    """
    merged = dict(table)
    if config is not None:
        for name, configured in config.interfaces.items():
            interface = merged.get(name)
            if interface is None:
                if not table:  # no table collected: the configuration is all we know
                    merged[name] = interface = InterfaceFacts(name=name, admin_up=not configured.shutdown,
                                                              oper_up=not configured.shutdown)
                else:
                    continue
            interface.description = interface.description or configured.description
            if configured.ipv4:
                interface.ipv4 = list(configured.ipv4)
            known = [a for a in configured.ipv6 if not a.ip.is_link_local]
            eui64 = list(configured.ipv6_eui64)
            for address in interface.ipv6_unknown_length:
                prefix = next((p for p in eui64 if address in p), None)
                if prefix is not None:
                    eui64.remove(prefix)
                    known.append(IPv6Interface(f"{address}/{prefix.prefixlen}"))
            if configured.runs_ipv6 or interface.ipv6_unknown_length:
                seen = {a.ip for a in known}
                interface.ipv6 = known or interface.ipv6
                interface.ipv6_unknown_length = [a for a in interface.ipv6_unknown_length if a not in seen
                                                 and not any(a in p for p in configured.ipv6_eui64)]
                interface.ipv6_eui64 = eui64
                interface.ipv6_dynamic = list(configured.ipv6_dynamic)
            interface.ipv6_enabled = bool(interface.ipv6_enabled) or configured.runs_ipv6
    return sorted(merged.values(), key=lambda i: i.name)
