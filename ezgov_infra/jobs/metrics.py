"""The metrics use case: read the stored runs and expose them to Prometheus, as a file or over HTTP.

The inventory is read through a metrics index kept in `<state dir>/cache/metrics/` and keyed by the digest of the
inventory's and the plans' files: a scrape re-reads the history every time but loads and validates the inventory
only when it changed. Nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ezgov_infra.audit.intervals import row_rate
from ezgov_infra.config import DEFAULT_PLANS_DIR, history_path
from ezgov_infra.models.samples import Rate
from ezgov_infra.ops.exposition import parse_listen, render_families, start
from ezgov_infra.ops.families import Family, StoredRuns, build
from ezgov_infra.ops.index import INDEX_VERSION, MetricsIndex
from ezgov_infra.report.sources import AUDIT_KINDS, BANDWIDTH_AUDIT, IPV6_AUDIT, WEB_CHECK, RunView
from ezgov_infra.store.broadband import BroadbandStore
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.history import history_exists, open_history
from ezgov_infra.store.reading import bulk

POLL_KIND = "bandwidth-poll"
STREAK_RUNS = 50  # how far back a failing collection is followed
FACT_KEYS: dict[str, tuple[str, ...]] = {
    IPV6_AUDIT: ("readiness", "score.readiness"),
    BANDWIDTH_AUDIT: ("site", "target_mbps", "contracted_mbps", "measured_mbps", "meets_target", "p95_mbps",
                      "p95_in_mbps", "p95_out_mbps", "headroom_mbps", "capacity_mbps"),
    WEB_CHECK: ("checks",),
}


def digest(folder: Path, plans_dir: Path) -> str:
    """The content digest of the inventory's and the plans' YAML files (names and bytes)."""
    sha = hashlib.sha256(f"metrics-index {INDEX_VERSION}\n".encode())
    for root, label in ((folder, "inventory"), (plans_dir, "plans")):
        files = sorted(p for p in root.rglob("*.yaml") if p.is_file()) if root.is_dir() else []
        for path in files:
            sha.update(f"{label}/{path.relative_to(root)}\n".encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def build_index(folder: Path, plans_dir: Path, key: str, history_db: Path | None = None) -> MetricsIndex:
    """Load and validate the inventory and the plan, and keep what the metrics read (figures as the report has
    them). Only a changed inventory or plan comes here: what it needs is imported here, not on every scrape."""
    from ezgov_infra.audit.coverage import compute_stats, connected_sites
    from ezgov_infra.audit.scores import weights
    from ezgov_infra.jobs.broadband import assess_history
    from ezgov_infra.jobs.report import read_migration
    from ezgov_infra.ops.index import build_index as make
    from ezgov_infra.report.broadband import task1_kpis
    from ezgov_infra.report.figures import Ratio, executive
    from ezgov_infra.report.sources import Coverage, Sources
    from ezgov_infra.report.text import Text
    from ezgov_infra.store.inventory import load_inventory

    inventory = load_inventory(folder)
    stats = compute_stats(inventory)
    coverage = Coverage(required=stats.required, connected=stats.connected, by_district=stats.by_district,
                        gaps=[(g.site, g.reason) for g in stats.missing], connected_sites=connected_sites(inventory))
    today = date.today()
    sources = Sources(inventory=inventory, as_of=today, coverage=coverage,
                      migration=read_migration(folder, plans_dir, None, today))
    # The figures that read no run: the run-based ones are judged on every scrape from the newest runs. Task 1's
    # figures come from the carriers' reports, whose identity is part of the index's key.

    if history_db is not None and history_exists(history_db):
        sources.broadband, _, sources.broadband_trend = assess_history(inventory, history_db)
    kpis = [k for k in executive(sources, Text("en"), Ratio(stats.connected, stats.required))
            if k.id in ("coverage", "systems_migrated", "classified_retained")]
    kpis += [k for k in task1_kpis(sources, Text("en")) if k.done is not None]
    return make(inventory, digest=key, coverage=stats.by_district, kpis=kpis, migration=sources.migration,
                weights=weights(inventory.policy.audit))


def carrier_reports_key(history_db: Path) -> str:
    """Which carriers' reports are stored (their ids and content hashes): a new import changes task 1's figures."""
    if not history_exists(history_db):
        return ""

    with open_history(history_db) as history:
        return ",".join(f"{r.id}:{r.sha256}" for r in BroadbandStore(history).reports())


def load_index(folder: Path, state_dir: Path, plans_dir: Path) -> MetricsIndex:

    history_db = history_path(state_dir)
    key = hashlib.sha256((digest(folder, plans_dir) + carrier_reports_key(history_db)).encode()).hexdigest()
    cache = state_dir / "cache" / "metrics" / f"index-{key[:32]}.json"
    if cache.exists():
        try:
            index = MetricsIndex.from_json(json.loads(cache.read_text(encoding="utf-8")))
            if index.digest == key and index.version == INDEX_VERSION:
                return index
        except (ValueError, TypeError, KeyError):
            pass  # a cache from another version: rebuilt below
    index = build_index(folder, plans_dir, key, history_db)
    for old in cache.parent.glob("index-*.json") if cache.parent.is_dir() else []:
        old.unlink(missing_ok=True)
    atomic_write(cache, json.dumps(index.to_json(), ensure_ascii=False, separators=(",", ":")))
    return index


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def read_runs(history_db: Path) -> StoredRuns:
    """The newest finished run of each audit (only the facts the metrics read), when each kind last finished,
    failure streaks and the newest interval rates."""

    stored = StoredRuns()
    if not history_exists(history_db):
        return stored
    with open_history(history_db) as history:
        stored.finished = {kind: _epoch(at) for kind, at in history.last_finished().items()}
        for kind in AUDIT_KINDS:
            row = history.latest_run(kind)
            if row is None:
                continue
            run_id = int(row["id"])
            stored.audits[kind] = RunView(id=run_id, kind=kind, started=str(row["started"]), status=str(row["status"]),
                                          summary=dict(row["summary"]),
                                          results=history.result_facts(run_id, FACT_KEYS[kind]),
                                          findings=history.finding_keys(run_id))
            stored.streaks[kind] = _streaks(history, kind, stored.audits[kind])
        poll = history.latest_run(POLL_KIND)
        if poll is not None:
            for first, second in history.last_sample_pairs(int(poll["id"])):
                rate = row_rate(first, second)
                if isinstance(rate, Rate):
                    stored.rates.append((first[0], first[1], rate))
    return stored


def _streaks(history: Any, kind: str, newest: RunView) -> dict[str, int]:
    """Subjects whose newest collection failed -> the finished runs in a row that failed them. A run that did not
    cover a subject neither breaks nor extends its streak."""
    streak = {str(r["subject"]): 1 for r in newest.results if r["status"] != "ok"}
    open_subjects = set(streak)
    for run in history.runs(kind, limit=STREAK_RUNS):
        if not open_subjects:
            break
        if int(run["id"]) >= newest.id or not run.get("finished"):
            continue
        for subject, status in history.statuses(int(run["id"]), sorted(open_subjects)).items():
            if status == "ok":
                open_subjects.discard(subject)
            else:
                streak[subject] += 1
    return streak


def collect(*, folder: Path, state_dir: Path, plans_dir: Path = DEFAULT_PLANS_DIR) -> list[Family]:
    """Every metric family, from the index of the inventory and the newest stored runs."""

    index = load_index(folder, state_dir, plans_dir)
    return build(index, read_runs(history_path(state_dir)))


@dataclass(slots=True)
class WriteResult:
    path: str
    families: int
    samples: int
    size: int


def write(*, folder: Path, state_dir: Path, out: Path, plans_dir: Path = DEFAULT_PLANS_DIR) -> WriteResult:
    """Write the exposition to `out` atomically (node_exporter's textfile collector reads `*.prom` files)."""

    with bulk():  # a province's runs are a million small objects (not for `serve`, whose scrapes are freed)
        families = collect(folder=folder, state_dir=state_dir, plans_dir=plans_dir)
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for chunk in render_families(families):
                size += len(chunk)
                yield chunk

        atomic_write(out, counted())  # family by family: the whole text is never held
    return WriteResult(path=str(out), families=len(families), samples=sum(len(f.samples) for f in families),
                       size=size)


def serve(*, folder: Path, state_dir: Path, listen: str, plans_dir: Path = DEFAULT_PLANS_DIR) -> Any:
    """Start answering `/metrics` on `listen` (HOST:PORT) in a background thread; returns the endpoint (its `url`,
    `stop()` and `thread`). Each scrape reads the history anew."""

    host, port = parse_listen(listen)
    load_index(folder, state_dir, plans_dir)  # bad input shows before the first scrape, not as an HTTP 500
    return start(lambda: collect(folder=folder, state_dir=state_dir, plans_dir=plans_dir), host, port)
