"""Konveyor's application inventory CSV (the Hub's "Import" of applications), read and written.

Record type 1 rows are applications (`Application Name`, `Description`, `Comments`, `Business Service`, `Owner`,
`Tag Category N`/`Tag N`, or `Tag Type N` in older files); record type 2 rows are dependencies (`Application
Name`, `Dependency`, `Dependency Direction`): southbound, the application calls its dependency; northbound, the
dependency calls it. A pair listed both ways (one northbound and one southbound row between the same two
applications) is one dependency in both directions. Problems with a dependency are reported on its own row.

Tags in the categories Department, Classification, Criticality, Site, Network, Operating System, Database, Owner
and IPv6 fill those fields; other tags are kept as `Category=Value`. `Comments` may carry `field=value` pairs
separated by `;` (`vcpu=8; ram_gb=32; storage_gb=500`); any other text in it is kept as the system's notes.
Where the tags and the comments both give a classification, the most restrictive wins. Binary and repository
columns and Contributors are accepted and reported as ignored.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ezgov_infra.errors import InputError
from ezgov_infra.migrate.importers import Collector, Imported, read_table, slug
from ezgov_infra.models.plan import ClassifyRule
from ezgov_infra.models.systems import Direction, LegacySystem

TAG_FIELDS = {"department": "department", "classification": "classification", "criticality": "criticality",
              "site": "site", "network": "network", "operating system": "os", "database": "database",
              "owner": "owner", "ipv6": "ipv6"}
FIELD_TAGS = {"classification": "Classification", "criticality": "Criticality", "site": "Site",
              "network": "Network", "os": "Operating System", "database": "Database", "ipv6": "IPv6"}
BASE = ("Record Type 1", "Application Name", "Description", "Comments", "Business Service", "Dependency",
        "Dependency Direction", "Binary Group", "Binary Artifact", "Binary Version", "Binary Packaging",
        "Repository Type", "Repository URL", "Repository Branch", "Repository Path", "Owner", "Contributors")
IGNORED = frozenset(BASE[7:15]) | {"Contributors"}
TAG_PAIRS = 20
_KNOWN = {name.lower(): name for name in BASE}
_TAG = re.compile(r"tag (?:category|type) (\d+)|tag (\d+)")


def _canonical(name: str) -> str | None:
    lowered = re.sub(r"\s+", " ", name.lower())
    if lowered in _KNOWN:
        return _KNOWN[lowered]
    match = _TAG.fullmatch(lowered)
    if match:
        return f"Tag Category {match.group(1)}" if match.group(1) else f"Tag {match.group(2)}"
    return None


@dataclass(slots=True)
class _App:
    line: int
    fields: dict[str, Any]
    columns: dict[str, str]
    deps: dict[str, tuple[set[str], int]] = field(default_factory=dict)


_SIZE_KEYS = ("vcpu", "ram_gb", "storage_gb", "data_gb")


def _application(out: Collector, line: int, row: Mapping[str, str], defaults: Mapping[str, str]) -> _App | None:
    name = row.get("Application Name", "")
    if not name:
        out.problem(line, "Application Name", "missing application name")
        return None
    fields: dict[str, Any] = {**defaults, "id": slug(name), "name": name, "name_en": name}
    columns = {"id": "Application Name", "name": "Application Name", "name_en": "Application Name"}
    if row.get("Description"):
        fields["description"], columns["description"] = row["Description"], "Description"
    if row.get("Business Service"):
        fields["department"], columns["department"] = row["Business Service"], "Business Service"
    if row.get("Owner"):
        fields["owner"], columns["owner"] = row["Owner"], "Owner"
    levels: list[str | None] = [defaults.get("classification")]
    tags: list[str] = []
    for index in range(1, 100):
        category = row.get(f"Tag Category {index}")
        if category is None and f"Tag {index}" not in row:
            break
        value = row.get(f"Tag {index}", "")
        if not category or not value:
            if category or value:
                out.problem(line, f"Tag {index}" if category else f"Tag Category {index}",
                            "a tag needs both its category and its value")
            continue
        target = TAG_FIELDS.get(category.strip().lower())
        if target == "classification":
            levels.append(value.lower())
        elif target is not None and target in columns and columns[target].startswith("Tag"):
            out.problem(line, f"Tag {index}", f"a second {category} tag ({columns[target]} gave "
                        f"{fields[target]!r})")
        elif target is not None:
            fields[target], columns[target] = value, f"Tag {index}"
        else:
            tags.append(f"{category}={value}")
    notes: list[str] = []
    for pair in (p.strip() for p in row.get("Comments", "").split(";")):
        key, sep, value = pair.partition("=")
        key = key.strip()
        if sep and re.fullmatch(r"[a-z_]+", key):
            if key == "classification":
                levels.append(value.strip().lower())
            else:
                fields[key], columns[key] = value.strip(), "Comments"
        elif pair:
            notes.append(pair)
    if notes:
        fields["notes"], columns["notes"] = "; ".join(notes), "Comments"
    fields["tags"] = tags
    columns["classification"] = "Classification tag"
    out.classify(fields, levels)
    return _App(line, fields, columns)


def read_konveyor_table(text: str, file: str, defaults: Mapping[str, str],
                        rules: Sequence[ClassifyRule] = ()) -> Imported:
    table = read_table(text, file, _canonical, lambda name: name in IGNORED)
    out = Collector(table, rules)
    apps: dict[str, _App] = {}
    deps: list[tuple[int, str, str, str]] = []
    for line, row in table.rows:
        kind = row.get("Record Type 1", "")
        if kind == "2":
            deps.append((line, row.get("Application Name", ""), row.get("Dependency", ""),
                         row.get("Dependency Direction", "").lower()))
        elif kind != "1":
            out.problem(line, "Record Type 1", f"record type {kind!r}: 1 (application) or 2 (dependency)")
        else:
            app = _application(out, line, row, defaults)
            if app is None:
                continue
            name = str(app.fields["name"])
            if name in apps:
                out.problem(line, "Application Name", f"application {name!r} appears twice (first on line "
                            f"{apps[name].line})")
                continue
            apps[name] = app
    for line, name, other, direction in deps:
        if name not in apps or other not in apps:
            missing = name if name not in apps else other
            out.problem(line, "Application Name" if missing == name else "Dependency",
                        f"unknown application {missing!r}", "dependencies need a record type 1 row")
            continue
        if direction not in ("northbound", "southbound"):
            out.problem(line, "Dependency Direction", f"direction {direction!r}: northbound or southbound")
            continue
        if name == other:
            out.problem(line, "Dependency", f"{name!r} depends on itself")
            continue
        directions, first = apps[name].deps.get(other, (set(), line))
        if direction in directions:
            out.problem(line, "Dependency", f"repeats the {direction} dependency of {name!r} on {other!r} "
                        f"(line {first})")
            continue
        directions.add(direction)
        apps[name].deps[other] = (directions, first)
    for app in apps.values():
        entries = []
        for other, (directions, _) in app.deps.items():
            # southbound: the application calls its dependency; northbound: the dependency calls it; both: both.
            direction = ("both" if len(directions) == 2 else
                         "outbound" if "southbound" in directions else "inbound")
            entries.append({"target": apps[other].fields["id"], "direction": direction})
        app.fields["dependencies"] = entries
        out.build(app.line, app.fields, app.columns)
    return Imported(out.result(), table.ignored)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def to_konveyor_csv(systems: Mapping[str, LegacySystem]) -> str:
    """The catalogue as a Konveyor application import file (the Hub template's columns, CRLF line ends)."""
    header = [*BASE, *[c for i in range(1, TAG_PAIRS + 1) for c in (f"Tag Category {i}", f"Tag {i}")]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    names: dict[str, str] = {}
    for sid in sorted(systems):
        name = systems[sid].name
        if name in names:
            raise InputError(f"systems {names[name]} and {sid} share the name {name!r}; Konveyor keys applications "
                             "by name")
        names[name] = sid
    dep_rows: list[list[str]] = []
    for sid in sorted(systems):
        system = systems[sid]
        comments = [f"id={system.id}", f"name_en={system.name_en}", f"vcpu={system.vcpu}",
                    f"ram_gb={_number(system.ram_gb)}", f"storage_gb={_number(system.storage_gb)}"]
        for key in ("data_gb", "change_gb_per_day", "downtime_window_h", "rto_h", "rpo_h", "users",
                    "website", "os_version", "lifecycle"):
            value = getattr(system.stack if key == "os_version" else system, key)
            if value not in (None, "") and not (key == "lifecycle" and value == "built"):
                shown = getattr(value, "value", value)
                comments.append(f"{key}={_number(shown) if isinstance(shown, float) else shown}")
        if system.notes:
            comments.append(system.notes)
        tags = [(label, getattr(system.stack, f) if f in ("os", "database") else getattr(system, f))
                for f, label in FIELD_TAGS.items()]
        pairs = [(label, str(getattr(v, "value", v))) for label, v in tags if v not in (None, "")]
        pairs += [tuple(t.split("=", 1)) for t in system.tags]  # type: ignore[misc]
        if len(pairs) > TAG_PAIRS:
            raise InputError(f"{sid}: {len(pairs)} tags; the Konveyor template holds {TAG_PAIRS}")
        cells = {"Record Type 1": "1", "Application Name": system.name, "Description": system.description or "",
                 "Comments": "; ".join(comments), "Business Service": system.department,
                 "Owner": system.owner or ""}
        row = [cells.get(c, "") for c in BASE] + [x for pair in pairs for x in pair]
        writer.writerow(row + [""] * (len(header) - len(row)))
        for dep in system.dependencies:
            target = systems.get(dep.target)
            if target is None:
                continue
            if dep.direction in (Direction.outbound, Direction.both):
                dep_rows.append(["2", system.name, "", "", "", target.name, "southbound"])
            if dep.direction in (Direction.inbound, Direction.both):
                dep_rows.append(["2", system.name, "", "", "", target.name, "northbound"])
    writer.writerows(dep_rows)
    return buffer.getvalue()
