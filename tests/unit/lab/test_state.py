"""The state file survives a round trip and the machine lock is waited for, never broken."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab.state import LabState, NodeState, Proc, acquire_machine_lock, load_state, save_state


class TestStateFile:
    def test_round_trip(self, tmp_path: Path) -> None:
        state = LabState("ezhou", "/inv", Proc(10, 20), "ezlab0", ["2001:db8::/32"],
                         {"r1": NodeState("ezlab-r1", Proc(11, 21), {"zebra": Proc(12, 22)}, "ezlabc")},
                         ["EZ-EXT-0001"], {"ezfarm-0001": Proc(13, None)}, "ezfarm0")
        save_state(tmp_path, state)
        assert load_state(tmp_path) == state

    def test_no_file_is_an_empty_lab(self, tmp_path: Path) -> None:
        assert load_state(tmp_path) == LabState()

    def test_a_damaged_file_is_reported_with_its_line(self, tmp_path: Path) -> None:
        (tmp_path / "state.json").write_text('{\n  "nodes": [\n')
        with pytest.raises(LabError, match=r"state.json:\d+: lab state is not valid JSON"):
            load_state(tmp_path)

    def test_the_file_is_written_atomically_without_temp_files_left(self, tmp_path: Path) -> None:
        save_state(tmp_path, LabState("x"))
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


class TestMachineLock:
    def test_a_free_lock_is_taken(self, tmp_path: Path) -> None:
        fd = acquire_machine_lock(1.0, lock_path=tmp_path / "lab.lock")
        try:
            other = os.open(tmp_path / "lab.lock", os.O_RDWR)
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.close(other)
        finally:
            os.close(fd)

    def test_a_held_lock_is_waited_for_then_given_up_with_the_holder_named(self, tmp_path: Path) -> None:
        lock = tmp_path / "lab.lock"
        holder = os.open(lock, os.O_RDWR | os.O_CREAT)
        fcntl.flock(holder, fcntl.LOCK_EX)
        told: list[str] = []
        started = time.monotonic()
        try:
            with pytest.raises(LabError, match=f"held by pid {os.getpid()}"):
                acquire_machine_lock(0.6, told.append, lock_path=lock)
        finally:
            os.close(holder)
        assert time.monotonic() - started >= 0.5
        assert told and "waiting for another lab" in told[0]

    def test_the_lock_is_taken_once_the_holder_lets_go(self, tmp_path: Path) -> None:
        lock = tmp_path / "lab.lock"
        holder = os.open(lock, os.O_RDWR | os.O_CREAT)
        fcntl.flock(holder, fcntl.LOCK_EX)
        os.close(holder)
        os.close(acquire_machine_lock(0.5, lock_path=lock))
