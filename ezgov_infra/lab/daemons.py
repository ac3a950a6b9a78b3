"""One router's daemons: FRR (zebra, staticd, ospfd, ospf6d), sshd (or, on an emulated Huawei or H3C device, the
vendor CLI emulator) and snmpd, each with its own files.

A router's folder `<state_dir>/lab/nodes/<id>/` holds `run/` (bound on `/run`: vty sockets, pid files, the sshd
privilege-separation directory), `etc-frr/` (bound on `/etc/frr`), `snmp/` (bound on `/var/lib/snmp`, snmpd's
persistent directory), the sshd and snmpd configuration and host key, and one log per daemon.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab import render
from ezgov_infra.lab.emulator.lab import device_spec
from ezgov_infra.lab.network import if_indexes
from ezgov_infra.lab.ns import alive, proc_start, run_in, spawn, terminate
from ezgov_infra.lab.state import NodeState, Proc
from ezgov_infra.lab.topology import Node
from ezgov_infra.store.files import atomic_write

FRR_BIN = Path("/usr/lib/frr")
DAEMON_ORDER = ("zebra", "staticd", "ospfd", "ospf6d", "sshd", "emulator", "snmpd")
HOME_IN_NS = Path("/run/ezgov")
LAB_UID = render.LAB_UID


def prepare_dirs(node_dir: Path) -> None:
    """Folders owned as the daemons expect: `run/frr` and `etc-frr` by frr, `run/sshd` root-only, a home."""
    frr = pwd.getpwnam("frr")
    for sub in ("run", "etc-frr", "snmp", "run/frr", "run/sshd", "run/ezgov", "log"):
        (node_dir / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(node_dir / "run", 0o755)
    os.chmod(node_dir / "run/sshd", 0o755)
    for sub in ("run/frr", "etc-frr"):
        os.chown(node_dir / sub, frr.pw_uid, frr.pw_gid)
        os.chmod(node_dir / sub, 0o775)
    os.chown(node_dir / "run/ezgov", LAB_UID, LAB_UID)
    os.chmod(node_dir / "snmp", 0o700)


def write_if_changed(path: Path, text: str, mode: int = 0o640) -> bool:
    try:
        if path.read_text() == text:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, text, mode=mode)  # the mode from the first byte: some of these hold keys
    return True


def write_configs(node: Node, node_dir: Path, lab_dir: Path, secrets: dict[str, Any], host_key: Path) -> set[str]:
    """Write every configuration file; returns the daemons whose configuration changed ("frr" for FRR)."""
    changed: set[str] = set()
    frr = pwd.getpwnam("frr")
    for name, text in (("frr.conf", render.frr_conf(node)), ("vtysh.conf", render.VTYSH_CONF)):
        path = node_dir / "etc-frr" / name
        if write_if_changed(path, text, 0o664 if name == "vtysh.conf" else 0o660):
            changed.add("frr")
        os.chown(path, frr.pw_uid, frr.pw_gid)
    # sshd reads the user's keys as the user: keep them where the router's /run is, owned by the lab account
    keys = node_dir / "run" / "ezgov" / "authorized_keys"
    write_if_changed(keys, (lab_dir / "authorized_keys").read_text(), 0o600)
    os.chown(keys, LAB_UID, LAB_UID)
    if node.emulated:

        (node_dir / "emulator").mkdir(mode=0o700, exist_ok=True)
        if write_if_changed(node_dir / "emulator" / "device.json", device_spec(node), 0o600):
            changed.add("emulator")
    elif write_if_changed(node_dir / "sshd_config", render.sshd_config(
            node, host_key=host_key, authorized_keys=HOME_IN_NS / "authorized_keys"), 0o600):
        changed.add("sshd")
    if write_if_changed(node_dir / "snmpd.conf", render.snmpd_conf(
            node, sys_name=node.id, if_indexes=if_indexes(node.namespace), secrets=secrets, ipv6=True), 0o600):
        changed.add("snmpd")
    return changed


def command(node: Node, node_dir: Path, daemon: str) -> list[str]:
    """The argv of one daemon, in the router's own paths (foreground, so the PID we keep is the daemon's)."""
    if daemon in ("zebra", "staticd", "ospfd", "ospf6d", "bgpd"):
        argv = [str(FRR_BIN / daemon), "-u", "frr", "-g", "frr", "--vty_socket", "/run/frr",
                "-i", f"/run/frr/{daemon}.pid", "-z", "/run/frr/zserv.api", "-P", "0",
                "--log", f"file:/run/frr/{daemon}.log"]
        return [*argv, "-s", "16777216"] if daemon == "zebra" else argv
    if daemon == "sshd":
        return ["/usr/sbin/sshd", "-D", "-e", "-f", str(node_dir / "sshd_config")]
    if daemon == "emulator":
        lab_dir = node_dir.parent.parent
        return [sys.executable, "-m", "ezgov_infra.lab.emulator", str(node_dir / "emulator"),
                "--host-key", str(node_dir / "ssh_host_ed25519_key"), "--secrets", str(lab_dir / "secrets.json"),
                "--authorized-keys", str(lab_dir / "authorized_keys")]
    if daemon == "snmpd":
        return ["/usr/sbin/snmpd", "-f", "-C", "-c", str(node_dir / "snmpd.conf"), "-p", "/run/snmpd.pid",
                "-Lf", str(node_dir / "log" / "snmpd.log"), "-I", "-smux,mteTrigger,mteTriggerConf"]
    raise LabError(f"unknown lab daemon {daemon!r} (one of {', '.join(DAEMON_ORDER)})")


def login_daemon(node: Node) -> str:
    """What answers SSH: sshd into vtysh, or the vendor CLI emulator."""
    return "emulator" if node.emulated else "sshd"


def wanted(node: Node) -> list[str]:
    return [*render.daemons(node), login_daemon(node), "snmpd"]


def start(node: Node, node_dir: Path, state: NodeState, daemon: str) -> Proc:
    """Start one daemon unless it already runs; the guard in `ns.enter` checks the namespaces first."""
    current = state.daemons.get(daemon)
    if current and alive(current.pid, current.start):
        return current
    if state.holder is None or not alive(state.holder.pid, state.holder.start):
        raise LabError(f"{node.id}: the router's namespace holder is not running; run `ezgov lab up` to repair")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root", "MIBS": "",
           "SNMP_PERSISTENT_DIR": "/var/lib/snmp"}
    pid = spawn(command(node, node_dir, daemon), netns=node.namespace, holder=state.holder.pid, hostname=node.id,
                log=node_dir / "log" / f"{daemon}.log", env=env)
    proc = Proc(pid, proc_start(pid))
    state.daemons[daemon] = proc
    return proc


def stop(state: NodeState, daemon: str) -> None:
    proc = state.daemons.pop(daemon, None)
    if proc:
        terminate([(proc.pid, proc.start)])


def wait_for_vty(node: Node, node_dir: Path, daemons: list[str], timeout: float = 10.0) -> None:
    wait_for_paths(node, [node_dir / "run" / "frr" / f"{d}.vty" for d in daemons], timeout)


def wait_for_paths(node: Node, paths: list[Path], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    missing = paths
    while time.monotonic() < deadline:
        missing = [p for p in paths if not p.exists()]
        if not missing:
            return
        time.sleep(0.01)
    names = ", ".join(p.name for p in missing)
    raise LabError(f"{node.id}: {names} did not appear within {timeout:.0f} s (see {paths[0].parent}/*.log)")


def apply_frr_config(node: Node, state: NodeState) -> None:
    """`vtysh -b` inside the router: applies its integrated frr.conf to every running daemon."""
    assert state.holder is not None
    done = run_in(["vtysh", "-b"], netns=node.namespace, holder=state.holder.pid, hostname=node.id, timeout=30)
    if done.returncode != 0:
        raise LabError(f"{node.id}: vtysh -b failed: {(done.stderr or done.stdout).strip()[-500:]}")


def start_all(node: Node, node_dir: Path, state: NodeState, changed: set[str] = frozenset()) -> bool:  # type: ignore[assignment]
    """Start whatever is not running, restart sshd/snmpd whose configuration changed, re-apply a changed frr.conf.

    Returns True when FRR had to be (re)configured.
    """
    for daemon in (login_daemon(node), "snmpd"):
        if daemon in changed:
            stop(state, daemon)
    frr = render.daemons(node)
    started = [d for d in frr if not (state.daemons.get(d) and alive(state.daemons[d].pid, state.daemons[d].start))]
    if "zebra" in started:
        # sockets left by an earlier run would look ready while nobody listens on them
        for leftover in (node_dir / "run" / "frr").glob("*"):
            if leftover.suffix in (".vty", ".api", ".pid"):
                leftover.unlink(missing_ok=True)
    for daemon in frr:
        start(node, node_dir, state, daemon)
        if daemon == "zebra":
            # the other daemons retry a missing zserv socket only every 10 s: start them once it is there
            wait_for_paths(node, [node_dir / "run" / "frr" / "zserv.api"])
    if started or "frr" in changed:
        wait_for_vty(node, node_dir, frr)
        apply_frr_config(node, state)
    for daemon in (login_daemon(node), "snmpd"):
        start(node, node_dir, state, daemon)
    return bool(started)


def installed() -> list[str]:
    """Missing programs the lab needs, by the Debian package that brings them."""
    needs = {"frr": str(FRR_BIN / "zebra"), "openssh-server": "/usr/sbin/sshd", "snmpd": "/usr/sbin/snmpd",
             "snmp": "snmpget", "iproute2": "ip", "openssh-client": "ssh", "util-linux": "unshare"}
    return [pkg for pkg, prog in needs.items() if not (Path(prog).exists() or shutil.which(prog))]
