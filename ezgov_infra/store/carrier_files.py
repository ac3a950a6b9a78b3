"""Carriers' spreadsheets as grids of cells: CSV (UTF-8 or GB18030, as Excel and WPS save them) and XLSX.

The only module that imports openpyxl. A grid keeps each row's number as the spreadsheet shows it, so that every
problem found later can name `file:row:column`. XLSX cells keep their type (a number stays a number); CSV cells
are text. Writing is here too, for the sample reports and the benchmark.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import cast

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.store.files import atomic_write

Cell = str | int | float | bool | date | None
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True, slots=True)
class Grid:
    """A sheet's rows: (row number, cells), blank rows left out; the file's SHA-256."""

    file: str
    rows: list[tuple[int, list[Cell]]]
    sha256: str = ""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_grid(path: Path, *, label: str | None = None, sheet: str | None = None) -> Grid:
    """A sheet of an XLSX file (the one named `sheet`, else the first), or a CSV file, as a grid."""
    file = label or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InventoryError([Problem(file, None, "", f"cannot read {suffix or 'a file without suffix'}",
                                      "carriers' reports are read from .csv or .xlsx files")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InventoryError([Problem(file, None, "", f"cannot read: {exc.strerror or exc}")]) from exc
    if suffix == ".xlsx":
        kept = [(number, cells) for number, cells in _xlsx_rows(raw, file, sheet)
                if any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells)]
    else:  # every CSV cell is text
        kept = [(number, cells) for number, cells in _csv_rows(raw, file) if "".join(map(str, cells)).strip()]
    return Grid(file, kept, hashlib.sha256(raw).hexdigest())


def decode_text(raw: bytes, file: str) -> str:
    """A file as Excel or a person saved it: UTF-8 (with or without its byte-order mark), else GB18030 (what Excel
    writes as "CSV" on a Chinese Windows, GBK's superset)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InventoryError([Problem(file, None, "", "neither UTF-8 nor GB18030 text")])  # pragma: no cover


def _csv_rows(raw: bytes, file: str) -> list[tuple[int, list[Cell]]]:
    text = decode_text(raw, file)
    if '"' not in text:
        # no quoted field, so no field spans lines: one line is one record, numbered as an editor shows it
        lines = text.split("\n")
        split = [(number, line.rstrip("\r").split(",")) for number, line in enumerate(lines, start=1)]
        return cast(list[tuple[int, list[Cell]]], split)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[Cell]]] = []
    try:
        start = 1
        for record in reader:
            rows.append((start, list(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InventoryError([Problem(file, reader.line_num, "", f"CSV: {exc}")]) from exc
    return rows


def _xlsx_rows(raw: bytes, file: str, name: str | None = None) -> list[tuple[int, list[Cell]]]:

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InventoryError([Problem(file, None, "", f"not a readable XLSX workbook: {exc}")]) from exc
    try:
        if name is not None and name not in book.sheetnames:
            raise InventoryError([Problem(file, None, "", f"no sheet named {name!r} (the workbook has "
                                          f"{', '.join(map(repr, book.sheetnames)) or 'none'})")])
        sheet = book[name] if name is not None else book.worksheets[0]
        rows: list[tuple[int, list[Cell]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row or 1):
            rows.append((number, [_cell(v) for v in values]))
        return rows
    finally:
        book.close()


def _cell(value: object) -> Cell:
    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    return str(value)


def write_grid(path: Path, rows: Iterable[Sequence[Cell]], *, title: str | None = None) -> None:
    """Write rows as CSV (UTF-8 with a byte-order mark, as Excel saves it) or as an XLSX sheet, atomically."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if title:
            writer.writerow([title])
        writer.writerows(["" if c is None else c for c in row] for row in rows)
        atomic_write(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
        return
    if suffix != ".xlsx":
        raise ValueError(f"cannot write {suffix}")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    atomic_write(path, out.getvalue())


def write_workbook(path: Path, sheets: Sequence[tuple[str, Sequence[Sequence[Cell]]]]) -> None:
    """Write an XLSX workbook of several named sheets (the first row of each is its header), atomically."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in sheets:
        sheet = book.create_sheet(title=name[:31])
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    atomic_write(path, out.getvalue())
