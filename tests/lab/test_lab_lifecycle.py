"""`up` is idempotent and repairs, `down` removes everything (also after a failed `up`), daemons restart on demand.

These tests take the session lab down and bring it back; each leaves it up and converged for the next.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab import daemons, probe
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.network import link_exists
from ezgov_infra.lab.ns import alive, netns_exists
from ezgov_infra.lab.validate import wait_converged
from tests.conftest import REPO

pytestmark = pytest.mark.lab


def lab_processes(lab: Lab) -> list[tuple[int, int | None]]:
    state = lab.state()
    procs = [(p.pid, p.start) for n in state.nodes.values() for p in n.daemons.values()]
    procs += [(n.holder.pid, n.holder.start) for n in state.nodes.values() if n.holder]
    return procs + ([(state.keeper.pid, state.keeper.start)] if state.keeper else [])


def ezgov(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ezgov_infra", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=False)


def restore(lab: Lab) -> None:
    lab.up()
    lab.wait_answering()
    wait_converged(lab)


class TestIdempotentUp:
    def test_a_second_up_changes_nothing(self, lab: Lab) -> None:
        before = lab.state().to_json()
        configs = {p: p.stat().st_mtime_ns for p in lab.lab_dir.glob("nodes/*/*.conf*")}
        lab.up()
        assert lab.state().to_json() == before
        assert {p: p.stat().st_mtime_ns for p in lab.lab_dir.glob("nodes/*/*.conf*")} == configs

    def test_up_restarts_a_daemon_that_died(self, lab: Lab) -> None:
        old = lab.pids("taihe-ar-1")["snmpd"]
        os.kill(old, signal.SIGKILL)
        lab.up()
        new = lab.pids("taihe-ar-1")["snmpd"]
        assert new != old
        assert probe.snmp_get(lab.lab_dir, lab.nodes["taihe-ar-1"].mgmt_ipv4 or "", "3", timeout=3)


class TestDaemonControl:
    def test_sshd_can_be_stopped_and_started(self, lab: Lab) -> None:
        address = lab.nodes["huarong-agg-1"].mgmt_ipv4 or ""
        lab.stop_daemon("huarong-agg-1", "sshd")
        try:
            assert "sshd" not in lab.pids("huarong-agg-1")
            assert not probe.tcp_open(address, 22)
        finally:
            lab.start_daemon("huarong-agg-1", "sshd")
        lab.wait_answering()
        assert probe.ssh_banner(address).startswith("SSH-2.0")

    def test_an_unknown_daemon_is_refused(self, lab: Lab) -> None:
        with pytest.raises(LabError, match="unknown lab daemon"):
            lab.start_daemon("huarong-agg-1", "telnetd")


class TestCommands:
    def test_status_json_lists_every_router_running(self, lab: Lab) -> None:
        done = ezgov("lab", "status", "--format", "json", "--state-dir", str(lab.state_dir))
        assert done.returncode == 0, done.stderr
        value = json.loads(done.stdout)
        assert value["up"] is True
        assert {n["node"] for n in value["nodes"]} == set(lab.nodes)
        assert all(n["running"] for n in value["nodes"])

    def test_exec_runs_vtysh_commands_and_programs(self, lab: Lab) -> None:
        done = ezgov("lab", "exec", "ez-core-1", "--state-dir", str(lab.state_dir), "--", "show", "version")
        assert done.returncode == 0 and "FRRouting" in done.stdout
        done = ezgov("lab", "exec", "ez-core-1", "--state-dir", str(lab.state_dir), "--", "hostname")
        assert done.stdout.strip() == "ez-core-1"

    def test_validate_exits_0_when_everything_passes(self, lab: Lab) -> None:
        done = ezgov("lab", "validate", "--state-dir", str(lab.state_dir), "--format", "json")
        assert done.returncode == 0, done.stdout[-2000:]
        assert json.loads(done.stdout)["passed"] is True

    def test_exec_on_an_unknown_node_names_the_nodes(self, lab: Lab) -> None:
        done = ezgov("lab", "exec", "nowhere", "--state-dir", str(lab.state_dir), "--", "hostname")
        assert done.returncode == 1
        assert "no running lab node 'nowhere'" in done.stderr


class TestDown:
    def test_down_leaves_no_namespace_link_or_process_and_keeps_the_guard_routes(self, lab: Lab) -> None:
        procs = lab_processes(lab)
        legs = [n.host_leg for n in lab.topology.nodes.values()]
        lab.down()
        try:
            assert not any(netns_exists(n.namespace) for n in lab.topology.nodes.values())
            assert not any(link_exists(leg) for leg in legs)
            assert not link_exists("ezlab0")
            assert not any(alive(pid, start) for pid, start in procs)
            routes = subprocess.run(["ip", "-6", "route", "show", "2001:db8::/32"], capture_output=True,
                                    text=True, check=True).stdout
            assert routes.startswith("unreachable 2001:db8::/32")
        finally:
            restore(lab)

    def test_down_after_an_up_that_failed_half_way_removes_what_it_made(self, lab: Lab,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        lab.down()
        real_start_all = daemons.start_all
        calls = []

        def fail_on_the_third_router(*args: object, **kwargs: object) -> bool:
            calls.append(1)
            if len(calls) == 3:
                raise LabError("injected failure")
            return real_start_all(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(daemons, "start_all", fail_on_the_third_router)
        try:
            with pytest.raises(LabError, match="injected failure"):
                lab.up()
            assert all(netns_exists(n.namespace) for n in lab.topology.nodes.values())
            procs = lab_processes(lab)
            assert procs
            monkeypatch.undo()
            lab.down()
            assert not any(netns_exists(n.namespace) for n in lab.topology.nodes.values())
            assert not any(alive(pid, start) for pid, start in procs)
        finally:
            monkeypatch.undo()
            restore(lab)
