"""The SNMP collector against recorded walks of real devices, served by snmpsim (a real SNMP agent simulator) on
loopback, on a port that is not 161. Each case in tests/data/real/snmp/<case>/ has the recording, its SOURCE and
the facts written by hand from it (`expected.yaml`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ezgov_infra.collect import snmp
from ezgov_infra.collect.credentials import SnmpCredentials

CASES = Path(__file__).resolve().parents[2] / "data" / "real" / "snmp"
RESPONDER = Path(sys.executable).parent / "snmpsim-command-responder"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def agent() -> Iterator[int]:
    """snmpsim serving every recording (community = the file's name), on loopback only."""
    if not RESPONDER.exists():
        pytest.skip("snmpsim is not installed (pip install -e '.[dev]')")
    folder = Path(tempfile.mkdtemp(prefix="ezgov-snmpsim-"))
    os.chmod(folder, 0o755)
    for recording in CASES.glob("*/*.snmprec"):
        shutil.copy(recording, folder / recording.name)
        os.chmod(folder / recording.name, 0o644)
    (folder / "cache").mkdir()
    # snmpsim refuses root unless told: as root (CI), it is told, rather than started as `nobody`, who cannot reach
    # the interpreter when the checkout lies under a private folder (`mktemp -d` makes them 0700)
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    port = free_udp_port()
    log = folder / "snmpsim.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(RESPONDER), f"--data-dir={folder}", f"--cache-dir={folder / 'cache'}",
                                    f"--agent-udpv4-endpoint=127.0.0.1:{port}"], stdout=out,
                                   stderr=subprocess.STDOUT, cwd=folder, env=env)
    try:
        deadline = time.monotonic() + 30
        while b"Listening at UDP/IPv4 endpoint" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"snmpsim did not start: {log.read_text(errors='replace')[-800:]}")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "expected.yaml").exists())


@pytest.mark.parametrize("case", cases())
def test_facts_equal_what_the_recording_holds(agent: int, case: str) -> None:
    expected = yaml.safe_load((CASES / case / "expected.yaml").read_text(encoding="utf-8"))
    target = snmp.SnmpTarget("127.0.0.1", SnmpCredentials("2c", community=case), port=agent, timeout=3)
    facts = snmp.collect(target, device=case, platform="any")
    assert facts.software.startswith(expected["software_starts"])
    seen4 = {i.name: [str(a) for a in i.ipv4] for i in facts.interfaces if i.ipv4}
    seen6 = {i.name: [str(a) for a in i.ipv6] for i in facts.interfaces if i.ipv6}
    assert seen4 == expected["ipv4"]
    assert seen6 == expected["ipv6"]
    forwarding = {None: "unknown", True: True, False: False}[facts.routing.ipv6_forwarding]
    assert forwarding == expected["ipv6_forwarding"]


def test_the_default_port_is_not_where_the_recordings_answer(agent: int) -> None:
    """The port comes from the target: the same request on 161 gets no answer from snmpsim."""
    assert agent != 161


def test_the_recordings_cover_cisco_huawei_and_h3c() -> None:
    vendors = {case.split("_")[0] for case in cases()}
    assert {"cisco", "huawei", "hp"} <= vendors, vendors
