"""DeviceFacts: what a collector learned about one device, in vendor-neutral terms.

Every collector (SSH, SNMP, a folder of saved outputs) fills the same model. A field left at `None` means "this
collector cannot tell" (SNMP does not see the NTP configuration, vtysh does not see sshd); rules skip what is
unknown instead of guessing. Lists that are known to be empty are empty lists, never None.
"""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Interface, IPv6Interface, IPv6Network, ip_address
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    ssh = "ssh"
    snmp = "snmp"
    offline = "offline"


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InterfaceFacts(Facts):
    """One interface as the device reports it. `ipv6` holds global (and ULA) addresses, never link-local."""

    name: str
    admin_up: bool = True
    oper_up: bool = True
    description: str | None = None
    speed_mbps: int | None = None
    ipv4: list[IPv4Interface] = Field(default_factory=list)
    ipv6: list[IPv6Interface] = Field(default_factory=list)
    ipv6_enabled: bool | None = None
    if_index: int | None = None

    @property
    def ipv6_global(self) -> list[IPv6Interface]:
        return [a for a in self.ipv6 if a.ip.is_global or a.ip in DOCUMENTATION_V6]


# RFC 3849 documentation space counts as global unicast here: the sample and the lab number themselves from it.
DOCUMENTATION_V6 = IPv6Network("2001:db8::/32")


class Neighbour(Facts):
    """A routing adjacency or session: OSPF/OSPFv3/IS-IS/BGP, and whether it is up."""

    protocol: Literal["ospf", "ospf6", "isis", "bgp"]
    afi: Literal["ipv4", "ipv6"]
    address: str
    state: str
    interface: str | None = None

    @property
    def up(self) -> bool:
        state = self.state.lower()
        if self.protocol == "bgp":
            return state.isdigit() or state.startswith("estab")
        return state.startswith("full") or state == "up"


class Management(Facts):
    """The management plane: how one logs in and polls, and what protects it. None means unknown."""

    ssh_enabled: bool | None = None
    ssh_ipv6: bool | None = None
    telnet_enabled: bool | None = None
    snmp_versions: list[Literal["1", "2c", "3"]] | None = None
    snmp_ipv6: bool | None = None
    ipv4_acl: bool | None = None
    ipv6_acl: bool | None = None


class Services(Facts):
    """Servers the device uses, as configured (addresses or names). None means the collector cannot tell."""

    ntp: list[str] | None = None
    syslog: list[str] | None = None
    aaa: list[str] | None = None


class Routing(Facts):
    """What the device routes with for IPv6. `protocols` names configured IPv6 protocols: ospf6, isis, bgp."""

    ipv6_forwarding: bool | None = None
    protocols: list[str] | None = None
    neighbours: list[Neighbour] | None = None
    ipv6_routes: list[IPv6Network] | None = None

    @property
    def ipv6_default(self) -> bool | None:
        if self.ipv6_routes is None:
            return None
        return any(r.prefixlen == 0 for r in self.ipv6_routes)


class Reachability(Facts):
    """Probes made while collecting: can the collector reach the device's management address over IPv6."""

    ssh_ipv6: bool | None = None
    snmp_ipv6: bool | None = None


class DeviceFacts(Facts):
    device: str
    platform: str
    source: Source
    hostname: str | None = None
    software: str | None = None
    uptime_s: int | None = None
    interfaces: list[InterfaceFacts] = Field(default_factory=list)
    routing: Routing = Field(default_factory=Routing)
    management: Management = Field(default_factory=Management)
    services: Services = Field(default_factory=Services)
    reachability: Reachability = Field(default_factory=Reachability)
    commands: list[str] = Field(default_factory=list)

    def interface(self, name: str) -> InterfaceFacts | None:
        for interface in self.interfaces:
            if interface.name == name:
                return interface
        return None

    @property
    def has_ipv6(self) -> bool:
        return any(i.ipv6_global for i in self.interfaces)


def is_ipv6(text: str) -> bool:
    """True for an IPv6 address literal (servers in configs are addresses or names)."""
    try:
        return ip_address(text.split("%")[0]).version == 6
    except ValueError:
        return False
