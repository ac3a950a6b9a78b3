"""Inventory use cases: validate, list, show, add, set, remove, stats, import and export.

Every edit reads the inventory, checks the change against all of it and writes under one lock, so two edits never
decide on the same stale view; the files one edit changes are replaced together (`store/inventory.edit_inventory`).
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ezgov_infra.audit.coverage import Stats, compute_stats
from ezgov_infra.automation.export import ansible_inventory
from ezgov_infra.errors import InputError, InventoryError, Problem
from ezgov_infra.models import facets
from ezgov_infra.models.checks import check_inventory
from ezgov_infra.models.inventory import (
    KIND_FILES,
    KIND_MODELS,
    POLICY_FILE,
    Inventory,
    Record,
)
from ezgov_infra.models.selector import ALL, Selector
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.platforms import known_profiles
from ezgov_infra.store.csvfiles import COLUMNS, export_csv, read_csv, row_lines
from ezgov_infra.store.inventory import InventoryEdit, edit_inventory, load_inventory, read_inventory
from ezgov_infra.store.systems import RULES_FILE, SYSTEMS_FILE, load_rules, read_catalogue
from ezgov_infra.store.yamlfiles import YamlError, dump_block, dump_plain, format_path, load_records, load_yaml

LISTABLE = ("regions", "sites", "devices", "interfaces", "circuits", "prefixes", "websites", "networks")


@dataclass(slots=True)
class Validation:
    folder: str
    counts: dict[str, int]
    problems: list[str] = field(default_factory=list)


def validate(folder: Path) -> Validation:
    """Every file of the inventory, the catalogue of legacy systems and the migration rules where present."""

    inventory, problems = read_inventory(folder)
    counts = {kind: len(getattr(inventory, kind)) for kind in KIND_FILES}
    if (folder / SYSTEMS_FILE).exists():
        systems, found = read_catalogue(folder, inventory)
        problems += found
        counts["systems"] = len(systems)
    if (folder / RULES_FILE).exists():
        try:
            load_rules(folder)
        except InventoryError as exc:
            problems += exc.problems
    if problems:
        raise InventoryError(problems)
    return Validation(folder=str(folder), counts=counts)


def record_row(inv: Inventory, kind: str, record: Record) -> dict[str, Any]:
    """A record as a flat JSON-ready dict, with the district it falls in where that means something."""
    row: dict[str, Any] = record.model_dump(mode="json", exclude_none=True)
    district = _district_of(inv, kind, record)
    if district is not None:
        row["district"] = district
    if kind == "sites":
        row["extranet_required"] = inv.sites[record.id].needs_extranet
    return row


def _district_of(inv: Inventory, kind: str, record: Record) -> str | None:
    if kind == "regions":
        return inv.district_of(record.id)
    if kind == "sites":
        return inv.site_district(record.id)
    if kind == "devices":
        return inv.site_district(inv.devices[record.id].site)
    if kind == "interfaces":
        device = inv.devices.get(inv.interfaces[record.id].device)
        return inv.site_district(device.site) if device else None
    if kind == "circuits":
        site = inv.end_site(inv.circuits[record.id].a_end)
        return inv.site_district(site) if site else None
    if kind == "prefixes":
        prefix = inv.prefixes[record.id]
        if prefix.site:
            return inv.site_district(prefix.site)
        return inv.district_of(prefix.region) if prefix.region else None
    if kind == "websites":
        return inv.district_of(inv.websites[record.id].region)
    return None


def list_records(folder: Path, kind: str, limit: Selector = ALL) -> list[dict[str, Any]]:
    """Records of one kind that `limit` chooses (none may be chosen; a term that matches nothing is an error)."""
    if kind not in LISTABLE:
        raise InputError(f"unknown kind {kind!r} (one of {', '.join(LISTABLE)})")
    inv = load_inventory(folder)
    records: dict[str, Record] = getattr(inv, kind)
    return [record_row(inv, kind, records[rid]) for rid in facets.records(inv, kind).select(limit, empty_ok=True)]


def find(inv: Inventory, ref: str) -> tuple[str, Record]:
    """A record by `ID` or `KIND/ID`; an id found in several kinds must be qualified."""
    kind_hint, sep, rid = ref.partition("/")
    if sep and kind_hint in KIND_FILES:
        records = getattr(inv, kind_hint)
        if rid in records:
            return kind_hint, records[rid]
        raise InputError(f"no {kind_hint[:-1]} {rid!r}")
    hits = [(kind, getattr(inv, kind)[ref]) for kind in KIND_FILES if ref in getattr(inv, kind)]
    if not hits:

        ids = [rid for kind in KIND_FILES for rid in getattr(inv, kind)]
        near = difflib.get_close_matches(ref, ids, n=3, cutoff=0.75)
        hint = f"did you mean {' or '.join(near)}?" if near else "try `ezgov inventory list KIND`"
        raise InputError(f"no record with id {ref!r} ({hint})")
    if len(hits) > 1:
        kinds = ", ".join(f"{k}/{ref}" for k, _ in hits)
        raise InputError(f"{ref!r} names several records; say which: {kinds}")
    return hits[0]


def show(folder: Path, ref: str) -> dict[str, Any]:
    inv = load_inventory(folder)
    kind, record = find(inv, ref)
    referenced_by = [f"{k}/{rid}" for k, rid, _ in references_to(inv, kind, record.id)]
    return {"kind": kind, **record_row(inv, kind, record), "referenced_by": referenced_by}


def references_to(inv: Inventory, kind: str, rid: str) -> list[tuple[str, str, str]]:
    """(kind, id, field) of every record pointing at `kind/rid`."""
    refs: list[tuple[str, str, str]] = []
    if kind == "regions":
        refs += [("regions", r.id, "parent") for r in inv.regions.values() if r.parent == rid]
        refs += [("sites", s.id, "region") for s in inv.sites.values() if s.region == rid]
        refs += [("prefixes", p.id, "region") for p in inv.prefixes.values() if p.region == rid]
        refs += [("websites", w.id, "region") for w in inv.websites.values() if w.region == rid]
    elif kind == "sites":
        refs += [("devices", d.id, "site") for d in inv.devices.values() if d.site == rid]
        refs += [("prefixes", p.id, "site") for p in inv.prefixes.values() if p.site == rid]
        refs += [("networks", n.id, "sites") for n in inv.networks.values() if rid in n.sites]
        refs += [("circuits", c.id, end) for c in inv.circuits.values() for end in ("a_end", "z_end")
                 if getattr(c, end) == rid]
    elif kind == "devices":
        refs += [("interfaces", i.id, "device") for i in inv.interfaces.values() if i.device == rid]
    elif kind == "interfaces":
        refs += [("circuits", c.id, end) for c in inv.circuits.values() for end in ("a_end", "z_end")
                 if getattr(c, end) == rid]
    elif kind == "credentials":
        refs += [("devices", d.id, "credential_profile") for d in inv.devices.values()
                 if d.credential_profile == rid]
    elif kind == "snmp":
        refs += [("devices", d.id, "snmp_profile") for d in inv.devices.values() if d.snmp_profile == rid]
    return sorted(refs)


def parse_value(text: str) -> Any:
    """A command-line value, read as a YAML scalar or flow list (`true`, `100`, `[a, b]`, `2019-12-31`)."""
    try:
        value = load_yaml(text)
    except YamlError:
        return text
    return text if isinstance(value, dict) else value


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"expected FIELD=VALUE, got {pair!r}")
        fields[name.strip()] = None if value == "" else parse_value(value)
    return fields


def _body(record: Record) -> dict[str, Any]:
    body = record.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    body.pop("id", None)
    if record.__class__.__name__ == "Interface":
        body.pop("device", None)
        body.pop("name", None)
    return body


def _validated(folder: Path, kind: str, rid: str, body: Mapping[str, Any]) -> Record:
    model = KIND_MODELS[kind]
    file = str(folder / KIND_FILES[kind])
    try:
        return model.model_validate({"id": rid, **body})
    except ValidationError as exc:
        raise InventoryError([
            Problem(file, None, format_path([rid, *[e for e in err["loc"] if e != "id"]]),
                    str(err["msg"]).removeprefix("Value error, "))
            for err in exc.errors()
        ]) from None


def _check_edit(folder: Path, before: Inventory, after: Inventory) -> None:
    """Refuse an edit that adds problems the inventory did not have."""
    platforms = known_profiles()
    old = {(i.kind, i.id, i.path, i.message) for i in check_inventory(before, platforms)}
    new = [i for i in check_inventory(after, platforms) if (i.kind, i.id, i.path, i.message) not in old]
    if new:
        raise InventoryError([
            Problem(str(folder / KIND_FILES.get(i.kind, "policy.yaml")), None, format_path([i.id, *i.path]),
                    i.message, i.hint) for i in new
        ])


def _with(inv: Inventory, kind: str, records: dict[str, Record]) -> Inventory:
    return inv.model_copy(update={kind: records})


def _place(edit: InventoryEdit, after: Inventory, kind: str, new: list[str]) -> None:
    """New records of a kind kept as a folder of files go to the file holding most of their district's records
    (else to `<kind>/<district>.yaml`)."""
    if not new or not edit.split(kind):
        return
    records: dict[str, Record] = getattr(after, kind)
    fresh = set(new)
    by_district: dict[str | None, list[str]] = defaultdict(list)
    for rid, record in records.items():
        if rid not in fresh:
            by_district[_district_of(after, kind, record)].append(rid)
    for rid in new:
        district = _district_of(after, kind, records[rid])
        edit.place(kind, rid, neighbours=by_district.get(district, []) if district else [], group=district)


def add(folder: Path, kind: str, rid: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    if kind not in KIND_FILES:
        raise InputError(f"unknown kind {kind!r} (one of {', '.join(KIND_FILES)})")
    record = _validated(folder, kind, rid, fields)
    with edit_inventory(folder) as edit:
        inv = edit.load()
        records: dict[str, Record] = dict(getattr(inv, kind))
        if rid in records:
            raise InputError(f"{kind}/{rid} exists already (use `ezgov inventory set`)")
        records[rid] = record
        _check_edit(folder, inv, _with(inv, kind, records))
        _place(edit, _with(inv, kind, records), kind, [rid])
        edit.change(kind, upsert={rid: _body(record)})
    return record_row(_with(inv, kind, records), kind, record)


def set_fields(folder: Path, ref: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    with edit_inventory(folder) as edit:
        inv = edit.load()
        kind, record = find(inv, ref)
        body = _body(record)
        for name, value in fields.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        updated = _validated(folder, kind, record.id, body)
        records: dict[str, Record] = {**getattr(inv, kind), record.id: updated}
        _check_edit(folder, inv, _with(inv, kind, records))

        def apply(document: Any) -> None:
            entry = document[record.id]
            for name, value in fields.items():
                if value is None:
                    entry.pop(name, None)
                else:
                    entry[name] = _body(updated).get(name, value)

        edit.change(kind, mutate=apply, ids=[record.id])
    return record_row(_with(inv, kind, records), kind, updated)


def remove(folder: Path, ref: str, *, cascade: bool = False) -> list[str]:
    """Remove a record; with `cascade`, also what points at it (recursively). Returns what was removed.

    Every file the removal touches is replaced together: a kill leaves all of them changed or none.
    """
    with edit_inventory(folder) as edit:
        return _remove(edit, ref, cascade=cascade)


def _remove(edit: InventoryEdit, ref: str, *, cascade: bool) -> list[str]:
    inv = edit.load()
    kind, record = find(inv, ref)
    removals: dict[str, set[str]] = defaultdict(set)
    list_drops: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    pending = [(kind, record.id)]
    while pending:
        k, rid = pending.pop()
        if rid in removals[k]:
            continue
        removals[k].add(rid)
        refs = references_to(inv, k, rid)
        if refs and not cascade:
            listed = ", ".join(f"{rk}/{ri}.{rf}" for rk, ri, rf in refs[:10])
            more = f" and {len(refs) - 10} more" if len(refs) > 10 else ""
            raise InputError(f"{k}/{rid} is referenced by {listed}{more} (use --cascade to remove them too)")
        for ref_kind, ref_id, ref_field in refs:
            if ref_kind == "networks" and ref_field == "sites":
                list_drops[ref_kind][ref_id].add(rid)
            else:
                pending.append((ref_kind, ref_id))
    _refuse_if_systems_use(edit.folder, removals)
    for k, ids in removals.items():
        edit.change(k, remove=sorted(ids))
    for k, drops in list_drops.items():
        def drop(document: Any, drops: dict[str, set[str]] = drops) -> None:
            for network_id, site_ids in drops.items():
                if network_id in document:
                    sites = document[network_id].get("sites", [])
                    for site_id in site_ids:
                        while site_id in sites:
                            sites.remove(site_id)

        edit.change(k, mutate=drop, ids=sorted(drops))
    return sorted(f"{k}/{rid}" for k, ids in removals.items() for rid in ids)


def _refuse_if_systems_use(folder: Path, removals: Mapping[str, set[str]]) -> None:
    """Legacy systems are not removed with the sites, networks or websites they use: the catalogue is the
    migration team's, so such a removal is refused, naming the systems, even with --cascade."""

    if not (folder / SYSTEMS_FILE).exists():
        return
    systems, _, _, _ = load_records(folder / SYSTEMS_FILE, LegacySystem)
    users = sorted(f"systems/{s.id}.{name}" for s in systems.values()
                   for name, kind in (("site", "sites"), ("network", "networks"), ("website", "websites"))
                   if getattr(s, name) in removals.get(kind, set()))
    if users:
        more = f" and {len(users) - 10} more" if len(users) > 10 else ""
        raise InputError(f"{', '.join(users[:10])}{more} still use what would be removed (move those systems "
                         "first: `ezgov migrate` reads systems.yaml)")


# ------------------------------------------------------------------------------------------------ stats


def stats(folder: Path) -> Stats:
    """Counts and extranet coverage; coverage is counted from the extranet roots, so none set is an error."""
    inv = load_inventory(folder)
    result = compute_stats(inv)
    if result.required and not result.roots:
        raise InventoryError([Problem(str(folder / POLICY_FILE), None, "extranet_roots",
                                      "no extranet root set: coverage is counted from the site(s) the extranet "
                                      "core is at", "e.g. extranet_roots: [SITE-ID]")])
    return result


# ------------------------------------------------------------------------------------------ import / export


def export_kind(folder: Path, kind: str, fmt: str) -> str:
    """One kind as CSV (NetBox columns), JSON or YAML (the file's own shape: id -> fields)."""


    if kind not in COLUMNS:
        raise InputError(f"unknown kind {kind!r} (one of {', '.join(COLUMNS)}, ansible)")
    inv = load_inventory(folder)
    records: dict[str, Record] = getattr(inv, kind)
    if fmt == "csv":
        return export_csv(kind, [records[rid].model_dump(mode="json") for rid in sorted(records)])
    bodies = {rid: _body(records[rid]) for rid in sorted(records)}
    if fmt == "json":
        return json.dumps(bodies, ensure_ascii=False, indent=2) + "\n"
    return dump_plain(bodies)


@dataclass(slots=True)
class ImportResult:
    kind: str
    file: str
    added: list[str]
    updated: list[str]
    unchanged: int


def import_kind(folder: Path, kind: str, csv_file: Path) -> ImportResult:
    """Add or update records of one kind from a CSV file; nothing is written unless every row is valid."""

    if kind not in COLUMNS:
        raise InputError(f"unknown kind {kind!r} (one of {', '.join(COLUMNS)})")
    bodies, problems = read_csv(kind, csv_file)
    model = KIND_MODELS[kind]
    lines = row_lines(csv_file, kind)
    imported: dict[str, Record] = {}
    for rid, body in bodies.items():
        try:
            imported[rid] = model.model_validate({"id": rid, **body})
        except ValidationError as exc:
            for err in exc.errors():
                field_name = ".".join(str(e) for e in err["loc"] if e != "id") or "id"
                problems.append(Problem(str(csv_file), lines.get(rid), _column_for(kind, field_name),
                                        str(err["msg"]).removeprefix("Value error, ")))
    if problems:
        raise InventoryError(problems)
    with edit_inventory(folder) as edit:
        # an import may be what completes an inventory: only problems the import itself adds are refused
        inv, _ = edit.read()
        records: dict[str, Record] = dict(getattr(inv, kind))
        added: list[str] = []
        updated: list[str] = []
        unchanged = 0
        for rid, record in imported.items():
            if rid not in records:
                added.append(rid)
            elif records[rid] != record:
                updated.append(rid)
            else:
                unchanged += 1
            records[rid] = record
        after = _with(inv, kind, records)
        platforms = known_profiles()
        old = {(i.kind, i.id, i.path, i.message) for i in check_inventory(inv, platforms)}
        new = [i for i in check_inventory(after, platforms) if (i.kind, i.id, i.path, i.message) not in old]
        if new:
            raise InventoryError([
                Problem(str(csv_file), lines.get(i.id),
                        _column_for(kind, str(i.path[0])) if i.kind == kind and i.path
                        else format_path([i.id, *i.path]),
                        i.message, i.hint)
                for i in new
            ])
        changed = {rid: _body(records[rid]) for rid in [*added, *updated]}
        _place(edit, after, kind, added)
        if changed:
            edit.change(kind, upsert=changed)
    return ImportResult(kind=kind, file=str(csv_file), added=sorted(added), updated=sorted(updated),
                        unchanged=unchanged)


def _column_for(kind: str, field_name: str) -> str:

    root = field_name.split(".")[0]
    return next((c.name for c in COLUMNS[kind] if c.field == root), field_name)


EXPORT_KINDS = ("regions", "sites", "devices")  # what an Ansible inventory is made of


def export_ansible(folder: Path, *, prefer_ipv4: bool = False, fmt: str = "yaml") -> str:
    """The Ansible inventory as YAML, or as JSON (which Ansible's YAML inventory plugin reads as well)."""

    if fmt not in ("yaml", "json"):
        raise InputError(f"an Ansible inventory is written as yaml or json, not {fmt}")
    inv = load_inventory(folder, kinds=EXPORT_KINDS)
    if fmt == "json":

        return json.dumps(ansible_inventory(inv, prefer_ipv4=prefer_ipv4), ensure_ascii=False, indent=2) + "\n"
    header = "# Ansible inventory exported by `ezgov inventory export ansible`; regenerate, do not edit.\n"
    return header + dump_block(ansible_inventory(inv, prefer_ipv4=prefer_ipv4))
