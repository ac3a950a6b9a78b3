"""Turn what a job returns into a table, JSON, YAML or CSV on stdout. The only place that prints results."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path
from typing import Any

from ezgov_infra.models.kinds import Format

Row = Mapping[str, Any]


def plain(value: Any) -> Any:
    """JSON-ready form of anything a job returns (pydantic models, dataclasses, enums, addresses, dates, paths)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return plain(dump(mode="json"))
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity; a number that is not one is not known
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, IPv4Address | IPv6Address | IPv4Interface | IPv6Interface | IPv4Network | IPv6Network
                  | Path):
        return str(value)
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, indent=2, sort_keys=False)


def to_yaml(value: Any) -> str:
    from ezgov_infra.store.yamlfiles import dump_plain

    return dump_plain(plain(value))


def cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)


def csv_cell(value: Any) -> str:
    """A CSV cell: the raw value (numbers as Python writes them), a text cell that a spreadsheet would run as a
    formula (leading `= + - @`, tab or CR) prefixed with `'` (OWASP's CSV injection rule); store.csvfiles reads it
    back without the quote."""
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        from ezgov_infra.store.csvfiles import neutralise

        return neutralise(cell(value))
    return repr(value) if isinstance(value, float) else str(value)


def to_csv(rows: Iterable[Row], columns: Sequence[str] | None = None) -> str:
    rows = list(rows)
    columns = list(columns or (rows[0].keys() if rows else []))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def emit(
    value: Any,
    fmt: Format,
    *,
    rows: Iterable[Row] | None = None,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print `value` as JSON/YAML, or `rows` (default: `value` itself) as a table or CSV."""
    if fmt is Format.json:
        sys.stdout.write(to_json(value) + "\n")
        return
    if fmt is Format.yaml:
        sys.stdout.write(to_yaml(value))
        return
    table_rows = list(rows if rows is not None else value)
    if fmt is Format.csv:
        sys.stdout.write(to_csv(table_rows, columns))
        return
    print_table(table_rows, columns, title=title)


def print_table(rows: Sequence[Row], columns: Sequence[str] | None = None, *, title: str | None = None) -> None:
    """Rows as a rich table. Every cell, header and the title are `Text`: rich never parses them for markup or
    emoji codes (`2001:db8:500:100::1` stays as written), and control characters are shown escaped."""
    from rich.table import Table
    from rich.text import Text

    columns = list(columns or (rows[0].keys() if rows else []))
    table = Table(title=Text(visible(title)) if title is not None else None, show_lines=False,
                  header_style="bold")
    for column in columns:
        table.add_column(Text(visible(column.replace("_", " "))), overflow="fold")
    for row in rows:
        table.add_row(*(Text(visible(cell(row.get(c)))) for c in columns))
    console().print(table)


# C0 and C1 controls (ESC starts a terminal escape sequence), and the bidirectional overrides that reorder a line
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str) -> str:
    """`text` with control characters written as escapes (`\\x1b`, `\\n`, `\\u202e`), so a field can neither
    drive the terminal nor hide or reorder what is printed; a backslash is left as it is."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group()) or (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                                             else f"\\u{ord(m.group()):04x}"), text)


def escape(text: str) -> str:
    """Inventory and device strings inside a line of rich markup: data, never markup; controls shown escaped."""
    from rich.markup import escape as rich_escape

    return rich_escape(visible(text))


def console(stderr: bool = False) -> Any:
    """A rich console that never turns `:name:` into an emoji; when output is not a terminal, wide enough that
    tables are not folded."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, width=width, emoji=False)
