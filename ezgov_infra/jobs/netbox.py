"""NetBox use cases: import a NetBox bulk-import set into an inventory (all or nothing), export one."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.models.checks import check_inventory
from ezgov_infra.models.inventory import KIND_MODELS, Record
from ezgov_infra.platforms import known_profiles
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.inventory import edit_inventory, load_inventory
from ezgov_infra.store.netbox_read import read_set
from ezgov_infra.store.netbox_sheets import NetBoxSet
from ezgov_infra.store.netbox_write import export_set
from ezgov_infra.store.reading import bulk
from ezgov_infra.store.yamlfiles import format_path

# Where each field of a record comes from in a NetBox set, for errors found after reading; others are `cf_FIELD`.
COLUMN_OF: dict[str, dict[str, str]] = {
    "regions": {"id": "slug", "name": "name", "parent": "parent"},
    "sites": {"id": "slug", "name": "name", "region": "region", "address": "physical_address",
              "coordinates": "latitude"},
    "devices": {"id": "name", "site": "site", "role": "role", "platform": "platform", "model": "device_type",
                "serial": "serial"},
    "interfaces": {"device": "device", "name": "name", "description": "description", "enabled": "enabled"},
    "circuits": {"id": "cid", "provider": "provider", "access_type": "type", "status": "status",
                 "installed": "install_date", "contracted_mbps": "commit_rate"},
    "prefixes": {"id": "prefix", "region": "scope_name", "site": "scope_name", "description": "description"},
}
KINDS = tuple(COLUMN_OF)


@dataclass(slots=True)
class NetBoxImport:
    folder: str
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def import_set(folder: Path, netbox_dir: Path) -> NetBoxImport:
    """Read every CSV of a NetBox set, resolve references across them, validate the whole inventory the set gives,
    and write it in one commit; any problem anywhere and nothing is written."""
    with edit_inventory(folder) as edit, bulk():
        inv, _ = edit.read()
        found = read_set(netbox_dir, inv)
        imported = _validated(found)
        result = NetBoxImport(folder=str(netbox_dir), ignored=found.ignored)
        after = inv.model_copy(update={kind: {**getattr(inv, kind), **imported.get(kind, {})} for kind in KINDS})
        platforms = known_profiles()
        old = {(i.kind, i.id, i.path, i.message) for i in check_inventory(inv, platforms)}
        new = [i for i in check_inventory(after, platforms) if (i.kind, i.id, i.path, i.message) not in old]
        if new:
            raise InventoryError([_located(found, netbox_dir, i.kind, i.id, i.path, i.message, i.hint)
                                  for i in new])
        for kind in KINDS:
            before: dict[str, Record] = getattr(inv, kind)
            records = imported.get(kind, {})
            changed = _bodies(kind, {rid: r for rid, r in records.items() if before.get(rid) != r})
            result.added[kind] = sum(rid not in before for rid in changed)
            result.updated[kind] = len(changed) - result.added[kind]
            result.unchanged[kind] = len(records) - len(changed)
            if changed:
                edit.change(kind, upsert=changed)
    return result


def _validated(found: NetBoxSet) -> dict[str, dict[str, Record]]:
    problems: list[Problem] = list(found.problems)
    bad_rows = {(p.file, p.line) for p in found.problems}  # already reported: checking them again adds noise
    out: dict[str, dict[str, Record]] = {}
    for kind in KINDS:
        model = KIND_MODELS[kind]
        records: dict[str, Record] = {}
        for rid, body in found.bodies.get(kind, {}).items():
            origin = found.origin.get((kind, rid))
            if origin is not None and (origin[0].file, origin[1]) in bad_rows:
                continue
            try:
                records[rid] = model.model_validate({"id": rid, **body})
            except ValidationError as exc:
                for err in exc.errors():
                    path = tuple(e for e in err["loc"] if e != "id") or ("id",)
                    message = ("missing" if err["type"] == "missing"
                               else str(err["msg"]).removeprefix("Value error, "))
                    problems.append(_located(found, None, kind, rid, path, message, ""))
        out[kind] = records
    if problems:
        raise InventoryError(problems)
    return out


def _located(found: NetBoxSet, folder: Path | None, kind: str, rid: str, path: tuple[Any, ...], message: str,
             hint: str) -> Problem:
    """A problem on the file, line and column a record's field came from."""
    if kind == "interfaces" and len(path) > 1 and (rid, str(path[0]), path[1]) in found.addresses:
        sheet, line = found.addresses[(rid, str(path[0]), path[1])]
        value = found.bodies["interfaces"][rid][str(path[0])][path[1]]
        return sheet.problem(line, "address", f"{message}: {value!r}", hint)
    origin = found.origin.get((kind, rid))
    if origin is None or kind not in COLUMN_OF:
        where = str(folder) if folder else "<netbox set>"
        return Problem(where, None, format_path([kind, rid, *path]), message, hint)
    sheet, line = origin
    column = COLUMN_OF[kind].get(str(path[0]), f"cf_{path[0]}") if path else next(iter(COLUMN_OF[kind].values()))
    if column not in sheet.columns and column.startswith("cf_"):
        hint = (hint + "; " if hint else "") + f"add the custom field column {column}"
    return sheet.problem(line, column, message, hint)


def _bodies(kind: str, records: dict[str, Record]) -> dict[str, dict[str, Any]]:
    """Records as their YAML bodies (no id; an interface without its device and name), in one call."""
    bodies: dict[str, dict[str, Any]] = _adapter(KIND_MODELS[kind]).dump_python(
        records, mode="json", exclude_none=True, exclude_defaults=True)
    drop = ("id", "device", "name") if kind == "interfaces" else ("id",)
    for body in bodies.values():
        for name in drop:
            body.pop(name, None)
    return bodies


@functools.lru_cache(maxsize=8)
def _adapter(model: type[Record]) -> TypeAdapter[dict[str, Record]]:
    return TypeAdapter(dict[str, model])  # type: ignore[valid-type]


def export_to(folder: Path, out: Path) -> list[str]:
    """Write the inventory as a NetBox import set into `out` (created if need be); the files written."""
    files = export_set(load_inventory(folder))
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        atomic_write(out / name, text)
    return [str(out / name) for name in files]
