"""Poller namespaces: a network namespace per poller group on the lab's management bridge, whose routes reach only
the group's own routers (and the host's management address, where the broker listens), so a worker started in it
can collect its district and nothing else, as a collector placed in a segmented management network can.

    with poller_namespace("echeng", index=0, reach=["198.51.100.13", "2001:db8:0:2::12"]) as ns:
        pid = start(in_namespace(ns, ["ezgov", "worker", "--group", "echeng"]), log=...)

Addresses come from the top of the management subnet (198.51.100.240 and up, 2001:db8:0:2::f0 and up), which
the lab's topology leaves free; single-host routes only, no default route.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from ipaddress import ip_address

from ezgov_infra.lab.network import add_netns, ensure_leg
from ezgov_infra.lab.ns import netns_exists, run
from ezgov_infra.lab.topology import HOST_MGMT_IPV4, HOST_MGMT_IPV6, MGMT_BRIDGE

FIRST_V4 = 240
FIRST_V6 = 0xF0


def namespace_name(group: str) -> str:
    return f"ezpoll-{group}"[:15]


def in_namespace(netns: str, argv: Sequence[str], env: dict[str, str] | None = None) -> list[str]:
    """`argv` run inside `netns` (`ip netns exec` and `env` exec in place, so the PID is the program's own)."""
    settings = [f"{k}={v}" for k, v in sorted((env or {}).items())]
    return ["ip", "netns", "exec", netns, *(["env", *settings] if settings else []), *argv]


@contextlib.contextmanager
def poller_namespace(group: str, *, index: int, reach: Sequence[str], bridge: str = MGMT_BRIDGE) -> Iterator[str]:
    """A namespace for `group`'s workers reaching only the addresses in `reach`; removed when the block leaves."""
    name = namespace_name(group)
    v4, v6 = f"198.51.100.{FIRST_V4 + index}", f"2001:db8:0:2::{FIRST_V6 + index:x}"
    try:
        add_netns(name)
        ensure_leg(name, f"ezp{index}{group}"[:15], bridge)
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        run(["ip", "-n", name, "link", "set", "eth0", "up"])
        run(["ip", "-n", name, "addr", "add", f"{v4}/32", "dev", "eth0"])
        run(["ip", "-n", name, "-6", "addr", "add", f"{v6}/128", "dev", "eth0", "nodad"])
        for address in [str(HOST_MGMT_IPV4.ip), str(HOST_MGMT_IPV6.ip), *reach]:
            family = "-6" if ip_address(address).version == 6 else "-4"
            suffix = "/128" if family == "-6" else "/32"
            run(["ip", "-n", name, family, "route", "replace", address + suffix, "dev", "eth0"])
        yield name
    finally:
        if netns_exists(name):
            run(["ip", "netns", "del", name], check=False)
