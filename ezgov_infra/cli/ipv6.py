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


@app.command("web")
def web_command(
    hosts: Annotated[list[str] | None, typer.Argument(help="Host names to check (default: every website in the "
                                                      "inventory).", show_default=False)] = None,
    inventory: InventoryOpt = DEFAULT_INVENTORY,
    state_dir: Annotated[str, typer.Option("--state-dir", envvar="EZGOV_STATE_DIR",
                                           help="Run state: history database, lab.")] = ".ezgov",
    resolver: Annotated[str | None, typer.Option(help="Address of the DNS resolver to ask (default: the "
                                                 "system's resolvers).")] = None,
    ca_file: Annotated[str | None, typer.Option("--ca-file", help="CA bundle for TLS verification (default: the "
                                                "system's trust store).")] = None,
    lab: Annotated[bool, typer.Option("--lab", help="Use the website lab's resolver and CA, read from the state "
                                      "dir.")] = False,
    depth: Annotated[int, typer.Option(help="Crawl depth: 2 checks the homepage's links, 3 also theirs.")] = 3,
    max_links: Annotated[int, typer.Option(help="At most this many links checked per level.")] = 20,
    probes: Annotated[int, typer.Option(help="Homepage requests over IPv6 for the success rate.")] = 5,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per HTTP request.")] = 10.0,
    dns_timeout: Annotated[float, typer.Option(help="Seconds allowed per DNS question.")] = 5.0,
    workers: Annotated[int, typer.Option(help="Sites checked at the same time.")] = 8,
    fmt: FormatOpt = Format.table,
) -> None:
    """Check government websites for IPv6: name servers, AAAA, reachability, same content, deep links.

    Name servers: at least two with AAAA, each answering over IPv6, the delegation from the parent over IPv6.
    Web: a usable AAAA (IPv4-mapped does not count), every IPv6 address answering on 80 and 443, the homepage's
    success rate over --probes requests, the same ports, status, headers and content (within 10% after removing
    nonces) over IPv4 and IPv6, and the share of second- and third-level links working over IPv6 (same-site links,
    robots.txt honoured). Each request is bound to one address family. Every check gives its reason and evidence
    (--format json); the run is stored in the history database. Exit 0 when the run completed, whatever it found.
    """
    from pathlib import Path

    from ezgov_infra.cli.render import console, emit, escape, print_table
    from ezgov_infra.jobs import web_check

    err = console(stderr=True)

    def progress(done: int, total: int, site: web_check.SiteResult) -> None:
        row = site.row()
        err.print(f"[{done}/{total}] {escape(site.host)}  {row['score']:g}  {escape(row['readiness'])}  "
                  f"({site.elapsed:.1f} s)", highlight=False)

    result = web_check.check_websites(
        folder=inventory, state_dir=Path(state_dir), hosts=hosts or None, resolver=resolver,
        ca_file=Path(ca_file) if ca_file else None, lab=lab, depth=depth, max_links=max_links, probes=probes,
        timeout=timeout, dns_timeout=dns_timeout, workers=workers, progress=progress)
    if fmt is not Format.table:
        emit(result.as_dict(), fmt, rows=result.rows(), columns=["site", "name", "score", "readiness", "failed",
                                                                  "why"])
        return
    print_table(result.rows(), ["site", "score", "readiness", "failed", "why"],
                title=f"IPv6 readiness of {len(result.sites)} websites (resolver {result.resolver})")
    summary = result.summary()
    typer.echo(f"{summary['ready']} ready, {summary['partial']} partial, {summary['not_ready']} not ready, "
               f"{summary['failed']} failed; mean score {summary['mean_score']}; run {result.run_id} stored "
               f"({result.elapsed:.1f} s)")
