"""The files of a NetBox bulk-import set as sheets (header, rows with their lines) and the index of names, slugs
and NetBox ids that references resolve against."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.store.netbox_format import KINDS, NetBoxKind, column_letter
from ezgov_infra.store.reading import unreadable


@dataclass(slots=True)
class Sheet:
    """One CSV of the set: its header (column -> index and `.field` accessor) and rows with their line numbers."""

    kind: NetBoxKind
    file: str
    columns: dict[str, tuple[int, str | None]]
    rows: list[tuple[int, dict[str, str]]]  # (line, column -> its text), empty cells left out

    def problem(self, line: int, name: str, message: str, hint: str = "") -> Problem:
        spot = self.columns.get(name)
        return Problem(self.file, line, name, message, hint, column_letter(spot[0]) if spot else None)


@dataclass(slots=True)
class NetBoxSet:
    """What a set holds for the inventory: record bodies per kind, where each came from, what was ignored."""

    bodies: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    origin: dict[tuple[str, str], tuple[Sheet, int]] = field(default_factory=dict)
    # (interface, ipv4|ipv6, index in its list) -> the ip-addresses row it came from
    addresses: dict[tuple[str, str, int], tuple[Sheet, int]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def put(self, kind: str, rid: str, body: dict[str, Any], sheet: Sheet, line: int, key_column: str) -> None:
        records = self.bodies.setdefault(kind, {})
        if rid in records:
            first = self.origin[(kind, rid)][1]
            self.problems.append(sheet.problem(line, key_column, f"{rid!r} already on line {first}"))
            return
        records[rid] = body
        self.origin[(kind, rid)] = (sheet, line)


# which keys a reference column's accessor (`site.slug`, `device.pk`, bare `site`) may match, in order
_HOWS: dict[str | None, tuple[str, ...]] = {"pk": ("id",), None: ("name", "slug", "id")}


class Lookup:
    """References by name, slug or NetBox id to the ezgov id of the object (or its name where ezgov keeps that)."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, str], dict[str, str]] = {}

    def add(self, kind: str, target: str, **keys: str | None) -> None:
        for how, value in keys.items():
            if value:
                self._by.setdefault((kind, how), {}).setdefault(value, target)

    def find(self, kind: str, value: str, accessor: str | None) -> str | None:
        hows = _HOWS.get(accessor) or (accessor or "name",)
        for how in hows:
            hit = self._by.get((kind, how), {}).get(value)
            if hit is not None:
                return hit
        return None

def sheets(folder: Path, out: NetBoxSet) -> dict[str, Sheet]:
    if not folder.is_dir():
        raise InventoryError([Problem(str(folder), None, "", "not a folder of NetBox CSV files")])
    by_file = {name: kind for kind in KINDS.values() for name in kind.files}
    sheets: dict[str, Sheet] = {}
    for path in sorted(folder.glob("*.csv")):
        kind = by_file.get(path.name)
        if kind is None:
            out.problems.append(Problem(str(path), None, "", "not a NetBox import file ezgov reads",
                                        "one of " + ", ".join(k.files[0] for k in KINDS.values())))
            continue
        if kind.name in sheets:
            out.problems.append(Problem(str(path), None, "", f"a second {kind.name} file",
                                        f"beside {sheets[kind.name].file}"))
            continue
        sheet = _read_sheet(kind, path, out)
        if sheet is not None:
            sheets[kind.name] = sheet
    if not sheets and not out.problems:
        out.problems.append(Problem(str(folder), None, "", "no NetBox CSV file here",
                                    "e.g. sites.csv, devices.csv, circuits.csv, circuit-terminations.csv"))
    return sheets


def _read_sheet(kind: NetBoxKind, path: Path, out: NetBoxSet) -> Sheet | None:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(unreadable(file, exc))
        return None
    reader = csv.reader(io.StringIO(text))
    read: list[tuple[int, list[str]]] = []
    header: list[str] = []
    try:
        for row in reader:
            if not header:
                header = row
            elif "".join(row).strip():
                read.append((reader.line_num, row))
    except csv.Error as exc:
        out.problems.append(Problem(file, reader.line_num + 1, "", f"cannot read this row: {exc}"))
        return None
    columns: dict[str, tuple[int, str | None]] = {}
    for index, raw in enumerate(header):
        name = raw.strip()
        base, _, accessor = name.partition(".")
        if base.startswith("cf_"):
            if base not in kind.custom:
                out.ignored.append(f"{path.name}: {name}")
                continue
        elif base not in kind.known:
            out.problems.append(Problem(file, 1, name, "unknown column",
                                        f"NetBox's {kind.name} columns: " + ", ".join(sorted(kind.known)),
                                        column_letter(index)))
            continue
        elif base not in kind.used:
            out.ignored.append(f"{path.name}: {name}")
            continue
        if base in columns:
            out.problems.append(Problem(file, 1, name, "column given twice", "", column_letter(index)))
        columns[base] = (index, accessor or None)
    spots = [(name, index) for name, (index, _) in columns.items()]
    rows = [(line, {name: text for name, index in spots if index < len(row) and (text := row[index].strip())})
            for line, row in read]
    return Sheet(kind, file, columns, rows)


def index_inventory(inv: Inventory, lookup: Lookup) -> None:
    for region in inv.regions.values():
        lookup.add("regions", region.id, name=region.name, slug=region.id)
    for site in inv.sites.values():
        lookup.add("sites", site.id, name=site.name, slug=site.id)
    for device in inv.devices.values():
        lookup.add("devices", device.id, name=device.id)
    for circuit in inv.circuits.values():
        lookup.add("circuits", circuit.id, name=circuit.id)

# The value ezgov keeps for each referable kind: the slug (ezgov's id) or, for these, the name.
_BY_NAME = {"devices", "providers", "manufacturers", "vrfs"}


def index_sheet(sheet: Sheet, lookup: Lookup) -> None:
    kind = sheet.kind.name
    for _, row in sheet.rows:
        name, slug, pk = row.get("name"), row.get("slug"), row.get("id")
        if kind == "device_types":
            name = row.get("model")
        if kind == "circuits":
            name = row.get("cid")
        target = name if kind in _BY_NAME or kind in ("device_types", "circuits") else slug
        if target:
            lookup.add(kind, target, name=name, slug=slug, id=pk)
