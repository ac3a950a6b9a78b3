"""The `ezgov` command: adds one sub-app per area and is the single error boundary.

Errors ezgov raises on purpose print as `file:line: path.to.field: what is wrong (hint)`; bad input exits 2, a
failed run exits 1. Tracebacks appear only with `--debug`.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ezgov_infra.cli import (
    bandwidth,
    broadband,
    config,
    export,
    inventory,
    ipv6,
    lab,
    metrics,
    migrate,
    playbook,
    report,
    worker,
)
from ezgov_infra.config import (
    DEFAULT_INVENTORY,
    DEFAULT_PLANS_DIR,
    DEFAULT_STATE_DIR,
    INVENTORY_ENV,
    PLANS_DIR_ENV,
    STATE_DIR_ENV,
    resolve_settings,
)

_SETTINGS: dict[str, Any] = {
    "name": "ezgov",
    "help": "E-government extranet toolkit: inventory, IPv6 readiness, bandwidth, cloud migration, reports.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "add_completion": True,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}
app = typer.Typer(**_SETTINGS)
app.add_typer(inventory.app, name="inventory", help="Extranet inventory: sites, devices, circuits, prefixes.")
app.add_typer(ipv6.app, name="ipv6", help="IPv6 address plan, device audits and website checks.")
app.add_typer(bandwidth.app, name="bandwidth",
              help="Extranet site bandwidth (the city's policy for task 3): targets, SNMP utilisation, active tests.")
app.add_typer(broadband.app, name="broadband",
              help="Households' broadband and 4G per village from carriers' reports (task 1).")
app.add_typer(migrate.app, name="migrate", help="Legacy systems to the government cloud: assess, plan, execute.")
app.add_typer(playbook.app, name="playbook", help="Ansible playbooks run through ansible-runner.")
app.add_typer(lab.app, name="lab", help="Virtual router lab: FRR, sshd and snmpd in network namespaces.")
app.add_typer(export.app, name="export", help="Configuration for Prometheus' SNMP engine, from the inventory.")
app.add_typer(report.app, name="report", help="Readiness reports for managers (HTML, PDF, Markdown; zh/en).")
app.add_typer(metrics.app, name="metrics", help="Stored runs as Prometheus metrics: HTTP endpoint or textfile.")
app.add_typer(config.app, name="config", help="Device configs versioned in git: diffs and changes.")
app.add_typer(worker.app, name="worker", help="Collect for poller groups as a Celery worker (province scale).")
app.add_typer(worker.schedule_app, name="schedule", help="Continuous runs from policy.yaml on Celery beat.")

_debug = False


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("ezgov-infra")
        except PackageNotFoundError:
            number = "unknown (not installed)"
        sys.stdout.write(f"ezgov {number}\n")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors (the exit code stays the "
                                        "same).")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print ezgov's version and exit.")] = False,
    inventory: Annotated[Path | None, typer.Option(
        "--inventory", "-i", help=f"Inventory folder for every command (default: {INVENTORY_ENV}, else "
        f"{DEFAULT_INVENTORY}); a command's own --inventory wins.", show_default=False)] = None,
    state_dir: Annotated[Path | None, typer.Option(
        "--state-dir", help=f"Run state: history database, lab, artifacts (default: {STATE_DIR_ENV}, else "
        f"{DEFAULT_STATE_DIR}); a command's own --state-dir wins.", show_default=False)] = None,
    plans_dir: Annotated[Path | None, typer.Option(
        "--plans-dir", help=f"Folder of migration plans (default: {PLANS_DIR_ENV}, else {DEFAULT_PLANS_DIR}); a "
        "command's own --plans-dir wins.", show_default=False)] = None,
) -> None:
    global _debug
    _debug = debug
    ctx.obj = resolve_settings(inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)


_VALUED = {"--inventory", "-i", "--state-dir", "--plans-dir"}  # the callback's options that take a value


def _app_for(argv: list[str]) -> typer.Typer:
    """`app` with only the group `argv` runs, when it names one: Typer builds every command's parameters from its
    signature on each run (about 0.07 s for all of them), so a run builds the one group it uses. Top-level help,
    an unknown name and shell completion get the whole app."""
    args = iter(argv)
    name = None
    for arg in args:
        if arg in _VALUED:
            next(args, None)
        elif not arg.startswith("-"):
            name = arg
            break
    group = next((info for info in app.registered_groups if info.name == name), None)
    if group is None or "_EZGOV_COMPLETE" in os.environ:
        return app
    slim = typer.Typer(**_SETTINGS)
    slim.registered_callback = app.registered_callback
    slim.registered_groups.append(group)
    return slim


def main(argv: list[str] | None = None) -> int:
    """Run `ezgov` with `argv`; returns the exit code instead of exiting (tests call this in-process)."""
    from ezgov_infra.errors import EzgovError, InventoryError

    global _debug
    _debug = False
    args = sys.argv[1:] if argv is None else argv
    try:
        _app_for(args)(args=args, prog_name="ezgov")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except EzgovError as exc:
        if _debug:
            import traceback

            traceback.print_exc(file=sys.stderr)
        from ezgov_infra.cli.render import visible

        lines = [str(p) for p in exc.problems] if isinstance(exc, InventoryError) else [str(exc)]
        for line in lines:
            sys.stderr.write(f"error: {visible(line)}\n")
        if isinstance(exc, InventoryError) and len(lines) > 1:
            sys.stderr.write(f"{len(lines)} problems found\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return 0


def run() -> None:
    """The console entry point. Once the command is done (its files and databases closed, its output written),
    every object it made is frozen out of the cyclic collector's sight: the interpreter's final collections would
    otherwise walk them all on the way out, 0.1 s of every short command."""
    code = main()
    gc.freeze()
    sys.exit(code)
