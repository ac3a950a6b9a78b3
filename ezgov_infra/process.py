"""The one module that starts other programs: the lab's runner (`lab/ns.py`) and the few tools the other layers
call (ssh-keyscan, fc-list, git, the demo's own steps) all go through it, so `subprocess` is imported here only."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO

Completed = subprocess.CompletedProcess[str]
Child = subprocess.Popen[bytes]
TimedOut = subprocess.TimeoutExpired
Failed = subprocess.SubprocessError  # a child that could not be set up (its preexec refused), or ran out of time


def capture(argv: Sequence[str], *, timeout: float | None, input_text: str | None = None,
            env: Mapping[str, str] | None = None, cwd: str | None = None,
            preexec_fn: Callable[[], None] | None = None) -> Completed:
    """Run `argv` to completion with its output captured as text; the exit status is the caller's to judge.
    `env` replaces the environment (default: ours)."""
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, input=input_text,
                          env=dict(env) if env is not None else None, cwd=cwd, check=False, preexec_fn=preexec_fn)


def attached(argv: Sequence[str]) -> int:
    """Run `argv` on our own terminal (its output is the user's to read) and return its exit status."""
    return subprocess.call(list(argv))


def detached(argv: Sequence[str], *, log: IO[bytes] | None, env: Mapping[str, str] | None, pass_fds: Iterable[int],
             preexec_fn: Callable[[], None] | None) -> Child:
    """Start `argv` in its own session: stdin closed, output appended to `log` or dropped, working directory /."""
    return subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=log if log is not None else subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, env=dict(env) if env is not None else None,
                            start_new_session=True, pass_fds=tuple(pass_fds), cwd="/", preexec_fn=preexec_fn)


def stop_marked(marker: str, *, grace: float = 3.0) -> list[int]:
    """End every process whose command line holds `marker`, a path unique to one run of ours: what a program we
    started and that was killed leaves behind in sessions of its own (Ansible's workers call setsid, so killing the
    playbook's process group misses them). SIGTERM, then SIGKILL after `grace`; returns the PIDs found."""
    wanted, me = marker.encode(), os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if wanted in handle.read():
                    found.append(int(entry))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    for number in (signal.SIGTERM, signal.SIGKILL):
        left = []
        for pid in found:
            try:
                os.kill(pid, number)
                left.append(pid)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + (grace if number == signal.SIGTERM else 0.0)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = [pid for pid in left if os.path.exists(f"/proc/{pid}") and not _zombie(pid)]
        if not left:
            break
    return found


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except OSError:
        return True
