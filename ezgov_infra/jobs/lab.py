"""Lab use cases: up, down, status, validate, exec. Nothing here prints; what is being done goes to `Progress.note`."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ezgov_infra.errors import LabError
from ezgov_infra.lab import websites as website_lab
from ezgov_infra.lab.daemons import installed
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import Completed, alive, netns_exists
from ezgov_infra.lab.standins import unstage_all
from ezgov_infra.lab.topology import Topology, from_inventory
from ezgov_infra.lab.validate import Validation, load_checks, wait_converged
from ezgov_infra.lab.validate import validate as run_checks
from ezgov_infra.models.runs import NoProgress, Progress
from ezgov_infra.store.inventory import load_inventory


def prerequisites() -> list[str]:
    """What keeps the lab from running here, as sentences (empty: all there)."""

    problems = []
    if os.geteuid() != 0:
        problems.append("the lab needs root (network namespaces, bridges, tc)")
    missing = installed()
    if missing:
        problems.append("missing Debian packages: " + " ".join(missing))
    return problems


def open_lab(inventory: Path, state_dir: Path) -> Lab:

    return Lab(from_inventory(load_inventory(inventory), name=inventory.resolve().name), state_dir, inventory)


def _require() -> None:
    problems = prerequisites()
    if problems:
        raise LabError("; ".join(problems))


@dataclass(slots=True)
class UpResult:
    nodes: int
    links: int
    seconds: float
    answering_seconds: float
    converged_seconds: float
    state_dir: str
    website_resolver: str | None = None


def up(*, inventory: Path, state_dir: Path, progress: Progress = NoProgress(), wait: bool = True,
       websites: bool = True) -> UpResult:
    """Routers for every `lab: true` device, then (unless `websites` is False) the website lab beside them."""
    _require()
    lab = open_lab(inventory, state_dir)
    started = time.monotonic()
    lab.up(progress=progress)
    built = time.monotonic() - started
    answering = converged = 0.0
    if wait:

        progress.note("waiting for SSH and SNMP to answer and OSPF to converge")
        answering = lab.wait_answering()
        converged = wait_converged(lab)
    resolver = None
    if websites:

        progress.note("website lab: name servers (nsd) and web server (nginx) in their namespaces")
        resolver = website_lab.up(state_dir).resolver
    return UpResult(len(lab.topology.nodes), len(lab.topology.links), round(built, 2), round(answering, 2),
                    round(converged, 2), str(lab.lab_dir), resolver)


@dataclass(slots=True)
class DownResult:
    nodes: list[str]
    seconds: float


def down(*, state_dir: Path, progress: Progress = NoProgress()) -> DownResult:
    """Works from the state file alone: the inventory may have changed or be broken."""
    _require()

    lab = Lab(Topology("any"), state_dir)
    started = time.monotonic()
    unstage_all(state_dir)  # stand-in legacy services run inside the routers' namespaces: stop them first
    if website_lab.down(state_dir):
        progress.note("website lab removed")
    state = lab.down(progress=progress)
    return DownResult(sorted(state.nodes), round(time.monotonic() - started, 2))


@dataclass(slots=True)
class NodeStatus:
    node: str
    namespace: str
    running: bool
    daemons: dict[str, dict[str, int | bool]] = field(default_factory=dict)
    addresses: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    credential_profile: str | None = None
    snmp_profile: str | None = None


@dataclass(slots=True)
class Status:
    up: bool
    state_dir: str
    topology: str
    nodes: list[NodeStatus] = field(default_factory=list)


def status(*, inventory: Path, state_dir: Path) -> Status:
    """Each node's namespace, daemons (pid, alive), addresses and links. Never takes a lock; shows no secret."""

    inv = load_inventory(inventory)
    lab = Lab(from_inventory(inv, name=inventory.resolve().name), state_dir, inventory)
    state = lab.state()
    result = Status(lab.is_up(), str(lab.lab_dir), state.topology or "-")
    for node in lab.topology.nodes.values():
        ns_state = state.nodes.get(node.id)
        daemons = {name: {"pid": p.pid, "alive": alive(p.pid, p.start)}
                   for name, p in (ns_state.daemons.items() if ns_state else [])}
        links = [f"{p.name} {p.circuit} -> {p.peer} {p.mbps} Mbps" for p in node.ports if p.circuit]
        running = bool(ns_state and netns_exists(node.namespace) and daemons and all(
            bool(d["alive"]) for d in daemons.values()))
        device = inv.devices[node.id]
        result.nodes.append(NodeStatus(node.id, node.namespace, running, daemons, node.addresses, links,
                                       device.credential_profile, device.snmp_profile))
    return result


def validate(*, inventory: Path, state_dir: Path, checks: Path | None = None) -> Validation:

    _require()
    lab = open_lab(inventory, state_dir)
    if not lab.is_up():
        raise LabError(f"the lab in {lab.lab_dir} is not up (run `ezgov lab up`)")
    return run_checks(lab, load_checks(checks))


def exec_command(*, state_dir: Path, node: str, command: list[str], vtysh: bool | None = None,
                 timeout: float = 120.0) -> Completed:
    """A shell command when its first word is a program, else (or with `vtysh=True`) one vtysh command."""
    _require()
    if not command:
        raise LabError("give a command after `--`, for example: ezgov lab exec ez-core-1 -- show ip route")
    lab = Lab(Topology("any"), state_dir)
    as_vtysh = vtysh if vtysh is not None else shutil.which(command[0]) is None
    argv = ["vtysh", "-c", " ".join(command)] if as_vtysh else command
    return lab.exec(node, argv, timeout=timeout)
