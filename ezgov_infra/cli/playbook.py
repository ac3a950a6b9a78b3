"""`ezgov playbook`: list the project's Ansible playbooks and run one against the inventory's devices."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, LimitOpt, StateDirOpt, limit_selector, resolved
from ezgov_infra.models.kinds import Format

app = typer.Typer(no_args_is_help=True)


def summary_table(summary: Any, fmt: Format) -> None:
    from ezgov_infra.cli.render import emit

    columns = ["host", "status", "ok", "changed", "failed", "unreachable", "skipped", "rescued", "message"]
    emit(summary, fmt, rows=summary.rows(), columns=columns,
         title=f"{summary.playbook}{' (check mode)' if summary.check else ''}: {summary.elapsed:.1f} s, "
               f"artifacts {summary.artifacts_dir}")


def exit_for(summary: Any) -> None:
    if not summary.ok:
        raise typer.Exit(1)


@app.command("list")
def list_command(fmt: FormatOpt = Format.table) -> None:
    """The playbooks ezgov runs: name, purpose and the platforms each speaks to."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import playbooks

    found = playbooks.catalog()
    rows = [{"name": p.name, "purpose": p.purpose, "platforms": p.platforms} for p in found]
    emit(found, fmt, rows=rows, columns=["name", "purpose", "platforms"])


@app.command("run")
def run_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Playbook name (see `ezgov playbook list`).")],
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    limit: LimitOpt = None,
    hosts: Annotated[str | None, typer.Option("--hosts", help="Ansible host pattern: devices or groups "
                                              "(region_*, role_*, platform_*, category_*, lab).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Predict changes, change nothing.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show the configuration differences.")] = False,
    extra: Annotated[list[str] | None, typer.Option("--extra-vars", "-e", help="KEY=VALUE, repeatable. Never a "
                                                    "secret: extra vars are recorded in the artifacts.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run a playbook on the inventory's live devices through ansible-runner.

    Credentials come from each device's credential profile (environment, vault or the lab); passwords reach
    ansible only through its prompts, never a file or the command line. Artifacts go under
    STATE_DIR/artifacts/. --limit chooses devices as everywhere in ezgov; --hosts narrows them further with an
    Ansible host pattern. Exits 1 when any host failed or was unreachable.
    """
    from ezgov_infra.cli.progress import playbook_drawer
    from ezgov_infra.jobs import playbooks

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    selector = limit_selector(limit)
    extra_vars = playbooks.parse_extra(extra or [])
    summary = playbooks.run(name=name, folder=settings.inventory, state_dir=settings.state_dir, limit=hosts,
                            selector=selector, check=check, diff=diff, extra=extra_vars,
                            progress=playbook_drawer(name))
    summary_table(summary, fmt)
    exit_for(summary)

