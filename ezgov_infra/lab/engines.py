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
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
