"""`ezgov export`: configuration for the engines network teams already run, generated from the inventory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, StateDirOpt, resolved
from ezgov_infra.models.kinds import Format

if TYPE_CHECKING:
    from ezgov_infra.jobs.engines import EngineExport

app = typer.Typer(no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="File to write (atomically).")]


def _report(result: EngineExport, fmt: Format, what: str) -> None:
    from ezgov_infra.cli.render import emit, plain, print_table

    if fmt is not Format.table:
        emit(plain(result), fmt)
        return
    typer.echo(f"wrote {result.out}: {what} for {result.targets} devices ({', '.join(result.modules)})")
    reasons: dict[str, list[str]] = {}
    for device, why in sorted(result.skipped.items()):
        reasons.setdefault(why, []).append(device)
    if reasons:
        print_table([{"left out because": why, "devices": len(devices),
                      "first": ", ".join(devices[:3]) + (", ..." if len(devices) > 3 else "")}
                     for why, devices in sorted(reasons.items())],
                    title="Devices not scraped (all of them with --format json)")


@app.command("snmp-exporter")
def snmp_exporter_command(
    ctx: typer.Context,
    out: OutOpt,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write an snmp_exporter configuration (one module per SNMP profile) for the bandwidth audit's counters.

    Each module walks ifName, ifHCInOctets/ifHCOutOctets, ifInOctets/ifOutOctets, ifHighSpeed and ifSpeed and gets
    sysUpTime, with the profile's version and authentication (Debian's prometheus-snmp-exporter 0.21 format). The
    community or SNMPv3 keys are resolved from the profile's source and written into the file, which is created
    mode 0600; anything printed (`--format json|yaml` included) shows them as `<secret>`.
    """
    from ezgov_infra.jobs.engines import export_snmp_exporter

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    _report(export_snmp_exporter(folder=settings.inventory, state_dir=settings.state_dir, out=out), fmt,
            "snmp_exporter modules")


@app.command("prometheus")
def prometheus_command(
    ctx: typer.Context,
    out: OutOpt,
    exporter: Annotated[str, typer.Option(help="Where snmp_exporter listens, HOST:PORT.")] = "[::1]:9116",
    rule_files: Annotated[list[str] | None, typer.Option("--rules", help="Alert rule files to load.")] = None,
    inventory: InventoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write a Prometheus configuration that scrapes every live device through snmp_exporter.

    One target per device with an active circuit and a live SNMP agent, labelled district, site, device and
    site_category; the interface that ends a circuit also gets a `circuit` label. The scrape interval is
    policy.yaml's `bandwidth.scrape_interval_s` (default 60). Check it with `promtool check config FILE`.
    """
    from ezgov_infra.jobs.engines import export_prometheus

    folder = resolved(ctx, inventory=inventory).inventory
    _report(export_prometheus(folder=folder, out=out, exporter=exporter, rule_files=rule_files), fmt,
            "scrape targets")
