"""Host guard routes, the management bridge, router namespaces, circuit veths and their `tc` shaping.

Every function checks what exists before creating it, so running `up` again repairs rather than duplicates.
"""

from __future__ import annotations

import json
import os
import time
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab.ns import alive, netns_exists, proc_start, run, spawn
from ezgov_infra.lab.state import Proc
from ezgov_infra.lab.topology import (
    GUARD_METRIC,
    GUARD_PREFIXES,
    HOST_MGMT_IPV4,
    HOST_MGMT_IPV6,
    Link,
    Node,
)


def host_reserved(hosts_file: Path = Path("/etc/hosts")) -> list[str]:
    """Addresses inside the lab ranges that this machine itself uses (its hosts file points names at them).

    On some machines the package mirrors answer on an address inside 203.0.113.0/24; the guard must not cut the
    machine off from them, so those single addresses stay routed the usual way and the lab never uses them.
    """
    found: set[str] = set()
    try:
        lines = hosts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    guards = [ip_network(p) for p in GUARD_PREFIXES]
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            address = ip_address(fields[0])
        except ValueError:
            continue
        if any(address.version == g.version and address in g for g in guards):
            found.add(str(address))
    return sorted(found)


# This workplace's package mirrors answer inside 203.0.113.64/26: the guard leaves that block to the machine and
# the lab never uses it (`unguarded_conflicts` refuses a topology that would). Override with
# EZGOV_LAB_GUARD_EXCLUDE (comma-separated prefixes; empty for none).
DEFAULT_GUARD_EXCLUDE = "203.0.113.64/26"


def guard_exclusions() -> list[str]:
    configured = os.environ.get("EZGOV_LAB_GUARD_EXCLUDE", DEFAULT_GUARD_EXCLUDE)
    return sorted({*(p.strip() for p in configured.split(",") if p.strip()), *host_reserved()})


def guard_prefixes(excluded: list[str]) -> list[str]:
    """The guard ranges less the excluded blocks, as a minimal list of prefixes."""
    out: list[str] = []
    holes: list[IPv4Network | IPv6Network] = [ip_network(e, strict=False) for e in excluded]
    for prefix in GUARD_PREFIXES:
        pieces: list[IPv4Network | IPv6Network] = [ip_network(prefix)]
        for hole in holes:
            remaining: list[IPv4Network | IPv6Network] = []
            for piece in pieces:
                if (isinstance(piece, IPv4Network) and isinstance(hole, IPv4Network) and hole.subnet_of(piece)) or (
                        isinstance(piece, IPv6Network) and isinstance(hole, IPv6Network) and hole.subnet_of(piece)):
                    remaining += list(piece.address_exclude(hole))  # type: ignore[arg-type]
                else:
                    remaining.append(piece)
            pieces = remaining
        out += [str(p) for p in sorted(pieces, key=lambda n: (n.version, int(n.network_address)))]
    return out


def unguarded_conflicts(addresses: list[str]) -> list[str]:
    """Lab addresses that fall where the guard does not reach (the machine's own blocks)."""
    holes = [ip_network(e, strict=False) for e in guard_exclusions()]
    return sorted(a for a in addresses if any(ip_address(a.split("/")[0]) in h for h in holes))


def guard_routes() -> list[str]:
    """`unreachable` routes for every lab prefix, with a high metric: lab traffic never leaves the machine."""
    prefixes = guard_prefixes(guard_exclusions())
    installed = []
    for prefix in GUARD_PREFIXES:
        if prefix not in prefixes:  # split around a machine address: drop a whole-range guard left from before
            family = "-6" if ":" in prefix else "-4"
            run(["ip", family, "route", "del", "unreachable", prefix, "metric", str(GUARD_METRIC)], check=False)
    for prefix in prefixes:
        family = "-6" if ":" in prefix else "-4"
        run(["ip", family, "route", "replace", "unreachable", prefix, "metric", str(GUARD_METRIC)])
        installed.append(prefix)
    return installed


def link_exists(name: str, netns: str | None = None) -> bool:
    argv = ["ip", *(["-n", netns] if netns else []), "link", "show", "dev", name]
    return run(argv, check=False).returncode == 0


def ensure_bridge(name: str, v4: str | None = str(HOST_MGMT_IPV4), v6: str | None = str(HOST_MGMT_IPV6)) -> None:
    if not link_exists(name):
        run(["ip", "link", "add", name, "type", "bridge"])
    _sysctl_host(f"net.ipv6.conf.{name}.accept_ra", "0")
    _sysctl_host(f"net.ipv6.conf.{name}.accept_dad", "0")
    have = addresses(name)
    if v4 and v4 not in have:
        run(["ip", "addr", "add", v4, "dev", name])
    if v6 and v6 not in have:
        run(["ip", "addr", "add", v6, "dev", name, "nodad"])
    run(["ip", "link", "set", name, "up"])


def _sysctl_host(key: str, value: str) -> None:
    path = Path("/proc/sys") / key.replace(".", "/")
    if path.exists():
        path.write_text(value)


def addresses(dev: str, netns: str | None = None) -> set[str]:
    argv = ["ip", *(["-n", netns] if netns else []), "-j", "addr", "show", "dev", dev]
    done = run(argv, check=False)
    if done.returncode != 0:
        return set()
    found: set[str] = set()
    for item in json.loads(done.stdout or "[]"):
        for info in item.get("addr_info", []):
            if info.get("scope") != "link":
                found.add(f"{info['local']}/{info['prefixlen']}")
    return found


def ensure_netns(node: Node) -> None:
    """The router's network namespace with forwarding on.

    A router the inventory gives no IPv6 keeps an IPv6-capable kernel (as a real IPv4-only router does) but has
    IPv6 forwarding off and no address beyond link-local: enabling IPv6 is then a configuration change.
    """
    add_netns(node.namespace)
    keys = {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1",
            "net.ipv6.conf.default.accept_dad": "0", "net.ipv6.conf.all.accept_dad": "0",
            "net.ipv6.conf.default.accept_ra": "0", "net.ipv4.ping_group_range": "0 2147483647"}
    if not node.ipv6:
        keys["net.ipv6.conf.all.forwarding"] = "0"
    run(["ip", "netns", "exec", node.namespace, "sysctl", "-q", "-w", *(f"{k}={v}" for k, v in keys.items())])


def add_netns(name: str) -> None:
    if not netns_exists(name):
        run(["ip", "netns", "add", name])


def ensure_leg(netns: str, host_leg: str, bridge: str) -> None:
    """A veth pair: `eth0` inside the namespace, `host_leg` on the host's `bridge`."""
    if not link_exists("eth0", netns):
        if link_exists(host_leg):
            run(["ip", "link", "del", host_leg])
        run(["ip", "link", "add", host_leg, "type", "veth", "peer", "name", "eth0", "netns", netns])
    run(["ip", "link", "set", host_leg, "master", bridge, "up"])


def ensure_addresses(netns: str, dev: str, v4: list[str], v6: list[str]) -> None:
    """Add the missing addresses (prefix-length form) to `dev` in `netns` and set it up; IPv6 without DAD."""
    have = addresses(dev, netns)
    for address in v4:
        if address not in have:
            run(["ip", "-n", netns, "addr", "add", address, "dev", dev])
    for address in v6:
        if address not in have:
            run(["ip", "-n", netns, "addr", "add", address, "dev", dev, "nodad"])
    run(["ip", "-n", netns, "link", "set", dev, "up"])


def ensure_holder(node: Node, node_dir: Path, current: Proc | None) -> Proc:
    """The `sleep` process owning the router's mount and UTS namespaces (see `ns`)."""
    if current and alive(current.pid, current.start):
        return current
    binds = [(node_dir / "run", "/run"), (node_dir / "etc-frr", "/etc/frr"), (node_dir / "snmp", "/var/lib/snmp")]
    binds += [(node_dir.parent.parent / "accounts" / name, f"/etc/{name}") for name in ("passwd", "group", "shadow")]
    script = ["set -e", 'hostname "$1"', "umount -l /sys 2>/dev/null || true", "mount -t sysfs sysfs /sys"]
    script += [f"mount --bind '{src}' '{dst}'" for src, dst in binds]
    script.append("exec sleep infinity")
    pid = spawn(["unshare", "--mount", "--uts", "--propagation", "private", "--", "/bin/sh", "-c",
                 "\n".join(script), "holder", node.id],
                netns=node.namespace, holder=None, hostname=None, log=node_dir / "holder.log")
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "sleep":
                return Proc(pid, proc_start(pid))
        except FileNotFoundError:
            break
        time.sleep(0.01)
    log = (node_dir / "holder.log").read_text(errors="replace").strip()
    raise LabError(f"{node.id}: the namespace holder did not start: {log or 'no output'}")


def ensure_ports(node: Node, bridge: str) -> None:
    """Management leg on the bridge, loopback and LAN addresses (circuits are done per link)."""
    ns = node.namespace
    ensure_leg(ns, node.host_leg, bridge)
    for port in node.ports:
        if port.kind == "lan" and not link_exists(port.dev, ns):
            run(["ip", "-n", ns, "link", "add", port.dev, "type", "bridge"])  # no dummy module here
        if port.kind in ("management", "loopback", "lan"):
            _address_port(node, port.name, mgmt=port.kind == "management")


def _address_port(node: Node, name: str, *, mgmt: bool = False) -> None:
    ns = node.namespace
    port = node.port(name) if not mgmt or any(p.name == name for p in node.ports) else None
    name = port.dev if port else name
    v4 = [a.with_prefixlen for a in (port.ipv4 if port else ())] or (
        [node.mgmt_ipv4.with_prefixlen] if mgmt and node.mgmt_ipv4 else [])
    v6 = [a.with_prefixlen for a in (port.ipv6 if port else ())] or (
        [node.mgmt_ipv6.with_prefixlen] if mgmt and node.mgmt_ipv6 else [])
    ensure_addresses(ns, name, v4, v6 if node.ipv6 else [])


def ensure_link(link: Link, a: Node, z: Node) -> None:
    """The circuit's veth pair, addressed from the inventory and shaped to the contracted rate on both ends."""
    a_dev, z_dev = a.port(link.a_port).dev, z.port(link.z_port).dev
    if not (link_exists(a_dev, a.namespace) and link_exists(z_dev, z.namespace)):
        for node, dev in ((a, a_dev), (z, z_dev)):
            if link_exists(dev, node.namespace):
                run(["ip", "-n", node.namespace, "link", "del", dev])
        run(["ip", "-n", a.namespace, "link", "add", a_dev, "type", "veth", "peer", "name", z_dev,
             "netns", z.namespace])
    for node, port, dev in ((a, link.a_port, a_dev), (z, link.z_port, z_dev)):
        _address_port(node, port)
        shape(node.namespace, dev, link.mbps)


def tbf_params(mbps: int) -> tuple[str, str]:
    """Rate and burst for tbf: a burst of 4 ms at line rate (at least 64 KiB) keeps TCP near the contract."""
    burst = max(mbps * 1_000_000 // 8 // 250, 65_536)
    return f"{mbps}mbit", str(burst)


def shape(ns: str, dev: str, mbps: int) -> None:
    rate, burst = tbf_params(mbps)
    current = current_rate_mbps(ns, dev)
    if current == mbps:
        return
    run(["ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate,
         "burst", burst, "latency", "50ms"])


def current_rate_mbps(ns: str, dev: str) -> int | None:
    done = run(["ip", "netns", "exec", ns, "tc", "-j", "qdisc", "show", "dev", dev], check=False)
    if done.returncode != 0:
        return None
    for qdisc in json.loads(done.stdout or "[]"):
        options: dict[str, Any] = qdisc.get("options") or {}
        if qdisc.get("kind") == "tbf" and qdisc.get("root") and "rate" in options:
            return int(options["rate"]) * 8 // 1_000_000
    return None


def if_indexes(ns: str) -> dict[str, int]:
    done = run(["ip", "-n", ns, "-j", "link", "show"])
    return {item["ifname"]: int(item["ifindex"]) for item in json.loads(done.stdout or "[]")}


def delete_netns(name: str) -> None:
    if netns_exists(name):
        run(["ip", "netns", "del", name], check=False)


def delete_link(name: str) -> None:
    if link_exists(name):
        run(["ip", "link", "del", name], check=False)
