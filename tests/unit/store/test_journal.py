"""Changes to several files land together: `inventory remove --cascade` killed at every step, then recovered."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ezgov_infra.store import journal

STRACE = shutil.which("strace")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def ezgov(*args: str | Path, state: Path, kill_at: tuple[str, int] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "ezgov_infra", *map(str, args)]
    if kill_at is not None:
        assert STRACE
        syscall, n = kill_at
        # SIGKILL delivered as the process enters its n-th call of `syscall` (which then never runs)
        argv = [STRACE, "-qq", "-o", os.devnull, "-e", f"trace={syscall}",
                "-e", f"inject={syscall}:signal=KILL:when={n}", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "EZGOV_STATE_DIR": str(state), "COLUMNS": "200"})


@pytest.mark.skipif(STRACE is None, reason="strace is needed to kill a command at a chosen system call")
class TestCascadeKilledAtEveryStep:
    def test_the_next_command_finds_the_inventory_before_or_after_the_removal_never_between(
            self, inventory_copy: Path, tmp_path: Path) -> None:
        state = tmp_path / "state"
        pristine = tmp_path / "pristine"
        shutil.copytree(inventory_copy, pristine)
        before = snapshot(pristine)
        done = ezgov("inventory", "remove", "tujianao-gsc", "--cascade", "-i", inventory_copy, state=state)
        assert done.returncode == 0, done.stderr
        after = snapshot(inventory_copy)
        assert sum(before[name] != after[name] for name in before) >= 4  # a removal across several files

        kills = 0
        outcomes = {"before": 0, "after": 0}
        # a file is synced before each rename, and each rename makes a change visible: every step of the commit
        for syscall in ("fsync", "rename"):
            n = 1
            while True:
                folder = tmp_path / f"{syscall}-{n}"
                shutil.copytree(pristine, folder)
                run = ezgov("inventory", "remove", "tujianao-gsc", "--cascade", "-i", folder, state=state,
                            kill_at=(syscall, n))
                if run.returncode == 0:
                    break  # the n-th call never came: every step was tried
                assert run.returncode in (-9, 137), run.stderr
                kills += 1
                check = ezgov("inventory", "validate", "-i", folder, state=state)
                assert check.returncode == 0, f"killed at {syscall} #{n}: {check.stderr}"
                now = snapshot(folder)
                assert now in (before, after), f"killed at {syscall} #{n}: a mix of old and new files"
                outcomes["before" if now == before else "after"] += 1
                assert not (folder / journal.JOURNAL).exists()
                assert not list(folder.glob(".*.tmp"))
                shutil.rmtree(folder)
                n += 1
        assert kills >= 8 and outcomes["before"] and outcomes["after"], (kills, outcomes)


class TestRecovery:
    def test_temporaries_without_a_journal_are_a_change_that_never_happened(self, tmp_path: Path) -> None:
        (tmp_path / "a.yaml").write_text("old\n")
        (tmp_path / ".a.yaml.txn-x1.tmp").write_text("new\n")
        assert journal.recover(tmp_path)
        assert (tmp_path / "a.yaml").read_text() == "old\n"
        assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]

    def test_a_journal_is_finished_whatever_was_renamed_already(self, tmp_path: Path) -> None:
        (tmp_path / "a.yaml").write_text("new a\n")  # renamed before the kill
        (tmp_path / "b.yaml").write_text("old b\n")
        (tmp_path / ".b.yaml.txn-x2.tmp").write_text("new b\n")
        (tmp_path / journal.JOURNAL).write_text(json.dumps(
            {"rename": [[".a.yaml.txn-x1.tmp", "a.yaml"], [".b.yaml.txn-x2.tmp", "b.yaml"]]}))
        assert journal.recover(tmp_path)
        assert (tmp_path / "a.yaml").read_text() == "new a\n"
        assert (tmp_path / "b.yaml").read_text() == "new b\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]

    def test_a_reader_finishes_an_interrupted_change_before_it_reads(self, inventory_copy: Path) -> None:
        from ezgov_infra.store.inventory import read_inventory

        devices = inventory_copy / "devices.yaml"
        text = devices.read_text(encoding="utf-8")
        (inventory_copy / ".devices.yaml.txn-x1.tmp").write_text(
            text.replace("model: MSR3620", "model: MSR3620-NEW", 1), encoding="utf-8")
        (inventory_copy / journal.JOURNAL).write_text(json.dumps(
            {"rename": [[".devices.yaml.txn-x1.tmp", "devices.yaml"]]}))
        inventory, problems = read_inventory(inventory_copy)
        assert problems == []
        assert "MSR3620-NEW" in {d.model for d in inventory.devices.values()}
        assert not (inventory_copy / journal.JOURNAL).exists()

    def test_a_commit_of_several_files_leaves_no_journal_and_no_temporaries(self, tmp_path: Path) -> None:
        (tmp_path / "a.yaml").write_text("old a\n")
        journal.commit(tmp_path, {"a.yaml": "new a\n", "b.yaml": "new b\n"})
        assert (tmp_path / "a.yaml").read_text() == "new a\n" and (tmp_path / "b.yaml").read_text() == "new b\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]
