"""The lab's own probes: an SSH banner over a raw socket, a vtysh prompt through `ssh`, an SNMP get through
`snmpget`. Secrets are read from the lab's files (key file, `snmp.conf`), never put on a command line.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ezgov_infra.errors import LabError, LabTimeout
from ezgov_infra.lab.ns import run

SYS_NAME = ".1.3.6.1.2.1.1.5.0"


def ssh_banner(address: str, timeout: float = 2.0) -> str:
    """The SSH server's identification line, or '' when nothing answers."""
    try:
        with socket.create_connection((address, 22), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(256).decode("ascii", "replace").strip()
    except OSError:
        return ""


def ssh_prompt(lab_dir: Path, address: str, timeout: float = 10.0) -> str:
    """Log in with the lab key and return what vtysh printed (its prompt carries the router's name)."""
    argv = ["ssh", "-tt", "-i", str(lab_dir / "id_ed25519"), "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={lab_dir / 'known_hosts'}", "-o", "StrictHostKeyChecking=yes",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", f"ConnectTimeout={max(1, int(timeout))}",
            "-o", "LogLevel=ERROR", f"ezgov@{address}"]
    try:
        done = run(argv, input_text="quit\n", timeout=timeout, check=False)
    except LabTimeout as exc:
        raise LabError(f"ssh {address}: no answer within {timeout:.0f} s") from exc
    if done.returncode not in (0, 1):
        raise LabError(f"ssh {address}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return done.stdout.replace("\r", "")


def snmp_get(lab_dir: Path, address: str, version: str, oid: str = SYS_NAME, timeout: float = 2.0) -> str:
    """One value by SNMP v2c or v3 (authPriv), as `snmpget -Oqv` prints it; '' when the agent does not answer."""
    target = f"udp6:[{address}]:161" if ":" in address else f"udp:{address}:161"
    argv = ["snmpget", "-v", version, "-Oqv", "-t", str(timeout), "-r", "0", target, oid]
    if version == "3":
        argv[3:3] = ["-l", "authPriv"]
    env = _client_env(lab_dir)
    try:
        done = run(argv, timeout=timeout + 3, env=env, check=False)
    except LabTimeout:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def snmp_walk(lab_dir: Path, address: str, version: str, oid: str, timeout: float = 3.0) -> dict[str, str]:
    """A subtree as {numeric OID: value}."""
    target = f"udp6:[{address}]:161" if ":" in address else f"udp:{address}:161"
    argv = ["snmpwalk", "-v", version, "-On", "-Oq", "-t", str(timeout), "-r", "1", target, oid]
    if version == "3":
        argv[3:3] = ["-l", "authPriv"]
    env = _client_env(lab_dir)
    done = run(argv, timeout=timeout * 20, env=env, check=False)
    if done.returncode != 0:
        raise LabError(f"snmpwalk {address}: {done.stderr.strip()}")
    rows = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        rows[key] = value.strip().strip('"')
    return rows


def tcp_open(address: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def _client_env(lab_dir: Path) -> dict[str, str]:
    """The net-snmp tools read the lab's `snmp.conf` and keep their own state in the lab folder."""
    persist = lab_dir / "snmp-client"
    persist.mkdir(mode=0o700, exist_ok=True)
    return {**os.environ, "SNMPCONFPATH": str(lab_dir), "SNMP_PERSISTENT_DIR": str(persist), "MIBS": "",
            "HOME": str(lab_dir)}
