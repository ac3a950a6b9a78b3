"""Catalogue files from other tools: Konveyor's application import CSV, Azure Migrate's server import CSV, and
ezgov's own CSV (which round-trips losslessly with `to_ezgov_csv`).

Pure: text in, `LegacySystem`s out. Every problem names the file, the row (its line in the file) and the column.

- Konveyor: record type 1 rows are applications (`Application Name`, `Description`, `Business Service`,
  `Comments`, `Tag Category N`/`Tag N`), record type 2 rows are dependencies (`Application Name`, `Dependency`,
  `Dependency Direction` northbound or southbound). Tags in the categories Department, Classification,
  Criticality, Site, Network, Operating System, Database, Owner and IPv6 fill those fields; `Comments` may carry
  `field=value` pairs separated by `;` for sizes (`vcpu=8; ram_gb=32; storage_gb=500; data_gb=120`).
- Azure Migrate: one server a row (`Server name`, `Cores`, `Memory (In MB)`, `OS name`, `OS version`,
  `Disk N size (In GB)`); the department, classification and site come from `--default FIELD=VALUE`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from pydantic import ValidationError

from ezgov_infra.errors import InputError, InventoryError, Problem
from ezgov_infra.models.systems import LegacySystem

FORMATS = ("csv", "konveyor", "azure")

STACK_FIELDS = ("os", "os_version", "os_eol", "database", "database_version", "database_eol", "middleware")
COLUMNS = ("id", "name", "name_en", "department", "owner", "classification", "criticality", "lifecycle", "site",
           "network", *STACK_FIELDS, "vcpu", "ram_gb", "storage_gb", "data_gb", "change_gb_per_day",
           "downtime_window_h", "rto_h", "rpo_h", "ipv6", "users", "website", "hardware_bound", "dependencies")

KONVEYOR_TAGS = {"department": "department", "classification": "classification", "criticality": "criticality",
                 "site": "site", "network": "network", "operating system": "os", "database": "database",
                 "owner": "owner", "ipv6": "ipv6"}


def slug(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9]+", "-", name.strip().lower()).strip("-")
    return text[:128] or "system"


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """`(line, row)` for each data row, the line being where the row ends in the file (headers trimmed of `*`)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, {(k or "").strip().rstrip("*").strip(): (v or "").strip()
                                for k, v in row.items() if k is not None}


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(getattr(value, "value", value))


def to_ezgov_csv(systems: Mapping[str, LegacySystem]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for sid in sorted(systems):
        system = systems[sid]
        row: list[str] = []
        for column in COLUMNS:
            if column in STACK_FIELDS:
                value = getattr(system.stack, column)
                row.append(value.isoformat() if hasattr(value, "isoformat") else _fmt(value))
            elif column == "dependencies":
                row.append("; ".join(
                    f"{d.target}:{d.direction.value}:{d.criticality.value}:{'latency' if d.latency_sensitive else ''}"
                    + (f":{quote(d.note, safe='')}" if d.note else "") for d in system.dependencies))
            else:
                row.append(_fmt(getattr(system, column)))
        writer.writerow(row)
    return buffer.getvalue()


def _dependencies(cell: str) -> list[dict[str, Any]]:
    deps: list[dict[str, Any]] = []
    for item in (part.strip() for part in cell.split(";")):
        if not item:
            continue
        parts = item.split(":")
        if len(parts) < 3:
            raise ValueError(f"dependency {item!r}: write target:direction:criticality[:latency[:note]]")
        dep: dict[str, Any] = {"target": parts[0], "direction": parts[1], "criticality": parts[2],
                               "latency_sensitive": len(parts) > 3 and parts[3] == "latency"}
        if len(parts) > 4 and parts[4]:
            dep["note"] = unquote(parts[4])
        deps.append(dep)
    return deps


class _Collector:
    """Builds systems from per-row field values, turning validation errors into row/column problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.systems: dict[str, LegacySystem] = {}

    def problem(self, line: int, column: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, line, f"row {line - 1}, column {column!r}", message, hint))

    def build(self, line: int, fields: dict[str, Any], columns: Mapping[str, str]) -> None:
        sid = str(fields.get("id") or "")
        if sid in self.systems:
            self.problem(line, columns.get("id", "id"), f"system {sid!r} appears twice")
            return
        stack = {k: fields.pop(k) for k in STACK_FIELDS if k in fields}
        try:
            self.systems[sid] = LegacySystem.model_validate({**fields, "stack": stack})
        except ValidationError as exc:
            for error in exc.errors():
                loc = [str(e) for e in error["loc"]]
                name = loc[1] if loc and loc[0] == "stack" and len(loc) > 1 else (loc[0] if loc else "id")
                column = columns.get(name, name)
                message = str(error["msg"]).removeprefix("Value error, ")
                given = error.get("input")
                if isinstance(given, str | int | float) and error["type"] != "missing" and len(str(given)) < 60:
                    message = f"{message} (got {given!r})"
                if error["type"] == "missing":
                    message = f"missing {name}"
                    hint = f"add the column, or give --default {name}=VALUE"
                else:
                    hint = ""
                self.problem(line, column, message, hint)

    def result(self) -> dict[str, LegacySystem]:
        if self.problems:
            raise InventoryError(self.problems)
        return dict(sorted(self.systems.items()))


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v not in ("", None)}


def read_ezgov_csv(text: str, file: str, defaults: Mapping[str, str]) -> dict[str, LegacySystem]:
    out = _Collector(file)
    for line, row in _rows(text):
        fields: dict[str, Any] = {**defaults, **_clean({k: row.get(k, "") for k in COLUMNS})}
        try:
            fields["dependencies"] = _dependencies(str(fields.get("dependencies", "")))
        except ValueError as exc:
            out.problem(line, "dependencies", str(exc))
            continue
        out.build(line, fields, {c: c for c in COLUMNS})
    return out.result()


def read_konveyor(text: str, file: str, defaults: Mapping[str, str]) -> dict[str, LegacySystem]:
    out = _Collector(file)
    apps: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {}
    deps: list[tuple[int, str, str, str]] = []
    for line, row in _rows(text):
        kind = row.get("Record Type 1", "")
        name = row.get("Application Name", "")
        if kind == "2":
            deps.append((line, name, row.get("Dependency", ""), row.get("Dependency Direction", "").lower()))
            continue
        if kind != "1":
            out.problem(line, "Record Type 1", f"record type {kind!r}: 1 (application) or 2 (dependency)")
            continue
        if not name:
            out.problem(line, "Application Name", "missing application name")
            continue
        fields: dict[str, Any] = {**defaults, "id": slug(name), "name": name, "name_en": name}
        columns = {"id": "Application Name", "name": "Application Name", "name_en": "Application Name"}
        if row.get("Business Service"):
            fields["department"], columns["department"] = row["Business Service"], "Business Service"
        for index in range(1, 100):
            category = row.get(f"Tag Category {index}")
            if category is None:
                break
            target = KONVEYOR_TAGS.get(category.strip().lower())
            if target and row.get(f"Tag {index}"):
                fields[target], columns[target] = row[f"Tag {index}"], f"Tag {index}"
        for pair in (p.strip() for p in row.get("Comments", "").split(";")):
            key, sep, value = pair.partition("=")
            if sep:
                fields[key.strip()], columns[key.strip()] = value.strip(), "Comments"
        apps[name] = (line, fields, columns)
    for line, name, other, direction in deps:
        if name not in apps or other not in apps:
            missing = name if name not in apps else other
            out.problem(line, "Application Name" if missing == name else "Dependency",
                        f"unknown application {missing!r}", "dependencies need a record type 1 row")
            continue
        if direction not in ("northbound", "southbound"):
            out.problem(line, "Dependency Direction", f"direction {direction!r}: northbound or southbound")
            continue
        # southbound: the application calls its dependency; northbound: the dependency calls the application.
        entry = {"target": slug(other), "direction": "outbound" if direction == "southbound" else "inbound"}
        apps[name][1].setdefault("dependencies", []).append(entry)
    for line, fields, columns in apps.values():
        out.build(line, fields, columns)
    return out.result()


def read_azure(text: str, file: str, defaults: Mapping[str, str]) -> dict[str, LegacySystem]:
    out = _Collector(file)
    for line, row in _rows(text):
        name = row.get("Server name", "")
        if not name:
            out.problem(line, "Server name", "missing server name")
            continue
        fields: dict[str, Any] = {**defaults, "id": slug(name), "name": name, "name_en": name}
        columns = {"id": "Server name", "name": "Server name", "name_en": "Server name", "vcpu": "Cores",
                   "ram_gb": "Memory (In MB)", "os": "OS name", "os_version": "OS version",
                   "storage_gb": "Disk 1 size (In GB)"}
        fields.update(_clean({"vcpu": row.get("Cores", ""), "os": row.get("OS name", ""),
                              "os_version": row.get("OS version", "")}))
        try:
            if row.get("Memory (In MB)"):
                fields["ram_gb"] = round(float(row["Memory (In MB)"]) / 1024, 2)
            disks = [float(row[k]) for k in sorted(row) if re.fullmatch(r"Disk \d+ size \(In GB\)", k) and row[k]]
        except ValueError as exc:
            out.problem(line, "Memory (In MB)" if "ram_gb" not in fields else "Disk size", f"not a number: {exc}")
            continue
        if disks:
            fields["storage_gb"] = sum(disks)
        out.build(line, fields, columns)
    return out.result()


READERS = {"csv": read_ezgov_csv, "konveyor": read_konveyor, "azure": read_azure}


def read_catalogue_file(path: Path, fmt: str, defaults: Mapping[str, str]) -> dict[str, LegacySystem]:
    if fmt not in READERS:
        raise InputError(f"unknown import format {fmt!r} (one of {', '.join(FORMATS)})")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    return READERS[fmt](text, str(path), defaults)
