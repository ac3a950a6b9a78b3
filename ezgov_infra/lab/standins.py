"""Stand-in legacy services in the lab, so a migration wave can be cut over for real (`ezgov migrate stage`).

Each staged system is a small HTTP server serving a generated data folder, running in the namespace of the lab
router that stands for its hosting site, bound to service addresses on that router's `lo` (OSPF announces them).
The record `<state_dir>/lab/legacy.json` lists every staged system and every server process (PID and start time,
so a reused PID is never signalled), whoever started it: stage, or the cutover playbook through the runbook's
start/stop commands, which are this module run as a program:

    python -m ezgov_infra.lab.standins start --state-dir S --system ID --side source|target
    python -m ezgov_infra.lab.standins stop  --state-dir S --system ID --side source|target

`start` refuses to run outside the namespace the record names for that side. Service addresses come only from
203.0.113.32/28 and 2001:db8:0:3::/64, blocks nothing else in the lab uses; removal never touches other addresses.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Network, IPv6Network, ip_interface
from pathlib import Path
from typing import Any

from ezgov_infra.errors import InputError, LabError
from ezgov_infra.lab.ns import alive, inside, netns_exists, proc_start, run, start, terminate
from ezgov_infra.lab.state import Proc
from ezgov_infra.store.files import atomic_write, file_lock

RECORD = "legacy.json"
DATA_DIR = "legacy"
PORT = 8080
SERVICE_V4 = IPv4Network("203.0.113.32/28")
SERVICE_V6 = IPv6Network("2001:db8:0:3::/64")
CAPACITY = 14  # .33 to .46: the block's network and broadcast addresses stay unused
SIDES = ("source", "target")


def service_addresses(index: int) -> list[str]:
    """The IPv4 /32 and IPv6 /128 of the index-th system of a wave (0-based); the IPv6 one reads like the IPv4."""
    if not 0 <= index < CAPACITY:
        raise InputError(f"the lab's service block holds {CAPACITY} systems per wave; system number {index + 1} "
                         "does not fit")
    v4 = SERVICE_V4.network_address + 1 + index
    last = str(v4).rsplit(".", 1)[1]
    return [f"{v4}/32", f"{SERVICE_V6.network_address + int(last, 16)}/128"]


def in_service_block(address: str) -> bool:
    net = ip_interface(address).network
    return net.subnet_of(SERVICE_V4) if net.version == 4 else net.subnet_of(SERVICE_V6)


def url_host(address: str) -> str:
    ip = ip_interface(address).ip
    return f"[{ip}]" if ip.version == 6 else str(ip)


@dataclass(slots=True)
class StagedSystem:
    """One system as staged: where its stand-in runs today and will run, and the processes serving it."""

    name: str
    source: str
    target: str
    client: str
    namespaces: dict[str, str]
    addresses: list[str]
    source_dir: str
    target_dir: str
    urls: list[str]
    processes: dict[str, Proc] = field(default_factory=dict)

    def folder(self) -> Path:
        return Path(self.source_dir).parent


@dataclass(slots=True)
class Staging:
    plan: str = ""
    wave: str = ""
    port: int = PORT
    runbook: str | None = None
    runbook_sha256: str | None = None
    systems: dict[str, StagedSystem] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Staging:
        systems = {}
        for system_id, item in (raw.get("systems") or {}).items():
            procs = {side: Proc(int(p["pid"]), p.get("start")) for side, p in (item.get("processes") or {}).items()}
            systems[system_id] = StagedSystem(**{**item, "processes": procs})
        return cls(raw.get("plan", ""), raw.get("wave", ""), int(raw.get("port", PORT)), raw.get("runbook"),
                   raw.get("runbook_sha256"), systems)


# -- the record ---------------------------------------------------------------------------------------------------
def lab_dir_of(state_dir: Path) -> Path:
    return state_dir.resolve() / "lab"


def load_staging(lab_dir: Path) -> Staging:
    path = lab_dir / RECORD
    try:
        return Staging.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return Staging()
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LabError(f"{path}: the record of staged legacy services is damaged ({exc}); stop the servers it "
                       "lists by hand and delete it") from exc


def save_staging(lab_dir: Path, staging: Staging) -> None:
    path = lab_dir / RECORD
    if not staging.systems and not staging.plan:
        path.unlink(missing_ok=True)
        return
    atomic_write(path, json.dumps(asdict(staging), indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def edit_staging(lab_dir: Path) -> Iterator[Staging]:
    """Read, change and rewrite the record under the lab folder's lock (the playbook's start/stop also write it)."""
    with file_lock(lab_dir):
        staging = load_staging(lab_dir)
        yield staging
        save_staging(lab_dir, staging)


# -- addresses ----------------------------------------------------------------------------------------------------
def add_addresses(namespace: str, addresses: list[str], interface: str = "lo") -> None:
    for address in addresses:
        _check_block(address)
        extra = ["nodad"] if ip_interface(address).version == 6 else []
        run(["ip", "-n", namespace, "address", "replace", address, "dev", interface, *extra])


def remove_addresses(namespace: str, addresses: list[str], interface: str = "lo") -> list[str]:
    """Delete those of `addresses` that are present; returns what was removed (a gone namespace has none)."""
    removed: list[str] = []
    if not netns_exists(namespace):
        return removed
    shown = run(["ip", "-n", namespace, "-o", "address", "show", "dev", interface], check=False).stdout
    present = {word for line in shown.splitlines() for word in line.split() if "/" in word}
    for address in addresses:
        _check_block(address)
        if ip_interface(address).with_prefixlen in present:
            run(["ip", "-n", namespace, "address", "del", address, "dev", interface])
            removed.append(address)
    return removed


def _check_block(address: str) -> None:
    if not in_service_block(address):
        raise LabError(f"{address} is outside the lab's service blocks {SERVICE_V4} and {SERVICE_V6}")


# -- the stand-in service -----------------------------------------------------------------------------------------
class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


class _V4Server(ThreadingHTTPServer):
    address_family = socket.AF_INET
    daemon_threads = True


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


def serve(directory: Path, binds: list[str], port: int) -> None:
    """Serve `directory` on each address until SIGTERM or SIGINT."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    handler = functools.partial(_Quiet, directory=str(directory))
    servers: list[ThreadingHTTPServer] = []
    for bind in binds:
        server_class = _V6Server if ":" in bind else _V4Server
        servers.append(server_class((bind, port), handler))
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    for server in servers:
        server.shutdown()
        server.server_close()


def start_service(state_dir: Path, system_id: str, side: str, wait: float = 10.0) -> int:
    """Start the system's server on `side` in the current namespace and record it; no-op if it already runs."""
    lab_dir = lab_dir_of(state_dir)
    staged, staging = _staged(lab_dir, system_id, side)
    namespace = staged.namespaces[side]
    if not inside(namespace):
        raise LabError(f"safety guard: {system_id} {side} must start inside {namespace}; nothing started")
    running = staged.processes.get(side)
    if running and alive(running.pid, running.start):
        return running.pid
    directory = Path(staged.source_dir if side == "source" else staged.target_dir)
    if not (directory / "index.html").is_file():
        raise LabError(f"{directory}: no data to serve for {system_id}")
    binds = [str(ip_interface(a).ip) for a in staged.addresses]
    argv = [sys.executable, "-m", "ezgov_infra.lab.standins", "serve", "--dir", str(directory),
            "--port", str(staging.port), *[arg for b in binds for arg in ("--bind", b)]]
    log = staged.folder() / f"{side}.log"
    pid = start(argv, log=log)
    server = Proc(pid, proc_start(pid))
    with edit_staging(lab_dir) as current:
        if system_id in current.systems:
            current.systems[system_id].processes[side] = server
    deadline = time.monotonic() + wait
    pending = list(binds)
    while pending:
        if not alive(server.pid, server.start):
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise LabError(f"{system_id}: the {side} service exited at once: {' / '.join(tail)}")
        with contextlib.suppress(OSError), socket.create_connection((pending[0], staging.port), timeout=0.5):
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise LabError(f"{system_id}: the {side} service does not listen on {pending[0]} port {staging.port}")
        time.sleep(0.05)
    return pid


def stop_service(state_dir: Path, system_id: str, side: str) -> bool:
    """Stop the recorded server of `side` (only if it is still the process started); True if one was running."""
    lab_dir = lab_dir_of(state_dir)
    with edit_staging(lab_dir) as staging:
        staged = staging.systems.get(system_id)
        proc = staged.processes.pop(side, None) if staged else None
    if proc is None or not alive(proc.pid, proc.start):
        return False
    terminate([(proc.pid, proc.start)])
    return True


def _staged(lab_dir: Path, system_id: str, side: str) -> tuple[StagedSystem, Staging]:
    if side not in SIDES:
        raise InputError(f"side {side!r}: source or target")
    staging = load_staging(lab_dir)
    staged = staging.systems.get(system_id)
    if staged is None:
        raise InputError(f"{lab_dir / RECORD}: {system_id} is not staged")
    return staged, staging


# -- unstaging ----------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class UnstageResult:
    plan: str
    wave: str
    systems: list[str] = field(default_factory=list)
    processes_stopped: int = 0
    addresses_removed: list[str] = field(default_factory=list)
    folders_removed: list[str] = field(default_factory=list)
    runbook_removed: str | None = None
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        return [{"plan": self.plan or "-", "wave": self.wave or "-", "systems": len(self.systems),
                 "processes_stopped": self.processes_stopped, "addresses_removed": len(self.addresses_removed),
                 "folders_removed": len(self.folders_removed), "runbook_removed": self.runbook_removed or "-"}]


def unstage(state_dir: Path, plan: str | None = None) -> UnstageResult:
    """Stop every recorded server, take the service addresses off source and target `lo`, delete the data
    folders and the runbook stage wrote (unless someone changed it). With `plan`, that plan must be the one
    staged. Works with the lab up or already down; what is already gone is skipped."""

    lab_dir = lab_dir_of(state_dir)
    with file_lock(lab_dir):
        staging = load_staging(lab_dir)
    if plan is not None and staging.plan and staging.plan != plan:
        raise InputError(f"plan {plan!r} is not staged in {lab_dir} (staged: {staging.plan} wave {staging.wave})")
    result = UnstageResult(staging.plan, staging.wave, sorted(staging.systems))
    if not staging.systems and not staging.plan:
        result.notes.append(f"nothing staged in {lab_dir}")
        return result
    procs = [(p.pid, p.start) for s in staging.systems.values() for p in s.processes.values()]
    running = [(pid, start) for pid, start in procs if alive(pid, start)]
    terminate(running)
    result.processes_stopped = len(running)
    for staged in staging.systems.values():
        for namespace in sorted(set(staged.namespaces.values())):
            result.addresses_removed += [f"{namespace} {a}" for a in remove_addresses(namespace, staged.addresses)]
        folder = staged.folder()
        if folder.parent == lab_dir / DATA_DIR and folder.exists():
            shutil.rmtree(folder)
            result.folders_removed.append(str(folder))
    if staging.runbook:
        runbook = Path(staging.runbook)
        if runbook.exists():
            if hashlib.sha256(runbook.read_bytes()).hexdigest() == staging.runbook_sha256:
                runbook.unlink()
                result.runbook_removed = str(runbook)
            else:
                result.notes.append(f"{runbook} was changed after staging; kept")
    with contextlib.suppress(OSError):
        (lab_dir / DATA_DIR).rmdir()  # only when empty
    with file_lock(lab_dir):
        save_staging(lab_dir, Staging())
    return result


def unstage_all(state_dir: Path) -> UnstageResult:
    """Remove whatever legacy services are staged in this state directory (for `ezgov lab down`)."""
    return unstage(state_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ezgov_infra.lab.standins",
                                     description="Start, stop or run a staged legacy service of the lab.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop"):
        command = commands.add_parser(name)
        command.add_argument("--state-dir", type=Path, required=True)
        command.add_argument("--system", required=True)
        command.add_argument("--side", choices=SIDES, required=True)
    serving = commands.add_parser("serve")
    serving.add_argument("--dir", type=Path, required=True)
    serving.add_argument("--port", type=int, default=PORT)
    serving.add_argument("--bind", action="append", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            serve(args.dir, args.bind, args.port)
        elif args.command == "start":
            start_service(args.state_dir, args.system, args.side)
        else:
            stop_service(args.state_dir, args.system, args.side)
    except (LabError, InputError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
