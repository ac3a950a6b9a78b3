"""The batch runner: a Result per subject, failures categorised, a stuck subject cut off at its deadline."""

from __future__ import annotations

import threading
import time

from ezgov_infra.collect.runner import run_batch
from ezgov_infra.errors import AuthError, UnreachableError
from ezgov_infra.testing.progress import Recorder


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
        assert [(r.subject, r.value, r.category) for r in results] == [
            ("a", "A", None), ("auth", None, "auth"), ("dead", None, "unreachable"), ("bug", None, "parse"),
            ("b", "B", None)]
        assert "KeyError" in (results[3].message or "")

    def test_the_batch_names_its_failures_and_keeps_the_values_of_the_rest(self) -> None:
        def task(device: str) -> str:
            if device.startswith("dead"):
                raise UnreachableError(f"{device}: refused")
            return device.upper()

        batch = run_batch(["a", "dead1", "b", "dead2"], task, title="probe")
        assert batch.title == "probe" and len(batch) == 4 and not batch.ok
        assert batch.failed_subjects == ["dead1", "dead2"]
        assert batch.values() == {"a": "A", "b": "B"}
        assert batch.elapsed >= max(r.elapsed for r in batch)

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

    def test_progress_sees_every_subject_once_between_start_and_finish(self) -> None:
        recorder = Recorder()
        run_batch(["a", "b", "c"], lambda d: d, progress=recorder, title="collecting")
        assert (recorder.title, recorder.total, recorder.starts, recorder.finishes) == ("collecting", 3, 1, 1)
        assert sorted(recorder.subjects) == ["a", "b", "c"]

    def test_progress_hears_a_timed_out_subject_as_failed(self) -> None:
        release = threading.Event()
        recorder = Recorder()
        run_batch(["stuck"], lambda d: release.wait(30) and d, timeout=0.3, progress=recorder)
        release.set()
        assert [(r.subject, r.failed, r.category) for r in recorder.results] == [("stuck", True, "timeout")]

    def test_without_a_deadline_a_slow_subject_is_waited_for(self) -> None:
        def task(device: str) -> str:
            time.sleep(0.5)
            return device

        (result,) = run_batch(["slow"], task, timeout=None)
        assert result.value == "slow" and not result.failed

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
