"""`ezgov migrate`: legacy systems to the government cloud (the plan's tasks 4 and 5).

import -> assess -> plan -> show / diff. Plans live in `<plans dir>/<name>.yaml` (see `ezgov --plans-dir`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, PlansOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Classification, Format, Lang

app = typer.Typer(no_args_is_help=True)
PlanArg = Annotated[str, typer.Argument(help="Plan name (PLANS_DIR/NAME.yaml).")]
WaveOpt = Annotated[str, typer.Option("--wave", help="Wave id or number (1 = first).")]



class ImportFormat(StrEnum):
    csv = "csv"
    konveyor = "konveyor"
    azure = "azure"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file to import (or, with -f azure, an assessment's .xlsx).")],
    source: Annotated[ImportFormat, typer.Option("--format", "-f", help="konveyor: Konveyor application import "
                                                 "CSV; azure: Azure Migrate server import CSV, or an exported "
                                                 "assessment (.xlsx, or its All_Assessed_Machines sheet as CSV); "
                                                 "csv: ezgov's own (as written by `migrate export`).")
                      ] = ImportFormat.csv,
    default: Annotated[list[str] | None, typer.Option("--default", "-d", help="FIELD=VALUE for fields the file "
                                                      "lacks, e.g. site=ez-gsc (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show, write nothing.")] = False,
    update: Annotated[bool, typer.Option("--update", help="Replace systems already in systems.yaml (without it, "
                                         "an import that would replace one is refused).")] = False,
    inventory: InventoryOpt = None,
    fmt: Annotated[Format, typer.Option("--output-format", help="How to show what was imported (-f is the "
                                        "file's format).")] = Format.table,
) -> None:
    """Add legacy systems to the inventory's systems.yaml from a CSV file.

    Every problem names the file, the row's line and the column; a column the format does not define is an
    error. Nothing is written unless the whole file and the resulting catalogue are valid. A system whose
    classification no source gives is imported as unclassified and held out of every wave until classified.
    """
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import migration
    from ezgov_infra.jobs.inventory import parse_assignments

    defaults = {k: str(v) for k, v in parse_assignments(default or []).items() if v is not None}
    result = migration.import_file(folder=resolved(ctx, inventory=inventory).inventory, file=file, fmt=source.value,
                                   defaults=defaults, dry_run=dry_run, update=update)
    rows = [{"system": s.id, "name": s.name, "department": s.department, "site": s.site, "vcpu": s.vcpu,
             "ram_gb": s.ram_gb, "dependencies": ", ".join(d.target for d in s.dependencies)}
            for s in result.systems]
    emit(result.systems if fmt is not Format.table else rows, fmt, rows=rows)
    if fmt is Format.table:
        where = f"wrote {result.written}" if result.written else "dry run: nothing written"
        typer.echo(f"{len(result.systems)} systems from {result.file} ({result.format}); {where}", err=True)
        for column in result.ignored:
            typer.echo(f"ignored: {column}", err=True)
        if result.unclassified:
            typer.echo(f"unclassified (held until classified): {', '.join(result.unclassified)}", err=True)


@app.command("export")
def export_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    target: Annotated[ImportFormat, typer.Option("--format", "-f", help="csv: ezgov's own (re-imports to the same "
                                                 "catalogue); azure: Azure Migrate import CSV; konveyor: Konveyor "
                                                 "application import CSV.")] = ImportFormat.csv,
) -> None:
    """Write the catalogue on stdout as ezgov CSV, an Azure Migrate import file or a Konveyor import file."""
    from ezgov_infra.jobs import migration

    folder = resolved(ctx, inventory=inventory).inventory
    typer.echo(migration.export_catalogue(folder=folder, fmt=target.value), nl=False)


@app.command("classify")
def classify_command(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="System id in systems.yaml.")],
    level: Annotated[Classification, typer.Argument(help="Its classification (not unclassified).")],
    force: Annotated[bool, typer.Option("--force", help="Allow lowering a classified system.")] = False,
    inventory: InventoryOpt = None,
) -> None:
    """Record a system's classification (an imported system without one is held out of every wave until then)."""
    from ezgov_infra.jobs import migration

    folder = resolved(ctx, inventory=inventory).inventory
    before, after = migration.classify(folder=folder, system=system, level=level.value, force=force)
    typer.echo(f"{system}: {before} -> {after}")


@app.command("assess")
def assess_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge end-of-life dates on this day (default: "
                                              "the policy's migration start, else today).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Readiness, 6R strategy (with the rule that chose it) and confidence for every system in systems.yaml.

    Rules come from the inventory's migration_rules.yaml, else the defaults shipped with ezgov. Dependency cycles
    are reported: they are allowed and become move groups.
    """
    from ezgov_infra.cli.render import emit, print_table
    from ezgov_infra.jobs import migration

    result = migration.assess(folder=resolved(ctx, inventory=inventory).inventory, as_of=_day(as_of, "--as-of"))
    if fmt is not Format.table:
        emit(result, fmt, rows=result.rows())
        return
    print_table(result.rows(), ["system", "readiness", "strategy", "rule", "confidence", "reasons"],
                title=f"Assessment of {len(result.systems)} systems as of {result.as_of}")
    for name, counts in result.counts.items():
        typer.echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for cycle in result.cycles:
        typer.echo(f"dependency cycle (one move group): {' <-> '.join(cycle)}")


@app.command("plan")
def plan_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", "-n", help="Plan name: PLANS_DIR/NAME.yaml.")],
    start: Annotated[str | None, typer.Option(help="First possible cutover day (default: policy, else today).")]
    = None,
    deadline: Annotated[str | None, typer.Option(help="Deadline (default: the policy's migration milestone).")]
    = None,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    plans_dir: PlansOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, write nothing.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Group systems (dependency cycles and latency-sensitive pairs move together), pack the groups into waves
    within the policy's capacity, place the waves on weekend cutover windows outside holidays, and check the
    deadline.

    Transfer time uses the measured p95 headroom of the hosting site's uplink from the last bandwidth audit in
    the history database when there is one, else the circuit's contracted rate; a transfer longer than the
    system's downtime window gets a pre-sync step. A move group larger than one wave's capacity is an error.
    """
    from ezgov_infra.jobs import migration

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)
    plan, path = migration.make_plan(folder=settings.inventory, name=name, start=_day(start, "--start"),
                                     deadline=_day(deadline, "--deadline"), plans_dir=settings.plans_dir,
                                     history_db=settings.history_db, write=not dry_run)
    _render_plan(plan, fmt)
    if path is not None and fmt is Format.table:
        typer.echo(f"wrote {path}")


@app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Plan name (or path to a plan file).")],
    plans_dir: PlansOpt = None,
    wave: Annotated[str | None, typer.Option(help="Show one wave's steps (e.g. W03).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The waves of a saved plan, or one wave's runbook with --wave."""
    from ezgov_infra.cli.render import emit, print_table
    from ezgov_infra.jobs import migration

    plan = migration.show(name=name, plans_dir=resolved(ctx, plans_dir=plans_dir).plans_dir)
    if wave is None:
        _render_plan(plan, fmt)
        return
    found = next((w for w in plan.waves if w.id == wave), None)
    if found is None:
        raise typer.BadParameter(f"no wave {wave!r} in plan {name} ({', '.join(w.id for w in plan.waves)})",
                                 param_hint="--wave")
    rows = [{"step": s.kind.value, "starts": s.starts.strftime("%Y-%m-%d %H:%M") if s.starts else "",
             "hours": s.hours, "owner": s.owner or "", "title": s.title, "systems": ", ".join(s.systems),
             "notes": "\n".join(s.notes)}
            for s in found.steps]
    if fmt is not Format.table:
        emit(found, fmt, rows=rows)
        return
    print_table(rows, title=f"Plan {plan.name}, wave {found.id} ({found.status.value})")
    if found.slots:
        print_table([{"system": x.system, "starts": f"{x.starts:%Y-%m-%d %H:%M}", "ends": f"{x.ends:%Y-%m-%d %H:%M}",
                      "hours": x.hours, "limit_h": x.downtime_window_h, "after": ", ".join(x.after),
                      "note": x.note or ""} for x in found.slots],
                    title=f"Wave {found.id}: each system's slot")
    typer.echo(f"approver: {found.approver or 'not named'}; on call: {', '.join(found.on_call) or 'not named'}")
    for event in found.history:
        typer.echo(f"{event.at.isoformat()} {event.status.value} by {event.by or 'unknown'}: {event.note}")


networks_app = typer.Typer(no_args_is_help=True, help="Departments' private networks (task 4).")
app.add_typer(networks_app, name="networks")


@networks_app.command("check")
def networks_check_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Find where private networks' prefixes (networks.yaml) overlap the extranet's address plan or each other,
    the usual blocker of a merger, and propose renumbering from the address plan (IPv6 from its root, IPv4 from
    policy.yaml addressing.ipv4_pool). Exits 1 when an overlap is found."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import migration

    result = migration.check_networks(folder=resolved(ctx, inventory=inventory).inventory)
    emit(result, fmt, rows=result.rows(), columns=["network", "prefix", "overlaps", "whose", "renumber", "proposal"],
         title=f"Private networks of {result.inventory}: {len(result.overlaps)} overlaps")
    if fmt is Format.table:
        for network in result.unchecked:
            typer.echo(f"{network}: no prefixes recorded, not checked", err=True)
    if result.overlaps:
        raise typer.Exit(1)


class RunbookFormat(StrEnum):
    md = "md"
    xlsx = "xlsx"


@app.command("runbook")
def runbook_command(
    ctx: typer.Context,
    name: PlanArg,
    fmt: Annotated[RunbookFormat, typer.Option("--format", "-f", help="md: Markdown (on stdout unless --out); "
                                               "xlsx: the workbook ops teams forward.")] = RunbookFormat.md,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the words (data stays as "
                                              "recorded).")] = Lang.zh,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (xlsx default: "
                                             "PLANS_DIR/NAME.runbook.LANG.xlsx).")] = None,
    plans_dir: PlansOpt = None,
) -> None:
    """Each system's steps by its strategy (rehost, replatform, refactor, repurchase; retire; retain), each with
    its owner, start, duration, verification and rollback, wave by wave."""
    from ezgov_infra.jobs import migration

    result = migration.runbook(name=name, lang=lang.value, fmt=fmt.value, out=out,
                               plans_dir=resolved(ctx, plans_dir=plans_dir).plans_dir)
    if result.text is not None:
        typer.echo(result.text, nl=False)
    else:
        typer.echo(f"wrote {result.written}", err=True)


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="Plan before.")],
    b: Annotated[str, typer.Argument(help="Plan after.")],
    plans_dir: PlansOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """What changed from plan A to plan B: systems that changed wave, waves that changed date, deadline misses."""
    from ezgov_infra.cli.render import emit, print_table
    from ezgov_infra.jobs import migration

    changes = migration.diff(a=a, b=b, plans_dir=resolved(ctx, plans_dir=plans_dir).plans_dir)
    if fmt is not Format.table:
        emit(changes, fmt, rows=changes["changes"])
        return
    print_table(changes["changes"], ["kind", "id", "before", "after"], title=f"{a} -> {b}")
    for key, values in changes["summary"].items():
        typer.echo(f"{key}: {values['before']} -> {values['after']}")
    if changes["new_misses"]:
        typer.echo("newly missing the deadline: " + ", ".join(changes["new_misses"]))
    if changes["resolved_misses"]:
        typer.echo("no longer missing the deadline: " + ", ".join(changes["resolved_misses"]))


def _render_plan(plan: object, fmt: Format) -> None:
    from ezgov_infra.cli.render import emit, print_table
    from ezgov_infra.jobs.migration import wave_rows
    from ezgov_infra.models.plan import MigrationPlan

    assert isinstance(plan, MigrationPlan)
    rows = wave_rows(plan)
    if fmt is not Format.table:
        emit(plan, fmt, rows=rows)
        return
    print_table(rows, ["wave", "window", "status", "signed_off", "systems", "vcpu", "ram_gb", "data_gb", "presync",
                       "late"],
                title=f"Migration plan {plan.name}: {plan.start} to deadline {plan.deadline} ({plan.deadline_source})")
    typer.echo(", ".join(f"{k} {v}" for k, v in plan.summary.items()))
    for miss in plan.misses:
        typer.echo(f"misses the deadline: {miss.system}: {miss.reason}")


RunbookOpt = Annotated[Path | None, typer.Option("--runbook", help="Cutover runbook (default: "
                                                 "PLANS_DIR/NAME.cutover.yaml): hosts, data folders, services, "
                                                 "service addresses and URLs per system.")]


def _cutover(ctx: typer.Context, name: str, wave: str, action: str, *, state_dir: Path | None,
             plans_dir: Path | None, runbook: Path | None, check: bool, force: bool, fmt: Format) -> None:
    from ezgov_infra.cli.playbook import summary_table
    from ezgov_infra.cli.progress import playbook_drawer
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import cutover

    settings = resolved(ctx, state_dir=state_dir, plans_dir=plans_dir)
    result = cutover.run_wave(name=name, wave=wave, action=action, state_dir=settings.state_dir,
                              plans_dir=settings.plans_dir, runbook=runbook, check=check, force=force,
                              progress=playbook_drawer(f"{name} wave {wave} {action}"))
    if fmt is Format.table:
        summary_table(result.playbook, fmt)
    emit(result, fmt, rows=result.rows(), columns=["system", "outcome"],
         title=f"Plan {result.plan} wave {result.wave}: {action} -> {result.status}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("signoff")
def signoff_command(
    ctx: typer.Context,
    name: PlanArg,
    wave: WaveOpt,
    by: Annotated[str, typer.Option("--by", help="Who gives the go (the wave's approver or a deputy).")],
    note: Annotated[str, typer.Option("--note", help="What the go is given on (e.g. the pre-checks seen).")] = "",
    plans_dir: PlansOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record the go/no-go sign-off of one wave in the plan's history (who and when); `migrate execute` refuses a
    wave without it."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import cutover

    result = cutover.sign_off(name=name, wave=wave, by=by, note=note,
                              plans_dir=resolved(ctx, plans_dir=plans_dir).plans_dir)
    row = {"plan": result.plan, "wave": result.wave, "by": result.by, "at": result.at.isoformat(),
           "approver": result.approver or "", "note": result.note}
    emit(result, fmt, rows=[row], title=f"Plan {result.plan} wave {result.wave} signed off")


@app.command("execute")
def execute_command(
    ctx: typer.Context,
    name: PlanArg,
    wave: WaveOpt,
    state_dir: StateDirOpt = None,
    plans_dir: PlansOpt = None,
    runbook: RunbookOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Dry run: predict, change nothing, record nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Run a wave nobody signed off; the plan's history records "
                                        "that it was forced and by whom.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Cut one wave over with migration_cutover.yml: pre-checks, data sync, service address switch, verification.

    The wave needs its sign-off (`migrate signoff`) unless --force. A failed verification rolls the system back
    (address and service on the source again, old service checked). The outcome is recorded in the plan's wave
    status and history; exits 1 unless every system moved.
    """
    _cutover(ctx, name, wave, "execute", state_dir=state_dir, plans_dir=plans_dir, runbook=runbook, check=check,
             force=force, fmt=fmt)


@app.command("rollback")
def rollback_command(
    ctx: typer.Context,
    name: PlanArg,
    wave: WaveOpt,
    state_dir: StateDirOpt = None,
    plans_dir: PlansOpt = None,
    runbook: RunbookOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move one wave back to its source hosts and check the old services answer; recorded in the plan."""
    _cutover(ctx, name, wave, "rollback", state_dir=state_dir, plans_dir=plans_dir, runbook=runbook, check=False,
             force=False, fmt=fmt)


@app.command("stage")
def stage_command(
    ctx: typer.Context,
    name: PlanArg,
    wave: WaveOpt,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    plans_dir: PlansOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Stage one wave in the virtual lab (`ezgov lab up` first; needs root), ready for `migrate execute`.

    Each system gets a stand-in legacy service (an HTTP server on port 8080 serving a generated data folder) on
    the lab router that stands for its hosting site (its own, else its district's, else the city core), on
    service addresses from 203.0.113.32/28 and 2001:db8:0:3::/64 that OSPF announces. Writes the runbook
    PLANS_DIR/NAME.cutover.yaml (target: the cloud gateway; client: the city core) and checks every service
    answers from the core over IPv6 and IPv4; exits 1 if one does not. Staging the same wave again starts afresh.
    """
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import stage

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)
    result = stage.stage(name=name, wave=wave, inventory=settings.inventory, state_dir=settings.state_dir,
                         plans_dir=settings.plans_dir, progress=Drawer())
    emit(result, fmt, rows=result.rows(), columns=["system", "site", "source", "addresses", "answers"],
         title=f"Plan {result.plan} wave {result.wave} staged: target {result.target}, client {result.client}")
    _notes(result.notes, fmt, f"runbook {result.runbook}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("unstage")
def unstage_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Plan name the wave was staged from.")],
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Stop the stand-in services `migrate stage` started (by PID, checking each is still that process), take
    their service addresses off the site and cloud routers, delete their data folders and the runbook."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import stage

    result = stage.unstage(name=name, state_dir=resolved(ctx, state_dir=state_dir).state_dir)
    emit(result, fmt, rows=result.rows(), title=f"Unstaged {result.plan or name}")
    _notes(result.notes, fmt)


def _notes(notes: list[str], fmt: Format, *more: str) -> None:
    """A staging command's notes on stderr, after its table (not in json or csv, where they are in the data)."""
    if fmt is Format.table:
        for note in notes:
            typer.echo(f"note: {note}", err=True)
        for line in more:
            typer.echo(line, err=True)
