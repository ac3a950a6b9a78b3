"""Catalogue files from other tools: Konveyor's application import CSV (`migrate.konveyor`), Azure Migrate's server
import CSV and exported assessment (`migrate.azure`; the assessment also as .xlsx), and ezgov's own CSV (which
round-trips losslessly with `to_ezgov_csv`).

Pure: text in, `LegacySystem`s out. Every problem names the file, the row's line in the file and the column;
every problem is reported at once. A column the format does not define is an error, and so is a non-empty cell
beyond the header; columns the format defines that ezgov does not model are accepted and reported as ignored.

Ids come from names: ASCII names give their slug (`EZ-STATS-DB01` -> `ez-stats-db01`); a name with any other
character gives its ASCII part (or `system`) and a stable hash of the whole name (`市档案馆` -> `system-9f3c…`), so
two Chinese names never share an id. A system's classification is the most restrictive any source gives (file,
`--default`, a `classify` rule); with none it is `unclassified`, and the planner holds it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from pydantic import ValidationError

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.models.kinds import Classification
from ezgov_infra.models.plan import ClassifyRule
from ezgov_infra.models.systems import LegacySystem, most_restrictive

FORMATS = ("csv", "konveyor", "azure")

STACK_FIELDS = ("os", "os_version", "os_eol", "database", "database_version", "database_eol", "middleware")
LIST_FIELDS = ("addresses", "tags")
COLUMNS = ("id", "name", "name_en", "description", "notes", "department", "owner", "classification", "criticality",
           "lifecycle", "site", "network", *STACK_FIELDS, "vcpu", "ram_gb", "storage_gb", "data_gb",
           "change_gb_per_day", "downtime_window_h", "rto_h", "rpo_h", "ipv6", "users", "website", "hardware_bound",
           "addresses", "cpu_util_pct", "memory_util_pct", "tags", "dependencies")
# Columns an older ezgov CSV may lack; every other column of COLUMNS is optional too (an empty cell is unknown).
LIST_SEPARATOR = "; "


def slug(name: str) -> str:
    text = name.strip()
    ascii_part = re.sub(r"[^A-Za-z0-9]+", "-", text.lower()).strip("-")
    if text.isascii() and ascii_part:
        return ascii_part[:128]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{ascii_part[:100] or 'system'}-{digest}"


def header_name(raw: str) -> str:
    """A header cell as the formats mean it: trimmed, without the `*` Azure Migrate puts before or after a
    mandatory column."""
    return raw.strip().strip("*").strip()


@dataclass(slots=True)
class Table:
    """The data rows of a CSV file under canonical column names, and what reading it found wrong."""

    file: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    header_line: int = 1

    def problem(self, line: int, column: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, line, f"row {line - 1}, column {column!r}", message, hint))


def read_table(text: str, file: str, canonical: Callable[[str], str | None],
               ignored: Callable[[str], bool] = lambda _: False) -> Table:
    """Rows keyed by canonical column name. `canonical` maps a cleaned header to the format's name for it, or None
    for a column the format does not define (an error); `ignored` says which defined columns ezgov leaves aside."""
    table = Table(file, [])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        fill_table(table, ((reader.line_num, cells) for cells in reader), canonical, ignored)
    except csv.Error as exc:
        table.problems.append(Problem(file, reader.line_num, "", f"not a readable CSV file: {exc}"))
    return table


def fill_table(table: Table, records: Iterable[tuple[int, list[str]]], canonical: Callable[[str], str | None],
               ignored: Callable[[str], bool] = lambda _: False) -> Table:
    """`read_table` for records already split into cells (a CSV reader's, or a spreadsheet's rows), each with the
    line or row number a person sees; the first record is the header."""
    file = table.file
    records = iter(records)
    first = next(records, None)
    if first is None:
        table.problems.append(Problem(file, 1, "", "empty file: no header row"))
        return table
    header_line, header = first
    table.header_line = header_line
    seen: dict[str, int] = {}
    for index, raw in enumerate(header, 1):
        cleaned = header_name(raw)
        name = canonical(cleaned)
        if not cleaned:
            table.problems.append(Problem(file, header_line, f"column {index}", "empty column name in the header"))
        elif name is None:
            table.problems.append(Problem(file, header_line, f"column {index} {cleaned!r}",
                                          "unknown column for this format", "remove it or check its spelling"))
        elif name in seen:
            table.problems.append(Problem(file, header_line, f"column {index} {cleaned!r}",
                                          f"repeats column {seen[name]}"))
        else:
            seen[name] = index
            if ignored(name):
                table.ignored.append(cleaned)
        table.columns.append(name or "")
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        for index, cell in enumerate(cells[len(header):], len(header) + 1):
            if cell.strip():
                table.problems.append(Problem(file, line, f"row {line - 1}, column {index}",
                                              f"cell beyond the header's {len(header)} columns: {cell[:40]!r}"))
        table.rows.append((line, {name: cell.strip() for name, cell in zip(table.columns, cells, strict=False)
                                  if name}))
    return table


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
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
                row.append(LIST_SEPARATOR.join(
                    f"{d.target}:{d.direction.value}:{d.criticality.value}:{'latency' if d.latency_sensitive else ''}"
                    + (f":{quote(d.note, safe='')}" if d.note else "") for d in system.dependencies))
            elif column == "tags":
                row.append(LIST_SEPARATOR.join(escape_item(t) for t in system.tags))
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


def escape_item(text: str) -> str:
    """An item of a `;`-separated cell, with `%` and `;` escaped so any text survives the round trip."""
    return text.replace("%", "%25").replace(";", "%3B")


def unescape_item(text: str) -> str:
    return text.replace("%3B", ";").replace("%25", "%")


def split_list(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,\s]+", cell) if part.strip()]


class Collector:
    """Builds systems from per-row field values, turning validation errors into row/column problems."""

    def __init__(self, table: Table, rules: Sequence[ClassifyRule] = ()) -> None:
        self.file = table.file
        self.problems: list[Problem] = list(table.problems)
        self.ignored = table.ignored
        self.rules = rules
        self.systems: dict[str, LegacySystem] = {}
        self.lines: dict[str, int] = {}

    def problem(self, line: int, column: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, line, f"row {line - 1}, column {column!r}", message, hint))

    def classify(self, fields: dict[str, Any], given: Iterable[str | None]) -> None:
        """The most restrictive of what the sources give and what the classify rules say; unclassified if none."""
        levels = [g for g in given if g]
        bad = [g for g in levels if g not in {c.value for c in Classification}]
        if bad:  # left for the model to report, with the row and column
            fields["classification"] = bad[0]
            return
        department = fields.get("department")
        tags = set(fields.get("tags") or [])
        ruled = [r.classification for r in self.rules
                 if (r.department is not None and r.department == department) or (r.tag is not None and r.tag in tags)]
        fields["classification"] = most_restrictive([*levels, *ruled]).value

    def build(self, line: int, fields: dict[str, Any], columns: Mapping[str, str]) -> None:
        sid = str(fields.get("id") or "")
        if sid in self.systems:
            self.problem(line, columns.get("id", "id"), f"system {sid!r} appears twice (first on line "
                         f"{self.lines[sid]})")
            return
        stack = {k: fields.pop(k) for k in STACK_FIELDS if k in fields}
        try:
            self.systems[sid] = LegacySystem.model_validate({**fields, "stack": stack})
            self.lines[sid] = line
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
                elif error["type"] == "extra_forbidden":
                    message = f"unknown field {name!r}"
                    hint = ""
                else:
                    hint = ""
                self.problem(line, column, message, hint)

    def result(self) -> dict[str, LegacySystem]:
        if self.problems:
            raise InventoryError(sorted(self.problems, key=lambda p: (p.line or 0, p.path)))
        return dict(sorted(self.systems.items()))


def clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v not in ("", None)}


def _ezgov_column(name: str) -> str | None:
    return name if name in COLUMNS else None


def read_ezgov_csv(text: str, file: str, defaults: Mapping[str, str],
                   rules: Sequence[ClassifyRule] = ()) -> dict[str, LegacySystem]:
    table = read_table(text, file, _ezgov_column)
    out = Collector(table, rules)
    for line, row in table.rows:
        fields: dict[str, Any] = {**defaults, **clean({k: row.get(k, "") for k in COLUMNS})}
        try:
            fields["dependencies"] = _dependencies(str(fields.get("dependencies", "")))
        except ValueError as exc:
            out.problem(line, "dependencies", str(exc))
            continue
        fields["addresses"] = split_list(str(fields.get("addresses", "")))
        fields["tags"] = [unescape_item(t.strip()) for t in str(fields.get("tags", "")).split(";") if t.strip()]
        out.classify(fields, [row.get("classification"), defaults.get("classification")])
        out.build(line, fields, {c: c for c in COLUMNS})
    return out.result()


@dataclass(slots=True)
class Imported:
    systems: dict[str, LegacySystem]
    ignored: list[str]


Reader = Callable[[str, str, Mapping[str, str], Sequence[ClassifyRule]], Imported]
