"""Bulk reads of the history for a province's metrics scrape: the same answers as `History.result_facts` and
`History.last_two_samples`, some three times cheaper.

`results_with_facts` extracts all the named facts of a row in one `json_extract` (one parse of the row's facts
document instead of one per key) and reads the whole run as one JSON document; `last_sample_pairs` reads the run's
samples as plain tuples in the order the `samples_run` index keeps them (no window function, no sort, no dict per
row) and keeps each interface's last two as they come (`SampleRow`s, `hc` the stored 0 or 1). On a history that
is not an SQLite connection they fall back to `History`'s own methods.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from ezgov_infra.models.samples import SampleRow
from ezgov_infra.store.history import History

SAMPLE_COLUMNS = "device, interface, ts, uptime, in_octets, out_octets, speed_mbps, hc"


def _sqlite(history: History) -> sqlite3.Connection | None:
    db = getattr(history, "db", None)
    return db if isinstance(db, sqlite3.Connection) else None


def results_with_facts(history: History, run_id: int, keys: Sequence[str]) -> list[dict[str, Any]]:
    """What `history.result_facts(run_id, keys)` returns: the run's results in subject order (ties in the order
    stored), each with only the named facts (`a.b` reaches into an object; a fact absent or null is left out)."""
    db = _sqlite(history)
    named = [key for key in keys if key.replace(".", "").isidentifier()]
    if db is None or not named:
        return history.result_facts(run_id, keys)
    # json_extract of one path gives the bare SQL value, of two or more a JSON array: a lone key is asked twice
    asked = named if len(named) > 1 else named * 2
    paths = ", ".join(f"'$.{key}'" for key in asked)
    # one JSON document for the whole run (one parse, not one per row), put in subject order (a subject has one
    # result in a run: the table's key)
    text = db.execute(f"SELECT json_group_array(json_array(subject, status, category, message, "
                      f"json_extract(facts, {paths}))) FROM results WHERE run_id = ?", (run_id,)).fetchone()[0]
    rows = json.loads(text or "[]")
    rows.sort(key=itemgetter(0))
    nested = [(i, key.split(".")) for i, key in enumerate(named) if "." in key]
    flat = [(i, key) for i, key in enumerate(named) if "." not in key]
    absent = [None] * len(asked)
    out = []
    for subject, status, category, message, values in rows:
        if values == absent:  # none of the facts (a failed collection, or facts the audit does not state)
            out.append({"subject": subject, "status": status, "category": category, "message": message,
                        "facts": {}})
            continue
        facts = {key: values[i] for i, key in flat if values[i] is not None}
        for i, (*parents, leaf) in nested:
            value = values[i]
            if value is None:
                continue
            node = facts
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
        out.append({"subject": subject, "status": status, "category": category, "message": message,
                    "facts": facts})
    return out


def finding_keys(history: History, run_id: int) -> list[dict[str, Any]]:
    """What `history.finding_keys(run_id)` returns (subject, rule and severity of each finding, in stored order),
    each dict made from a plain row rather than through `sqlite3.Row`."""
    db = _sqlite(history)
    if db is None:
        return history.finding_keys(run_id)
    cursor = db.cursor()
    cursor.row_factory = None
    rows = cursor.execute("SELECT subject, rule, severity FROM findings WHERE run_id = ?", (run_id,)).fetchall()
    return [{"subject": subject, "rule": rule, "severity": severity} for subject, rule, severity in rows]


def last_sample_pairs(history: History, run_id: int) -> list[tuple[SampleRow, SampleRow]]:
    """Per interface, its last two samples in a run (oldest first), as `History.last_two_samples` orders them."""
    db = _sqlite(history)
    if db is None:
        return [(_row(a), _row(b)) for a, b in history.last_two_samples(run_id)]
    cursor = db.cursor()
    cursor.row_factory = None
    # every sample of the run in (device, interface, ts) order, as the index keeps them (no sort); the last two of
    # each interface are taken here
    rows = cursor.execute(f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE run_id = ? ORDER BY device, interface, ts",
                          (run_id,)).fetchall()
    pairs: list[tuple[SampleRow, SampleRow]] = []
    # each row beside the one before and the one after it (None after the last row)
    for first, last, after in zip(rows, rows[1:], [*rows[2:], None], strict=False):
        if after is not None and after[0] == last[0] and after[1] == last[1]:
            continue
        if first[0] == last[0] and first[1] == last[1]:
            pairs.append((first, last))
    return pairs


def _row(sample: dict[str, Any]) -> SampleRow:
    return (sample["device"], sample["interface"], sample["ts"], sample["uptime"], sample["in_octets"],
            sample["out_octets"], sample["speed_mbps"], bool(sample["hc"]))
