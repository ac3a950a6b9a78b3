"""`ezgov metrics`: the stored runs as Prometheus metrics, over HTTP or as a textfile for node_exporter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ezgov_infra.cli.options import DEFAULT_INVENTORY, DEFAULT_STATE_DIR, InventoryOpt, StateDirOpt

app = typer.Typer(no_args_is_help=True)

PlansOpt = Annotated[Path, typer.Option("--plans-dir", help="Folder of migration plans (the newest is read).")]


@app.command("serve")
def serve_command(
    inventory: InventoryOpt = DEFAULT_INVENTORY,
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
    listen: Annotated[str, typer.Option("--listen", help="HOST:PORT to answer /metrics on: [::1]:9864, "
                                        "127.0.0.1:9864, or :9864 for every address. Port 0 picks a free one.")]
    = "[::1]:9864",
    plans_dir: PlansOpt = Path("migration_plans"),
) -> None:
    """Answer Prometheus scrapes on /metrics until interrupted; each scrape reads the newest stored runs.

    The URL is printed on stderr once listening.
    """
    import sys

    from ezgov_infra.jobs import metrics

    endpoint = metrics.serve(folder=inventory, state_dir=state_dir, listen=listen, plans_dir=plans_dir)
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
    inventory: InventoryOpt = DEFAULT_INVENTORY,
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
    plans_dir: PlansOpt = Path("migration_plans"),
) -> None:
    """Write the metrics once, atomically, in Prometheus' text format (for node_exporter's textfile collector)."""
    from ezgov_infra.jobs import metrics

    result = metrics.write(folder=inventory, state_dir=state_dir, out=out, plans_dir=plans_dir)
    typer.echo(f"wrote {result.path} ({result.families} families, {result.samples} samples, {result.size} bytes)")
