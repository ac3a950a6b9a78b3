"""Configuration text for one router: FRR, sshd, snmpd and the private account files. Pure functions.

Paths inside these files are the paths the daemons see inside the router's mount namespace (`/run`, `/etc/frr`,
`/var/lib/snmp` are bound from the router's folder in the lab state directory), except host keys and the
authorized keys, which are absolute paths into the state directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ezgov_infra.lab.topology import Node

HELLO_SECONDS = 1
DEAD_SECONDS = 3
IF_SPEED_MAX = 4_294_967_295  # ifSpeed is a Gauge32; faster links report it saturated and set ifHighSpeed
LAB_UID = 64_123  # the lab account, present only in the routers' private account files
IF_SPEED_OID = ".1.3.6.1.2.1.2.2.1.5"
IF_HIGH_SPEED_OID = ".1.3.6.1.2.1.31.1.1.1.15"
IF_DESCR_OID = ".1.3.6.1.2.1.2.2.1.2"
IF_NAME_OID = ".1.3.6.1.2.1.31.1.1.1.1"


def frr_conf(node: Node) -> str:
    """Integrated `frr.conf`: addresses, OSPFv2 and OSPFv3 point-to-point on circuits, loopback and LAN passive."""
    lines = ["frr version 8.4", "frr defaults traditional", f"hostname {node.id}",
             "service integrated-vtysh-config", "!"]
    for port in node.ports:
        lines.append(f"interface {port.dev}")
        if port.circuit:
            lines.append(f" description {port.circuit} to {port.peer} ({port.mbps} Mbps)")
        elif port.kind == "management":
            lines.append(" description management")
        for v4 in port.ipv4:
            lines.append(f" ip address {v4.with_prefixlen}")
        if node.ipv6:
            for v6 in port.ipv6:
                lines.append(f" ipv6 address {v6.with_prefixlen}")
        if port.kind == "circuit" and port.ipv4:
            lines += [" ip ospf area 0", " ip ospf network point-to-point",
                      f" ip ospf hello-interval {HELLO_SECONDS}", f" ip ospf dead-interval {DEAD_SECONDS}"]
        if port.kind == "circuit" and port.ospf6 and node.ipv6:
            lines += [" ipv6 ospf6 area 0", " ipv6 ospf6 network point-to-point",
                      f" ipv6 ospf6 hello-interval {HELLO_SECONDS}", f" ipv6 ospf6 dead-interval {DEAD_SECONDS}"]
        if port.kind in ("loopback", "lan"):
            if port.ipv4:
                lines.append(" ip ospf area 0")
            if port.ipv6 and node.ipv6:
                lines += [" ipv6 ospf6 area 0", " ipv6 ospf6 passive"]
        lines.append("exit")
        lines.append("!")
    passive = [p.dev for p in node.ports if p.kind in ("loopback", "lan") and p.ipv4]
    # lab timers: originate and accept LSAs at once and run SPF quickly, so the lab converges in seconds
    lines += ["router ospf", f" ospf router-id {node.router_id}", " log-adjacency-changes detail",
              " timers throttle lsa all 0", " timers lsa min-arrival 0", " timers throttle spf 0 50 1000"]
    lines += [f" passive-interface {name}" for name in passive]
    lines += ["exit", "!"]
    if node.ipv6:
        lines += ["router ospf6", f" ospf6 router-id {node.router_id}", " log-adjacency-changes detail",
                  " timers lsa min-arrival 0", " timers throttle spf 0 50 1000", "exit", "!"]
    lines += ["line vty", "exit", "!", ""]
    return "\n".join(lines)


def daemons(node: Node) -> list[str]:
    """FRR daemons this router needs, in start order."""
    return ["zebra", "staticd", "ospfd", "ospf6d"]


VTYSH_CONF = "service integrated-vtysh-config\nusername ezgov nopassword\n"


def sshd_config(node: Node, *, host_key: Path, authorized_keys: Path) -> str:
    """sshd for the lab account only; every login is forced into this router's vtysh."""
    listen = ["ListenAddress 0.0.0.0", "ListenAddress ::"]
    return "\n".join([
        "# ezgov lab: " + node.id,
        "Port 22",
        "AddressFamily any",
        *listen,
        f"HostKey {host_key}",
        "PidFile /run/sshd.pid",
        f"AuthorizedKeysFile {authorized_keys}",
        "StrictModes no",  # the key file sits in the lab state directory, owned by root
        "UsePAM no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        "AllowUsers ezgov",
        "PrintMotd no",
        "PrintLastLog no",
        "X11Forwarding no",
        "AllowTcpForwarding no",
        "AllowAgentForwarding no",
        "PermitTunnel no",
        "UseDNS no",
        "MaxStartups 100:30:200",
        "ForceCommand /usr/bin/vtysh",
        "",
    ])


def snmpd_conf(node: Node | None, *, sys_name: str, if_indexes: Mapping[str, int], secrets: dict[str, Any],
               ipv6: bool = True) -> str:
    """snmpd with a read-only v2c community, an authPriv v3 user, and each circuit's contracted speed.

    An emulated device's ports are kernel devices with short names (`ge0-0-1`); its agent reports the vendor's
    name (`GigabitEthernet0/0/1`) in ifName and ifDescr, as the real device's agent would."""
    v3 = secrets["snmp"]["v3"]
    community = secrets["snmp"]["community"]
    lines = [
        "agentAddress udp:161" + (",udp6:161" if ipv6 else ""),
        f"sysName {sys_name}",
        "sysLocation ezgov lab",
        "sysContact network operations",
        "sysServices 6",
        f"rocommunity {community} default",
        *([f"rocommunity6 {community} default"] if ipv6 else []),
        f"createUser {v3['user']} {v3['auth_protocol']} {v3['auth_key']} {v3['priv_protocol']} {v3['priv_key']}",
        f"rouser {v3['user']} priv",
        "dontLogTCPWrappersConnects yes",
    ]
    for port in node.ports if node else ():
        index = if_indexes.get(port.dev)
        if index is not None and port.name != port.dev:
            name = port.name.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'override {IF_NAME_OID}.{index} octet_str "{name}"')
            lines.append(f'override {IF_DESCR_OID}.{index} octet_str "{name}"')
        if port.mbps is None or index is None:
            continue
        lines.append(f"override {IF_HIGH_SPEED_OID}.{index} uinteger {port.mbps}")
        lines.append(f"override {IF_SPEED_OID}.{index} uinteger {min(port.mbps * 1_000_000, IF_SPEED_MAX)}")
    return "\n".join(lines) + "\n"


def account_files(host_passwd: str, host_group: str, host_shadow: str, *, password_hash: str,
                  home: Path) -> dict[str, str]:
    """The host's account files plus the lab user (in `frrvty` so vtysh reaches the daemons).

    They are bound over `/etc/passwd`, `/etc/group` and `/etc/shadow` inside each router only.
    """
    uid = LAB_UID
    passwd = [ln for ln in host_passwd.splitlines() if ln and not ln.startswith("ezgov:")]
    passwd.append(f"ezgov:x:{uid}:{uid}:ezgov lab:{home}:/bin/bash")
    shadow = [ln for ln in host_shadow.splitlines() if ln and not ln.startswith("ezgov:")]
    shadow.append(f"ezgov:{password_hash}:19000:0:99999:7:::")
    group = []
    for line in host_group.splitlines():
        if not line or line.startswith("ezgov:"):
            continue
        name, pw, gid, members = ([*line.split(":"), "", "", "", ""])[:4]
        if name == "frrvty":
            members = ",".join([m for m in members.split(",") if m and m != "ezgov"] + ["ezgov"])
        group.append(f"{name}:{pw}:{gid}:{members}")
    group.append(f"ezgov:x:{uid}:")
    return {"passwd": "\n".join(passwd) + "\n", "group": "\n".join(group) + "\n",
            "shadow": "\n".join(shadow) + "\n"}
