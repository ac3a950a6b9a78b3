"""The history database (`<state dir>/history.sqlite`): every audit run, its per-subject results, findings and
SNMP samples, so reports and trends read one source.

A run has a `kind` (`ipv6-audit`, `web-check`, `bandwidth-audit`, `bandwidth-test`, `migration`, ...). Each
subject of a run (a device, a website, a site, a system) gets a result row (ok or failed, with a category and the
collected facts as JSON) and any number of findings. Writes of one run happen in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  started TEXT NOT NULL,
  finished TEXT,
  scope TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'running',
  summary TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS runs_kind ON runs(kind, id);
CREATE TABLE IF NOT EXISTS results (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  status TEXT NOT NULL,
  category TEXT,
  message TEXT,
  elapsed REAL,
  facts TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, subject)
);
CREATE TABLE IF NOT EXISTS findings (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL,
  evidence TEXT NOT NULL DEFAULT '{}',
  remedy TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id, subject);
CREATE TABLE IF NOT EXISTS samples (
  device TEXT NOT NULL,
  interface TEXT NOT NULL,
  ts REAL NOT NULL,
  uptime INTEGER,
  in_octets INTEGER,
  out_octets INTEGER,
  speed_mbps INTEGER,
  hc INTEGER NOT NULL DEFAULT 1,
  run_id INTEGER
);
CREATE INDEX IF NOT EXISTS samples_key ON samples(device, interface, ts);
CREATE INDEX IF NOT EXISTS samples_run ON samples(run_id, device, interface, ts);
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class History:
    """A connection to the history database; create it with `open_history(path)`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    # ---- runs
    def start_run(self, kind: str, scope: str = "") -> int:
        with self.db:
            cursor = self.db.execute("INSERT INTO runs(kind, started, scope) VALUES (?, ?, ?)", (kind, now(), scope))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str, summary: Mapping[str, Any] | None = None) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ?",
                            (now(), status, _json(summary or {}), run_id))

    def record_run(
        self,
        kind: str,
        *,
        scope: str = "",
        status: str,
        summary: Mapping[str, Any] | None = None,
        results: Iterable[Mapping[str, Any]] = (),
        findings: Iterable[Mapping[str, Any]] = (),
        started: str | None = None,
    ) -> int:
        """Store a whole run in one transaction; returns its id."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO runs(kind, started, finished, scope, status, summary) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, started or now(), now(), scope, status, _json(summary or {})),
            )
            run_id = cursor.lastrowid
            assert run_id is not None
            self._insert(run_id, results, findings)
        return run_id

    def add(self, run_id: int, results: Iterable[Mapping[str, Any]] = (),
            findings: Iterable[Mapping[str, Any]] = ()) -> None:
        with self.db:
            self._insert(run_id, results, findings)

    def _insert(self, run_id: int, results: Iterable[Mapping[str, Any]],
                findings: Iterable[Mapping[str, Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO results(run_id, subject, status, category, message, elapsed, facts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, r["subject"], r["status"], r.get("category"), r.get("message"), r.get("elapsed"),
              _json(r.get("facts") or {})) for r in results],
        )
        self.db.executemany(
            "INSERT INTO findings(run_id, subject, rule, severity, category, message, evidence, remedy) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, f["subject"], f["rule"], f["severity"], f.get("category", ""), f["message"],
              _json(f.get("evidence") or {}), f.get("remedy", "")) for f in findings],
        )

    def runs(self, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC LIMIT ?"
        args: Sequence[Any] = (kind, limit) if kind else (limit,)
        return [self._run_row(row) for row in self.db.execute(sql, args)]

    def run(self, run_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return self._run_row(row) if row else None

    def latest_run(self, kind: str, *, status: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT * FROM runs WHERE kind = ? AND finished IS NOT NULL"
        args: list[Any] = [kind]
        if status:
            sql += " AND status = ?"
            args.append(status)
        row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return self._run_row(row) if row else None

    def results(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM results WHERE run_id = ? ORDER BY subject", (run_id,))
        return [{**dict(row), "facts": json.loads(row["facts"])} for row in rows]

    def findings(self, run_id: int, *, severity: Iterable[str] | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM findings WHERE run_id = ?"
        args: list[Any] = [run_id]
        wanted = list(severity or [])
        if wanted:
            sql += f" AND severity IN ({','.join('?' * len(wanted))})"
            args += wanted
        rows = self.db.execute(sql + " ORDER BY subject, rule, message", args)
        return [{**dict(row), "evidence": json.loads(row["evidence"])} for row in rows]

    def result_facts(self, run_id: int, keys: Sequence[str]) -> list[dict[str, Any]]:
        """The results of a run with only the named facts (`a.b` reaches into an object): SQLite extracts them, so
        a 60,000-device run is read without parsing each device's whole facts document. The rows come as one JSON
        array (one parse, not one per row) and are put in subject order (ties in the order stored)."""
        named = [key for key in keys if key.replace(".", "").isidentifier()]
        paths = ", ".join(f"'{key}', facts -> '$.{key}'" for key in named)
        sql = (f"SELECT json_group_array(json_array(subject, status, category, message, rowid, json_object({paths}))) "
               "FROM results WHERE run_id = ?")
        text = self.db.execute(sql, (run_id,)).fetchone()[0]
        rows = sorted(json.loads(text or "[]"), key=lambda row: (row[0], row[4]))
        nested = [(key, key.split(".")) for key in named if "." in key]
        out = []
        for subject, status, category, message, _, flat in rows:
            facts = {key: value for key, value in flat.items() if value is not None and "." not in key}
            for key, (*parents, leaf) in nested:
                value = flat.get(key)
                if value is None:
                    continue
                node = facts
                for parent in parents:
                    node = node.setdefault(parent, {})
                node[leaf] = value
            out.append({"subject": subject, "status": status, "category": category, "message": message,
                        "facts": facts})
        return out

    def last_finished(self) -> dict[str, str]:
        """`kind -> finished` of the newest finished run of each kind."""
        rows = self.db.execute("SELECT kind, MAX(finished) FROM runs WHERE finished IS NOT NULL GROUP BY kind")
        return {kind: finished for kind, finished in rows}

    def finding_keys(self, run_id: int) -> list[dict[str, Any]]:
        """Subject, rule and severity of a run's findings (no evidence): what counts and verdicts need."""
        rows = self.db.execute("SELECT subject, rule, severity FROM findings WHERE run_id = ?", (run_id,))
        return [{"subject": s, "rule": r, "severity": v} for s, r, v in rows]

    def statuses(self, run_id: int, subjects: Sequence[str]) -> dict[str, str]:
        """`subject -> status` in a run, for the named subjects only."""
        found: dict[str, str] = {}
        for start in range(0, len(subjects), 500):
            chunk = list(subjects[start:start + 500])
            sql = f"SELECT subject, status FROM results WHERE run_id = ? AND subject IN ({','.join('?' * len(chunk))})"
            found.update((s, v) for s, v in self.db.execute(sql, (run_id, *chunk)))
        return found

    def last_two_samples(self, run_id: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Per interface, its last two samples in a run (oldest first), for the newest interval rate."""
        rows = self.db.execute(
            "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY device, interface ORDER BY ts DESC) AS n "
            "FROM samples WHERE run_id = ?) WHERE n <= 2 ORDER BY device, interface, ts", (run_id,))
        pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        previous: dict[str, Any] | None = None
        for row in rows:
            current = dict(row)
            current.pop("n")
            if previous is not None and (previous["device"], previous["interface"]) == (current["device"],
                                                                                         current["interface"]):
                pairs.append((previous, current))
            previous = current
        return pairs

    @staticmethod
    def _run_row(row: sqlite3.Row) -> dict[str, Any]:
        return {**dict(row), "summary": json.loads(row["summary"])}

    # ---- samples
    def add_samples(self, samples: Iterable[Mapping[str, Any]], run_id: int | None = None) -> int:
        rows = [(s["device"], s["interface"], s["ts"], s.get("uptime"), s.get("in_octets"), s.get("out_octets"),
                 s.get("speed_mbps"), int(s.get("hc", True)), run_id) for s in samples]
        with self.db:
            self.db.executemany(
                "INSERT INTO samples(device, interface, ts, uptime, in_octets, out_octets, speed_mbps, hc, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def samples(self, device: str | None = None, interface: str | None = None,
                since: float | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM samples WHERE 1=1"
        args: list[Any] = []
        for column, value in (("device", device), ("interface", interface)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if since is not None:
            sql += " AND ts >= ?"
            args.append(since)
        return [dict(row) for row in self.db.execute(sql + " ORDER BY device, interface, ts", args)]


@contextmanager
def open_history(path: Path) -> Iterator[History]:
    """Open (creating if needed) the history database; WAL so a reader never blocks a running audit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.executescript(SCHEMA)
        yield History(connection)
    finally:
        connection.close()
