"""`ezgov report`: readiness reports for managers (HTML, PDF, Markdown; Chinese and English)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, PlansOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Format, Lang

if TYPE_CHECKING:
    from ezgov_infra.models.runs import Progress

app = typer.Typer(no_args_is_help=True)


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    md = "md"
    xlsx = "xlsx"


LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of the report: zh (Chinese) or en.")]
RunOpt = Annotated[str, typer.Option("--run", help="'latest', or a history run id: the report as it stood then "
                                     "(for each audit, its newest run up to that id).")]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Migration plan name (default: the newest in "
                                             "--plans-dir).")]
AsOfOpt = Annotated[datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"],
                                                  help="Date the milestones are judged against (default today).")]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _pdf_progress(fmt: ReportFormat, lang: Lang) -> Progress | None:
    """On a terminal, a line that follows the PDF's layout page by page; in a log, one line when it starts."""
    if fmt is not ReportFormat.pdf:
        return None
    if sys.stderr.isatty():
        from ezgov_infra.cli.progress import steps_drawer

        return steps_drawer(f"PDF ({lang.value})")
    typer.echo(f"laying out the PDF ({lang.value}) ...", err=True)
    return None


@app.command("readiness")
def readiness_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    lang: LangOpt = Lang.zh,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="html (prints cleanly on A4), pdf, md "
                                              "(Markdown for wikis and mail), or xlsx (the open items and the "
                                              "waves as an Excel workbook).")] = ReportFormat.html,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File or folder to write (default "
                                             "<state dir>/reports/readiness-<lang>.<ext>).")] = None,
    run: RunOpt = "latest",
    plans_dir: PlansOpt = None,
    plan: PlanOpt = None,
    as_of: AsOfOpt = None,
    brief: Annotated[bool, typer.Option("--brief", help="The executive page alone: a one-page brief.")] = False,
) -> None:
    """Write the readiness report for the leading group: the plan's targets against where the city stands.

    Executive page (extranet coverage of required centres, sites meeting their bandwidth target, IPv6-ready
    devices, websites reachable over IPv6, systems moved to the cloud, classified systems retained; each with a
    status and the trend since the previous run), figures per district with the worst sites, blockers grouped by
    owner with the remedy, the migration schedule against the milestones, and the evidence appendix.

    Figures come from the inventory, the newest audit runs in the history database and the newest migration plan;
    a figure without a run says "not yet measured". The PDF needs a Chinese font (Debian fonts-noto-cjk) for zh.
    """
    from ezgov_infra.jobs import report

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)
    result = report.readiness(folder=settings.inventory, state_dir=settings.state_dir, lang=lang.value,
                              fmt=fmt.value, out=out, run=run, plans_dir=settings.plans_dir, plan=plan,
                              as_of=_day(as_of), brief=brief, progress=_pdf_progress(fmt, lang))
    typer.echo(f"wrote {result.path} ({result.format}, {result.lang}, {result.size} bytes)")


@app.command("figures")
def figures_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    lang: LangOpt = Lang.en,
    run: RunOpt = "latest",
    plans_dir: PlansOpt = None,
    plan: PlanOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The executive page's figures without writing a report: each target, where the city stands, the status
    (on target, close: within 10 points, off target, not yet measured) and the trend."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import report
    from ezgov_infra.report.build import figures

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)
    built = report.build(folder=settings.inventory, history_db=settings.history_db, lang=lang.value, run=run,
                         plans_dir=settings.plans_dir, plan=plan, as_of=_day(as_of))
    rows = report.executive_rows(built)
    value = {"figures": rows, "data": figures(built)}
    emit(value, fmt, rows=rows, columns=["title", "now", "status_text", "trend", "source"],
         title=built.title)
