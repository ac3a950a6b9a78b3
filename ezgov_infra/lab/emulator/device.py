"""What an emulated device is: its name, dialect, model and interfaces, and the configuration it starts with.

The lab writes one `device.json` per emulated device from the topology; the starting configuration mirrors what
the lab's FRR configuration gives the namespace (addresses, OSPF on circuits, OSPFv3 where the inventory has
IPv6), so the emulated CLI and the routing plane agree from the first prompt.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from ipaddress import IPv4Interface
from pathlib import Path

DIALECTS = ("vrp5", "vrp8", "comware5", "comware7")
# The lab's management network (lab.topology's host addresses), as each vendor writes a source prefix
MGMT_IPV6, MGMT_IPV6_VRP = "2001:DB8:0:2::/64", "2001:DB8:0:2:: 64"


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One interface: its vendor name, the kernel device FRR knows it by, its kind and inventory addresses."""

    name: str
    dev: str
    kind: str
    ipv4: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)
    ospf6: bool = False


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    hostname: str
    dialect: str
    model: str
    router_id: str
    ipv6: bool
    ports: list[PortSpec]
    hello: int = 1
    dead: int = 3

    @property
    def vendor(self) -> str:
        return "huawei" if self.dialect.startswith("vrp") else "h3c"

    def port(self, name: str) -> PortSpec | None:
        lowered = name.lower()
        return next((p for p in self.ports if p.name.lower() == lowered), None)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DeviceSpec:
        document = json.loads(path.read_text(encoding="utf-8"))
        ports = [PortSpec(**p) for p in document.pop("ports")]
        return cls(ports=ports, **document)


def starting_config(spec: DeviceSpec) -> list[str]:
    """The device's configuration as the lines one would type in system view, before anything was changed
    through the CLI; a line indented by N spaces is typed N views deep (in the view opened above it)."""
    vrp = spec.vendor == "huawei"
    lines = [f"sysname {spec.hostname}"]
    if spec.ipv6 and spec.dialect in ("vrp5", "comware5"):
        lines.append("ipv6")
    lines += ["acl number 2000" if vrp else "acl basic 2000", " rule 5 permit source 198.51.100.0 0.0.0.255"]
    if spec.ipv6:  # a dual-stack device filters its management plane over IPv6 as over IPv4 (what ipv6_enable sets)
        lines += ["acl ipv6 number 2001" if spec.dialect in ("vrp5", "vrp8", "comware5") else "acl ipv6 basic 2001",
                  f" rule 5 permit source {MGMT_IPV6_VRP}" if vrp else f" rule 5 permit source {MGMT_IPV6}"]
    for port in spec.ports:
        lines.append(f"interface {port.name}")
        if port.kind == "circuit" and not vrp:
            lines.append(" port link-mode route")
        for v4 in port.ipv4:
            address = IPv4Interface(v4)
            lines.append(f" ip address {address.ip} {address.netmask}")
        if spec.ipv6 and port.ipv6:
            if vrp:
                lines.append(" ipv6 enable")
            lines += [f" ipv6 address {a.upper()}" for a in port.ipv6]
        if spec.ipv6 and (port.ospf6 or (port.kind in ("loopback", "lan") and port.ipv6)):
            lines.append(" ospfv3 1 area 0.0.0.0")
            if port.kind == "circuit":
                lines += [" ospfv3 network-type p2p", f" ospfv3 timer hello {spec.hello}",
                          f" ospfv3 timer dead {spec.dead}"]
        if port.kind == "circuit" and port.ipv4:
            lines.append(" ospf network-type p2p")
    lines += [f"ospf 1 router-id {spec.router_id}", " area 0.0.0.0"]
    for port in spec.ports:
        if port.kind in ("circuit", "loopback", "lan"):
            for v4 in port.ipv4:
                address = IPv4Interface(v4)
                lines.append(f"  network {address.network.network_address} {address.hostmask}")
    if spec.ipv6:
        lines += ["ospfv3 1", f" router-id {spec.router_id}", " area 0.0.0.0"]
    if vrp:
        lines += ["stelnet server enable" if spec.ipv6 else "stelnet ipv4 server enable",
                  "snmp-agent", "snmp-agent sys-info version v3", "snmp-agent group v3 ezgov-ro privacy acl 2000",
                  "user-interface vty 0 4", " acl 2000 inbound", " authentication-mode aaa",
                  " protocol inbound ssh"] + ([" acl ipv6 2001 inbound"] if spec.ipv6 else [])
    else:
        lines += ["ssh server enable", "ssh server acl 2000", "snmp-agent", "snmp-agent sys-info version v3",
                  "snmp-agent group v3 ezgov-ro privacy",
                  "line vty 0 63" if spec.dialect == "comware7" else "user-interface vty 0 4",
                  " authentication-mode scheme", " protocol inbound ssh", " acl 2000 inbound"]
        if spec.ipv6:
            lines += [" acl ipv6 2001 inbound", "ssh server ipv6 acl ipv6 2001"]
    return lines
