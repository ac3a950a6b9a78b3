"""What the exporter reads from the history: failure streaks across runs and the newest interval rate."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.jobs.metrics import read_runs
from ezgov_infra.store.history import open_history


def record_audit(db: Path, failed: set[str], devices: tuple[str, ...] = ("r1", "r2")) -> int:
    with open_history(db) as history:
        return history.record_run("ipv6-audit", status="ok", results=[
            {"subject": d, "status": "failed" if d in failed else "ok",
             "category": "unreachable" if d in failed else None, "facts": {}} for d in devices])


class TestFailureStreaks:
    def test_a_device_failing_the_last_three_runs_has_a_streak_of_three(self, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        record_audit(db, {"r1", "r2"})
        record_audit(db, set())
        for _ in range(3):
            record_audit(db, {"r1"})
        stored = read_runs(db)
        assert stored.streaks["ipv6-audit"] == {"r1": 3}

    def test_a_run_that_did_not_cover_the_device_neither_breaks_nor_extends_it(self, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        record_audit(db, {"r1"})
        record_audit(db, set(), devices=("r2",))
        record_audit(db, {"r1"})
        assert read_runs(db).streaks["ipv6-audit"] == {"r1": 2}

    def test_failures_are_counted_by_category(self, tmp_path: Path) -> None:
        from ezgov_infra.ops.families import build
        from ezgov_infra.ops.index import MetricsIndex

        db = tmp_path / "history.sqlite"
        record_audit(db, {"r1", "r2"})
        index = MetricsIndex(digest="", device_site={"r1": "s1", "r2": "s2"},
                             site_district={"s1": "d1", "s2": "d1"})
        family = next(f for f in build(index, read_runs(db)) if f.name == "ezgov_collection_failures")
        assert family.samples == [(("ipv6-audit", "d1", "unreachable"), 2.0)]


class TestNewestRate:
    def test_the_newest_interval_of_the_newest_poll_gives_the_rate(self, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        with open_history(db) as history:
            old = history.start_run("bandwidth-poll")
            history.add_samples([{"device": "r1", "interface": "eth0", "ts": 0.0, "uptime": 100,
                                  "in_octets": 0, "out_octets": 0, "speed_mbps": 100}], old)
            history.finish_run(old, "ok")
            run = history.start_run("bandwidth-poll")
            history.add_samples([
                {"device": "r1", "interface": "eth0", "ts": 1000.0, "uptime": 100_000, "in_octets": 0,
                 "out_octets": 0, "speed_mbps": 100},
                {"device": "r1", "interface": "eth0", "ts": 1060.0, "uptime": 106_000, "in_octets": 75_000_000,
                 "out_octets": 7_500_000, "speed_mbps": 100},
                {"device": "r1", "interface": "eth0", "ts": 1120.0, "uptime": 112_000, "in_octets": 150_000_000,
                 "out_octets": 7_500_000, "speed_mbps": 100},
            ], run)
            history.finish_run(run, "ok")
        stored = read_runs(db)
        assert len(stored.rates) == 1
        device, interface, rate = stored.rates[0]
        assert (device, interface) == ("r1", "eth0")
        assert rate.in_bps == 75_000_000 * 8 / 60  # 10 Mbit/s over the last minute
        assert rate.out_bps == 0.0
