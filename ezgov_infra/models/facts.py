"""DeviceFacts: what a collector learned about one device, in vendor-neutral terms.

Every collector (SSH, SNMP, a folder of saved outputs) fills the same model. A field left at `None` means "this
collector cannot tell" (SNMP does not see the NTP configuration, vtysh does not see sshd); rules skip what is
unknown instead of guessing. Lists that are known to be empty are empty lists, never None.
"""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Interface, IPv6Address, IPv6Interface, IPv6Network, ip_address
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    ssh = "ssh"
    snmp = "snmp"
    offline = "offline"


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InterfaceFacts(Facts):
    """One interface as the device reports it. `ipv6` holds global (and ULA) addresses, never link-local.

    Addresses whose prefix length the output does not give (brief tables) are in `ipv6_unknown_length`;
    `ipv6_eui64` holds `eui-64` prefixes whose interface identifier (the MAC) the collector did not see;
    `ipv6_dynamic` names addresses the device obtains itself (`autoconfig`, `dhcp`, a general prefix).
    No rule judges a length it was not told.
    """

    name: str
    admin_up: bool = True
    oper_up: bool = True
    description: str | None = None
    speed_mbps: int | None = None
    ipv4: list[IPv4Interface] = Field(default_factory=list)
    ipv6: list[IPv6Interface] = Field(default_factory=list)
    ipv6_unknown_length: list[IPv6Address] = Field(default_factory=list)
    ipv6_eui64: list[IPv6Network] = Field(default_factory=list)
    ipv6_dynamic: list[str] = Field(default_factory=list)
    ipv6_enabled: bool | None = None
    if_index: int | None = None

    @property
    def ipv6_global(self) -> list[IPv6Interface]:
        """Global addresses with their prefix length."""
        return [a for a in self.ipv6 if is_global(a.ip)]

    @property
    def has_ipv6_global(self) -> bool | None:
        """True with a global address in any form, None when only dynamic ones may give one, else False."""
        if self.ipv6_global or any(is_global(a) for a in self.ipv6_unknown_length) \
                or any(is_global(p.network_address) for p in self.ipv6_eui64):
            return True
        return None if self.ipv6_dynamic else False

    @property
    def ipv6_global_addresses(self) -> list[IPv6Address]:
        """Every global address whose value is known, with or without its length."""
        return [a.ip for a in self.ipv6_global] + [a for a in self.ipv6_unknown_length if is_global(a)]

    def ipv6_shown(self) -> list[str]:
        """The IPv6 addresses as a person reads them: `2001:db8::1/64`, `2001:db8::1/unknown`,
        `EUI-64 in 2001:db8::/64`, `autoconfig`."""
        return ([str(a) for a in self.ipv6] + [f"{a}/unknown" for a in self.ipv6_unknown_length]
                + [f"EUI-64 in {p}" for p in self.ipv6_eui64] + list(self.ipv6_dynamic))


# RFC 3849 documentation space counts as global unicast here: the sample and the lab number themselves from it.
DOCUMENTATION_V6 = IPv6Network("2001:db8::/32")


def is_global(address: IPv6Address) -> bool:
    return address.is_global or address in DOCUMENTATION_V6


class Unreadable(Facts):
    """A line of a command output the parser could not read: reported as a finding, the rest still parsed."""

    output: str
    line: int
    text: str
    reason: str
    interface: str | None = None

    def __str__(self) -> str:
        return f"{self.output}.txt:{self.line}: {self.reason}: {self.text.strip()}"


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
    """Probes made while collecting: does the service answer on the device's management IPv6 address.

    True: it answered; False: the device answered that nothing listens there (TCP reset); None: not probed, or
    the probe failed (no answer in time, no route) and the failure is a `Fault`, not a verdict.
    """

    ssh_ipv6: bool | None = None
    snmp_ipv6: bool | None = None


class Fault(Facts):
    """A step of collection that failed while the others went through (a probe that timed out, an agent that did
    not answer over IPv6). It is a collection failure, never a readiness finding: the facts the step would have
    given stay unknown, and the device's result in the run is failed with this `category`."""

    step: str
    category: str
    message: str


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
    # the outputs (or SNMP objects) that speak about IPv6 at all; empty: there is no IPv6 evidence to judge
    ipv6_evidence: list[str] = Field(default_factory=list)
    unreadable: list[Unreadable] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)

    def interface(self, name: str) -> InterfaceFacts | None:
        for interface in self.interfaces:
            if interface.name == name:
                return interface
        return None

    @property
    def has_ipv6(self) -> bool:
        return any(i.has_ipv6_global for i in self.interfaces)


def is_ipv6(text: str) -> bool:
    """True for an IPv6 address literal (servers in configs are addresses or names)."""
    try:
        return ip_address(text.split("%")[0]).version == 6
    except ValueError:
        return False
