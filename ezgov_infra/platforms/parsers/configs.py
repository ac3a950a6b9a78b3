"""What a running configuration says, in one vendor-neutral shape the three CLI-config parsers fill.

Brief interface tables (`show ipv6 interface brief`, `display ip interface brief`) give state but no prefix
lengths (IOS, VRP) or only abbreviated names (Comware); the configuration gives the prefix lengths. `merge`
joins the two: state from the table, addresses from the configuration where it has the interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface

from ezgov_infra.models.facts import InterfaceFacts, Management, Services


@dataclass
class ConfigInterface:
    name: str
    description: str | None = None
    shutdown: bool = False
    ipv4: list[IPv4Interface] = field(default_factory=list)
    ipv6: list[IPv6Interface] = field(default_factory=list)
    ipv6_enabled: bool = False


@dataclass
class ConfigFacts:
    hostname: str | None = None
    ipv6_forwarding: bool | None = None
    protocols: list[str] = field(default_factory=list)
    interfaces: dict[str, ConfigInterface] = field(default_factory=dict)
    management: Management = field(default_factory=Management)
    services: Services = field(default_factory=Services)

    def interface(self, name: str) -> ConfigInterface:
        if name not in self.interfaces:
            self.interfaces[name] = ConfigInterface(name)
        return self.interfaces[name]


def merge(table: dict[str, InterfaceFacts], config: ConfigFacts | None) -> list[InterfaceFacts]:
    """Interfaces from the brief tables, addresses and descriptions completed from the configuration."""
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
            if configured.ipv6:
                interface.ipv6 = [a for a in configured.ipv6 if not a.ip.is_link_local]
            interface.ipv6_enabled = configured.ipv6_enabled or bool(configured.ipv6)
    for interface in merged.values():
        if interface.ipv6_enabled is None:
            interface.ipv6_enabled = bool(interface.ipv6)
    return sorted(merged.values(), key=lambda i: i.name)
