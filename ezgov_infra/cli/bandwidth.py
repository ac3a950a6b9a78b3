"""`ezgov bandwidth`: SNMP utilisation polling, live tests in the lab, and the audit against the plan's targets."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, LimitOpt, StateDirOpt, limit_selector, resolved
from ezgov_infra.models.kinds import Format

app = typer.Typer(no_args_is_help=True)

P95_HELP = ("The 95th percentile is the k-th smallest interval rate, k = round(0.95 n) with halves rounded up "
            "(LibreNMS's index rule: sorted[round(0.95 n) - 1]).")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str, option: str) -> float:
    """`10s`, `5m`, `1h`, `2d` or plain seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not match or float(match.group(1)) <= 0:
        from ezgov_infra.errors import InputError

        raise InputError(f"{option} {text!r}: give a positive duration such as 10s, 5m, 1h or 1d")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _mbps(value: Any) -> str:
    return "" if value is None else f"{value:,.1f}"


def _raw(value: Any) -> Any:
    return value


def numbers(fmt: Format) -> Any:
    """How a figure goes into a row: rounded with thousands separators for a person's table, as it is for CSV."""
    return _mbps if fmt is Format.table else _raw


@app.command("poll")
def poll_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    interval: Annotated[str, typer.Option(help="Time between rounds (10s, 1m; at least 5s: agents cache "
                                          "counters for a few seconds).")] = "10s",
    duration_opt: Annotated[str, typer.Option("--duration", help="How long to poll (30s, 5m, 1h).")] = "5m",
    count: Annotated[int | None, typer.Option("--count", min=2,
                                              help="Number of rounds instead of --duration.")] = None,
    limit: LimitOpt = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each SNMP answer.")] = 2.0,
    distributed: Annotated[bool, typer.Option("--distributed", help="Each device is polled by a worker of its "
                                              "poller group (`ezgov worker`); samples are stored here.")] = False,
    no_worker_after: Annotated[float, typer.Option(min=1, help="With --distributed: seconds a poller group may "
                                                   "have no live worker before its devices fail as "
                                                   "unreachable.")] = 10.0,
    fmt: FormatOpt = Format.table,
) -> None:
    """Poll every live device's uplink counters over SNMP and append the samples to the history database.

    Reads ifHCInOctets/ifHCOutOctets (ifInOctets/ifOutOctets only where 64-bit counters are absent), ifHighSpeed
    (ifSpeed where ifHighSpeed is 0), and sysUpTime, all devices concurrently, one round per interval. An interval
    across an agent restart, a counter going backwards, or a rate above the interface speed is dropped and
    counted, never shown as a spike; 32-bit wraps are handled. Ctrl-C stops the poll and keeps every sample.
    The 95th percentile is the k-th smallest interval rate, k = round(0.95 n) with halves rounded up (LibreNMS's
    index rule: sorted[round(0.95 n) - 1]).
    """
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit, escape, plain, print_table
    from ezgov_infra.jobs import bandwidth

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    selector = limit_selector(limit)
    num = numbers(fmt)
    every = duration(interval, "--interval")
    rounds = count if count is not None else int(duration(duration_opt, "--duration") // every) + 1

    def status(drawer: Drawer) -> str:
        done = drawer.last.value if drawer.last else None
        if not isinstance(done, bandwidth.PollRound):
            return escape(drawer.title)
        failed = f", {len(done.failed)} failed" if done.failed else ""
        return f"round {done.number}/{done.rounds}: {done.samples} samples{failed}"

    result = bandwidth.poll(folder=settings.inventory, state_dir=settings.state_dir, interval=every, rounds=rounds,
                            limit=selector, timeout=timeout, distributed=distributed,
                            no_worker_after=no_worker_after,
                            progress=Drawer(bar="rounds", line=None, status=status))
    rows = [{"device": u.device, "interface": u.interface, "speed_mbps": u.speed_mbps, "samples": u.samples,
             "mean_in": num(u.mean_in_mbps), "mean_out": num(u.mean_out_mbps),
             "p95_in": num(u.p95_in_mbps), "p95_out": num(u.p95_out_mbps),
             "max_in": num(u.max_in_mbps), "max_out": num(u.max_out_mbps), "dropped": u.dropped or ""}
            for u in result.interfaces]
    if fmt is not Format.table:
        emit(plain(result), fmt, rows=rows)
        return
    print_table(rows, title="Uplink utilisation in Mbps (this poll)")
    for device, counts in sorted(result.failures.items()):
        typer.echo(f"{device}: failed rounds {counts}", err=True)
    reasons: dict[str, list[str]] = {}
    for device, why in sorted(result.skipped.items()):
        reasons.setdefault(why, []).append(device)
    for why, devices in reasons.items():
        names = ", ".join(devices) if len(devices) <= 5 else f"{', '.join(devices[:3])} and {len(devices) - 3} more"
        typer.echo(f"skipped {len(devices)} devices ({names}): {why}", err=True)
    state = "interrupted; kept" if result.interrupted else "stored"
    typer.echo(f"{state} {result.samples} samples from {len(result.devices)} devices in {result.rounds} rounds "
               f"(run {result.run_id}, {result.samples_per_second} samples/s). {P95_HELP}")


@app.command("test")
def test_command(
    ctx: typer.Context,
    sites: Annotated[list[str] | None, typer.Argument(help="Site ids (default: every lab site with an uplink).")]
    = None,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    limit: LimitOpt = None,
    server: Annotated[str | None, typer.Option(help="Test point device (default: the lab core at the root site).")]
    = None,
    seconds: Annotated[int, typer.Option(min=1, max=60, help="iperf3 seconds per direction.")] = 5,
    pings: Annotated[int, typer.Option(min=1, max=100, help="Echo requests per address family.")] = 10,
    fmt: FormatOpt = Format.table,
) -> None:
    """Measure throughput (iperf3, both ways) and latency/loss (ping, ping6) from sites to the city core.

    Runs only inside the virtual lab: the iperf3 server starts in the core router's namespace for the run and the
    clients in each site router's namespace; targets outside the lab ranges are refused. Every test is bounded
    (--seconds per direction). The slower direction is the site's measured throughput. --limit narrows the sites
    (site:, region:, district:, category:, setting:, device:).
    """
    from ezgov_infra.cli.progress import Drawer
    from ezgov_infra.cli.render import emit, escape, plain, print_table
    from ezgov_infra.jobs import bandwidth
    from ezgov_infra.models.runs import Result

    def site_line(done: Result[Any], drawer: Drawer) -> str | None:
        site = done.value
        if site is None:  # measuring raised something unforeseen: the run records it as failed
            return escape(f"[{drawer.done}/{drawer.total}] {done.subject}: failed ({done.category})")
        status = f"{site.measured_mbps} Mbps" if site.ok else f"failed ({site.category})"
        return escape(f"[{drawer.done}/{drawer.total}] {site.site}: {status}")

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    num = numbers(fmt)
    result = bandwidth.test(folder=settings.inventory, state_dir=settings.state_dir, sites=sites,
                            limit=limit_selector(limit), server=server, seconds=seconds, ping_count=pings,
                            progress=Drawer(line=site_line, highlight=False))
    rows = []
    for site in result.sites:
        by_dir = {t.direction: t.received_mbps for t in site.throughput}
        by_family = {p.family: p for p in site.ping}
        row: dict[str, Any] = {"site": site.site, "device": site.device, "up_mbps": num(by_dir.get("up")),
                               "down_mbps": num(by_dir.get("down")), "measured_mbps": num(site.measured_mbps)}
        for family in (4, 6):
            ping = by_family.get(family)
            rtt = "-" if ping is None or ping.rtt_avg_ms is None else f"{ping.rtt_avg_ms:g}"
            row[f"ping{family}"] = "" if ping is None else ping.error or f"{ping.loss_pct:g}% loss, {rtt} ms"
        row["status"] = "ok" if site.ok else f"{site.category}: {site.message}"
        rows.append(row)
    if fmt is not Format.table:
        emit(plain(result), fmt, rows=rows)
        return
    print_table(rows, title=f"Active tests against {result.server} (run {result.run_id})")
    if any(not s.ok for s in result.sites):
        raise typer.Exit(1)


@app.command("audit")
def audit_command(
    ctx: typer.Context,
    inventory: InventoryOpt = None,
    state_dir: StateDirOpt = None,
    window: Annotated[str, typer.Option(help="Use samples from this far back (1h, 1d, 7d).")] = "1d",
    store: Annotated[bool, typer.Option("--store/--no-store", help="Keep the run in the history.")] = True,
    limit: LimitOpt = None,
    source: Annotated[str, typer.Option(
        help="Where counter samples come from: ezgov (samples of `bandwidth poll`) or prometheus (what the SNMP "
             "engine scraped; see `ezgov export snmp-exporter`).")] = "ezgov",
    prometheus_url: Annotated[str | None, typer.Option(
        "--prometheus-url", help="Prometheus server for --source prometheus, e.g. http://[::1]:9090.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Judge every extranet site against its bandwidth target; a table per district, worst first.

    The targets are the city's policy for upgrading the extranet (the plan's task 3, which names no figure), from
    policy.yaml's `bandwidth:` (per setting, overridden per site category and per site); households' broadband
    (task 1) is `ezgov broadband`. Joins the inventory (contracted Mbps per circuit), SNMP samples in the window
    (interface speed, utilisation, 95th percentile) and each site's latest active test. Findings: bw.below-target
    (by contract or by measurement), bw.under-delivery (measured below delivery_ratio of the contract),
    bw.speed-mismatch (port speed != contract), bw.congested (p95 of the busier direction above congestion_p95 of
    capacity), bw.not-connected (a required centre without a circuit).
    Capacity is the contract, or the port speed where that is lower; headroom is capacity minus the busier p95.
    --limit narrows the sites judged (site:, region:, district:, category:, setting:, device:); the stored run
    records it as its scope.
    The 95th percentile is the k-th smallest interval rate, k = round(0.95 n) with halves rounded up (LibreNMS's
    index rule: sorted[round(0.95 n) - 1]).
    """
    from ezgov_infra.cli.render import emit, plain, print_table
    from ezgov_infra.jobs import bandwidth

    settings = resolved(ctx, inventory=inventory, state_dir=state_dir)
    num = numbers(fmt)
    result = bandwidth.audit(folder=settings.inventory, state_dir=settings.state_dir,
                             window_s=duration(window, "--window"), store=store, limit=limit_selector(limit),
                             source=source, prometheus_url=prometheus_url)
    rows = [{"district": v.district, "site": v.site, "setting": v.setting,
             "target": v.target_mbps, "contracted": v.contracted_mbps, "capacity": num(v.capacity_mbps),
             "measured": num(v.measured_mbps), "p95_in": num(v.p95_in_mbps), "p95_out": num(v.p95_out_mbps),
             "headroom": num(v.headroom_mbps), "meets_target": v.meets_target, "worst": v.worst,
             "findings": sorted({f.rule for f in v.findings})} for v in result.sites]
    if fmt is not Format.table:
        emit(plain(result), fmt, rows=rows)
        return
    names = result.summary["districts"]
    columns = [c for c in rows[0] if c != "district"] if rows else []
    for district, name in names.items():
        print_table([r for r in rows if r["district"] == district], columns,
                    title=f"{name} ({district}): bandwidth in Mbps, worst first")
    s = result.summary
    typer.echo(f"{s['sites']} sites: {s['meet_target']} meet their target, {s['below_target_by_contract']} below "
               f"by contract, {s['below_target_by_measurement']} below by measurement; {s['tested']} tested live, "
               f"{s['with_samples']} with SNMP samples. Findings: {s['findings'] or 'none'}."
               + (f" Stored as run {result.run_id}." if result.run_id else ""))
    typer.echo(P95_HELP)
