"""The router lab for lab tests: brought up once per session in a temporary state directory, always taken down.

`lab` yields an `ezgov_infra.lab.lab.Lab` built from the sample inventory: `state_dir`, `inventory`, `nodes`
(device id -> namespace and management addresses), `secrets` (parsed secrets.json), `exec(node, argv)`,
`vtysh(node, command)`, `pids(node)`, `stop_daemon/start_daemon(node, "sshd"|"snmpd")`, `spawn_in(node, argv)`.
If another lab holds /run/lock/ezgov-lab.lock the fixture waits for it. With CI=true a missing prerequisite
(root, frr, sshd, snmpd, iperf3...) fails the lab tests; elsewhere they are skipped with the reason.
For many SNMP agents, see `ezgov_infra.lab.farm.snmp_farm(count, lab=lab)`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from ezgov_infra.lab.lab import Lab
from tests.conftest import SAMPLE

LOCK_WAIT_SECONDS = 1800.0


def missing_prerequisites() -> list[str]:
    from ezgov_infra.jobs.lab import prerequisites

    problems = prerequisites()
    for tool in ("iperf3", "ping", "ssh", "snmpwalk"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed")
    return problems


def require_lab() -> None:
    """Skip here, fail in CI, when the lab cannot run on this machine."""
    problems = missing_prerequisites()
    if problems:
        message = "virtual lab unavailable: " + "; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_lab()
    from ezgov_infra.lab.topology import from_inventory
    from ezgov_infra.lab.validate import wait_converged
    from ezgov_infra.store.inventory import load_inventory

    state_dir = tmp_path_factory.mktemp("router-lab")
    router_lab = Lab(from_inventory(load_inventory(SAMPLE), "ezhou"), state_dir, SAMPLE)
    try:
        router_lab.up(lock_timeout=LOCK_WAIT_SECONDS)
        router_lab.wait_answering()
        wait_converged(router_lab)
        yield router_lab
    finally:
        router_lab.down()
