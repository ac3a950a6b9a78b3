"""`ezgov config`: device configs versioned in git by `backup_configs` (`<state dir>/configs/`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Format

app = typer.Typer(no_args_is_help=True)


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    device: Annotated[str, typer.Argument(help="Device id.")],
    rev_a: Annotated[str | None, typer.Argument(help="From this revision (a commit, HEAD~2...). Default: the "
                                                "device's last change.")] = None,
    rev_b: Annotated[str | None, typer.Argument(help="To this revision. Default: the newest commit.")] = None,
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """What changed in a device's config: a unified diff (secrets hidden, volatile lines dropped)."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import configs

    state = resolved(ctx, state_dir=state_dir).state_dir
    result = configs.diff(state_dir=state, device=device, rev_a=rev_a, rev_b=rev_b)
    if fmt is Format.table:
        typer.echo(result.diff, nl=False)  # verbatim: a config is data
        return
    emit({"device": result.device, "rev_a": result.rev_a, "rev_b": result.rev_b, "hunks": result.hunks,
          "diff": result.diff}, fmt)


@app.command("changes")
def changes_command(
    ctx: typer.Context,
    since: Annotated[datetime | None, typer.Option("--since", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
                                                   help="Only commits from this date (YYYY-MM-DD).")] = None,
    device: Annotated[str | None, typer.Option("--device", help="Only commits changing this device.")] = None,
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Config commits, newest first: revision, date, backup run and the devices that changed."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import configs

    rows = configs.changes(state_dir=resolved(ctx, state_dir=state_dir).state_dir, since=since, device=device)
    emit(rows, fmt, rows=rows, columns=["rev", "date", "run", "devices"])
