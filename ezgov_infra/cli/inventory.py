"""`ezgov inventory`: validate, list, show, edit, import and export the extranet inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ezgov_infra.cli.options import FormatOpt, InventoryOpt, LimitOpt, limit_selector, resolved
from ezgov_infra.models.kinds import DataFormat, Format, InventoryKind

app = typer.Typer(no_args_is_help=True)


ANSIBLE = "ansible"
NETBOX = "netbox"
EXPORTS = [*InventoryKind, ANSIBLE, NETBOX]


COLUMNS: dict[str, list[str]] = {
    "regions": ["id", "name", "name_en", "level", "kind", "parent"],
    "sites": ["id", "name", "name_en", "district", "category", "setting", "extranet_required"],
    "devices": ["id", "site", "district", "role", "platform", "mgmt_ipv4", "mgmt_ipv6", "lab", "collection"],
    "interfaces": ["id", "kind", "ipv4", "ipv6", "description"],
    "circuits": ["id", "provider", "a_end", "z_end", "access_type", "contracted_mbps", "status"],
    "prefixes": ["id", "role", "region", "site", "description"],
    "websites": ["id", "name", "department", "region", "fate", "consolidate_into"],
    "networks": ["id", "name", "department", "target", "status", "sites"],
}


@app.command("validate")
def validate_command(ctx: typer.Context, inventory: InventoryOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check every file of the inventory; print all problems as FILE:LINE: field: message and exit 2."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import inventory as job

    folder = resolved(ctx, inventory=inventory).inventory
    result = job.validate(folder)
    if fmt is Format.table:
        counts = ", ".join(f"{n} {kind}" for kind, n in result.counts.items())
        typer.echo(f"{folder}: valid ({counts})")
        return
    emit({"folder": result.folder, "valid": True, "counts": result.counts}, fmt,
         rows=[{"kind": k, "count": v} for k, v in result.counts.items()])


@app.command("list")
def list_command(
    ctx: typer.Context,
    kind: Annotated[InventoryKind, typer.Argument(help="What to list.")],
    inventory: InventoryOpt = None,
    limit: LimitOpt = None,
    district: Annotated[str | None, typer.Option(help="Only this district or development zone (region id).")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region and what lies below it.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    category: Annotated[str | None, typer.Option(help="Site category, e.g. service_centre.")] = None,
    setting: Annotated[str | None, typer.Option(help="urban or rural.")] = None,
    role: Annotated[str | None, typer.Option(help="Device role (core, aggregation, access, firewall).")] = None,
    platform: Annotated[str | None, typer.Option(help="Device platform (frr, huawei_vrp, ...).")] = None,
    status: Annotated[str | None, typer.Option(help="Circuit or network status.")] = None,
    lab: Annotated[bool | None, typer.Option("--lab/--no-lab", help="Only lab devices / only others.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List records of one kind, filtered; JSON/YAML/CSV for scripts.

    --district, --region, ... are short for --limit district:..., region:...; every one given must match.
    """
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import inventory as job
    from ezgov_infra.models.selector import F

    selector = limit_selector(limit)
    sugar = {"district": district, "region": region, "site": site, "category": category, "setting": setting,
             "role": role, "platform": platform, "status": status,
             "lab": None if lab is None else ("true" if lab else "false")}
    for key, value in sugar.items():
        if value is not None:
            selector = selector & F(**{key: value})
    rows = job.list_records(resolved(ctx, inventory=inventory).inventory, kind.value, selector)
    emit(rows, fmt, columns=COLUMNS[kind.value], title=f"{len(rows)} {kind.value}")


@app.command("show")
def show_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID", help="A record id, or KIND/ID when the id is ambiguous.")],
    inventory: InventoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show one record with what refers to it."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import inventory as job

    record = job.show(resolved(ctx, inventory=inventory).inventory, ref)
    emit(record, fmt, rows=[{"field": k, "value": v} for k, v in record.items()], columns=["field", "value"])


@app.command("add")
def add_command(
    ctx: typer.Context,
    kind: Annotated[InventoryKind, typer.Argument(help="Kind of record.")],
    rid: Annotated[str, typer.Argument(metavar="ID", help="The new record's id (DEVICE:NAME for interfaces).")],
    fields: Annotated[list[str] | None, typer.Argument(metavar="FIELD=VALUE...", help="Fields of the record.")] = None,
    inventory: InventoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a record, e.g. `ezgov inventory add sites xishan-trade name=... category=trading_centre ...`."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import inventory as job

    body = job.parse_assignments(fields or [])
    if kind is InventoryKind.interfaces:
        device, _, name = rid.partition(":")
        body.setdefault("device", device)
        body.setdefault("name", name)
    record = job.add(resolved(ctx, inventory=inventory).inventory, kind.value, rid, body)
    _done(f"added {kind.value}/{rid}", record, fmt, emit)


@app.command("set")
def set_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID", help="A record id, or KIND/ID.")],
    fields: Annotated[list[str], typer.Argument(metavar="FIELD=VALUE...", help="FIELD= (empty) removes a field.")],
    inventory: InventoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change fields of a record; comments in the file are kept."""
    from ezgov_infra.cli.render import emit
    from ezgov_infra.jobs import inventory as job

    record = job.set_fields(resolved(ctx, inventory=inventory).inventory, ref, job.parse_assignments(fields))
    _done(f"updated {ref}", record, fmt, emit)


def _done(message: str, record: dict[str, Any], fmt: Format, emit: Any) -> None:
    if fmt is Format.table:
        typer.echo(message)
    else:
        emit(record, fmt, rows=[record])


@app.command("remove")
def remove_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID", help="A record id, or KIND/ID.")],
    inventory: InventoryOpt = None,
    cascade: Annotated[bool, typer.Option("--cascade", help="Also remove what refers to it.")] = False,
) -> None:
    """Remove a record; refuses to orphan references unless --cascade."""
    from ezgov_infra.jobs import inventory as job

    for removed in job.remove(resolved(ctx, inventory=inventory).inventory, ref, cascade=cascade):
        typer.echo(f"removed {removed}")


@app.command("stats")
def stats_command(ctx: typer.Context, inventory: InventoryOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Counts per district and category, and extranet coverage of the required centres (target 100%)."""
    from ezgov_infra.cli.render import emit, plain, print_table
    from ezgov_infra.jobs import inventory as job

    result = job.stats(resolved(ctx, inventory=inventory).inventory)
    if fmt is not Format.table:
        emit(result, fmt, rows=result.by_district)
        return
    print_table(result.by_district, ["district", "name_en", "sites", "devices", "service_centre", "trading_centre",
                                     "community_centre", "required", "connected", "coverage_pct"],
                title=f"{result.sites} sites, {result.devices} devices, {result.circuits} circuits")
    print_table([{"category": k, "sites": v} for k, v in result.by_category.items()], title="Sites by category")
    typer.echo(f"Extranet coverage of required centres: {result.connected}/{result.required} "
               f"= {result.coverage_pct}% (target 100%)")
    if result.missing:
        print_table([plain(gap) for gap in result.missing],
                    ["site", "name", "district", "category", "reason"],
                    title=f"{len(result.missing)} required centres not on the extranet")
    if result.no_device:
        print_table([plain(gap) for gap in result.no_device],
                    ["site", "name", "district", "category", "reason"],
                    title=f"{len(result.no_device)} connected centres with no device recorded")


@app.command("import")
def import_command(
    ctx: typer.Context,
    kind: Annotated[InventoryKind | None, typer.Argument(help="Kind of records in the file.")] = None,
    file: Annotated[Path | None, typer.Argument(help="CSV with NetBox-style columns (see `export KIND`).")] = None,
    netbox: Annotated[Path | None, typer.Option("--netbox", metavar="DIR", help=(
        "A NetBox 4.x bulk-import set: a folder of sites.csv, devices.csv, interfaces.csv, ip-addresses.csv, "
        "prefixes.csv, circuits.csv, circuit-terminations.csv, ... as NetBox writes and accepts them."))] = None,
    inventory: InventoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add or update records from CSV; nothing is written unless every row is valid.

    `import KIND FILE` reads one kind; `import --netbox DIR` reads a whole NetBox set, resolving references across
    its files (by name, or `site.slug`-style headers). NetBox columns ezgov does not model are listed once as
    ignored; unknown columns are errors. ezgov's own facts come from custom fields (cf_category, cf_setting,
    cf_credential_profile, cf_kind, cf_a_end, ...).
    """
    from ezgov_infra.cli.render import emit, plain

    folder = resolved(ctx, inventory=inventory).inventory
    if netbox is not None:
        if kind is not None or file is not None:
            raise typer.BadParameter("give KIND FILE or --netbox DIR, not both", param_hint="--netbox")
        from ezgov_infra.jobs import netbox as netbox_job

        done = netbox_job.import_set(folder, netbox)
        if fmt is not Format.table:
            emit(done, fmt, rows=[plain(done)])
            return
        for line in done.ignored:
            typer.echo(f"ignored: {line}")
        counts = ", ".join(f"{kind}: {done.added[kind]} added, {done.updated[kind]} updated, "
                           f"{done.unchanged[kind]} unchanged" for kind in done.added
                           if done.added[kind] or done.updated[kind] or done.unchanged[kind])
        typer.echo(f"{netbox}: {counts or 'nothing to import'}")
        return
    if kind is None or file is None:
        raise typer.BadParameter("give KIND FILE, or --netbox DIR", param_hint="KIND")
    from ezgov_infra.jobs import inventory as job

    result = job.import_kind(folder, kind.value, file)
    if fmt is Format.table:
        typer.echo(f"{file}: {len(result.added)} added, {len(result.updated)} updated, "
                   f"{result.unchanged} unchanged {kind.value}")
    else:
        emit(result, fmt, rows=[plain(result)])


@app.command("export")
def export_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=f"One of {', '.join(EXPORTS)} (`ansible`: an "
                                                              "Ansible YAML inventory).")],
    inventory: InventoryOpt = None,
    fmt: Annotated[DataFormat | None, typer.Option("--format", "-f", help="csv, json or yaml (default: csv; "
                                                   "ansible: yaml or json, default yaml).", show_default=False)]
    = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here (atomically) instead of stdout.")] = None,
    prefer_ipv4: Annotated[bool, typer.Option("--prefer-ipv4", help="ansible_host from IPv4 management.")] = False,
) -> None:
    """Export one kind (CSV with NetBox column names), the Ansible inventory (groups by region tree, site
    category, role and platform; ansible_host from the IPv6 management address unless --prefer-ipv4), or
    `netbox --out DIR`: the whole inventory as a NetBox 4.x bulk-import set, one CSV per object type with the
    columns NetBox requires, to import in the order the files are listed."""
    from ezgov_infra.jobs import inventory as job

    if kind not in EXPORTS:
        raise typer.BadParameter(f"{kind!r} is not one of {', '.join(EXPORTS)}", param_hint="KIND")
    folder = resolved(ctx, inventory=inventory).inventory
    if kind == NETBOX:
        if out is None:
            raise typer.BadParameter("a NetBox set is a folder of CSV files: give --out DIR", param_hint="--out")
        from ezgov_infra.jobs import netbox as netbox_job

        for written in netbox_job.export_to(folder, out):
            typer.echo(f"wrote {written}", err=True)
        return
    if kind == ANSIBLE:
        text = job.export_ansible(folder, prefer_ipv4=prefer_ipv4, fmt=fmt.value if fmt else "yaml")
    else:
        text = job.export_kind(folder, kind, (fmt or DataFormat.csv).value)
    if out is None:
        typer.echo(text, nl=False)
    else:
        from ezgov_infra.store.files import atomic_write

        atomic_write(out, text)
        typer.echo(f"wrote {out}", err=True)
