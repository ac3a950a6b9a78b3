"""`ezgov lab`: the virtual router lab (FRR, sshd and snmpd per router, in network namespaces; needs root)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Format

app = typer.Typer(no_args_is_help=True)

STATUS_COLUMNS = ["node", "namespace", "running", "daemons", "addresses", "links", "credential_profile",
                  "snmp_profile"]


@app.command("up")
def up_command(ctx: typer.Context, inventory: InventoryOpt = None, state_dir: StateDirOpt = None,
               fmt: FormatOpt = Format.table,
               quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
               wait: Annotated[bool, typer.Option("--wait/--no-wait",
                                                  help="Wait for SSH, SNMP and OSPF convergence.")] = True,
               websites: Annotated[bool, typer.Option("--websites/--no-websites",
                                                      help="Also build the website lab (nsd, nginx).")] = True,
               ) -> None:
    """Build (or repair) a router for every `lab: true` device and a shaped link for every circuit between two.

    Idempotent: running it again while the lab is up changes nothing; after a crash it repairs. Waits for the
    machine-wide lab lock (/run/lock/ezgov-lab.lock) if another lab is running. Leaves the lab running.
    """
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import lab as job
    from ezgov_infra.models.runs import NoProgress

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    result = job.up(inventory=settings.inventory, state_dir=settings.state_dir,
                    progress=NoProgress() if quiet else Drawer(), wait=wait, websites=websites)
    emit(result, fmt, rows=[{"nodes": result.nodes, "links": result.links, "build_s": result.seconds,
                             "answering_s": result.answering_seconds, "converged_s": result.converged_seconds,
                             "website_resolver": result.website_resolver, "state": result.state_dir}])


@app.command("down")
def down_command(ctx: typer.Context, state_dir: StateDirOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Remove every namespace, link, bridge and process the lab made (from its state file, even after a failed
    `up`). The host's guard routes for the lab prefixes stay, so lab traffic can never leave the machine."""
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import lab as job

    result = job.down(state_dir=resolved(ctx, state_dir=state_dir).state_dir, progress=Drawer())
    emit(result, fmt, rows=[{"removed": ", ".join(result.nodes) or "nothing", "seconds": result.seconds}])


@app.command("status")
def status_command(ctx: typer.Context, inventory: InventoryOpt = None, state_dir: StateDirOpt = None,
                   fmt: FormatOpt = Format.table) -> None:
    """Each router's namespace, daemons (pid, alive), addresses, links and credential profile names.

    Exit 0 when every router runs, 1 otherwise. Never shows a secret.
    """
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import lab as job

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    result = job.status(inventory=settings.inventory, state_dir=settings.state_dir)
    rows = [{**{k: getattr(n, k) for k in STATUS_COLUMNS if k != "daemons"},
             "daemons": [f"{name}:{d['pid']}{'' if d['alive'] else ' DEAD'}" for name, d in n.daemons.items()]}
            for n in result.nodes]
    emit(result, fmt, rows=rows, columns=STATUS_COLUMNS,
         title=f"lab {result.topology}: {'up' if result.up else 'down'} ({result.state_dir})")
    if not (result.up and all(n.running for n in result.nodes)):
        raise typer.Exit(1)


@app.command("validate")
def validate_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
    checks: Annotated[Path | None, typer.Option("--checks", help="Checks YAML (default: the built-in set).")] = None,
) -> None:
    """Run the lab's checks (adjacencies, pings from the core, SSH prompt, SNMP, shaped speeds). Exit 0 pass, 1 fail."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import lab as job

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    result = job.validate(inventory=settings.inventory, state_dir=settings.state_dir, checks=checks)
    emit({"passed": result.passed, "outcomes": result.outcomes}, fmt,
         rows=[{"check": o.check, "target": o.target, "result": "pass" if o.ok else "FAIL", "detail": o.detail}
               for o in result.outcomes], columns=["check", "target", "result", "detail"],
         title=f"lab validate: {'PASS' if result.passed else 'FAIL'} ({len(result.failed)} failed)")
    if not result.passed:
        raise typer.Exit(1)


@app.command("exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def exec_command(
    ctx: typer.Context,
    node: Annotated[str, typer.Argument(help="Lab node (device id).")],
    command: Annotated[list[str] | None, typer.Argument(help="Command after `--`.")] = None,
    state_dir: StateDirOpt = None,
    vtysh: Annotated[bool | None, typer.Option("--vtysh/--shell", help="Force vtysh or a shell command.")] = None,
) -> None:
    """Run a command on a router: `ezgov lab exec ez-core-1 -- show ip ospf neighbor` (vtysh, since `show` is
    no program) or `ezgov lab exec ez-core-1 -- ip -6 route` (a program: run in the router's namespaces)."""
    from ezgov_infra.jobs import lab as job

    done = job.exec_command(state_dir=resolved(ctx, state_dir=state_dir).state_dir, node=node,
                            command=list(command or []), vtysh=vtysh)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    raise typer.Exit(done.returncode)
