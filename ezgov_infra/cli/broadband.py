"""`ezgov broadband`: households' broadband and 4G from the carriers' reports (the plan's task 1)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Carrier, Format

app = typer.Typer(no_args_is_help=True)


class GapKind(StrEnum):
    gigabit = "gigabit"
    fast = "100m"
    lte = "4g"
    unreported = "unreported"


def _pct(value: Any) -> str:
    return "" if value is None else f"{value:.1f}%"


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from ezgov_infra.errors import InputError

        raise InputError(f"--as-of {text!r}: give the report's day as YYYY-MM-DD") from None


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Carriers' files (.csv, .xlsx).", show_default=False)],
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    carrier: Annotated[Carrier | None, typer.Option(help="The carrier (default: from the file name).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The report's day, YYYY-MM-DD (default: from the "
                                                               "file name).")] = None,
    speeds: Annotated[bool, typer.Option("--speeds", help="The files hold speed tests, one per row.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Import carriers' per-village reports (or speed tests) into the history database.

    A report file is named <carrier>-<YYYY-MM-DD>.csv|.xlsx (carrier: telecom, mobile, unicom, broadcast) unless
    --carrier and --as-of say; a speed-test file is named speedtests*.csv|.xlsx unless --speeds says. Columns are
    read through the carrier's mapping under `broadband:` in policy.yaml (Chinese headers as in the file); a title
    row above the headers is skipped. Villages are matched by name within their township. Every problem in every
    file is listed as file:row:column, and then nothing is imported. A newer report of a carrier becomes its
    current one; older reports stay for the trend; the same carrier and day again replaces that report.
    """
    from ezgov_infra.cli.render import emit, plain, print_table
    from ezgov_infra.jobs import broadband

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    result = broadband.import_files(folder=settings.inventory, state_dir=settings.state_dir, files=files,
                                    carrier=carrier, as_of=_day(as_of),
                                    speeds=speeds)
    rows = [{"file": f.file, "kind": f.kind, "carrier": f.carrier, "as_of": f.as_of, "rows": f.rows,
             "replaced": f.replaced, "current": f.current} for f in result.files]
    if fmt is not Format.table:
        emit(plain(result), fmt, rows=rows)
        return
    print_table(rows, title="Imported")


@app.command("audit")
def audit_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Task 1's three figures from each carrier's latest report: urban households with gigabit-capable access,
    rural households with 100M-capable access (each essentially reached at broadband.basic_pct, default 90%),
    administrative villages covered by 4G (broadband.full_pct, default 100%); per district, and as they stood on
    each report day.

    A village's capability is the best any carrier offers. Households are the region's `households` where
    recorded, else the largest carrier figure. Villages no carrier reported are counted apart, not as covered.
    Gigabit villages whose median measured download is below broadband.slow_gigabit_mbps are listed as slow.
    """
    from ezgov_infra.cli.render import console, emit, plain, print_table
    from ezgov_infra.jobs import broadband

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    result = broadband.audit(folder=settings.inventory, state_dir=settings.state_dir)
    figures = [{"figure": k, "done": f["done"], "total": f["total"], "unit": f["unit"], "pct": _pct(f["pct"]),
                "target": _pct(f["target_pct"]), "meets": f["meets"], "unreported": f["unreported"]}
               for k, f in result.figures.items()]
    if fmt is not Format.table:
        emit(plain(result), fmt, rows=figures)
        return
    if not result.reports:
        typer.echo("No carrier's report imported yet (ezgov broadband import FILE...).")
        return
    current = ", ".join(f"{c} {d}" for c, d in result.current.items())
    print_table(figures, title=f"Task 1 from the carriers' latest reports ({current})")
    print_table([{"district": d.id, "name": d.name, **{k: _pct(f.pct) for k, f in d.figures.items()},
                  "gaps": d.gaps, "households_short": d.households_short, "without_4g": d.villages_without_4g,
                  "unreported": d.unreported} for d in result.districts], title="Per district")
    print_table([{"as_of": p.as_of, **{k: _pct(v) for k, v in p.pct.items()},
                  "reports": p.reports} for p in result.trend], title="Trend between carriers' reports")
    if result.slow:
        print_table([{"village": v.village, "name": v.name, "capability": v.capability,
                      "median_mbps": v.speed.median_mbps if v.speed else None,
                      "p10_mbps": v.speed.p10_mbps if v.speed else None,
                      "samples": v.speed.samples if v.speed else None} for v in result.slow],
                    title="Gigabit villages measured slow")
    if result.worst_townships:
        print_table([{"township": t.id, "name": t.name, "district": t.district, "gaps": t.gaps,
                      "households_short": t.households_short, "without_4g": t.villages_without_4g,
                      "unreported": t.unreported} for t in result.worst_townships],
                    title="Townships furthest from the targets")
    counts = ", ".join(f"{n} {kind}" for kind, n in result.gaps.items() if n) or "none"
    console().print(f"Gaps: {counts} (the list: ezgov broadband gaps).", markup=False, highlight=False)


@app.command("gaps")
def gaps_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    district: Annotated[str | None, typer.Option(help="Only this district (region id).")] = None,
    township: Annotated[str | None, typer.Option(help="Only this township (region id).")] = None,
    kind: Annotated[GapKind | None, typer.Option(help="Only this kind of gap.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Villages and communities short of task 1, per district and township, with the carrier that could close
    each gap: urban leaves below the gigabit share (gigabit), rural ones below the 100M share (100m), villages
    without full 4G (4g), leaves no carrier reported (unreported).

    The carrier that could close a household gap is the one already passing the most households at that speed,
    else one with fibre to the village; for 4G, one with partial coverage there, else one with fibre there.
    """
    from ezgov_infra.cli.render import emit, plain
    from ezgov_infra.jobs import broadband

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    found = broadband.gaps(folder=settings.inventory, state_dir=settings.state_dir, district=district,
                           township=township, kind=kind.value if kind else None)
    rows = [{"district": g.district, "township": g.township, "village": g.village, "name": g.name, "gap": g.kind,
             "households": g.households, "short": g.short, "best": _pct(g.best_pct), "best_by": g.best_by,
             "could_close": g.could_close} for g in found]
    emit(plain(found) if fmt in (Format.json, Format.yaml) else rows, fmt, rows=rows,
         columns=list(rows[0]) if rows else ["district", "township", "village", "name", "gap", "households",
                                            "short", "best", "best_by", "could_close"],
         title="Task 1 gaps")
