"""The bulk reads the metrics use give what `History`'s own methods give, on a real SQLite history."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.store.history import open_history
from ezgov_infra.store.history_reads import last_sample_pairs, results_with_facts

RESULTS = [
    {"subject": "r2", "status": "ok", "facts": {"readiness": "ready", "score": {"readiness": "partial", "x": 1},
                                                 "site": "s2", "p95_in_mbps": 12.5, "meets_target": False}},
    {"subject": "r1", "status": "failed", "category": "unreachable", "message": "no route", "facts": {}},
    {"subject": "r3", "status": "ok", "facts": {"readiness": None, "score": 7, "site": "站点",
                                                 "checks": [{"id": "web.aaaa", "status": "pass"}]}},
    {"subject": "r0", "status": "ok", "facts": {"capacity_mbps": 100, "meets_target": True, "site": ""}},
]


@pytest.mark.parametrize("keys", [("readiness", "score.readiness"), ("site",), ("checks",), ("meets_target",),
                                  ("site", "p95_in_mbps", "capacity_mbps", "meets_target", "score.readiness"),
                                  ("no-such key", "site")])
def test_results_with_facts_are_result_facts(tmp_path: Path, keys: tuple[str, ...]) -> None:
    with open_history(tmp_path / "history.sqlite") as history:
        run = history.record_run("ipv6-audit", status="ok", results=RESULTS)
        expected = history.result_facts(run, keys)
        got = results_with_facts(history, run, keys)
    assert got == expected
    assert [r["subject"] for r in got] == ["r0", "r1", "r2", "r3"]


def row(sample: dict[str, object]) -> tuple[object, ...]:
    return (*(sample[k] for k in ("device", "interface", "ts", "uptime", "in_octets", "out_octets", "speed_mbps")),
            bool(sample["hc"]))


def test_last_sample_pairs_are_the_last_two_samples(tmp_path: Path) -> None:
    with open_history(tmp_path / "history.sqlite") as history:
        run = history.start_run("bandwidth-poll")
        other = history.start_run("bandwidth-poll")
        rows = [{"device": d, "interface": i, "ts": ts, "uptime": 100 * ts, "in_octets": 10 * ts,
                 "out_octets": None if ts == 3 else ts, "speed_mbps": 1000, "hc": ts != 2}
                for d, i, count in (("a", "ge0", 1), ("a", "ge1", 3), ("b", "ge0", 2), ("c", "x", 4))
                for ts in range(1, count + 1)]
        history.add_samples(rows[::-1], run)
        history.add_samples([{**rows[0], "ts": 99}], other)
        expected = [(row(a), row(b)) for a, b in history.last_two_samples(run)]
        got = last_sample_pairs(history, run)
    assert got == expected
    assert [(a[0], a[1], a[2], b[2]) for a, b in got] == [("a", "ge1", 2, 3), ("b", "ge0", 1, 2), ("c", "x", 3, 4)]
