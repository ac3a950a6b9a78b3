"""Processes and the namespace guard: PIDs are checked by start time; nothing runs in a missing namespace."""

from __future__ import annotations

import os
import subprocess

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab.ns import alive, proc_start, run, run_in, spawn, terminate


class TestProcesses:
    def test_a_running_process_is_alive_with_its_start_time(self) -> None:
        start = proc_start(os.getpid())
        assert start is not None
        assert alive(os.getpid(), start)

    def test_a_reused_pid_with_another_start_time_is_not_ours(self) -> None:
        start = proc_start(os.getpid())
        assert start is not None
        assert not alive(os.getpid(), start + 1)

    def test_terminate_stops_a_process_we_started(self) -> None:
        proc = subprocess.Popen(["sleep", "30"])
        start = proc_start(proc.pid)
        terminate([(proc.pid, start)], grace=2.0)
        assert proc.wait(timeout=3) != 0

    def test_terminate_leaves_a_process_whose_start_time_differs(self) -> None:
        proc = subprocess.Popen(["sleep", "30"])
        try:
            start = proc_start(proc.pid)
            assert start is not None
            terminate([(proc.pid, start + 1)], grace=0.1)
            assert proc.poll() is None
        finally:
            proc.kill()
            proc.wait()


class TestGuard:
    def test_nothing_starts_in_a_namespace_that_does_not_exist(self) -> None:
        with pytest.raises(LabError, match="ezlab-missing"):
            spawn(["sleep", "30"], netns="ezlab-missing", holder=None, hostname=None, log=None)

    def test_no_command_runs_in_a_namespace_that_does_not_exist(self) -> None:
        with pytest.raises(LabError, match="ezlab-missing does not exist; nothing started"):
            run_in(["true"], netns="ezlab-missing", holder=None)


class TestRun:
    def test_a_failing_command_is_quoted_with_its_error(self) -> None:
        with pytest.raises(LabError, match=r"`ls /nonexistent-path` failed: .*No such file"):
            run(["ls", "/nonexistent-path"])

    def test_a_missing_program_is_named(self) -> None:
        with pytest.raises(LabError, match="not installed"):
            run(["ezgov-no-such-program"])
