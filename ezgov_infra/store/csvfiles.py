"""CSV import and export of inventory kinds, with NetBox's column names where NetBox has the object.

NetBox keeps its own fields under their names (`slug`, `primary_ip4`, `commit_rate` in Kbps, ...) and ours as
custom fields (`cf_*`). Kinds NetBox lacks (websites, private networks) use the field names. Lists are written
space-separated. Export then import gives the same records.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.store.reading import unreadable


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    field: str
    to_csv: Callable[[Any], str] | None = None
    from_csv: Callable[[str], Any] | None = None


# A spreadsheet runs a cell that starts with one of these as a formula (`=cmd|' /c calc'!A1`, `+HYPERLINK(...)`).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def neutralise(text: str) -> str:
    """A text cell as data: one that a spreadsheet would run as a formula gets a leading `'` (OWASP's rule), and
    so does one that already starts with `'` followed by such a character, so `restore` gives back the text."""
    if _NUMBER.fullmatch(text):
        return text  # a signed number is a number to a spreadsheet, not a formula
    if text.startswith(_FORMULA_START) or (text.startswith("'") and text[1:].startswith(_FORMULA_START)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The text `neutralise` was given."""
    if text.startswith("'") and text[1:].startswith((*_FORMULA_START, "'")):
        return text[1:]
    return text


def _list_out(value: Any) -> str:
    return " ".join(str(v) for v in value or [])


def _list_in(text: str) -> list[str]:
    return text.replace(",", " ").split()


def _bool_in(text: str) -> bool | str:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    return text


def _kbps_out(mbps: Any) -> str:
    return str(int(mbps) * 1000)


def _kbps_in(text: str) -> int | str:
    try:
        kbps = int(text)
    except ValueError:
        return text
    return kbps // 1000 if kbps % 1000 == 0 else text


def _coord_out(index: int) -> Callable[[Any], str]:
    return lambda value: "" if value is None else str(value[index])


def _bool_out(value: Any) -> str:
    if value is None:
        return ""
    return "true" if value else "false"



COLUMNS: dict[str, list[Column]] = {
    "regions": [Column("slug", "id"), Column("name", "name"), Column("parent", "parent"),
                Column("cf_name_en", "name_en"), Column("cf_level", "level"), Column("cf_kind", "kind"),
                Column("cf_households", "households"), Column("cf_setting", "setting"),
                Column("cf_sample", "sample", _bool_out, _bool_in)],
    "sites": [Column("slug", "id"), Column("name", "name"), Column("region", "region"),
              Column("physical_address", "address"), Column("latitude", "coordinates", _coord_out(0)),
              Column("longitude", "coordinates", _coord_out(1)), Column("cf_name_en", "name_en"),
              Column("cf_category", "category"), Column("cf_setting", "setting"),
              Column("cf_extranet_required", "extranet_required", _bool_out, _bool_in),
              Column("cf_sample", "sample", _bool_out, _bool_in)],
    "devices": [Column("name", "id"), Column("role", "role"), Column("site", "site"), Column("platform", "platform"),
                Column("device_type", "model"), Column("serial", "serial"), Column("primary_ip4", "mgmt_ipv4"),
                Column("primary_ip6", "mgmt_ipv6"), Column("cf_credential_profile", "credential_profile"),
                Column("cf_snmp_profile", "snmp_profile"), Column("cf_lab", "lab", _bool_out, _bool_in),
                Column("cf_collection", "collection"), Column("cf_snapshot", "snapshot")],
    "interfaces": [Column("device", "device"), Column("name", "name"),
                   Column("enabled", "enabled", _bool_out, _bool_in),
                   Column("description", "description"), Column("cf_kind", "kind"),
                   Column("cf_ipv4", "ipv4", _list_out, _list_in), Column("cf_ipv6", "ipv6", _list_out, _list_in)],
    "circuits": [Column("cid", "id"), Column("provider", "provider"), Column("type", "access_type"),
                 Column("status", "status"), Column("commit_rate", "contracted_mbps", _kbps_out, _kbps_in),
                 Column("install_date", "installed"), Column("cf_a_end", "a_end"), Column("cf_z_end", "z_end")],
    "prefixes": [Column("prefix", "id"), Column("role", "role"), Column("region", "region"), Column("site", "site"),
                 Column("description", "description")],
    "websites": [Column("hostname", "id"), Column("name", "name"), Column("name_en", "name_en"),
                 Column("department", "department"), Column("region", "region"), Column("fate", "fate"),
                 Column("consolidate_into", "consolidate_into")],
    "networks": [Column("id", "id"), Column("name", "name"), Column("name_en", "name_en"),
                 Column("department", "department"), Column("owner", "owner"),
                 Column("classification", "classification"), Column("sites", "sites", _list_out, _list_in),
                 Column("prefixes", "prefixes", _list_out, _list_in), Column("target", "target"),
                 Column("approach", "approach"), Column("reason", "reason"),
                 Column("status", "status"), Column("cutover", "cutover")],
}


def export_csv(kind: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows (model dumps in JSON mode) as CSV text with the kind's columns."""
    columns = COLUMNS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        out = []
        for column in columns:
            value = row.get(column.field)
            if column.to_csv is not None:
                out.append(neutralise(column.to_csv(value)))
            else:
                out.append("" if value is None else neutralise(str(value)))
        writer.writerow(out)
    return buffer.getvalue()


def read_csv(kind: str, path: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """CSV rows back into record bodies keyed by id; problems name the row (as line) and the column."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError([unreadable(file, exc)]) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.name: c for c in COLUMNS[kind]}
    problems: list[Problem] = []
    header = reader.fieldnames or []
    for name in header:
        if name not in columns:
            problems.append(Problem(file, 1, name, "unknown column", "columns: " + ", ".join(columns)))
    records: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for line, row in csv_rows(reader, file, problems):
        body: dict[str, Any] = {}
        lat = lon = None
        for name, raw in row.items():
            if name is None or name not in columns or raw is None or raw.strip() == "":
                continue
            column = columns[name]
            raw = restore(raw.strip())
            value = column.from_csv(raw) if column.from_csv else raw
            if column.field == "coordinates":
                try:
                    number = float(raw)
                except ValueError:
                    problems.append(Problem(file, line, name, f"not a number: {raw!r}"))
                    continue
                lat, lon = (number, lon) if name == "latitude" else (lat, number)
                continue
            body[column.field] = value
        if lat is not None or lon is not None:
            if lat is None or lon is None:
                problems.append(Problem(file, line, "latitude/longitude", "give both or neither"))
            else:
                body["coordinates"] = [lat, lon]
        rid = f"{body.get('device', '')}:{body.get('name', '')}" if kind == "interfaces" else str(body.pop("id", ""))
        if not rid or rid == ":":
            problems.append(Problem(file, line, next(iter(columns)), "missing id"))
            continue
        if rid in records:
            problems.append(Problem(file, line, next(iter(columns)), f"{rid!r} already on line {lines[rid]}"))
            continue
        records[rid] = body
        lines[rid] = line
    return records, problems


def csv_rows(reader: Any, file: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """`(line, row)` for each row of a csv reader; a row the csv module cannot read (a field over its 131,072
    character limit, a NUL byte) ends the file with a problem on that line instead of an exception."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(file, reader.line_num + 1, "", f"cannot read this row: {exc}"))
            return
        yield reader.line_num, row


def row_lines(path: Path, kind: str) -> dict[str, int]:
    """The CSV line each id sits on, for errors found after parsing."""
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    out: dict[str, int] = {}
    first = COLUMNS[kind][0].name
    for line, row in csv_rows(reader, str(path), []):
        def cell(name: str, row: dict[str, Any] = row) -> str:
            return restore((row.get(name) or "").strip())

        rid = f"{cell('device')}:{cell('name')}" if kind == "interfaces" else cell(first)
        out.setdefault(rid, line)
    return out
