"""Many SNMP agents for polling benchmarks: N namespaces running only snmpd, on a bridge of their own.

Agents answer on IPv6 only (2001:db8:fa00::/64, agent N at ::N+1, the host at ::1), with the same community and
v3 user as the router lab (`secrets.json`). Each agent has its own config and persistent directory. A farm is
part of a lab state directory: `ezgov lab down` (or leaving `snmp_farm`) removes it, and it runs under the
same machine-wide lock as the lab (reusing a running lab's, or taking its own).

    with snmp_farm(200) as farm:          # or snmp_farm(200, lab=lab) beside a running lab
        for agent in farm.agents: ...     # agent.name, agent.address, agent.namespace
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv6Address
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab import network, probe, render, secrets
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import alive, netns_exists, netns_inode, pids_in_netns, proc_start, run, spawn, terminate
from ezgov_infra.lab.state import Proc, save_state, state_dir_lock
from ezgov_infra.lab.topology import Topology
from ezgov_infra.models.runs import NoProgress, Progress

FARM_BRIDGE = "ezfarm0"
FARM_PREFIX = "2001:db8:fa00::"
FARM_HOST = f"{FARM_PREFIX}1/64"
MAX_AGENTS = 1000


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    namespace: str
    address: str


@dataclass(slots=True)
class Farm:
    lab_dir: Path
    agents: list[Agent] = field(default_factory=list)
    secrets: dict[str, Any] = field(default_factory=dict)
    startup_seconds: float = 0.0


def _agent(index: int) -> Agent:
    name = f"agent{index:04d}"
    return Agent(name, f"ezfarm-{index:04d}", str(IPv6Address(FARM_PREFIX) + index + 1))


def build_farm(lab: Lab, count: int, progress: Progress | None = None) -> Farm:
    """Add `count` snmpd-only namespaces to a lab state directory whose keeper already holds the lock."""
    if not 1 <= count <= MAX_AGENTS:
        raise LabError(f"an SNMP farm has between 1 and {MAX_AGENTS} agents")
    started = time.monotonic()
    with state_dir_lock(lab.lab_dir):
        state = lab.state()
        if state.keeper is None or not alive(state.keeper.pid, state.keeper.start):
            raise LabError("the SNMP farm needs the lab lock: bring a lab up first or use snmp_farm()")
        network.guard_routes()
        sec = secrets.ensure_secrets(lab.lab_dir)
        secrets.write_private(lab.lab_dir / "snmp.conf", secrets.snmp_client_conf(sec))
        state.farm_bridge = FARM_BRIDGE
        network.ensure_bridge(FARM_BRIDGE, v4=None, v6=FARM_HOST)
        agents = [_agent(i) for i in range(1, count + 1)]
        for agent in agents:
            folder = lab.lab_dir / "farm" / agent.name
            (folder / "persist").mkdir(parents=True, exist_ok=True)
            if not netns_exists(agent.namespace):
                run(["ip", "netns", "add", agent.namespace])
            state.farm.setdefault(agent.namespace, Proc(0, None))
            leg = f"ezf{agent.name[-4:]}"
            if not network.link_exists("eth0", agent.namespace):
                network.delete_link(leg)
                run(["ip", "link", "add", leg, "type", "veth", "peer", "name", "eth0", "netns", agent.namespace])
            run(["ip", "link", "set", leg, "master", FARM_BRIDGE, "up"])
            if f"{agent.address}/64" not in network.addresses("eth0", agent.namespace):
                run(["ip", "-n", agent.namespace, "addr", "add", f"{agent.address}/64", "dev", "eth0", "nodad"])
            run(["ip", "-n", agent.namespace, "link", "set", "eth0", "up"])
            run(["ip", "-n", agent.namespace, "link", "set", "lo", "up"])
            conf = folder / "snmpd.conf"
            secrets.write_private(conf, render.snmpd_conf(None, sys_name=agent.name, if_indexes={}, secrets=sec))
            current = state.farm[agent.namespace]
            if not alive(current.pid or None, current.start):
                env = {"PATH": "/usr/sbin:/usr/bin", "MIBS": "", "SNMP_PERSISTENT_DIR": str(folder / "persist")}
                pid = spawn(["/usr/sbin/snmpd", "-f", "-C", "-c", str(conf), "-p", str(folder / "snmpd.pid"),
                             "-Lf", str(folder / "snmpd.log"), "-I", "-smux,mteTrigger,mteTriggerConf"],
                            netns=agent.namespace, holder=None, hostname=None, log=None, env=env)
                state.farm[agent.namespace] = Proc(pid, proc_start(pid))
            save_state(lab.lab_dir, state)
            if len(state.farm) % 50 == 0:
                (progress or NoProgress()).note(f"SNMP farm: {len(state.farm)} agents")
    farm = Farm(lab.lab_dir, agents, sec)
    _wait_answering(farm)
    farm.startup_seconds = time.monotonic() - started
    return farm


def _wait_answering(farm: Farm, timeout: float = 60.0) -> None:
    pending = list(farm.agents)
    deadline = time.monotonic() + timeout
    while pending:
        pending = [a for a in pending if not probe.snmp_get(farm.lab_dir, a.address, "2c", timeout=0.5)]
        if pending and time.monotonic() > deadline:
            raise LabError(f"SNMP farm: {len(pending)} agents not answering after {timeout:.0f} s")


@contextlib.contextmanager
def snmp_farm(count: int, *, lab: Lab | None = None, state_dir: Path | None = None,
              lock_timeout: float | None = None) -> Iterator[Farm]:
    """`count` SNMP agents for the duration of the block; removed afterwards, also on failure.

    With `lab`, the agents join that running lab (and its lock) and only the farm is removed at the end.
    """
    if lab is not None:
        try:
            yield build_farm(lab, count)
        finally:
            remove_farm(lab)
        return
    with contextlib.ExitStack() as stack:
        folder = state_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ezgov-farm-")))
        own = Lab(Topology("snmp-farm"), folder)
        own.reserve(lock_timeout=lock_timeout)
        try:
            yield build_farm(own, count)
        finally:
            own.down()


def remove_farm(lab: Lab) -> None:
    """Stop the agents and remove their namespaces and bridge, leaving the rest of the lab alone."""

    with state_dir_lock(lab.lab_dir):
        state = lab.state()
        procs: list[tuple[int, int | None]] = [(p.pid, p.start) for p in state.farm.values()]
        inodes = {i for i in (netns_inode(n) for n in state.farm) if i is not None}
        procs += [(pid, proc_start(pid)) for pid in pids_in_netns(inodes)]
        terminate(procs)
        for namespace in state.farm:
            network.delete_netns(namespace)
        if state.farm_bridge:
            network.delete_link(state.farm_bridge)
        state.farm, state.farm_bridge = {}, None
        save_state(lab.lab_dir, state)
