"""`ezgov metrics`: the stored runs as Prometheus metrics, over HTTP or as a textfile for node_exporter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ezgov_infra.cli.options import InventoryOpt, PlansOpt, StateDirOpt, resolved

app = typer.Typer(no_args_is_help=True)


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    listen: Annotated[str, typer.Option("--listen", help="HOST:PORT to answer /metrics on: [::1]:9864, "
                                        "127.0.0.1:9864, or :9864 for every address. Port 0 picks a free one.")]
    = "[::1]:9864",
    plans_dir: PlansOpt = None,
) -> None:
    """Answer Prometheus scrapes on /metrics until interrupted; each scrape reads the newest stored runs.

    The URL is printed on stderr once listening.
    """
    import sys

    from ezgov_infra.jobs import metrics

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)
    endpoint = metrics.serve(folder=settings.inventory, state_dir=settings.state_dir, listen=listen,
                             plans_dir=settings.plans_dir)
    sys.stderr.write(f"serving {endpoint.url}\n")
    sys.stderr.flush()
    try:
        while endpoint.thread.is_alive():
            endpoint.thread.join(timeout=1.0)
    finally:
        endpoint.stop()


@app.command("write")
def write_command(
    out: Annotated[Path, typer.Argument(help="File to write, e.g. /var/lib/prometheus/node-exporter/ezgov.prom.")],
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    plans_dir: PlansOpt = None,
) -> None:
    """Write the metrics once, atomically, in Prometheus' text format (for node_exporter's textfile collector)."""
    from ezgov_infra.jobs import metrics

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)
    result = metrics.write(folder=settings.inventory, state_dir=settings.state_dir, out=out,
                           plans_dir=settings.plans_dir)
    typer.echo(f"wrote {result.path} ({result.families} families, {result.samples} samples, {result.size} bytes)")
