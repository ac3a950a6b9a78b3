"""The history database (`<state dir>/history.sqlite`, or PostgreSQL when `EZGOV_DATABASE_URL` names one): every
audit run, its per-subject results, findings and SNMP samples, so reports and trends read one source.

A run has a `kind` (`ipv6-audit`, `web-check`, `bandwidth-audit`, `bandwidth-test`, `migration`, ...). Each
subject of a run (a device, a website, a site, a system) gets a result row (ok or failed, with a category and the
collected facts as JSON) and any number of findings. Writes of one run happen in one transaction.

`History` speaks portable SQL (`?` parameters, `ON CONFLICT`, `RETURNING`) through a small `Sql` seam: SQLite's
is here (the standard library), PostgreSQL's in `store.postgres` (the only module importing psycopg), whose
schema is kept by Alembic migrations (`store.migrations`). The tables and columns are the same in both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

from ezgov_infra.config import database_url
from ezgov_infra.models.samples import SampleRow

SAMPLE_COLUMNS = "device, interface, ts, uptime, in_octets, out_octets, speed_mbps, hc"  # a `SampleRow`

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


class Sql(Protocol):
    """What `History` needs of a database: rows as dicts, `?` parameters, one transaction at a time."""

    dialect: str

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def run(self, sql: str, args: Sequence[Any] = ()) -> None: ...

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert(self, sql: str, args: Sequence[Any]) -> int: ...

    def transaction(self) -> AbstractContextManager[None]: ...


class SqliteSql:
    """The `Sql` of a SQLite connection (the default store)."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self.connection.execute(sql, tuple(args))]

    def tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        cursor.row_factory = None  # plain tuples: no mapping made per row of a large read
        return cursor.execute(sql, tuple(args)).fetchall()

    def run(self, sql: str, args: Sequence[Any] = ()) -> None:
        if self.connection.in_transaction:
            self.connection.execute(sql, tuple(args))
        else:
            with self.connection:
                self.connection.execute(sql, tuple(args))

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def insert(self, sql: str, args: Sequence[Any]) -> int:
        row = self.connection.execute(sql, tuple(args)).fetchone()
        return int(row[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection:
            yield


class History:
    """A connection to the history database; create it with `open_history(path)`.

    `db` is the SQLite connection itself when the store is SQLite (other SQLite-only tables, such as the carriers'
    broadband reports, live beside the history there); `sql` is the portable seam every method here uses.
    """

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.dialect = sql.dialect
        self.db: sqlite3.Connection | None = sql.connection if isinstance(sql, SqliteSql) else None

    # ---- runs
    def start_run(self, kind: str, scope: str = "") -> int:
        with self.sql.transaction():
            return self.sql.insert("INSERT INTO runs(kind, started, scope) VALUES (?, ?, ?) RETURNING id",
                                   (kind, now(), scope))

    def finish_run(self, run_id: int, status: str, summary: Mapping[str, Any] | None = None) -> None:
        with self.sql.transaction():
            self.sql.run("UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ?",
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
        with self.sql.transaction():
            run_id = self.sql.insert(
                "INSERT INTO runs(kind, started, finished, scope, status, summary) VALUES (?, ?, ?, ?, ?, ?) "
                "RETURNING id", (kind, started or now(), now(), scope, status, _json(summary or {})))
            self._insert(run_id, results, findings)
        return run_id

    def add(self, run_id: int, results: Iterable[Mapping[str, Any]] = (),
            findings: Iterable[Mapping[str, Any]] = ()) -> None:
        with self.sql.transaction():
            self._insert(run_id, results, findings)

    def _insert(self, run_id: int, results: Iterable[Mapping[str, Any]],
                findings: Iterable[Mapping[str, Any]]) -> None:
        result_rows = [(run_id, r["subject"], r["status"], r.get("category"), r.get("message"), r.get("elapsed"),
                        _json(r.get("facts") or {})) for r in results]
        if result_rows:
            self.sql.run_many(
                "INSERT INTO results(run_id, subject, status, category, message, elapsed, facts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, subject) DO UPDATE SET status = excluded.status, "
                "category = excluded.category, message = excluded.message, elapsed = excluded.elapsed, "
                "facts = excluded.facts", result_rows)
        finding_rows = [(run_id, f["subject"], f["rule"], f["severity"], f.get("category", ""), f["message"],
                         _json(f.get("evidence") or {}), f.get("remedy", "")) for f in findings]
        if finding_rows:
            self.sql.run_many(
                "INSERT INTO findings(run_id, subject, rule, severity, category, message, evidence, remedy) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", finding_rows)

    def runs(self, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC LIMIT ?"
        args: Sequence[Any] = (kind, limit) if kind else (limit,)
        return [self._run_row(row) for row in self.sql.rows(sql, args)]

    def run(self, run_id: int) -> dict[str, Any] | None:
        rows = self.sql.rows("SELECT * FROM runs WHERE id = ?", (run_id,))
        return self._run_row(rows[0]) if rows else None

    def latest_run(self, kind: str, *, status: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT * FROM runs WHERE kind = ? AND finished IS NOT NULL"
        args: list[Any] = [kind]
        if status:
            sql += " AND status = ?"
            args.append(status)
        rows = self.sql.rows(sql + " ORDER BY id DESC LIMIT 1", args)
        return self._run_row(rows[0]) if rows else None

    def results(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.sql.rows("SELECT * FROM results WHERE run_id = ? ORDER BY subject", (run_id,))
        return [{**row, "facts": json.loads(row["facts"])} for row in rows]

    def findings(self, run_id: int, *, severity: Iterable[str] | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM findings WHERE run_id = ?"
        args: list[Any] = [run_id]
        wanted = list(severity or [])
        if wanted:
            sql += f" AND severity IN ({','.join('?' * len(wanted))})"
            args += wanted
        rows = self.sql.rows(sql + " ORDER BY subject, rule, message", args)
        return [{**row, "evidence": json.loads(row["evidence"])} for row in rows]

    def result_facts(self, run_id: int, keys: Sequence[str]) -> list[dict[str, Any]]:
        """The results of a run in subject order, each with only the named facts (`a.b` reaches into an object; a
        fact absent or null is left out). The database extracts them, so a 60,000-device run is read without
        parsing each device's whole facts document; SQLite gives the whole run as one JSON array (one parse, not
        one per row)."""
        named = [key for key in keys if key.replace(".", "").isidentifier()]
        rows: list[tuple[str, str, str | None, str | None, list[Any]]]
        if self.db is not None:
            # json_extract of one path gives the bare SQL value, of two or more a JSON array: a lone key twice
            paths = ", ".join(f"'$.{key}'" for key in (named if len(named) > 1 else named * 2))
            picked = f"json_extract(facts, {paths})" if named else "json_array()"
            text = self.db.execute(f"SELECT json_group_array(json_array(subject, status, category, message, "
                                   f"{picked})) FROM results WHERE run_id = ?", (run_id,)).fetchone()[0]
            rows = json.loads(text or "[]")
            rows.sort(key=itemgetter(0))  # a subject has one result in a run (the table's key)
        else:
            picked = "json_build_array(" + ", ".join(
                f"facts::jsonb #> '{{{','.join(key.split('.'))}}}'" for key in named) + ")::text"
            sql = (f"SELECT subject, status, category, message, {picked} AS facts FROM results "
                   "WHERE run_id = ? ORDER BY subject")
            rows = [(r["subject"], r["status"], r["category"], r["message"], json.loads(r["facts"]))
                    for r in self.sql.rows(sql, (run_id,))]
        nested = [(i, key.split(".")) for i, key in enumerate(named) if "." in key]
        flat = [(i, key) for i, key in enumerate(named) if "." not in key]
        out = []
        for subject, status, category, message, values in rows:
            facts: dict[str, Any] = {}
            if any(value is not None for value in values):  # else a failed collection, or facts not stated
                facts = {key: values[i] for i, key in flat if values[i] is not None}
                for i, (*parents, leaf) in nested:
                    if values[i] is None:
                        continue
                    node = facts
                    for parent in parents:
                        node = node.setdefault(parent, {})
                    node[leaf] = values[i]
            out.append({"subject": subject, "status": status, "category": category, "message": message,
                        "facts": facts})
        return out

    def last_finished(self) -> dict[str, str]:
        """`kind -> finished` of the newest finished run of each kind."""
        rows = self.sql.rows("SELECT kind, MAX(finished) AS finished FROM runs WHERE finished IS NOT NULL "
                             "GROUP BY kind")
        return {row["kind"]: row["finished"] for row in rows}

    def finding_keys(self, run_id: int) -> list[dict[str, Any]]:
        """Subject, rule and severity of a run's findings (no evidence): what counts and verdicts need."""
        rows = self.sql.tuples("SELECT subject, rule, severity FROM findings WHERE run_id = ?", (run_id,))
        return [{"subject": subject, "rule": rule, "severity": severity} for subject, rule, severity in rows]

    def statuses(self, run_id: int, subjects: Sequence[str]) -> dict[str, str]:
        """`subject -> status` in a run, for the named subjects only."""
        found: dict[str, str] = {}
        for start in range(0, len(subjects), 500):
            chunk = list(subjects[start:start + 500])
            sql = f"SELECT subject, status FROM results WHERE run_id = ? AND subject IN ({','.join('?' * len(chunk))})"
            found.update((row["subject"], row["status"]) for row in self.sql.rows(sql, (run_id, *chunk)))
        return found

    def last_sample_pairs(self, run_id: int) -> list[tuple[SampleRow, SampleRow]]:
        """Per interface, its last two samples in a run (oldest first), for the newest interval rate: plain rows
        (`SampleRow`, `hc` as stored), read in the order the `samples_run` index keeps them."""
        rows = self.sql.tuples(f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE run_id = ? "
                               "ORDER BY device, interface, ts", (run_id,))
        pairs: list[tuple[SampleRow, SampleRow]] = []
        # each row beside the one before and the one after it (None after the last row)
        for first, last, after in zip(rows, rows[1:], [*rows[2:], None], strict=False):
            if after is not None and after[0] == last[0] and after[1] == last[1]:
                continue
            if first[0] == last[0] and first[1] == last[1]:
                pairs.append((first, last))
        return pairs

    @staticmethod
    def _run_row(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "summary": json.loads(row["summary"])}

    # ---- samples
    def add_samples(self, samples: Iterable[Mapping[str, Any]], run_id: int | None = None) -> int:
        rows = [(s["device"], s["interface"], s["ts"], s.get("uptime"), s.get("in_octets"), s.get("out_octets"),
                 s.get("speed_mbps"), int(s.get("hc", True)), run_id) for s in samples]
        if rows:
            with self.sql.transaction():
                self.sql.run_many(
                    "INSERT INTO samples(device, interface, ts, uptime, in_octets, out_octets, speed_mbps, hc, "
                    "run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
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
        return self.sql.rows(sql + " ORDER BY device, interface, ts", args)


def history_exists(path: Path) -> bool:
    """Whether there is a history to read: a PostgreSQL store (`EZGOV_DATABASE_URL`) always is; SQLite once its
    file has been made."""
    return database_url() is not None or path.exists()


@contextmanager
def open_history(path: Path, *, url: str | None = None) -> Iterator[History]:
    """Open (creating if needed) the history database: PostgreSQL when `url` (else `EZGOV_DATABASE_URL`) names
    one, brought to the newest schema first; else the SQLite file `path`, in WAL mode so a reader never blocks a
    running audit."""
    url = url or database_url()
    if url:
        from ezgov_infra.store import postgres  # psycopg is loaded only for a PostgreSQL store

        with postgres.connect(url) as sql:
            yield History(sql)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.executescript(SCHEMA)
        yield History(SqliteSql(connection))
    finally:
        connection.close()
