"""`<state_dir>/lab/state.json` and the locks; see the package docstring for the locking design.

The state file is rewritten (atomically) after every step that creates something, so `down` can remove what a
half-finished `up` left: namespaces, the bridge, host-side legs, holder and daemon PIDs (with their start times,
so a reused PID is never signalled), and the keeper that holds the machine-wide lab lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ezgov_infra.errors import LabError
from ezgov_infra.lab.ns import proc_start, start
from ezgov_infra.store.files import atomic_write, file_lock, private_folder

GLOBAL_LOCK = Path("/run/lock/ezgov-lab.lock")
STATE_FILE = "state.json"


@dataclass(slots=True)
class Proc:
    pid: int
    start: int | None


@dataclass(slots=True)
class NodeState:
    namespace: str
    holder: Proc | None = None
    daemons: dict[str, Proc] = field(default_factory=dict)
    host_leg: str | None = None


@dataclass(slots=True)
class LabState:
    topology: str = ""
    inventory: str | None = None
    keeper: Proc | None = None
    bridge: str | None = None
    routes: list[str] = field(default_factory=list)
    nodes: dict[str, NodeState] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    farm: dict[str, Proc] = field(default_factory=dict)
    farm_bridge: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LabState:
        def proc(value: Any) -> Proc | None:
            return Proc(int(value["pid"]), value.get("start")) if isinstance(value, dict) else None

        nodes = {}
        for name, item in (raw.get("nodes") or {}).items():
            daemons = {d: p for d, v in (item.get("daemons") or {}).items() if (p := proc(v))}
            nodes[name] = NodeState(item["namespace"], proc(item.get("holder")), daemons, item.get("host_leg"))
        farm = {n: p for n, v in (raw.get("farm") or {}).items() if (p := proc(v))}
        return cls(raw.get("topology", ""), raw.get("inventory"), proc(raw.get("keeper")), raw.get("bridge"),
                   list(raw.get("routes") or []), nodes, list(raw.get("links") or []), farm, raw.get("farm_bridge"))


def load_state(lab_dir: Path) -> LabState:
    path = lab_dir / STATE_FILE
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return LabState()
    except json.JSONDecodeError as exc:
        raise LabError(f"{path}:{exc.lineno}: lab state is not valid JSON ({exc.msg}); "
                       "remove what it lists by hand (ip netns list) and delete the file") from exc
    try:
        return LabState.from_dict(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"{path}: lab state is not in the expected form ({exc})") from exc


def save_state(lab_dir: Path, state: LabState) -> None:
    atomic_write(lab_dir / STATE_FILE, state.to_json())


@contextlib.contextmanager
def state_dir_lock(lab_dir: Path) -> Iterator[None]:
    """Serializes `up` and `down` on one state directory (readers never take it)."""
    private_folder(lab_dir)  # it holds the lab's keys and passwords
    with file_lock(lab_dir, ".lab.lock"):
        yield


def keep_machine_lock(timeout: float | None, on_wait: Callable[[str], None] | None = None,
                      lock_path: Path = GLOBAL_LOCK, busy: str | None = None) -> Proc:
    """Take a machine-wide lock (waiting for it) and hand it to a keeper process, which holds it until it is
    terminated: the lock lives as long as the lab it guards, not as long as this command."""
    fd = acquire_machine_lock(timeout, on_wait, lock_path, busy)
    try:
        pid = start(["sleep", "infinity"], pass_fds=(fd,))
    finally:
        os.close(fd)  # the keeper's copy of the descriptor keeps the lock
    return Proc(pid, proc_start(pid))


def acquire_machine_lock(timeout: float | None, on_wait: Callable[[str], None] | None = None,
                         lock_path: Path = GLOBAL_LOCK, busy: str | None = None) -> int:
    """Wait (never break it) for a machine-wide lock (the lab's by default); returns the open, locked file
    descriptor. `busy` is the message when `timeout` runs out."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    started = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            waited = time.monotonic() - started
            if timeout is not None and waited >= timeout:
                os.close(fd)
                if busy is not None:
                    raise LabError(busy) from None
                raise LabError(f"another virtual lab holds {lock_path} (held {holder_hint(lock_path)}); "
                               f"gave up after {timeout:.0f} s. Wait for it or take it down with "
                               "`ezgov lab down --state-dir ...` of its owner") from None
            if on_wait and not told:
                on_wait(f"waiting for another lab to finish ({lock_path}, {holder_hint(lock_path)})")
                told = True
            time.sleep(0.5)


def holder_hint(lock_path: Path) -> str:
    """Which processes hold the lock, from /proc/locks, for the waiting message."""
    try:
        inode = os.stat(lock_path).st_ino
        pids = []
        for line in Path("/proc/locks").read_text().splitlines():
            parts = line.split()
            if len(parts) > 5 and parts[5].rsplit(":", 1)[-1] == str(inode):
                pids.append(parts[4])
        return "by pid " + ", ".join(sorted(set(pids))) if pids else "by an unknown process"
    except OSError:
        return "by an unknown process"
