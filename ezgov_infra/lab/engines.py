"""Prometheus and snmp_exporter from Debian's packages, run on loopback for the lab tests and the benchmarks.

Each engine is started with a generated configuration, waited for until its HTTP endpoint answers, and ended by
its PID (with its start time, so a reused PID is never signalled) when the block leaves, also on failure. They
listen on loopback only ([::1] or 127.0.0.1) and reach only the lab's own agents.

    with snmp_exporter(Path("snmp.yml"), log=Path("exporter.log")) as exporter:      # exporter.address
        with prometheus(Path("prometheus.yml"), data=Path("tsdb"), log=...) as server:  # server.url
            ...
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from ezgov_infra.errors import LabError
from ezgov_infra.lab.ns import alive, proc_start, run, start, terminate

SNMP_EXPORTER = ("prometheus-snmp-exporter", "snmp_exporter")
PROMETHEUS = ("prometheus",)


@dataclass(frozen=True, slots=True)
class Engine:
    pid: int
    address: str  # host:port as a client gives it, e.g. [::1]:9116

    @property
    def url(self) -> str:
        return f"http://{self.address}"


def binary(names: Sequence[str]) -> str:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/sbin")
        if found:
            return found
    raise LabError(f"{names[0]} is not installed (apt-get install {names[0]})")


def free_port(host: str = "::1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _running(argv: list[str], address: str, ready_path: str, log: Path, what: str,
             timeout: float = 30.0) -> Iterator[Engine]:
    log.parent.mkdir(parents=True, exist_ok=True)
    pid = start(argv, log=log)
    started = proc_start(pid)
    engine = Engine(pid, address)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if not alive(pid, started):
                tail = log.read_text(encoding="utf-8", errors="replace")[-800:]
                raise LabError(f"{what} exited: {tail}")
            try:
                with urllib.request.urlopen(engine.url + ready_path, timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise LabError(f"{what} did not answer on {address} within {timeout:.0f} s") from None
                time.sleep(0.2)
        yield engine
    finally:
        terminate([(pid, started)], grace=5.0)


def _listen(host: str, port: int | None) -> str:
    port = port or free_port(host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@contextlib.contextmanager
def snmp_exporter(config: Path, *, log: Path, host: str = "::1", port: int | None = None) -> Iterator[Engine]:
    """Debian's prometheus-snmp-exporter with `config`, listening on loopback."""
    address = _listen(host, port)
    argv = [binary(SNMP_EXPORTER), f"--config.file={config}", f"--web.listen-address={address}"]
    with _running(argv, address, "/", log, "snmp_exporter") as engine:
        yield engine


@contextlib.contextmanager
def prometheus(config: Path, *, data: Path, log: Path, host: str = "::1",
               port: int | None = None) -> Iterator[Engine]:
    """Debian's prometheus with `config` and its TSDB in `data`, listening on loopback."""
    address = _listen(host, port)
    argv = [binary(PROMETHEUS), f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address={address}", "--web.enable-lifecycle"]
    with _running(argv, address, "/-/ready", log, "prometheus") as engine:
        yield engine


def check(argv: Sequence[str]) -> str:
    """Run an engine's own checker (`promtool check config F`, `snmp_exporter --dry-run`); LabError on failure."""
    done = run(argv, timeout=60)
    return done.stdout + done.stderr


# ---- the distributed store and broker: PostgreSQL and Redis from Debian's packages, throwaway, on loopback

@dataclass(frozen=True, slots=True)
class Service:
    pid: int
    url: str  # what a client is given: postgresql://... or redis://...


def _as_postgres_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` account (setpriv execs, so the PID stays ours)."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--", *argv]


def _postgres_binary(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return binary((name,))


@contextlib.contextmanager
def postgresql(*, log: Path, host: str = "127.0.0.1", port: int | None = None, database: str = "ezgov",
               timeout: float = 30.0) -> Iterator[Service]:
    """A throwaway PostgreSQL cluster (initdb in a new temporary folder, trust auth on loopback and its own unix
    socket there), with `database` created; stopped by its PID and its folder removed when the block leaves."""
    folder = Path(tempfile.mkdtemp(prefix="ezgov-pg-"))
    data = folder / "data"
    port = port or free_port(host)
    pid: int | None = None
    started: int | None = None
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        run(_as_postgres_user([_postgres_binary("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                               "-E", "UTF8", "--no-sync"]), timeout=120)
        log.parent.mkdir(parents=True, exist_ok=True)
        pid = start(_as_postgres_user([_postgres_binary("postgres"), "-D", str(data), "-k", str(folder),
                                       "-h", host, "-p", str(port), "-c", "fsync=off",
                                       "-c", "max_connections=200"]), log=log)
        started = proc_start(pid)
        deadline = time.monotonic() + timeout
        while run([_postgres_binary("pg_isready"), "-q", "-h", str(folder), "-p", str(port)],
                  check=False, timeout=10).returncode != 0:
            if not alive(pid, started):
                raise LabError(f"postgres exited: {log.read_text(encoding='utf-8', errors='replace')[-800:]}")
            if time.monotonic() > deadline:
                raise LabError(f"postgres did not accept connections on {host}:{port} within {timeout:.0f} s")
            time.sleep(0.1)
        run([_postgres_binary("createdb"), "-h", str(folder), "-p", str(port), "-U", "postgres", database])
        yield Service(pid, f"postgresql://postgres@{host}:{port}/{database}")
    finally:
        if pid is not None and alive(pid, started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)  # fast shutdown: ends the backends too
            terminate([(pid, started)], grace=10.0)
        shutil.rmtree(folder, ignore_errors=True)


def _redis_answers(host: str, port: int, password: str | None) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as connection:
            connection.sendall((f"AUTH {password}\r\n" if password else "").encode() + b"PING\r\n")
            return b"+PONG" in connection.recv(64)
    except OSError:
        return False


@contextlib.contextmanager
def redis(*, log: Path, host: str = "127.0.0.1", port: int | None = None, timeout: float = 15.0) -> Iterator[Service]:
    """Debian's redis-server, nothing persisted; stopped by its PID when the block leaves. On loopback it needs no
    password; on another address (the lab's management bridge, for workers in poller namespaces) it gets a
    random one, which the URL carries."""
    folder = Path(tempfile.mkdtemp(prefix="ezgov-redis-"))
    port = port or free_port(host)
    password = None if ip_address(host).is_loopback else secrets.token_hex(16)
    log.parent.mkdir(parents=True, exist_ok=True)
    config = folder / "redis.conf"
    config.write_text(f"requirepass {password}\n" if password else "", encoding="utf-8")
    config.chmod(0o600)
    pid = start([binary(("redis-server",)), str(config), "--bind", host, "--port", str(port), "--save", "",
                 "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"], log=log)
    started = proc_start(pid)
    try:
        deadline = time.monotonic() + timeout
        while not _redis_answers(host, port, password):
            if not alive(pid, started):
                raise LabError(f"redis-server exited: {log.read_text(encoding='utf-8', errors='replace')[-800:]}")
            if time.monotonic() > deadline:
                raise LabError(f"redis-server did not answer on {host}:{port} within {timeout:.0f} s")
            time.sleep(0.05)
        yield Service(pid, f"redis://{':' + password + '@' if password else ''}{host}:{port}/0")
    finally:
        terminate([(pid, started)], grace=5.0)
        shutil.rmtree(folder, ignore_errors=True)
