"""The readiness report use case: load the inventory, the history and the migration plan, build, render, write.

`--run latest` reads the newest finished run of each audit; `--run ID` reads, for each audit, the newest run up to
and including run ID (the report as it stood then). A source without a run gives "not yet measured", never an
error. Each report written from the latest runs is itself recorded in the history (kind `readiness-report`, its
figures in the summary) so the next report shows the trend of figures that come from the inventory and the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ezgov_infra.audit.coverage import compute_stats
from ezgov_infra.audit.coverage import connected_sites as connected
from ezgov_infra.config import DEFAULT_PLANS_DIR, history_path
from ezgov_infra.errors import InputError
from ezgov_infra.jobs.broadband import assess_history
from ezgov_infra.migrate.assess import assess
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.runs import Progress
from ezgov_infra.report.build import Report, build_report
from ezgov_infra.report.pdf import html_to_pdf
from ezgov_infra.report.render import render_html, render_markdown, workbook_sheets
from ezgov_infra.report.sources import AUDIT_KINDS, IPV6_AUDIT, REPORT, WEB_CHECK, Coverage, Migration, RunView, Sources
from ezgov_infra.store.carrier_files import write_workbook
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.history import History, history_exists, open_history
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import SYSTEMS_FILE, load_catalogue, load_plan, load_rules

FORMATS = ("html", "pdf", "md", "xlsx")
SUFFIX = {"html": ".html", "pdf": ".pdf", "md": ".md", "xlsx": ".xlsx"}


@dataclass(slots=True)
class ReportResult:
    path: str
    format: str
    lang: str
    size: int
    recorded_run: int | None
    figures: list[dict[str, Any]]


def _cutoff(history: History, run: str) -> int | None:
    if run == "latest":
        return None
    if not run.isdigit():
        raise InputError(f"--run: expected 'latest' or a run id, got {run!r}")
    if history.run(int(run)) is None:
        raise InputError(f"--run {run}: no such run in the history (`ezgov ipv6 runs` lists them)")
    return int(run)


def _view(history: History, row: dict[str, Any]) -> RunView:
    run_id = int(row["id"])
    return RunView(id=run_id, kind=str(row["kind"]), started=str(row["started"]), status=str(row["status"]),
                   summary=dict(row.get("summary") or {}), results=history.results(run_id),
                   findings=history.findings(run_id), scope=str(row.get("scope") or ""))


def _finished(history: History, kind: str, cutoff: int | None) -> list[dict[str, Any]]:
    rows = [r for r in history.runs(kind, limit=1000) if r.get("finished")]
    return [r for r in rows if cutoff is None or int(r["id"]) <= cutoff]


FULL_SCOPES = ("", "all")  # a run without --limit: it covers what a headline figure counts


def read_history(path: Path, run: str, everything: Mapping[str, set[str]] | None = None,
                 ) -> tuple[dict[str, RunView], dict[str, RunView], dict[str, float], dict[str, RunView]]:
    """The full-scope run each figure reads, the full-scope run before it (for the trend), the figures of the
    last report made before those runs (the trend of figures from the inventory and the plan), and, per audit, a
    newer run of narrower scope that the figures leave out (the report names it).

    A run limited to some devices never feeds a headline figure: 1 of 1 devices ready says nothing of the city.
    A run is full-scope when it ran without a limit, or when its results name every subject of `everything[kind]`
    (a website check records the hosts it checked as its scope).
    The report baseline is fixed by the runs, not by when the report is rendered, so every rendering of the same
    data shows the same trend.
    """
    runs: dict[str, RunView] = {}
    previous: dict[str, RunView] = {}
    earlier: dict[str, float] = {}
    partial: dict[str, RunView] = {}
    if not history_exists(path):
        if run != "latest":
            raise InputError(f"--run {run}: there is no history yet ({path})")
        return runs, previous, earlier, partial
    with open_history(path) as history:
        cutoff = _cutoff(history, run)
        for kind in AUDIT_KINDS:
            rows = _finished(history, kind, cutoff)
            full: list[RunView] = []
            for row in rows:
                view = _view(history, row)
                wanted = (everything or {}).get(kind)
                if view.scope in FULL_SCOPES or (wanted and wanted <= {str(r["subject"]) for r in view.results}):
                    full.append(view)
                    if len(full) == 2:
                        break
                elif not full and kind not in partial:
                    partial[kind] = view  # newer than any full run: named, not counted
            if full:
                runs[kind] = full[0]
            if len(full) > 1:
                previous[kind] = full[1]
        newest = max((v.id for v in runs.values()), default=None)
        reports = [r for r in _finished(history, REPORT, cutoff) if newest is not None and int(r["id"]) < newest]
        if reports:
            stored = reports[0]["summary"].get("figures") or {}
            earlier = {k: float(v) for k, v in stored.items() if isinstance(v, int | float)}
    return runs, previous, earlier, partial


def read_migration(folder: Path, plans_dir: Path, plan_name: str | None, as_of: date,
                   inventory: Inventory | None = None) -> Migration:
    """The catalogue, its assessment and the plan; `inventory` when the caller already loaded `folder`."""
    if not (folder / SYSTEMS_FILE).exists():
        return Migration()
    if inventory is None:
        inventory = load_inventory(folder)
    systems = load_catalogue(folder, inventory)
    rules, _ = load_rules(folder)
    plan = None
    if plan_name is not None:
        plan = load_plan(plans_dir, plan_name)
    elif plans_dir.is_dir():
        candidates = sorted(plans_dir.glob("*.yaml"), key=lambda p: (p.stat().st_mtime, p.name))
        if candidates:
            plan = load_plan(plans_dir, candidates[-1].stem)
    day = (plan.start if plan else None) or inventory.policy.migration.start or as_of
    return Migration(systems=systems, assessments=assess(systems, inventory, rules, day), plan=plan)


def load_sources(*, folder: Path, history_db: Path, run: str = "latest", plans_dir: Path = DEFAULT_PLANS_DIR,
                 plan: str | None = None, as_of: date | None = None) -> Sources:

    inventory = load_inventory(folder)
    day = as_of or date.today()
    stats = compute_stats(inventory)
    coverage = Coverage(required=stats.required, connected=stats.connected, by_district=stats.by_district,
                        gaps=[(g.site, g.reason) for g in stats.missing], connected_sites=connected(inventory))
    everything = {WEB_CHECK: set(inventory.websites), IPV6_AUDIT: set(inventory.devices)}
    runs, previous, earlier, partial = read_history(history_db, run, everything)

    households, _, households_trend = assess_history(inventory, history_db)
    migration = read_migration(folder, plans_dir, plan, day, inventory)
    return Sources(inventory=inventory, as_of=day, coverage=coverage, runs=runs, previous=previous,
                   earlier=earlier, partial=partial, migration=migration,
                   broadband=households, broadband_trend=households_trend)


def build(*, folder: Path, history_db: Path, lang: str, run: str = "latest", plans_dir: Path = DEFAULT_PLANS_DIR,
          plan: str | None = None, as_of: date | None = None, generated: datetime | None = None) -> Report:

    sources = load_sources(folder=folder, history_db=history_db, run=run, plans_dir=plans_dir, plan=plan,
                           as_of=as_of)
    return build_report(sources, lang, generated=generated)


def default_out(state_dir: Path, lang: str, fmt: str, brief: bool = False) -> Path:
    return state_dir / "reports" / f"readiness{'-brief' if brief else ''}-{lang}{SUFFIX[fmt]}"


def executive_rows(report: Report) -> list[dict[str, Any]]:
    return [{"figure": k.id, "title": k.title, "now": k.value_text, "pct": k.pct, "status": k.status,
             "status_text": k.status_text,
             "trend": k.trend_text, "source": k.source} for k in report.kpis]


def readiness(*, folder: Path, state_dir: Path, lang: str = "zh", fmt: str = "html", out: Path | None = None,
              run: str = "latest", plans_dir: Path = DEFAULT_PLANS_DIR, plan: str | None = None,
              as_of: date | None = None, generated: datetime | None = None, brief: bool = False,
              progress: Progress | None = None) -> ReportResult:
    """Build the report and write it to `out` (default `<state dir>/reports/readiness-<lang>.<ext>`).

    `brief`: the executive page alone (one page); `xlsx`: the open items and the wave schedule as a workbook for
    those who forward tables. `progress` follows the PDF's conversion, the one slow step: a note per stage and
    per page laid out.
    """

    if fmt not in FORMATS:
        raise InputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    history_db = history_path(state_dir)
    report = build(folder=folder, history_db=history_db, lang=lang, run=run, plans_dir=plans_dir, plan=plan,
                   as_of=as_of, generated=generated)
    target = out or default_out(state_dir, lang, fmt, brief)
    if target.is_dir():
        target = target / default_out(state_dir, lang, fmt, brief).name
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "md":
        atomic_write(target, render_markdown(report, brief=brief))
    elif fmt == "xlsx":
        write_workbook(target, workbook_sheets(report))
    else:
        html = render_html(report, brief=brief)
        if fmt == "html":
            atomic_write(target, html)
        else:
            atomic_write(target, html_to_pdf(html, base=target.parent.resolve(), lang=lang, progress=progress))
    recorded = _record(history_db, report, target, fmt) if run == "latest" else None
    return ReportResult(path=str(target), format=fmt, lang=lang, size=target.stat().st_size,
                        recorded_run=recorded, figures=executive_rows(report))


def _record(history_db: Path, report: Report, target: Path, fmt: str) -> int:
    figures = {k.id: k.pct for k in report.kpis if k.pct is not None}
    with open_history(history_db) as history:
        return history.record_run(REPORT, scope=f"{report.lang}/{fmt}", status="ok",
                                  summary={"figures": figures, "path": str(target)})
