"""`ezgov ipv6`: the address plan, device audits and website checks (the plan's task 2)."""

from __future__ import annotations

from typing import Annotated

import typer

from ezgov_infra.cli.options import DEFAULT_INVENTORY, Format, FormatOpt, InventoryOpt

app = typer.Typer(no_args_is_help=True)


@app.command("plan")
def plan_command(
    inventory: InventoryOpt = DEFAULT_INVENTORY,
    prefix: Annotated[str | None, typer.Option(help="Root prefix (default: policy.yaml, 2001:db8::/32).")] = None,
    site_prefixlen: Annotated[int | None, typer.Option(help="Per-site prefix length (default 56).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Verify the inventory against the plan; exit 1 on "
                                        "deviations.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Write the plan's prefixes into prefixes.yaml.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Allocate IPv6 prefixes along the region tree: a /56 per site, /64 segments, /128 loopbacks, /127 links.

    Allocation is stable: prefixes already in the inventory stay where they are, new regions and sites take the
    first free slot. Exhaustion names the level and how much is missing.
    """
    from ezgov_infra.cli.render import emit, plain, print_table
    from ezgov_infra.jobs import addressing

    result = addressing.plan(folder=inventory, prefix=prefix, site_prefixlen=site_prefixlen, check=check,
                             write=write)
    if fmt is not Format.table:
        emit(result.as_dict(), fmt, rows=result.rows())
    else:
        if not check:
            print_table(result.rows(), ["level", "id", "name", "prefix"], title=f"IPv6 plan {result.root}")
        summary = [{"level": k, "prefix length": f"/{v}"} for k, v in result.prefixlen.items()]
        print_table(summary, title="Block size per level")
        if check:
            if result.deviations:
                print_table([plain(d) for d in result.deviations], ["kind", "id", "field", "message"],
                            title=f"{len(result.deviations)} deviations from the plan")
            else:
                typer.echo(f"plan check: {result.checked} prefixes and addresses conform, no deviations")
        if write:
            typer.echo(f"wrote {result.written} prefixes to {inventory / 'prefixes.yaml'}")
    if check and result.deviations:
        raise typer.Exit(1)
