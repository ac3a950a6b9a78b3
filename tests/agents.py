"""A private net-snmp agent on the loopback for the tests that poll a real one (the adapter, counters, the audit)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ezgov_infra.collect.snmp import SYS_UPTIME, SnmpSession, SnmpTarget
from ezgov_infra.errors import CollectTimeout
from ezgov_infra.models.credentials import SnmpCredentials


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _uptime(target: SnmpTarget) -> object:
    async with SnmpSession() as session:
        return (await session.get(target, SYS_UPTIME))[SYS_UPTIME]


@contextmanager
def private_snmpd(folder: Path, community: str, config: Callable[[int], str]) -> Iterator[int]:
    """Run snmpd in the foreground with `config(port)` on a free UDP port until the block ends; yields the port
    once the agent answers `community` on 127.0.0.1 (the config must allow it). Stopped by its PID."""
    binary = shutil.which("snmpd") or "/usr/sbin/snmpd"
    if not os.path.exists(binary):
        if os.environ.get("CI") == "true":
            pytest.fail("snmpd is not installed")
        pytest.skip("snmpd is not installed")
    port = free_udp_port()
    (folder / "snmpd.conf").write_text(config(port), encoding="utf-8")
    (folder / "persist").mkdir(exist_ok=True)
    process = subprocess.Popen([binary, "-f", "-Lf", str(folder / "log"), "-C", "-c", str(folder / "snmpd.conf"),
                                f"--persistentDir={folder / 'persist'}", "-I", "-smux,mteTrigger,mteTriggerConf"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = SnmpTarget("127.0.0.1", SnmpCredentials("2c", community=community), port=port, timeout=0.5, retries=0)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                asyncio.run(_uptime(probe))
                break
            except CollectTimeout:
                if time.monotonic() > deadline or process.poll() is not None:
                    log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
                    pytest.fail(f"snmpd did not answer: {log[-500:]}")
                time.sleep(0.1)
        yield port
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(10)
