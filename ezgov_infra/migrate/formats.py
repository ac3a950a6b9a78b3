"""A catalogue file read in the format the user names (`migrate import --format`): ezgov's own CSV, Konveyor's
application import, or Azure Migrate's import template or exported assessment (CSV, or the portal's workbook).
Text comes as Excel saves it: UTF-8 with or without its byte-order mark, or GB18030."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from ezgov_infra.errors import InputError
from ezgov_infra.migrate.azure import ASSESSMENT_SHEET, read_assessment_rows, read_azure_table
from ezgov_infra.migrate.importers import FORMATS, Imported, Reader, read_ezgov_csv
from ezgov_infra.migrate.konveyor import read_konveyor_table
from ezgov_infra.models.plan import ClassifyRule
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.carrier_files import decode_text, read_grid


def _readers() -> dict[str, Reader]:
    def ezgov(text: str, file: str, defaults: Mapping[str, str], rules: Sequence[ClassifyRule]) -> Imported:
        return Imported(read_ezgov_csv(text, file, defaults, rules), [])

    return {"csv": ezgov, "konveyor": read_konveyor_table, "azure": read_azure_table}


def import_catalogue_file(path: Path, fmt: str, defaults: Mapping[str, str],
                          rules: Sequence[ClassifyRule] = ()) -> Imported:
    readers = _readers()
    if fmt not in readers:
        raise InputError(f"unknown import format {fmt!r} (one of {', '.join(FORMATS)})")
    if path.suffix.lower() == ".xlsx":
        if fmt != "azure":
            raise InputError(f"{path}: the {fmt} format is read from CSV; the only workbook read is an exported "
                             "Azure Migrate assessment (--format azure)")
        return read_assessment_rows(_sheet_rows(path, ASSESSMENT_SHEET), str(path), defaults, rules)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    return readers[fmt](decode_text(raw, str(path)), str(path), defaults, rules)


def _sheet_rows(path: Path, sheet: str) -> list[tuple[int, list[str]]]:
    """A workbook sheet's rows as text cells, numbers written the way a person typed them (`4`, not `4.0`)."""
    def text(cell: object) -> str:
        if cell is None:
            return ""
        if isinstance(cell, bool):
            return "true" if cell else "false"
        if isinstance(cell, float):
            return str(int(cell)) if cell.is_integer() else repr(cell)
        return cell.isoformat() if isinstance(cell, date) else str(cell)

    return [(number, [text(c) for c in cells]) for number, cells in read_grid(path, sheet=sheet).rows]


def read_catalogue_file(path: Path, fmt: str, defaults: Mapping[str, str],
                        rules: Sequence[ClassifyRule] = ()) -> dict[str, LegacySystem]:
    return import_catalogue_file(path, fmt, defaults, rules).systems
