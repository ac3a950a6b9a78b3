"""A carrier's grid, read through its declared column mapping, into a `CarrierReport` or a list of problems.

Every problem is located `file:row:column` and all of them are collected before anything is returned, so a
carrier's file is fixed in one pass and nothing is imported from a file with errors:

- the header row (the first row holding two or more declared headers; title rows above it are skipped) must hold
  every declared column;
- counts are plain ASCII digits: `1,234` (thousands separators) and `１２３` (full-width digits) are refused,
  since a silent reading of either has corrupted figures before;
- a village is found by name within its township (`红星村` or the full `碧石渡镇红星村`), the township by name
  within its district when the file names districts; when no name matches, the close names are suggested;
- a village listed twice is a duplicate (same figures) or a conflict (different ones), naming the first row;
- households passed (gigabit, 100M) never exceed households, and 100M-capable never fall below gigabit-capable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NoReturn

from ezgov_infra.errors import Problem
from ezgov_infra.models.broadband import (
    CARRIER_NAMES,
    REPORT_FIELDS,
    REQUIRED_REPORT_FIELDS,
    REQUIRED_SPEED_FIELDS,
    SPEED_FIELDS,
    ColumnMapping,
    Coverage,
    SpeedSample,
    VillageAccess,
    inconsistencies,
)
from ezgov_infra.models.inventory import Region, RegionLevel
from ezgov_infra.models.kinds import Carrier
from ezgov_infra.store.carrier_files import Cell, Grid, column_letter

HEADER_SEARCH_ROWS = 20

# Words carriers write in yes/no and coverage cells; a mapping's `values` adds to these.
YES_NO: dict[str, bool] = {w: True for w in ("是", "有", "通", "已通", "已通光纤", "y", "yes", "true", "1", "√")} | {
    w: False for w in ("否", "无", "不通", "未通", "未通光纤", "n", "no", "false", "0", "×")}
COVERAGE_WORDS: dict[str, Coverage] = (
    {w: Coverage.covered for w in ("全覆盖", "已覆盖", "覆盖", "是", "有", "covered", "full", "yes")}
    | {w: Coverage.partial for w in ("部分覆盖", "部分", "partial", "part")}
    | {w: Coverage.none for w in ("未覆盖", "无覆盖", "无", "否", "none", "no")})
CARRIER_WORDS: dict[str, Carrier] = {
    **{c.value: c for c in Carrier},
    **{zh: c for c, (zh, _) in CARRIER_NAMES.items()},
    **{en.lower(): c for c, (_, en) in CARRIER_NAMES.items()},
    "电信": Carrier.telecom, "移动": Carrier.mobile, "联通": Carrier.unicom, "广电": Carrier.broadcast,
}

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_FULL_WIDTH = re.compile("[０-９．，]")
_SEPARATED = re.compile(r"[0-9][,，][0-9]")
_DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", re.ASCII)


def clean(text: str) -> str:
    """A name as compared: spaces (ASCII and full-width) removed, nothing else changed."""
    return "".join(text.split())


class RegionIndex:
    """Leaves (villages, communities) by name within their township; townships by name within their district."""

    def __init__(self, regions: Mapping[str, Region]) -> None:
        self.regions = regions
        self.townships: dict[str, list[Region]] = {}
        self.leaves: dict[str, dict[str, str]] = {}
        self.short: dict[str, list[str]] = {}
        self._district_name: dict[str, str] = {}
        for region in regions.values():
            if region.level is RegionLevel.township:
                self.townships.setdefault(clean(region.name), []).append(region)
                parent = regions.get(region.parent) if region.parent else None
                if parent is not None:
                    self._district_name[region.id] = clean(parent.name)
        for region in regions.values():
            if region.level is not RegionLevel.village or region.parent is None or region.parent not in regions:
                continue
            township = regions[region.parent]
            full = clean(region.name)
            short = full.removeprefix(clean(township.name)) or full
            names = self.leaves.setdefault(township.id, {})
            names[full] = region.id
            names[short] = region.id
            self.short.setdefault(township.id, []).append(short)

    def township(self, name: str, district: str | None) -> tuple[Region | None, str]:
        """The township called `name` (in the district called `district`, when given), or why there is none."""
        found = self.townships.get(name) or self.townships.get(clean(name), [])
        if len(found) == 1 and (not district or self._district_name.get(found[0].id) == district):
            return found[0], ""
        if district:
            found = [t for t in found if t.parent is not None and t.parent in self.regions
                     and clean(self.regions[t.parent].name) == clean(district)]
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, f"{len(found)} townships are called {name}; give the district"
        where = f" in {district}" if district else ""
        return None, f"no township {name}{where}" + close(name, list(self.townships))

    def village(self, township: Region, name: str) -> tuple[str | None, str]:
        names = self.leaves.get(township.id, {})
        village = names.get(name) or names.get(clean(name))
        if village is not None:
            return village, ""
        return None, f"no village or community {name} in {township.name}" + close(
            clean(name), self.short.get(township.id, []))


def close(name: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(clean(name), candidates, n=3, cutoff=0.5)
    return f" (close: {', '.join(matches)})" if matches else " (no close name)"


@dataclass(slots=True)
class Layout:
    """Where each field is in the grid: the header row and the column index of each mapped field."""

    header_row: int
    columns: dict[str, int]
    data: list[tuple[int, list[Cell]]]


def find_layout(grid: Grid, mapping: ColumnMapping, fields: tuple[str, ...], required: tuple[str, ...],
                what: str) -> tuple[Layout | None, list[Problem]]:
    declared = {clean(header): name for header, name in mapping.columns.items()}
    problems = [Problem(grid.file, None, f"{what} mapping", f"unknown field {name!r} for column {header}",
                        f"fields: {', '.join(fields)}")
                for header, name in mapping.columns.items() if name not in fields]
    problems += [Problem(grid.file, None, f"{what} mapping", f"no column declared for {name}",
                         "add it to the mapping's columns in policy.yaml")
                 for name in required if name not in declared.values()]
    if problems:
        return None, problems
    for position, (number, cells) in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        texts = [clean(str(c)) if c is not None else "" for c in cells]
        if sum(t in declared for t in texts) < 2:
            continue
        columns: dict[str, int] = {}
        for index, text in enumerate(texts):
            if text in declared:
                name = declared[text]
                if name in columns:
                    problems.append(Problem(grid.file, number, name, f"column {text} appears twice",
                                            column=column_letter(index)))
                columns.setdefault(name, index)
        for header, name in mapping.columns.items():
            if name not in columns:
                problems.append(Problem(grid.file, number, name, f"missing column {header}",
                                        "the header row lacks a column the mapping declares"))
        return Layout(number, columns, grid.rows[position + 1:]), problems
    headers = ", ".join(mapping.columns)
    return None, [Problem(grid.file, None, "", f"no header row with the declared columns ({headers}) in the "
                                               f"first {HEADER_SEARCH_ROWS} rows")]


class _Bad(ValueError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def count(value: Cell) -> int | None:
    """A whole number of households; empty is unknown."""
    if type(value) is str:  # the common case first: CSV cells are text
        if value.isascii() and value.isdigit():
            return int(value)
        if not value.strip():
            return None
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad(f"not a number: {value}")
    if isinstance(value, int):
        if value < 0:
            raise _Bad(f"negative: {value}")
        return value
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            raise _Bad(f"not a whole number: {value:g}")
        return int(value)
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return int(text)
    _refuse(text, "a whole number")


def _refuse(text: str, kind: str) -> NoReturn:
    if _FULL_WIDTH.search(text):
        raise _Bad(f"full-width digits in {text!r}", f"write {kind} in ASCII digits")
    if _SEPARATED.search(text):
        raise _Bad(f"thousands separator in {text!r}", f"write {kind} without separators, e.g. "
                                                       f"{re.sub('[,，]', '', text)}")
    raise _Bad(f"not {kind}: {text!r}")


def mbps(value: Cell) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Bad(f"not a number: {value}")
    if isinstance(value, int | float):
        if value < 0:
            raise _Bad(f"negative: {value}")
        return float(value)
    text = str(value).strip()
    if _DECIMAL.fullmatch(text):
        return float(text)
    _refuse(text, "a number of Mbps")


def _word(vocabulary: Mapping[str, Any], extra: Mapping[str, str], convert: Callable[[str], Any],
          what: str) -> Callable[[Cell], Any]:
    table: dict[str, Any] = dict(vocabulary)
    for word, meaning in extra.items():
        try:
            table[word] = convert(meaning)
        except (_Bad, ValueError):
            table.pop(word, None)  # a bad declared word: the slow path below says what is wrong with it

    def parse(value: Cell) -> Any:
        if type(value) is str and value in table:  # the common case: a known word as written
            return table[value]
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = clean(str(value)).lower()
        if text in extra:
            return convert(extra[text])
        if text in vocabulary:
            return vocabulary[text]
        shown = "、".join(list(dict.fromkeys(str(k) for k in {**vocabulary, **extra}))[:12])
        raise _Bad(f"not {what}: {value!r}", f"one of {shown}, or declare the word under the mapping's values")

    return parse


def _flag(word: str) -> bool:
    if word.lower() in ("true", "yes"):
        return True
    if word.lower() in ("false", "no"):
        return False
    raise _Bad(f"mapping value {word!r} is not true or false")


def day(value: Cell) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value
    match = _DAY.fullmatch(str(value).strip())
    if not match:
        raise _Bad(f"not a date: {value!r}", "write 2019-06-30")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise _Bad(f"not a date: {value!r} ({exc})") from None


def text(value: Cell) -> str | None:
    if value is None:
        return None
    shown = (value if type(value) is str else str(value)).strip()
    return shown or None


@dataclass(slots=True)
class ParsedRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    bad: bool = False


def _parse_rows(grid: Grid, layout: Layout, parsers: Mapping[str, Callable[[Cell], Any]],
                required: tuple[str, ...], problems: list[Problem]) -> list[ParsedRow]:
    columns = [(name, index, parsers[name]) for name, index in layout.columns.items()]
    width = max(index for _, index, _ in columns) + 1
    rows: list[ParsedRow] = []
    for number, cells in layout.data:
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        try:  # the common case: every cell reads
            values = {name: parse(cells[index]) for name, index, parse in columns}
        except _Bad:
            values = {}
        row = ParsedRow(number, values)
        found: list[tuple[int, Problem]] = []
        if not values:
            for name, index, parse in columns:
                try:
                    values[name] = parse(cells[index])
                except _Bad as exc:
                    found.append((index, Problem(grid.file, number, name, str(exc), exc.hint, column_letter(index))))
        for name in required:
            if name in values and values[name] is None:
                index = layout.columns[name]
                found.append((index, Problem(grid.file, number, name, "empty", column=column_letter(index))))
        if found:
            row.bad = True
            problems.extend(p for _, p in sorted(found, key=lambda item: item[0]))
        rows.append(row)
    return rows


def _locate(grid: Grid, index: RegionIndex, layout: Layout, row: ParsedRow, problems: list[Problem]) -> str | None:
    township, why = index.township(row.values["township"], row.values.get("district"))
    if township is None:
        problems.append(Problem(grid.file, row.number, "township", why,
                                column=column_letter(layout.columns["township"])))
        return None
    village, why = index.village(township, row.values["village"])
    if village is None:
        problems.append(Problem(grid.file, row.number, "village", why,
                                column=column_letter(layout.columns["village"])))
    return village


def read_report(grid: Grid, mapping: ColumnMapping, index: RegionIndex) -> tuple[dict[str, VillageAccess],
                                                                                   list[Problem]]:
    """Every village of one carrier's report, or every problem in it."""
    layout, problems = find_layout(grid, mapping, REPORT_FIELDS, REQUIRED_REPORT_FIELDS, "report")
    if layout is None or problems:
        return {}, problems
    extra = {clean(k).lower(): v for k, v in mapping.values.items()}
    parsers: dict[str, Callable[[Cell], Any]] = {
        "district": text, "township": text, "village": text, "households": count, "gigabit": count,
        "fast": count, "fibre": _word(YES_NO, extra, _flag, "yes or no"),
        "lte": _word(COVERAGE_WORDS, extra, Coverage, "a coverage word"),
        "nr": _word(COVERAGE_WORDS, extra, Coverage, "a coverage word")}
    villages: dict[str, VillageAccess] = {}
    first: dict[str, ParsedRow] = {}
    for row in _parse_rows(grid, layout, parsers, REQUIRED_REPORT_FIELDS, problems):
        if row.bad:
            continue
        village = _locate(grid, index, layout, row, problems)
        if village is None:
            continue
        values = row.values
        try:
            access = VillageAccess(village, values["households"], values.get("gigabit"), values.get("fast"),
                                   values.get("fibre"), values.get("lte"), values.get("nr"), row.number)
        except ValueError:
            for name, message in inconsistencies(values["households"], values.get("gigabit"), values.get("fast")):
                index_of = layout.columns.get(name)
                problems.append(Problem(grid.file, row.number, name, message,
                                        column=column_letter(index_of) if index_of is not None else None))
            continue
        if village in first:
            earlier = first[village]
            letter = column_letter(layout.columns["village"])
            figures = [k for k in values if k not in ("district", "township", "village")]
            differ = [k for k in figures if values[k] != earlier.values.get(k)]
            if differ:
                said = ", ".join(f"{k} {values[k]} here, {earlier.values.get(k)} there" for k in differ)
                problems.append(Problem(grid.file, row.number, "village", f"{row.values['village']} conflicts "
                                        f"with row {earlier.number}: {said}", column=letter))
            else:
                problems.append(Problem(grid.file, row.number, "village", f"{row.values['village']} duplicates "
                                        f"row {earlier.number}", column=letter))
            continue
        first[village] = row
        villages[village] = access
    return villages, problems


def read_speeds(grid: Grid, mapping: ColumnMapping, index: RegionIndex) -> tuple[list[SpeedSample], list[Problem]]:
    """Speed tests, one per row, or every problem in the file."""
    layout, problems = find_layout(grid, mapping, SPEED_FIELDS, REQUIRED_SPEED_FIELDS, "speeds")
    if layout is None or problems:
        return [], problems
    extra = {clean(k).lower(): v for k, v in mapping.values.items()}
    parsers: dict[str, Callable[[Cell], Any]] = {
        "day": day, "carrier": _word(CARRIER_WORDS, extra, Carrier, "a carrier"), "district": text,
        "township": text, "village": text, "down": mbps, "up": mbps}
    samples: list[SpeedSample] = []
    for row in _parse_rows(grid, layout, parsers, REQUIRED_SPEED_FIELDS, problems):
        if row.bad:
            continue
        village = _locate(grid, index, layout, row, problems)
        if village is not None:
            samples.append(SpeedSample(village=village, carrier=row.values["carrier"], day=row.values["day"],
                                       down_mbps=row.values["down"], up_mbps=row.values.get("up")))
    return samples, problems
