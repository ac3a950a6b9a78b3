"""`Lab`: bring a topology up, take it down, look at it and run things in it. The API tests and benches use."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab import daemons, network, render, secrets
from ezgov_infra.lab.ns import Completed, alive, netns_inode, pids_in_netns, proc_start, run, run_in, spawn, terminate
from ezgov_infra.lab.probe import snmp_get, ssh_banner
from ezgov_infra.lab.state import (
    LabState,
    NodeState,
    keep_machine_lock,
    load_state,
    save_state,
    state_dir_lock,
)
from ezgov_infra.lab.topology import MGMT_BRIDGE, Topology
from ezgov_infra.models.runs import NoProgress, Progress


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What others need to reach a router: its namespace and management addresses."""

    namespace: str
    mgmt_ipv4: str | None
    mgmt_ipv6: str | None


class Lab:
    """A virtual lab whose state lives in `<state_dir>/lab/`."""

    def __init__(self, topology: Topology, state_dir: Path, inventory: Path | None = None) -> None:
        self.topology = topology
        self.state_dir = state_dir.resolve()
        self.lab_dir = self.state_dir / "lab"
        self.inventory = inventory.resolve() if inventory else None

    # -- what others read ---------------------------------------------------------------------------------------
    @property
    def nodes(self) -> dict[str, NodeInfo]:
        return {n.id: NodeInfo(n.namespace, str(n.mgmt_ipv4.ip) if n.mgmt_ipv4 else None,
                               str(n.mgmt_ipv6.ip) if n.mgmt_ipv6 else None) for n in self.topology.nodes.values()}

    @property
    def secrets(self) -> dict[str, Any]:
        return secrets.load_secrets(self.lab_dir)

    def state(self) -> LabState:
        return load_state(self.lab_dir)

    def node_dir(self, node_id: str) -> Path:
        return self.lab_dir / "nodes" / node_id

    def is_up(self) -> bool:
        state = self.state()
        return state.keeper is not None and alive(state.keeper.pid, state.keeper.start) and bool(state.nodes)

    # -- bring up -----------------------------------------------------------------------------------------------
    def up(self, *, progress: Progress = NoProgress(), lock_timeout: float | None = None) -> LabState:
        """Build (or repair) everything; returns the state. Safe to run again at any time."""
        with state_dir_lock(self.lab_dir):
            state = self.state()
            if state.nodes and state.topology and state.topology != self.topology.name:
                raise LabError(f"{self.lab_dir} holds the lab {state.topology!r}; take it down first "
                               f"(`ezgov lab down`) to build {self.topology.name!r}")
            state.topology, state.inventory = self.topology.name, str(self.inventory) if self.inventory else None
            self._ensure_keeper(state, progress, lock_timeout)
            save_state(self.lab_dir, state)
            try:
                self._build(state, progress)
            finally:
                save_state(self.lab_dir, state)
            return state

    def reserve(self, *, progress: Progress = NoProgress(), lock_timeout: float | None = None) -> None:
        """Take the machine-wide lab lock (waiting for it) without building anything; `down` releases it."""
        with state_dir_lock(self.lab_dir):
            state = self.state()
            self._ensure_keeper(state, progress, lock_timeout)
            save_state(self.lab_dir, state)

    def _ensure_keeper(self, state: LabState, progress: Progress, lock_timeout: float | None) -> None:
        if state.keeper and alive(state.keeper.pid, state.keeper.start):
            return  # our lab already holds the machine lock
        state.keeper = keep_machine_lock(lock_timeout, progress.note)

    def _build(self, state: LabState, progress: Progress) -> None:
        topo = self.topology
        progress.note("guard routes for the lab prefixes")
        used = [str(a) for node in topo.nodes.values() for port in node.ports for a in (*port.ipv4, *port.ipv6)]
        used += [a for node in topo.nodes.values() for a in node.addresses]
        conflicts = network.unguarded_conflicts(used)
        if conflicts:
            raise LabError(f"lab addresses {', '.join(conflicts)} fall in a block the machine itself uses "
                           f"({', '.join(network.guard_exclusions())}); renumber them in the inventory")
        state.routes = network.guard_routes()
        sec = secrets.ensure_secrets(self.lab_dir)
        secrets.write_private(self.lab_dir / "authorized_keys",
                              Path(sec["ssh"]["key_file"]).with_suffix(".pub").read_text())
        secrets.write_private(self.lab_dir / "snmp.conf", secrets.snmp_client_conf(sec))
        self._write_accounts(sec)
        progress.note(f"management bridge {MGMT_BRIDGE}")
        state.bridge = MGMT_BRIDGE
        network.ensure_bridge(MGMT_BRIDGE)
        for node in topo.nodes.values():
            progress.note(f"{node.id}: namespace {node.namespace}")
            ns_state = state.nodes.setdefault(node.id, NodeState(node.namespace))
            network.ensure_netns(node)
            ns_state.host_leg = node.host_leg
            save_state(self.lab_dir, state)
            node_dir = self.node_dir(node.id)
            daemons.prepare_dirs(node_dir)
            ns_state.holder = network.ensure_holder(node, node_dir, ns_state.holder)
            network.ensure_ports(node, MGMT_BRIDGE)
            save_state(self.lab_dir, state)
        for link in topo.links:
            progress.note(f"circuit {link.circuit}: {link.a_node}:{link.a_port} - {link.z_node}:{link.z_port}, "
                     f"{link.mbps} Mbps")
            network.ensure_link(link, topo.node(link.a_node), topo.node(link.z_node))
            if link.circuit not in state.links:
                state.links.append(link.circuit)
        known = []
        for node in topo.nodes.values():
            node_dir = self.node_dir(node.id)
            key = secrets.ensure_host_key(node_dir)
            known.append((node.addresses, key))
            changed = daemons.write_configs(node, node_dir, self.lab_dir, sec, key)
            progress.note(f"{node.id}: daemons")
            daemons.start_all(node, node_dir, state.nodes[node.id], changed)
            save_state(self.lab_dir, state)
        secrets.write_private(self.lab_dir / "known_hosts", secrets.known_hosts_text(known))

    def _write_accounts(self, sec: dict[str, Any]) -> None:
        folder = self.lab_dir / "accounts"
        folder.mkdir(parents=True, exist_ok=True)
        current = folder / "shadow"
        password_hash = ""
        if current.exists():  # keep the hash while the password is the same: `up` twice changes nothing
            for line in current.read_text().splitlines():
                if line.startswith("ezgov:"):
                    password_hash = line.split(":")[1]
        if not password_hash or _crypt_check(sec["ssh"]["password"], password_hash) is False:
            password_hash = secrets.password_hash(sec["ssh"]["password"])
        files = render.account_files(
            Path("/etc/passwd").read_text(), Path("/etc/group").read_text(), Path("/etc/shadow").read_text(),
            password_hash=password_hash, home=daemons.HOME_IN_NS)
        for name, text in files.items():
            # keep the inode: bind mounts in running routers point at it
            path = folder / name
            mode = 0o640 if name == "shadow" else 0o644
            if not path.exists() or path.read_text() != text:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)  # a new shadow: 0640 from birth
                with os.fdopen(fd, "w") as handle:
                    os.fchmod(handle.fileno(), mode)
                    handle.write(text)
            os.chmod(path, mode)

    # -- take down ----------------------------------------------------------------------------------------------
    def down(self, *, progress: Progress = NoProgress()) -> LabState:
        """Remove everything the state file lists, even after a half-finished `up`. Guard routes stay."""
        with state_dir_lock(self.lab_dir):
            state = self.state()
            procs: list[tuple[int, int | None]] = []
            for ns_state in state.nodes.values():
                procs += [(p.pid, p.start) for p in ns_state.daemons.values()]
                if ns_state.holder:
                    procs.append((ns_state.holder.pid, ns_state.holder.start))
            procs += [(p.pid, p.start) for p in state.farm.values()]
            namespaces = [ns.namespace for ns in state.nodes.values()] + list(state.farm)
            inodes = {i for i in (netns_inode(n) for n in namespaces) if i is not None}
            # anything else left running inside a namespace we made (iperf3 servers, vtysh sessions)
            known = {pid for pid, _ in procs}
            procs += [(pid, proc_start(pid)) for pid in pids_in_netns(inodes) if pid not in known]
            progress.note(f"stopping {len(procs)} processes")
            terminate(procs)
            for name, ns_state in state.nodes.items():
                progress.note(f"{name}: removing {ns_state.namespace}")
                network.delete_netns(ns_state.namespace)
                if ns_state.host_leg:
                    network.delete_link(ns_state.host_leg)
            for namespace in state.farm:
                network.delete_netns(namespace)
            for bridge in (state.bridge, state.farm_bridge):
                if bridge:
                    network.delete_link(bridge)
            if state.keeper:
                terminate([(state.keeper.pid, state.keeper.start)])
            (self.lab_dir / "state.json").unlink(missing_ok=True)
            return state

    # -- run things inside --------------------------------------------------------------------------------------
    def _holder(self, node_id: str) -> tuple[str, int]:
        """The router's namespace and holder PID, from the state file (the inventory is not needed)."""
        state = self.state()
        ns_state = state.nodes.get(node_id)
        if ns_state is None:
            known = ", ".join(sorted(state.nodes)) or "none: the lab is down"
            raise LabError(f"no running lab node {node_id!r} (nodes: {known})")
        if ns_state.holder is None or not alive(ns_state.holder.pid, ns_state.holder.start):
            raise LabError(f"lab node {node_id} is not running (run `ezgov lab up` to repair)")
        return ns_state.namespace, ns_state.holder.pid

    def exec(self, node_id: str, argv: list[str], *, timeout: float = 60.0,
             input_text: str | None = None) -> Completed:
        """Run a command inside the router (its network, mount and UTS namespaces)."""
        namespace, holder = self._holder(node_id)
        return run_in(argv, netns=namespace, holder=holder, hostname=node_id, timeout=timeout,
                      input_text=input_text)

    def vtysh(self, node_id: str, *commands: str, timeout: float = 30.0) -> str:
        argv = ["vtysh"]
        for command in commands:
            argv += ["-c", command]
        done = self.exec(node_id, argv, timeout=timeout)
        if done.returncode != 0:
            raise LabError(f"{node_id}: vtysh {' / '.join(commands)}: {(done.stderr or done.stdout).strip()}")
        return done.stdout

    def pids(self, node_id: str) -> dict[str, int]:
        """Running daemons of a router, by name."""
        ns_state = self.state().nodes.get(node_id)
        if ns_state is None:
            return {}
        return {name: p.pid for name, p in ns_state.daemons.items() if alive(p.pid, p.start)}

    def stop_daemon(self, node_id: str, daemon: str) -> None:
        with state_dir_lock(self.lab_dir):
            state = self.state()
            ns_state = state.nodes.get(node_id)
            if ns_state:
                daemons.stop(ns_state, daemon)
                save_state(self.lab_dir, state)

    def start_daemon(self, node_id: str, daemon: str) -> int:
        node = self.topology.node(node_id)
        with state_dir_lock(self.lab_dir):
            state = self.state()
            ns_state = state.nodes.get(node_id)
            if ns_state is None:
                raise LabError(f"lab node {node_id} is not running (run `ezgov lab up`)")
            proc = daemons.start(node, self.node_dir(node_id), ns_state, daemon)
            save_state(self.lab_dir, state)
        return proc.pid

    def wait_answering(self, timeout: float = 30.0) -> float:
        """Seconds until every router's sshd and snmpd accept connections (TCP 22 and an SNMP get)."""

        started = time.monotonic()
        pending = set(self.topology.nodes)
        while pending:
            for node_id in sorted(pending):
                node = self.topology.node(node_id)
                address = node.addresses[0]
                with contextlib.suppress(LabError):
                    if ssh_banner(address, timeout=0.5) and snmp_get(self.lab_dir, address, "2c", timeout=0.5):
                        pending.discard(node_id)
            if pending and time.monotonic() - started > timeout:
                raise LabError(f"not answering after {timeout:.0f} s: {', '.join(sorted(pending))}")
            if pending:
                time.sleep(0.05)
        return time.monotonic() - started

    def spawn_in(self, node_id: str, argv: list[str], log: Path | None = None) -> int:
        """Start a background process inside a router (iperf3 servers in tests); `down` stops it."""
        namespace, holder = self._holder(node_id)
        return spawn(argv, netns=namespace, holder=holder, hostname=node_id, log=log)


def _crypt_check(password: str, hashed: str) -> bool | None:
    """Whether `hashed` is the hash of `password` (None when it cannot be told)."""
    parts = hashed.split("$")
    if len(parts) < 4:
        return None
    done = run(["openssl", "passwd", "-6", "-salt", parts[2], "-stdin"], input_text=password + "\n", check=False)
    return done.stdout.strip() == hashed if done.returncode == 0 else None
