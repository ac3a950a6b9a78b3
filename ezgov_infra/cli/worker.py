"""`ezgov worker` and `ezgov schedule`: collectors as Celery workers per poller group, and the continuous runs of
`policy.yaml` on Celery beat. The broker is `EZGOV_BROKER_URL` (default redis://127.0.0.1:6379/0)."""

from __future__ import annotations

from typing import Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Format

app = typer.Typer(no_args_is_help=False)
schedule_app = typer.Typer(no_args_is_help=True)


@app.callback(invoke_without_command=True)
def worker_command(
    ctx: typer.Context,
    group: Annotated[list[str] | None, typer.Option(
        "--group", "-g", metavar="GROUP", help="Poller group to serve (repeatable): a district id unless "
        "policy.yaml's poller_groups says otherwise.")] = None,
    scheduled: Annotated[bool, typer.Option("--scheduled", help="Also run the scheduled jobs Celery beat "
                                            "sends (`ezgov schedule beat`).")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=512, help="Devices collected at once.")] = 16,
    name: Annotated[str | None, typer.Option(help="Worker name (default: its groups).")] = None,
    redeliver_after: Annotated[float, typer.Option(min=2, help="Seconds after which a task whose worker died "
                                                   "is given to another worker of the group; keep it longer than "
                                                   "any collection runs (a slower task would run twice).")] = 300.0,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
) -> None:
    """Serve poller groups' collection tasks until stopped (Ctrl-C or SIGTERM lets running tasks finish).

    Credentials are resolved here, from this machine's environment, vault file or lab key; nothing secret
    travels through the broker.
    """
    from ezgov_infra.jobs import workers

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    workers.serve(settings=settings, groups=group or [], concurrency=concurrency, scheduled=scheduled, name=name,
                  redeliver_after=redeliver_after)


@schedule_app.command("show")
def show_command(ctx: typer.Context, inventory: InventoryOpt = None, fmt: FormatOpt = Format.table) -> None:
    """The continuous runs in policy.yaml (`schedule:`) and when each runs next (cron lines are read in the
    policy's `timezone`, Asia/Shanghai unless it says otherwise)."""
    from ezgov_infra.cli.render import emit, print_table
    from ezgov_infra.jobs import workers

    rows = workers.schedule_entries(resolved(ctx, inventory=inventory).inventory)
    if fmt is not Format.table:
        emit(rows, fmt, rows=rows)
        return
    print_table(rows, ["name", "job", "when", "timezone", "limit", "distributed", "next"], title="Scheduled runs")
    if not rows:
        typer.echo("nothing scheduled (policy.yaml: schedule:)")


@schedule_app.command("beat")
def beat_command(ctx: typer.Context, inventory: InventoryOpt = None, state_dir: StateDirOpt = None) -> None:
    """Run Celery beat: send each scheduled run to the `--scheduled` workers when due, until stopped."""
    from ezgov_infra.jobs import workers

    workers.beat(settings=resolved(ctx, inventory=inventory, state_dir=state_dir))
