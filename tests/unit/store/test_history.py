"""The history store speaks the same way on SQLite (the default) and PostgreSQL (`EZGOV_DATABASE_URL`)."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.store.history import open_history


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str | None]]:
    """(SQLite path, PostgreSQL URL or None): where `open_history` puts the history for this parameter."""
    if request.param == "sqlite":
        yield tmp_path / "history.sqlite", None
        return
    url: str = request.getfixturevalue("postgres_url")
    with open_history(tmp_path / "unused.sqlite", url=url) as history:
        for table in ("samples", "findings", "results", "runs"):
            history.sql.run(f"DELETE FROM {table}")
    yield tmp_path / "unused.sqlite", url
    assert not (tmp_path / "unused.sqlite").exists()



class TestRuns:
    def test_a_run_with_results_and_findings_reads_back(self, store: tuple[Path, str | None]) -> None:
        path, url = store
        with open_history(path, url=url) as history:
            first = history.record_run(
                "ipv6-audit", scope="all", status="ok", summary={"devices": 2, "名": "鄂州"},
                results=[{"subject": "r2", "status": "failed", "category": "unreachable", "message": "r2: down"},
                         {"subject": "r1", "status": "ok", "elapsed": 1.25,
                          "facts": {"software": {"version": "8.4"}, "ipv6_forwarding": True}}],
                findings=[{"subject": "r1", "rule": "V6-001", "severity": "high", "message": "no ra guard",
                           "evidence": {"interface": "eth0"}}])
            second = history.start_run("ipv6-audit", scope="r1")
            assert second > first
            history.add(second, results=[{"subject": "r1", "status": "ok"}])
            history.add(second, results=[{"subject": "r1", "status": "failed", "category": "timeout"}])
            history.finish_run(second, "failed", {"devices": 1})

            assert [r["id"] for r in history.runs("ipv6-audit")] == [second, first]
            assert history.run(first)["summary"] == {"devices": 2, "名": "鄂州"}  # type: ignore[index]
            assert history.latest_run("ipv6-audit", status="ok")["id"] == first  # type: ignore[index]
            results = history.results(first)
            assert [r["subject"] for r in results] == ["r1", "r2"]
            assert results[0]["facts"]["software"] == {"version": "8.4"} and results[0]["elapsed"] == 1.25
            assert results[1]["category"] == "unreachable" and results[1]["facts"] == {}
            # a subject written twice in one run keeps its last result, not two rows
            assert [(r["status"], r["category"]) for r in history.results(second)] == [("failed", "timeout")]
            assert history.findings(first, severity=["high"])[0]["evidence"] == {"interface": "eth0"}
            assert history.findings(first, severity=["low"]) == []
            assert history.finding_keys(first) == [{"subject": "r1", "rule": "V6-001", "severity": "high"}]
            assert history.statuses(first, ["r1", "r2", "r9"]) == {"r1": "ok", "r2": "failed"}
            assert set(history.last_finished()) == {"ipv6-audit"}

    def test_named_facts_are_extracted_by_the_database(self, store: tuple[Path, str | None]) -> None:
        path, url = store
        with open_history(path, url=url) as history:
            run_id = history.record_run("ipv6-audit", status="ok", results=[
                {"subject": "r1", "status": "ok", "facts": {"software": {"version": "8.4", "vendor": "frr"},
                                                            "ipv6_forwarding": True, "big": list(range(50))}},
                {"subject": "r2", "status": "failed", "category": "auth"}])
            rows = history.result_facts(run_id, ["software.version", "ipv6_forwarding", "missing"])
        assert rows[0]["facts"] == {"software": {"version": "8.4"}, "ipv6_forwarding": True}
        assert rows[1] == {"subject": "r2", "status": "failed", "category": "auth", "message": None, "facts": {}}

    @pytest.mark.parametrize(("keys", "expected"), [
        (("readiness", "score.readiness"), {"r0": {}, "r1": {}, "r2": {"readiness": "ready",
                                                                       "score": {"readiness": "partial"}},
                                            "r3": {}}),
        (("site",), {"r0": {"site": ""}, "r1": {}, "r2": {"site": "s2"}, "r3": {"site": "站点"}}),
        (("checks",), {"r0": {}, "r1": {}, "r2": {}, "r3": {"checks": [{"id": "web.aaaa", "status": "pass"}]}}),
        (("meets_target", "p95_in_mbps"), {"r0": {"meets_target": True}, "r1": {},
                                           "r2": {"meets_target": False, "p95_in_mbps": 12.5}, "r3": {}}),
        (("no-such key", "site"), {"r0": {"site": ""}, "r1": {}, "r2": {"site": "s2"}, "r3": {"site": "站点"}}),
        ((), {"r0": {}, "r1": {}, "r2": {}, "r3": {}}),
    ])
    def test_facts_of_every_shape_come_back_in_subject_order(self, store: tuple[Path, str | None],
                                                            keys: tuple[str, ...],
                                                            expected: dict[str, dict[str, Any]]) -> None:
        path, url = store
        with open_history(path, url=url) as history:
            run_id = history.record_run("ipv6-audit", status="ok", results=[
                {"subject": "r2", "status": "ok", "facts": {"readiness": "ready", "site": "s2", "p95_in_mbps": 12.5,
                                                             "score": {"readiness": "partial", "x": 1},
                                                             "meets_target": False}},
                {"subject": "r1", "status": "failed", "category": "unreachable", "message": "no route"},
                {"subject": "r3", "status": "ok", "facts": {"readiness": None, "score": 7, "site": "站点",
                                                             "checks": [{"id": "web.aaaa", "status": "pass"}]}},
                {"subject": "r0", "status": "ok", "facts": {"capacity_mbps": 100, "meets_target": True, "site": ""}}])
            rows = history.result_facts(run_id, keys)
        assert {r["subject"]: r["facts"] for r in rows} == expected
        assert [r["subject"] for r in rows] == ["r0", "r1", "r2", "r3"]


class TestSamples:
    def test_samples_keep_64_bit_counters_and_times(self, store: tuple[Path, str | None]) -> None:
        path, url = store
        big = 2**63 - 1
        with open_history(path, url=url) as history:
            run_id = history.start_run("bandwidth-poll")
            rows = [{"device": "r1", "interface": "eth1", "ts": 1764400000.125 + i, "uptime": 100 + i,
                     "in_octets": big - 10 + i, "out_octets": i, "speed_mbps": 100, "hc": True} for i in range(3)]
            assert history.add_samples(rows, run_id) == 3
            assert history.add_samples([], run_id) == 0
            stored = history.samples(device="r1", since=1764400001.0)
            pairs = history.last_sample_pairs(run_id)
        assert [s["ts"] for s in stored] == [1764400001.125, 1764400002.125]
        assert stored[-1]["in_octets"] == big - 8 and stored[-1]["hc"] == 1 and stored[-1]["run_id"] == run_id
        assert len(pairs) == 1 and (pairs[0][0][3], pairs[0][1][3]) == (101, 102)  # uptimes
        assert pairs[0][1][4] == big - 8

    def test_the_last_two_samples_of_each_interface_of_the_run(self, store: tuple[Path, str | None]) -> None:
        path, url = store
        with open_history(path, url=url) as history:
            run = history.start_run("bandwidth-poll")
            other = history.start_run("bandwidth-poll")
            rows = [{"device": d, "interface": i, "ts": float(ts), "uptime": 100 * ts, "in_octets": 10 * ts,
                     "out_octets": None if ts == 3 else ts, "speed_mbps": 1000, "hc": ts != 2}
                    for d, i, count in (("a", "ge0", 1), ("a", "ge1", 3), ("b", "ge0", 2), ("c", "x", 4))
                    for ts in range(1, count + 1)]
            history.add_samples(rows[::-1], run)
            history.add_samples([{**rows[0], "ts": 99.0}], other)
            pairs = history.last_sample_pairs(run)
        # an interface with one sample has no interval; the others their last two, oldest first, as stored
        assert [(a[0], a[1], a[2], b[2]) for a, b in pairs] == [("a", "ge1", 2, 3), ("b", "ge0", 1, 2),
                                                                ("c", "x", 3, 4)]
        assert pairs[0] == (("a", "ge1", 2.0, 200, 20, 2, 1000, 0), ("a", "ge1", 3.0, 300, 30, None, 1000, 1))


def _writer(path: str, url: str | None, worker: int, batches: int, size: int) -> None:
    with open_history(Path(path), url=url) as history:
        run_id = history.start_run("bandwidth-poll", scope=f"worker {worker}")
        for batch in range(batches):
            history.add_samples([{"device": f"w{worker}", "interface": f"if{i}", "ts": float(batch), "in_octets": i}
                                 for i in range(size)], run_id)
        history.finish_run(run_id, "ok")


class TestConcurrentWriters:
    def test_several_processes_writing_at_once_lose_and_duplicate_nothing(
            self, store: tuple[Path, str | None]) -> None:
        path, url = store
        workers, batches, size = 4, 20, 25
        context = multiprocessing.get_context("fork")
        processes = [context.Process(target=_writer, args=(str(path), url, w, batches, size)) for w in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(120)
        assert [p.exitcode for p in processes] == [0] * workers
        with open_history(path, url=url) as history:
            stored = history.samples()
            runs = history.runs("bandwidth-poll")
        keys = [(s["device"], s["interface"], s["ts"]) for s in stored]
        assert len(keys) == workers * batches * size
        assert len(set(keys)) == len(keys)
        assert sorted(r["status"] for r in runs) == ["ok"] * workers
        assert len({s["run_id"] for s in stored}) == workers


class TestSchema:
    def test_alembic_builds_the_same_tables_and_columns_as_sqlite_has(self, tmp_path: Path,
                                                                       postgres_url: str) -> None:
        from ezgov_infra.store import migrations
        from ezgov_infra.store.broadband import BroadbandStore

        with open_history(tmp_path / "h.sqlite") as history:
            BroadbandStore(history)  # the carriers' tables, made beside the history on first use
        migrations.upgrade(f"sqlite:///{tmp_path / 'alembic.sqlite'}")
        sqlite_columns = {}
        for name in ("h.sqlite", "alembic.sqlite"):
            with sqlite3.connect(tmp_path / name) as db:
                tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                                   "NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
                sqlite_columns[name] = {t: [c[1] for c in db.execute(f"PRAGMA table_info({t})")] for t in tables}
        assert sqlite_columns["h.sqlite"] == sqlite_columns["alembic.sqlite"]
        with open_history(tmp_path / "unused.sqlite", url=postgres_url) as history:
            rows = history.sql.rows("SELECT table_name, column_name FROM information_schema.columns WHERE "
                                    "table_schema = 'public' AND table_name != 'alembic_version' "
                                    "ORDER BY table_name, ordinal_position")
            version = history.sql.rows("SELECT version_num FROM alembic_version")
        postgres_columns: dict[str, list[str]] = {}
        for row in rows:
            postgres_columns.setdefault(row["table_name"], []).append(row["column_name"])
        assert postgres_columns == sqlite_columns["h.sqlite"]
        assert version == [{"version_num": migrations.HEAD}]

    def test_an_unreachable_database_is_one_clear_error_without_its_password(self, tmp_path: Path) -> None:
        from ezgov_infra.errors import EzgovError
        from ezgov_infra.lab.engines import free_port

        url = f"postgresql://ezgov:s3cret@127.0.0.1:{free_port('127.0.0.1')}/ezgov"
        with pytest.raises(EzgovError) as caught, open_history(tmp_path / "h.sqlite", url=url):
            pass
        assert "cannot connect" in str(caught.value) and "s3cret" not in str(caught.value)


class TestReaders:
    def test_metrics_and_the_report_read_an_audit_stored_in_postgresql(
            self, store: tuple[Path, str | None], sample_inventory: Path, cli: Callable[..., Any],
            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        _, url = store
        if url is not None:  # no SQLite file is made: the readers must not take its absence for "no history"
            monkeypatch.setenv("EZGOV_DATABASE_URL", url)
        state = tmp_path / "state"
        audit = cli("ipv6", "audit", "-i", sample_inventory, "--state-dir", state, "--limit", "site:fenghuang*",
                    "--format", "json")
        assert audit.code in (0, 1), audit.err
        devices = {d["device"] for d in json.loads(audit.out)["devices"] if d["score"] is not None}
        assert devices
        assert (state / "history.sqlite").exists() is (url is None)

        written = cli("metrics", "write", tmp_path / "ezgov.prom", "-i", sample_inventory, "--state-dir", state)
        assert written.code == 0, written.err
        scored = {line.split('device="')[1].split('"')[0] for line in
                  (tmp_path / "ezgov.prom").read_text(encoding="utf-8").splitlines()
                  if line.startswith("ezgov_device_readiness_score{")}
        assert scored == devices
        report = cli("report", "readiness", "-i", sample_inventory, "--state-dir", state, "--lang", "en",
                     "--format", "md", "--out", tmp_path / "r.md")
        assert report.code == 0, report.err
        # the scoped run is seen (and, not being the full scope, not counted)
        assert "checked only site:fenghuang" in (tmp_path / "r.md").read_text(encoding="utf-8")
