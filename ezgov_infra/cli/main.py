"""The `ezgov` command: adds one sub-app per area and is the single error boundary.

Errors ezgov raises on purpose print as `file:line: path.to.field: what is wrong (hint)`; bad input exits 2, a
failed run exits 1. Tracebacks appear only with `--debug`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ezgov_infra.cli import bandwidth, config, inventory, ipv6, lab, metrics, migrate, playbook, report

app = typer.Typer(
    name="ezgov",
    help="E-government extranet toolkit: inventory, IPv6 readiness, bandwidth, cloud migration, reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(inventory.app, name="inventory", help="Extranet inventory: sites, devices, circuits, prefixes.")
app.add_typer(ipv6.app, name="ipv6", help="IPv6 address plan, device audits and website checks.")
app.add_typer(bandwidth.app, name="bandwidth", help="Bandwidth targets, SNMP utilisation and active tests.")
app.add_typer(migrate.app, name="migrate", help="Legacy systems to the government cloud: assess, plan, execute.")
app.add_typer(playbook.app, name="playbook", help="Ansible playbooks run through ansible-runner.")
app.add_typer(lab.app, name="lab", help="Virtual router lab: FRR, sshd and snmpd in network namespaces.")
app.add_typer(report.app, name="report", help="Readiness reports for managers (HTML, PDF, Markdown; zh/en).")
app.add_typer(metrics.app, name="metrics", help="Stored runs as Prometheus metrics: HTTP endpoint or textfile.")
app.add_typer(config.app, name="config", help="Device configs versioned in git: diffs and changes.")

_debug = False


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    global _debug
    _debug = debug


def main(argv: list[str] | None = None) -> int:
    """Run `ezgov` with `argv`; returns the exit code instead of exiting (tests call this in-process)."""
    from ezgov_infra.errors import EzgovError, InventoryError

    global _debug
    _debug = False
    try:
        app(args=argv, prog_name="ezgov")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except EzgovError as exc:
        if _debug:
            raise
        lines = [str(p) for p in exc.problems] if isinstance(exc, InventoryError) else [str(exc)]
        for line in lines:
            sys.stderr.write(f"error: {line}\n")
        if isinstance(exc, InventoryError) and len(lines) > 1:
            sys.stderr.write(f"{len(lines)} problems found\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return 0


def run() -> None:
    sys.exit(main())
