"""Carriers' reports and speed tests in the history database, beside the audit runs.

A report is keyed by (carrier, as_of): importing the same carrier and day again replaces it; a later day becomes
that carrier's current report and the earlier ones stay, so progress between reports can be shown. Each report
keeps the file it came from and its SHA-256. Speed tests are kept per imported file (a file imported twice is
stored once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ezgov_infra.models.broadband import CarrierReport, Coverage, SpeedSample, VillageAccess
from ezgov_infra.models.kinds import Carrier
from ezgov_infra.store.history import History, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS broadband_reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  carrier TEXT NOT NULL,
  as_of TEXT NOT NULL,
  file TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  imported TEXT NOT NULL,
  sample INTEGER NOT NULL DEFAULT 0,
  UNIQUE (carrier, as_of)
);
CREATE TABLE IF NOT EXISTS broadband_villages (
  report_id INTEGER NOT NULL REFERENCES broadband_reports(id) ON DELETE CASCADE,
  village TEXT NOT NULL,
  households INTEGER NOT NULL,
  gigabit INTEGER,
  fast INTEGER,
  fibre INTEGER,
  lte TEXT,
  nr TEXT,
  "row" INTEGER,
  PRIMARY KEY (report_id, village)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS broadband_speed_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  file TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  imported TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS broadband_speeds (
  file_id INTEGER NOT NULL REFERENCES broadband_speed_files(id) ON DELETE CASCADE,
  village TEXT NOT NULL,
  carrier TEXT NOT NULL,
  day TEXT NOT NULL,
  down REAL NOT NULL,
  up REAL
);
CREATE INDEX IF NOT EXISTS broadband_speeds_village ON broadband_speeds(village);
"""


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report's header as stored: which carrier, as of which day, from which file, when imported."""

    id: int
    carrier: Carrier
    as_of: date
    file: str
    sha256: str
    imported: str
    sample: bool
    villages: int


@dataclass(frozen=True, slots=True)
class Saved:
    report: StoredReport
    replaced: bool  # a report of the same carrier and day was there before
    current: bool  # it is now the carrier's latest report


class BroadbandStore:
    """The carriers' tables of one history database (`with open_history(path) as h: BroadbandStore(h)`), in SQLite
    or PostgreSQL alike (there, Alembic's revision 0002 made them)."""

    def __init__(self, history: History) -> None:
        self.sql = history.sql
        if history.db is not None:
            history.db.executescript(SCHEMA)

    def save_report(self, report: CarrierReport) -> Saved:
        return self.save_reports([report])[0]

    def save_reports(self, reports: Iterable[CarrierReport]) -> list[Saved]:
        """Store several reports in one transaction (one sync to disk): all of them or, on an error, none."""
        with self.sql.transaction():
            replaced = [self._insert(report) for report in reports]
        saved = []
        for report, old in replaced:
            latest = self.sql.rows("SELECT max(as_of) AS latest FROM broadband_reports WHERE carrier = ?",
                                   (report.carrier.value,))[0]["latest"]
            stored = next(r for r in self.reports(report.carrier) if r.as_of == report.as_of)
            saved.append(Saved(stored, old, latest == report.as_of.isoformat()))
        return saved

    def _insert(self, report: CarrierReport) -> tuple[CarrierReport, bool]:
        old = self.sql.rows("SELECT id FROM broadband_reports WHERE carrier = ? AND as_of = ?",
                            (report.carrier.value, report.as_of.isoformat()))
        if old:
            self.sql.run("DELETE FROM broadband_villages WHERE report_id = ?", (old[0]["id"],))
            self.sql.run("DELETE FROM broadband_reports WHERE id = ?", (old[0]["id"],))
        report_id = self.sql.insert(
            "INSERT INTO broadband_reports(carrier, as_of, file, sha256, imported, sample) VALUES (?,?,?,?,?,?) "
            "RETURNING id", (report.carrier.value, report.as_of.isoformat(), report.file, report.sha256,
                             report.imported or now(), int(report.sample)))
        self.sql.run_many(
            'INSERT INTO broadband_villages(report_id, village, households, gigabit, fast, fibre, lte, nr, "row") '
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [(report_id, v.village, v.households, v.gigabit, v.fast, None if v.fibre is None else int(v.fibre),
              v.lte.value if v.lte else None, v.nr.value if v.nr else None, v.row)
             for v in report.villages.values()])
        return report, bool(old)

    def reports(self, carrier: Carrier | None = None) -> list[StoredReport]:
        """Every stored report, oldest first (by day, then carrier)."""
        sql = ("SELECT r.*, (SELECT count(*) FROM broadband_villages v WHERE v.report_id = r.id) AS villages "
               "FROM broadband_reports r")
        args: tuple[str, ...] = ()
        if carrier is not None:
            sql += " WHERE carrier = ?"
            args = (carrier.value,)
        rows = self.sql.rows(sql + " ORDER BY as_of, carrier", args)
        return [StoredReport(id=r["id"], carrier=Carrier(r["carrier"]), as_of=date.fromisoformat(r["as_of"]),
                             file=r["file"], sha256=r["sha256"], imported=r["imported"], sample=bool(r["sample"]),
                             villages=r["villages"]) for r in rows]

    def load(self, stored: StoredReport) -> CarrierReport:
        villages: dict[str, VillageAccess] = {}
        rows = self.sql.tuples('SELECT village, households, gigabit, fast, fibre, lte, nr, "row" '
                               "FROM broadband_villages WHERE report_id = ?", (stored.id,))
        coverage = {c.value: c for c in Coverage}
        for village, households, gigabit, fast, fibre, lte, nr, row in rows:
            villages[village] = VillageAccess(village, households, gigabit, fast,
                                              None if fibre is None else bool(fibre), coverage.get(lte),
                                              coverage.get(nr), row)
        return CarrierReport(carrier=stored.carrier, as_of=stored.as_of, file=stored.file, sha256=stored.sha256,
                             imported=stored.imported, sample=stored.sample, villages=villages)

    def save_speeds(self, file: str, sha256: str, samples: Iterable[SpeedSample]) -> tuple[int, bool]:
        """Store one file's speed tests; returns (samples stored, whether the same file was there before)."""
        with self.sql.transaction():
            old = self.sql.rows("SELECT id FROM broadband_speed_files WHERE sha256 = ?", (sha256,))
            if old:
                self.sql.run("DELETE FROM broadband_speeds WHERE file_id = ?", (old[0]["id"],))
                self.sql.run("DELETE FROM broadband_speed_files WHERE id = ?", (old[0]["id"],))
            file_id = self.sql.insert("INSERT INTO broadband_speed_files(file, sha256, imported) VALUES (?,?,?) "
                                      "RETURNING id", (file, sha256, now()))
            rows = [(file_id, s.village, s.carrier.value, s.day.isoformat(), s.down_mbps, s.up_mbps)
                    for s in samples]
            self.sql.run_many("INSERT INTO broadband_speeds(file_id, village, carrier, day, down, up) "
                              "VALUES (?,?,?,?,?,?)", rows)
        return len(rows), bool(old)

    def speeds(self) -> list[SpeedSample]:
        rows = self.sql.tuples("SELECT village, carrier, day, down, up FROM broadband_speeds "
                               "ORDER BY village, day, carrier")
        return [SpeedSample(v, Carrier(c), date.fromisoformat(d), down, up) for v, c, d, down, up in rows]
