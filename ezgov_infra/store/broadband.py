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

from ezgov_infra.errors import InputError
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
  row INTEGER,
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
    """The carriers' tables of one history database (`with open_history(path) as h: BroadbandStore(h)`)."""

    def __init__(self, history: History) -> None:
        if history.db is None:
            raise InputError("the carriers' broadband tables are kept in SQLite only: run `ezgov broadband` "
                             "commands without EZGOV_DATABASE_URL")
        self.db = history.db
        self.db.executescript(SCHEMA)

    def save_report(self, report: CarrierReport) -> Saved:
        return self.save_reports([report])[0]

    def save_reports(self, reports: Iterable[CarrierReport]) -> list[Saved]:
        """Store several reports in one transaction (one sync to disk): all of them or, on an error, none."""
        with self.db:
            replaced = [self._insert(report) for report in reports]
        saved = []
        for report, old in replaced:
            latest = self.db.execute("SELECT max(as_of) FROM broadband_reports WHERE carrier = ?",
                                     (report.carrier.value,)).fetchone()[0]
            stored = next(r for r in self.reports(report.carrier) if r.as_of == report.as_of)
            saved.append(Saved(stored, old, latest == report.as_of.isoformat()))
        return saved

    def _insert(self, report: CarrierReport) -> tuple[CarrierReport, bool]:
        old = self.db.execute("SELECT id FROM broadband_reports WHERE carrier = ? AND as_of = ?",
                              (report.carrier.value, report.as_of.isoformat())).fetchone()
        if old is not None:
            self.db.execute("DELETE FROM broadband_villages WHERE report_id = ?", (old["id"],))
            self.db.execute("DELETE FROM broadband_reports WHERE id = ?", (old["id"],))
        cursor = self.db.execute(
            "INSERT INTO broadband_reports(carrier, as_of, file, sha256, imported, sample) VALUES (?,?,?,?,?,?)",
            (report.carrier.value, report.as_of.isoformat(), report.file, report.sha256,
             report.imported or now(), int(report.sample)))
        report_id = cursor.lastrowid
        self.db.executemany(
            "INSERT INTO broadband_villages(report_id, village, households, gigabit, fast, fibre, lte, nr, row) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [(report_id, v.village, v.households, v.gigabit, v.fast, None if v.fibre is None else int(v.fibre),
              v.lte.value if v.lte else None, v.nr.value if v.nr else None, v.row)
             for v in report.villages.values()])
        return report, old is not None

    def reports(self, carrier: Carrier | None = None) -> list[StoredReport]:
        """Every stored report, oldest first (by day, then carrier)."""
        sql = ("SELECT r.*, (SELECT count(*) FROM broadband_villages v WHERE v.report_id = r.id) AS villages "
               "FROM broadband_reports r")
        args: tuple[str, ...] = ()
        if carrier is not None:
            sql += " WHERE carrier = ?"
            args = (carrier.value,)
        rows = self.db.execute(sql + " ORDER BY as_of, carrier", args)
        return [StoredReport(id=r["id"], carrier=Carrier(r["carrier"]), as_of=date.fromisoformat(r["as_of"]),
                             file=r["file"], sha256=r["sha256"], imported=r["imported"], sample=bool(r["sample"]),
                             villages=r["villages"]) for r in rows]

    def load(self, stored: StoredReport) -> CarrierReport:
        villages: dict[str, VillageAccess] = {}
        rows = self.db.execute("SELECT village, households, gigabit, fast, fibre, lte, nr, row "
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
        with self.db:
            old = self.db.execute("SELECT id FROM broadband_speed_files WHERE sha256 = ?", (sha256,)).fetchone()
            if old is not None:
                self.db.execute("DELETE FROM broadband_speeds WHERE file_id = ?", (old["id"],))
                self.db.execute("DELETE FROM broadband_speed_files WHERE id = ?", (old["id"],))
            cursor = self.db.execute("INSERT INTO broadband_speed_files(file, sha256, imported) VALUES (?,?,?)",
                                     (file, sha256, now()))
            rows = [(cursor.lastrowid, s.village, s.carrier.value, s.day.isoformat(), s.down_mbps, s.up_mbps)
                    for s in samples]
            self.db.executemany("INSERT INTO broadband_speeds(file_id, village, carrier, day, down, up) "
                                "VALUES (?,?,?,?,?,?)", rows)
        return len(rows), old is not None

    def speeds(self) -> list[SpeedSample]:
        rows = self.db.execute("SELECT village, carrier, day, down, up FROM broadband_speeds "
                               "ORDER BY village, day, carrier")
        return [SpeedSample(v, Carrier(c), date.fromisoformat(d), down, up) for v, c, d, down, up in rows]

