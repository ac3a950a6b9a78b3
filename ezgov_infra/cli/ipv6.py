"""`ezgov ipv6`: the address plan, device audits and website checks (the plan's task 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, LimitOpt, StateDirOpt, limit_selector, resolved
from ezgov_infra.models.kinds import Format, Lang, Severity

app = typer.Typer(no_args_is_help=True)


@app.command("plan")
def plan_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
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

    folder = resolved(ctx, inventory=inventory).inventory
    result = addressing.plan(folder=folder, prefix=prefix, site_prefixlen=site_prefixlen, check=check,
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
            typer.echo(f"wrote {result.written} prefixes to {folder / 'prefixes.yaml'}")
    if check and result.deviations:
        raise typer.Exit(1)


@app.command("web")
def web_command(
    ctx: typer.Context,
    hosts: Annotated[list[str] | None, typer.Argument(help="Host names to check (default: every website in the "
                                                      "inventory).", show_default=False)] = None,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
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
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit, escape, print_table
    from ezgov_infra.jobs import web_check
    from ezgov_infra.models.runs import Result

    def site_line(done: Result[web_check.SiteResult], drawer: Drawer) -> str | None:
        site = done.value
        if site is None:
            return None
        row = site.row()
        return (f"[{drawer.done}/{drawer.total}] {escape(site.host)}  {row['score']:g}  {escape(row['readiness'])}  "
                f"({site.elapsed:.1f} s)")

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    result = web_check.check_websites(
        folder=settings.inventory, state_dir=settings.state_dir, hosts=hosts or None, resolver=resolver,
        ca_file=Path(ca_file) if ca_file else None, lab=lab, depth=depth, max_links=max_links, probes=probes,
        timeout=timeout, dns_timeout=dns_timeout, workers=workers,
        progress=Drawer(line=site_line, highlight=False))
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


# ---- device audits: `ipv6 audit`, `runs`, `findings`, `diff`, `rules`



@app.command("audit")
def audit_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    live: Annotated[bool, typer.Option("--live", help="Contact live devices (SSH/SNMP); devices marked "
                                       "`collection: offline` are still read from their snapshots.")] = False,
    offline: Annotated[Path | None, typer.Option("--offline", metavar="DIR", exists=True, file_okay=False, help=(
        "Read every device from DIR/<device>/ (saved outputs) instead of its snapshot field."))] = None,
    via: Annotated[str, typer.Option(help="Live collectors, comma-separated: ssh, snmp or ssh,snmp.")] = "ssh",
    limit: LimitOpt = None,
    workers: Annotated[int, typer.Option(min=1, max=512, help="Devices collected in parallel.")] = 32,
    connect_timeout: Annotated[float, typer.Option(min=0.5, help="Seconds to connect and log in.")] = 10.0,
    command_timeout: Annotated[float, typer.Option(min=0.5, help="Seconds per command.")] = 30.0,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds per device, all included.")] = 90.0,
    no_host_key_check: Annotated[bool, typer.Option("--no-host-key-check", help="Accept unknown SSH host keys "
                                                    "(only for a first contact you verify otherwise).")] = False,
    known_hosts: Annotated[Path | None, typer.Option(help="known_hosts file for host-key checking (default: "
                                                     "the credential profile's, the lab's for the lab).")] = None,
    snmp_profile: Annotated[str | None, typer.Option(help="Use this SNMP profile for every live device.")] = None,
    distributed: Annotated[bool, typer.Option("--distributed", help="With --live: each device is collected by a "
                                              "worker of its poller group (`ezgov worker`, EZGOV_BROKER_URL).")]
    = False,
    no_worker_after: Annotated[float, typer.Option(min=1, help="With --distributed: seconds a poller group may "
                                                   "have no live worker before its devices fail as "
                                                   "unreachable.")] = 10.0,
    fmt: FormatOpt = Format.table,
) -> None:
    """Audit network devices for IPv6 readiness (RIPE-554/RIPE-772, RFC 8504): collect, judge, score, store.

    Without --live or --offline, devices are read from the inventory's saved outputs. Every run is stored in the
    history database. Exit 0 when every device was audited, 1 when any could not be (unreachable, auth, timeout,
    host-key, unsupported, parse), 2 for bad input.
    """
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit, print_table
    from ezgov_infra.jobs import ipv6_audit

    if live and offline is not None:
        raise typer.BadParameter("give --live or --offline DIR, not both")
    if distributed and not live:
        raise typer.BadParameter("--distributed needs --live (saved outputs are read here)")
    options = ipv6_audit.AuditOptions(
        live=live, offline_dir=offline, via=tuple(v.strip() for v in via.split(",") if v.strip()),
        limit=limit_selector(limit), workers=workers, connect_timeout=connect_timeout, command_timeout=command_timeout,
        device_timeout=timeout, check_host_key=not no_host_key_check, known_hosts=known_hosts,
        snmp_profile=snmp_profile, distributed=distributed, no_worker_after=no_worker_after)
    progress = Drawer(bar="count") if fmt is Format.table else None
    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    run = ipv6_audit.audit(inventory=settings.inventory, state_dir=settings.state_dir, options=options,
                           progress=progress)
    rows = [{"device": d.device, "site": d.site, "platform": d.platform, "source": d.source,
             "status": d.score.readiness.value if d.score else f"failed: {d.category}",
             "score": d.score.score if d.score else None, "findings": len(d.findings),
             "worst": d.findings[0].message if d.findings else (d.message or "")} for d in run.devices]
    if fmt is not Format.table:
        emit(run, fmt, rows=rows)
    else:
        print_table(rows, title=f"IPv6 readiness, run {run.run_id} ({run.mode}, {run.elapsed:.1f} s)")
        summary = ipv6_audit.summary(run)
        print_table([{"status": k, "devices": v} for k, v in summary["by_status"].items()],
                    title="Devices by status")
        print_table(ipv6_audit.top_findings(run), ["rule", "severity", "category", "devices", "example"],
                    title="Top findings")
        city = run.city
        typer.echo(f"city score {city.score if city else '-'} ({city.readiness.value if city else '-'}, "
                   f"{city.coverage if city else 'measured 0 of 0'}); "
                   f"{len(run.devices)} audited, {len(run.failed)} failed, {len(run.skipped)} skipped; run "
                   f"{run.run_id} stored in {settings.history_db}")
        if run.changes:
            typer.echo(f"city score change: {run.changes[0]}")
    if run.failed:
        raise typer.Exit(1)


@app.command("runs")
def runs_command(ctx: typer.Context, state_dir: StateDirOpt = None, last: Annotated[int, typer.Option(
        min=1, help="How many runs, newest first.")] = 50, fmt: FormatOpt = Format.table) -> None:
    """List stored IPv6 device-audit runs with their scores and finding counts.

    The city score is the mean over the devices a run measured (its coverage says how many of those in scope);
    `change` compares with run `since_run`, the previous run of the same scope, over the devices measured in
    both, so failed devices never move it. `ready_share` is the percentage of devices in scope found ready.
    """
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import ipv6_audit

    rows = ipv6_audit.runs(state_dir=resolved(ctx, state_dir=state_dir).state_dir, limit=last)
    emit(rows, fmt, columns=["run", "started", "mode", "scope", "status", "devices", "failed", "city_score",
                             "coverage", "change", "since_run", "ready_share", "critical", "high", "medium", "low",
                             "info"], title="IPv6 audit runs")


@app.command("findings")
def findings_command(
    ctx: typer.Context,
    state_dir: StateDirOpt = None,
    run: Annotated[int | None, typer.Option("--run", help="Run id (default: the latest run).")] = None,
    severity: Annotated[list[Severity] | None, typer.Option(help="Only these severities (repeatable).")] = None,
    device: Annotated[str | None, typer.Option(help="Only devices matching this glob.")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of messages and remedies.")] = Lang.en,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show the findings of an audit run, most severe first, with evidence and remedy in JSON/YAML."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import ipv6_audit

    run_id, rows = ipv6_audit.findings(state_dir=resolved(ctx, state_dir=state_dir).state_dir, run_id=run,
                                       device=device, lang=lang.value,
                                       severity=tuple(s.value for s in severity or ()))
    emit(rows, fmt, columns=["device", "rule", "severity", "category", "message"],
         title=f"Findings of run {run_id} ({len(rows)})")


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    run_a: Annotated[int, typer.Argument(help="The earlier run.")],
    run_b: Annotated[int, typer.Argument(help="The later run.")],
    state_dir: StateDirOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Findings fixed and new between two audit runs, over the devices measured in both.

    A device that failed (or gave no IPv6 evidence) in either run is listed as not compared: its findings are
    neither fixed nor new.
    """
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import ipv6_audit

    changes = ipv6_audit.diff(state_dir=resolved(ctx, state_dir=state_dir).state_dir, run_a=run_a, run_b=run_b)
    emit(changes, fmt, rows=changes["fixed"] + changes["new"] + changes["not_compared"],
         columns=["change", "device", "rule", "severity", "message"],
         title=f"Run {run_a} -> {run_b}: {len(changes['fixed'])} fixed, {len(changes['new'])} new, "
               f"{len(changes['not_compared'])} not compared (not measured in both)")


@app.command("rules")
def rules_command(fmt: FormatOpt = Format.table) -> None:
    """The IPv6 device-readiness rules: id, severity, category and what each rests on."""
    from ezgov_infra.audit.ipv6 import rule_catalogue
    from ezgov_infra.cli.render import emit

    emit(rule_catalogue(), fmt, columns=["id", "severity", "category", "title"], title="IPv6 readiness rules")


@app.command("remediate")
def remediate_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    limit: LimitOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Predict the changes; change nothing, no re-audit.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run ipv6_enable.yml on the devices the last audit found not ready, re-audit them, show before and after.

    Addresses come from the address plan; the far end of each circuit without IPv6 is configured too. Exits 1
    when the playbook failed on any host.
    """
    from ezgov_infra.cli.playbook import summary_table
    from ezgov_infra.cli.progress import playbook_drawer
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import remediation

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    selector = limit_selector(limit)
    result = remediation.remediate(folder=settings.inventory, state_dir=settings.state_dir, limit=selector,
                                   check=check, progress=playbook_drawer("ipv6_enable"))
    if fmt is Format.table and result.playbook is not None:
        summary_table(result.playbook, fmt)
    title = (f"IPv6 readiness: audit run {result.before_run} -> "
             f"{result.after_run if result.after_run is not None else '(no re-audit in check mode)'}")
    if fmt is Format.table and not result.targets:
        typer.echo(f"audit run {result.before_run}: no live device to remediate")
    emit(result, fmt, rows=result.rows(), title=title,
         columns=["device", "remediated", "before", "score_before", "after", "score_after", "findings_before",
                  "findings_after"])
    if not result.ok:
        raise typer.Exit(1)
