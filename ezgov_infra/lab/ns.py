"""Namespaces, processes and the safety guard: the lab's only contact with `ip`, `setns(2)`, signals and programs.

Every program the lab runs goes through here: `run` (a host command to completion), `start` (a detached process
in our own namespaces: lock keepers, a stand-in started from inside its router), `spawn` and `run_in` (inside a
router's namespaces, behind the guard below), `terminate` (by PID and start time).

A router is a persistent network namespace (`ip netns add`, so `ip -n` reaches it) plus a *holder*: a `sleep`
process that owns the router's private mount and UTS namespaces (hostname = device id; `/run`, `/etc/frr`,
`/var/lib/snmp` and the account files bound from the lab's state directory). Every daemon is started by joining the
holder's namespaces in the forked child, and the child checks, before `exec`, that its network and UTS namespaces
are the intended ones and differ from the host's; if not it refuses to start anything.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ezgov_infra import process
from ezgov_infra.errors import LabError, LabTimeout

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWNET = 0x40000000
NETNS_DIR = Path("/run/netns")

_libc = ctypes.CDLL(None, use_errno=True)

Completed = process.Completed


def run(argv: Sequence[str], *, check: bool = True, timeout: float = 30.0, input_text: str | None = None,
        env: Mapping[str, str] | None = None) -> Completed:
    """Run a host command; a failure becomes a `LabError` quoting the command and its error output, a timeout a
    `LabTimeout`. `env` replaces the environment (default: ours)."""
    try:
        done = process.capture(argv, timeout=timeout, input_text=input_text, env=env)
    except FileNotFoundError as exc:
        raise LabError(f"{argv[0]} is not installed: {exc}") from exc
    except process.TimedOut as exc:
        raise LabTimeout(f"`{' '.join(argv)}` did not finish within {timeout:.0f} s") from exc
    if check and done.returncode != 0:
        raise LabError(f"`{' '.join(argv)}` failed: {(done.stderr or done.stdout).strip()}")
    return done


def ns_inode(pid: int | str, kind: str) -> int:
    """The identity of a process's namespace of `kind` (net, uts, mnt)."""
    return os.stat(f"/proc/{pid}/ns/{kind}").st_ino


def netns_inode(name: str) -> int | None:
    try:
        return os.stat(NETNS_DIR / name).st_ino
    except FileNotFoundError:
        return None


def netns_exists(name: str) -> bool:
    return netns_inode(name) is not None


def host_identity() -> dict[str, int]:
    return {kind: ns_inode("self", kind) for kind in ("net", "uts", "mnt")}


def proc_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (guards against a reused PID), None if gone or zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def alive(pid: int | None, start: int | None = None) -> bool:
    if not pid:
        return False
    now = proc_start(pid)
    return now is not None and (start is None or now == start)


def _setns(path: str, nstype: int) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, nstype) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def enter(holder: int | None, netns: str, hostname: str | None, host: Mapping[str, int]) -> None:
    """Join a router's namespaces in a forked child and verify them; raises (so nothing is exec'd) on mismatch.

    With a holder: its mount and UTS namespaces too. Without (SNMP farm agents): the network namespace only.
    """
    expected_net = netns_inode(netns)
    if expected_net is None:
        raise OSError(f"network namespace {netns} does not exist")
    if holder:
        _setns(f"/proc/{holder}/ns/net", CLONE_NEWNET)
        _setns(f"/proc/{holder}/ns/uts", CLONE_NEWUTS)
        _setns(f"/proc/{holder}/ns/mnt", CLONE_NEWNS)
    else:
        _setns(str(NETNS_DIR / netns), CLONE_NEWNET)
    net, uts = ns_inode("self", "net"), ns_inode("self", "uts")
    if net != expected_net or net == host["net"]:
        raise OSError(f"safety guard: not inside network namespace {netns}; nothing started")
    if hostname is not None and (uts == host["uts"] or os.uname().nodename != hostname):
        raise OSError(f"safety guard: UTS namespace is not the one of {hostname}; nothing started")


def check_target(holder: int | None, netns: str, host: Mapping[str, int]) -> None:
    """The guard as seen from the parent, for a clear message; the child checks again after joining."""
    expected = netns_inode(netns)
    if expected is None:
        raise LabError(f"network namespace {netns} does not exist; nothing started")
    if expected == host["net"]:
        raise LabError(f"safety guard: {netns} is the host's network namespace; nothing started")
    if holder:
        try:
            net, uts = ns_inode(holder, "net"), ns_inode(holder, "uts")
        except FileNotFoundError:
            raise LabError(f"the namespace holder {holder} of {netns} is gone; run `ezgov lab up`") from None
        if net != expected or uts == host["uts"]:
            raise LabError(f"safety guard: process {holder} is not inside {netns} with its own hostname; "
                           "nothing started")


def spawn(argv: Sequence[str], *, netns: str, holder: int | None, hostname: str | None, log: Path | None,
          env: Mapping[str, str] | None = None, pass_fds: Iterable[int] = ()) -> int:
    """Start a long-running process inside a router's namespaces, detached from us; returns its PID."""
    host = host_identity()
    check_target(holder, netns, host)
    try:
        return _detached(argv, log, f" in {netns}", env=dict(env or _base_env()), pass_fds=pass_fds,
                         preexec_fn=lambda: enter(holder, netns, hostname, host))
    except process.Failed as exc:
        raise LabError(f"{argv[0]} was not started in {netns}: the safety guard in the child refused ({exc})") from exc


def start(argv: Sequence[str], *, log: Path | None = None, pass_fds: Iterable[int] = ()) -> int:
    """Start a detached process in our own namespaces (a lock keeper; a stand-in started from inside its router,
    see `inside`); returns its PID. `terminate` stops it."""
    return _detached(argv, log, "", env=None, pass_fds=pass_fds, preexec_fn=None)


def _detached(argv: Sequence[str], log: Path | None, where: str, *, env: dict[str, str] | None,
              pass_fds: Iterable[int], preexec_fn: Callable[[], None] | None) -> int:
    """Start argv in its own session (stdin closed, output appended to `log` or dropped, working directory /) and
    remember it for `terminate`; returns its PID. `where` ends the error message (`" in NETNS"` or nothing)."""
    out = open(log, "ab") if log else None  # noqa: SIM115 - handed to the child, closed below
    try:
        proc = process.detached(argv, log=out, env=env, pass_fds=pass_fds, preexec_fn=preexec_fn)
    except OSError as exc:
        raise LabError(f"{argv[0]} could not be started{where}: {exc}") from exc
    finally:
        if out is not None:
            out.close()
    _CHILDREN[proc.pid] = proc
    return proc.pid


def inside(netns: str) -> bool:
    """Whether this process runs in the lab's network namespace `netns` (and so not in the host's)."""
    expected = netns_inode(netns)
    return expected is not None and ns_inode("self", "net") == expected


def run_in(argv: Sequence[str], *, netns: str, holder: int | None, hostname: str | None = None,
           timeout: float = 30.0, input_text: str | None = None,
           env: Mapping[str, str] | None = None) -> Completed:
    """Run a command to completion inside a router's namespaces (the guard applies as for daemons)."""
    host = host_identity()
    check_target(holder, netns, host)
    try:
        return process.capture(argv, timeout=timeout, input_text=input_text, env=env or _base_env(), cwd="/",
                               preexec_fn=lambda: enter(holder, netns, hostname, host))
    except process.TimedOut as exc:
        raise LabTimeout(f"`{' '.join(argv)}` in {netns} did not finish within {timeout:.0f} s") from exc
    except (OSError, process.Failed) as exc:
        raise LabError(f"`{' '.join(argv)}` could not run in {netns}: {exc}") from exc


# Popen objects of daemons this process started, so stopping one also reaps it (no zombies in long test runs).
_CHILDREN: dict[int, process.Child] = {}


def _base_env() -> dict[str, str]:
    return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
            "HOME": "/root", "MIBS": ""}


def pids_in_netns(inodes: set[int]) -> list[int]:
    """Every process inside one of these network namespaces (only ever asked for namespaces the lab made)."""
    found: list[int] = []
    if not inodes:
        return found
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}/ns/net").st_ino in inodes:
                    found.append(int(entry))
    return found


def terminate(pids: Iterable[tuple[int, int | None]], grace: float = 2.0) -> None:
    """SIGTERM each (pid, start time) that is still the process we started, SIGKILL what remains after `grace`."""
    targets = [(pid, start) for pid, start in pids if alive(pid, start)]
    for pid, _ in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap()
        if not any(alive(pid, start) for pid, start in targets):
            return
        time.sleep(0.02)
    for pid, start in targets:
        if alive(pid, start):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and any(alive(pid, start) for pid, start in targets):
        _reap()
        time.sleep(0.02)


def _reap() -> None:
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            del _CHILDREN[pid]
