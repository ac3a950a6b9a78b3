"""The batch runner: a Result per device, failures categorised, a stuck device cut off at its deadline."""

from __future__ import annotations

import threading
import time

from ezgov_infra.collect.runner import run_batch
from ezgov_infra.errors import AuthError, UnreachableError


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, bool, str]] = []
        self.total = 0

    def started(self, total: int, title: str) -> None:
        self.total = total

    def advance(self, device: str, ok: bool, detail: str) -> None:
        self.events.append((device, ok, detail))

    def finished(self) -> None:
        self.events.append(("done", True, ""))


class TestRunBatch:
    def test_each_failure_is_categorised_and_the_others_complete(self) -> None:
        def task(device: str) -> str:
            if device == "auth":
                raise AuthError("auth: wrong password")
            if device == "dead":
                raise UnreachableError("dead: refused")
            if device == "bug":
                raise KeyError("oops")
            return device.upper()

        results = run_batch(["a", "auth", "dead", "bug", "b"], task, workers=2)
        assert [(r.device, r.value, r.category) for r in results] == [
            ("a", "A", None), ("auth", None, "auth"), ("dead", None, "unreachable"), ("bug", None, "parse"),
            ("b", "B", None)]
        assert "KeyError" in (results[3].message or "")

    def test_a_stuck_device_times_out_within_its_deadline(self) -> None:
        release = threading.Event()

        def task(device: str) -> str:
            if device == "stuck":
                release.wait(30)
            return device

        started = time.monotonic()
        results = run_batch(["stuck", "fine"], task, workers=4, timeout=0.5)
        elapsed = time.monotonic() - started
        release.set()
        assert results[0].category == "timeout" and results[1].value == "fine"
        assert elapsed < 3

    def test_progress_sees_every_device_once(self) -> None:
        recorder = Recorder()
        run_batch(["a", "b", "c"], lambda d: d, progress=recorder)
        assert recorder.total == 3
        assert sorted(e[0] for e in recorder.events[:-1]) == ["a", "b", "c"] and recorder.events[-1][0] == "done"

    def test_workers_bound_concurrency(self) -> None:
        lock, running, peak = threading.Lock(), [0], [0]

        def task(device: str) -> str:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return device

        run_batch([str(i) for i in range(12)], task, workers=3)
        assert peak[0] <= 3
