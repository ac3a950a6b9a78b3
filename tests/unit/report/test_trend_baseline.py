"""The trend of an audit figure compares with the last earlier run of the same scope."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.jobs.report import read_history
from ezgov_infra.store.history import open_history


def record(path: Path, scope: str) -> int:
    with open_history(path) as history:
        return history.record_run("ipv6-audit", scope=scope, status="ok", summary={})


class TestTrendBaseline:
    def test_a_narrow_re_audit_is_not_the_baseline_of_a_full_audit(self, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        first_full = record(db, "")
        record(db, "device:tujianao-ar-1,device:liangzihu-agg-1")
        latest_full = record(db, "")
        runs, previous, _, _ = read_history(db, "latest")
        assert runs["ipv6-audit"].id == latest_full
        assert previous["ipv6-audit"].id == first_full

    def test_with_no_earlier_run_of_that_scope_there_is_no_trend(self, tmp_path: Path) -> None:
        db = tmp_path / "history.sqlite"
        record(db, "")
        record(db, "device:tujianao-ar-1")
        runs, previous, _, _ = read_history(db, "latest")
        assert runs["ipv6-audit"].summary == {}
        assert "ipv6-audit" not in previous
