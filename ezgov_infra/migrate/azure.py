"""Azure Migrate's files: the server import CSV ("Import using CSV"), read and written, and the exported Azure VM
assessment (its "All_Assessed_Machines" sheet, as .xlsx or saved as CSV), read.

The template marks mandatory columns with an asterisk, before the name in the current template
(`*Server name`, `*Cores`, `*Memory (In MB)`, `*OS name`) and after it in older copies (`Server name*`); both
read the same, and header names match without regard to case (some tools write `*Server Name`). Files come as
Excel saves them: a UTF-8 byte-order mark, CRLF line ends, Chinese server names.

Kept: server name, IP addresses, cores, memory (MB -> GB), OS name and version, CPU and memory utilisation,
disk sizes (summed to storage). The rest of the template (architecture, boot type, throughput, IOPS, MAC...)
is accepted and reported as ignored.

An exported assessment is told from an import file by its `Machine` column. Kept: machine name, IP address(es),
cores, memory (MB -> GB), operating system, CPU and memory usage, storage (GB). Azure's verdicts (readiness,
recommended size, monthly costs) and the disk and network figures are accepted and reported as ignored.

Neither file has a department, site or classification: those come from `--default FIELD=VALUE` or a `classify`
rule; without one a server is `unclassified` and waits for a person (the planner keeps it out of every wave).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ezgov_infra.errors import Problem
from ezgov_infra.migrate.importers import (
    Collector,
    Imported,
    Table,
    clean,
    fill_table,
    header_name,
    read_table,
    slug,
    split_list,
)
from ezgov_infra.models.plan import ClassifyRule
from ezgov_infra.models.systems import LegacySystem

# The template's columns in its order (the first five mandatory), as Microsoft Learn's "import servers using
# CSV" lists them and the downloadable template spells them.
TEMPLATE = ("Server name", "IP addresses", "Cores", "Memory (In MB)", "OS name", "OS version", "OS architecture",
            "Server type", "Hypervisor", "CPU utilization percentage", "Memory utilization percentage",
            "Network adapters", "Network In throughput", "Network Out throughput", "Boot type", "Number of disks",
            "Storage in use (In GB)", "Disk 1 size (In GB)", "Disk 1 read throughput (MB per second)",
            "Disk 1 write throughput (MB per second)", "Disk 1 read ops (operations per second)",
            "Disk 1 write ops (operations per second)")
MANDATORY = ("Server name", "Cores", "Memory (In MB)", "OS name")
OTHER_COLUMNS = ("Firmware type", "MAC address", "Total disks read ops", "Total disks write ops",
                 "Total disks read throughput", "Total disks write throughput", "Storage allocated (In MB)",
                 "Virtual machine manager ID", "Virtual machine ID")
KEPT = ("Server name", "IP addresses", "Cores", "Memory (In MB)", "OS name", "OS version",
        "CPU utilization percentage", "Memory utilization percentage")
DISK = re.compile(r"disk (\d+) (size \(in gb\)|read throughput \(mb per second\)|write throughput \(mb per second\)|"
                  r"read ops \(operations per second\)|write ops \(operations per second\))")
_KNOWN = {name.lower(): name for name in (*TEMPLATE, *OTHER_COLUMNS)}

# The "All_Assessed_Machines" sheet of an exported Azure VM assessment, in its order.
ASSESSMENT = ("Machine", "VM host", "Azure VM readiness", "Azure readiness issues", "Data collection issues",
              "Recommended size", "Compute monthly cost estimate USD", "Storage monthly cost estimate USD",
              "Operating system", "Boot type", "Cores", "Memory(MB)", "CPU usage(%)", "Memory usage(%)",
              "Storage(GB)", "Standard HDD disks", "Standard SSD disks", "Premium disks", "Ultra disks",
              "Disk read(ops/sec)", "Disk write(ops/sec)", "Disk read(MBPS)", "Disk write(MBPS)", "Network adapters",
              "IP address", "MAC address", "Network in(MBPS)", "Network out(MBPS)", "Group name")
# Columns later exports add (Azure Hybrid Benefit, Defender for Cloud, Premium SSD v2, confidence rating).
ASSESSMENT_LATER = ("Estimated monthly savings from Azure Hybrid Benefit for Windows OS USD",
                    "Estimated monthly savings from Azure Hybrid Benefit for Linux OS USD", "Security readiness",
                    "Security monthly cost estimate USD", "Processor", "Premium SSD V2 disks",
                    "Confidence Rating (% of utilization data collected)")
ASSESSMENT_KEPT = ("Machine", "IP address", "Cores", "Memory(MB)", "Operating system", "CPU usage(%)",
                   "Memory usage(%)", "Storage(GB)")
ASSESSMENT_SHEET = "All_Assessed_Machines"


def _assessment_key(name: str) -> str:
    """Header names compared without case, runs of spaces, or a space before `(` (`Memory (MB)` = `Memory(MB)`)."""
    return re.sub(r"\s+\(", "(", re.sub(r"\s+", " ", name.strip().lower()))


_ASSESSMENT_KNOWN = {_assessment_key(name): name for name in (*ASSESSMENT, *ASSESSMENT_LATER)}


def is_assessment(header: Sequence[str]) -> bool:
    """A header row of an exported assessment (it names its servers in `Machine`), not of an import file."""
    return any(_assessment_key(header_name(cell)) == "machine" for cell in header)


def _canonical(name: str) -> str | None:
    lowered = re.sub(r"\s+", " ", name.lower())
    if lowered in _KNOWN:
        return _KNOWN[lowered]
    match = DISK.fullmatch(lowered)
    if match and 1 <= int(match.group(1)) <= 20:
        return f"Disk {match.group(1)} {match.group(2).replace('in gb', 'In GB').replace('mb per', 'MB per')}"
    return None


def _ignored(name: str) -> bool:
    return name not in KEPT and not re.fullmatch(r"Disk \d+ size \(In GB\)", name)


def _number(out: Collector, line: int, row: Mapping[str, str], column: str) -> float | None:
    cell = row.get(column, "")
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        out.problem(line, column, f"not a number (got {cell!r})")
        return None
    if value != value or value in (float("inf"), float("-inf")):
        out.problem(line, column, f"not a finite number (got {cell!r})")
        return None
    return value


def _megabytes_to_gb(cell: str) -> float | str:
    """Memory in GB from a cell in MB; a cell that is no finite number is passed on as it is, for the model to
    report once under the cell's column."""
    try:
        value = float(cell)
    except ValueError:
        return cell
    return round(value / 1024, 2) if math.isfinite(value) else cell


def read_azure_table(text: str, file: str, defaults: Mapping[str, str],
                     rules: Sequence[ClassifyRule] = ()) -> Imported:
    """An Azure Migrate CSV file: an import file, or an exported assessment's machine sheet saved as CSV."""
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        header = []
    if is_assessment(header):
        return read_assessment_table(text, file, defaults, rules)
    table = read_table(text, file, _canonical, _ignored)
    out = Collector(table, rules)
    missing = [c for c in MANDATORY if c not in table.columns]
    if table.columns and missing:
        out.problems.append(Problem(file, 1, "header", f"missing mandatory column(s): {', '.join(missing)}",
                                    "the Azure Migrate template's mandatory columns are marked with *; an "
                                    "exported assessment names its servers in a `Machine` column"))
    _servers(table, out, defaults, "Server name", TEMPLATE_FIELDS, "server name", disks=True)
    return Imported(out.result(), table.ignored)


def read_assessment_table(text: str, file: str, defaults: Mapping[str, str],
                          rules: Sequence[ClassifyRule] = ()) -> Imported:
    """An exported assessment's "All_Assessed_Machines" sheet saved as CSV."""
    return _assessment(read_table(text, file, _assessment_column, _assessment_ignored), defaults, rules)


def read_assessment_rows(rows: Iterable[tuple[int, list[str]]], file: str, defaults: Mapping[str, str],
                         rules: Sequence[ClassifyRule] = ()) -> Imported:
    """The same sheet as a workbook's rows of text cells, each with its row number; the first row is the header."""
    return _assessment(fill_table(Table(file, []), rows, _assessment_column, _assessment_ignored), defaults, rules)


def _assessment_column(name: str) -> str | None:
    return _ASSESSMENT_KNOWN.get(_assessment_key(name))


def _assessment_ignored(name: str) -> bool:
    return name not in ASSESSMENT_KEPT


def _assessment(table: Table, defaults: Mapping[str, str], rules: Sequence[ClassifyRule]) -> Imported:
    out = Collector(table, rules)
    if table.columns and "Machine" not in table.columns:
        out.problems.append(Problem(table.file, table.header_line, "header", "missing the Machine column",
                                    f"export the assessment and read its {ASSESSMENT_SHEET} sheet"))
    _servers(table, out, defaults, "Machine", ASSESSMENT_FIELDS, "machine name", disks=False)
    return Imported(out.result(), table.ignored)


def to_azure_csv(systems: Mapping[str, LegacySystem]) -> str:
    """The catalogue as an Azure Migrate import file: the template's header (with its asterisks), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"*{c}" if c in MANDATORY else c for c in TEMPLATE])
    for sid in sorted(systems):
        system = systems[sid]
        values = {"Server name": system.name, "IP addresses": ",".join(system.addresses),
                  "Cores": str(system.vcpu), "Memory (In MB)": _whole(system.ram_gb * 1024),
                  "OS name": system.stack.os, "OS version": system.stack.os_version,
                  "CPU utilization percentage": _whole(system.cpu_util_pct),
                  "Memory utilization percentage": _whole(system.memory_util_pct),
                  "Number of disks": "1", "Disk 1 size (In GB)": _whole(system.storage_gb)}
        writer.writerow([values.get(c, "") for c in TEMPLATE])
    return buffer.getvalue()


def _whole(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 4))


# Which column of each layout gives each field of a system (storage: the template's disks are summed instead)
TEMPLATE_FIELDS = {"vcpu": "Cores", "ram_gb": "Memory (In MB)", "os": "OS name", "os_version": "OS version",
                   "storage_gb": "Disk 1 size (In GB)", "addresses": "IP addresses",
                   "cpu_util_pct": "CPU utilization percentage", "memory_util_pct": "Memory utilization percentage"}
ASSESSMENT_FIELDS = {"vcpu": "Cores", "ram_gb": "Memory(MB)", "os": "Operating system", "storage_gb": "Storage(GB)",
                     "addresses": "IP address", "cpu_util_pct": "CPU usage(%)", "memory_util_pct": "Memory usage(%)"}


def _servers(table: Table, out: Collector, defaults: Mapping[str, str], name_column: str,
             columns: Mapping[str, str], what: str, *, disks: bool) -> None:
    """Each row of either layout as a system: named by `name_column`, its fields from `columns`; with `disks`,
    storage is the sum of the `Disk N size` cells."""
    located = {"id": name_column, "name": name_column, "name_en": name_column, **columns}
    plain = [f for f in ("vcpu", "os", "os_version", "storage_gb", "cpu_util_pct", "memory_util_pct")
             if f in columns and not (disks and f == "storage_gb")]
    disk_columns = [c for c in table.columns if re.fullmatch(r"Disk \d+ size \(In GB\)", c)] if disks else []
    for line, row in table.rows:
        name = row.get(name_column, "")
        if not name:
            out.problem(line, name_column, f"missing {what}")
            continue
        fields: dict[str, Any] = {**defaults, "id": slug(name), "name": name, "name_en": name}
        fields.update(clean({f: row.get(columns[f], "") for f in plain}))
        if row.get(columns["addresses"]):
            fields["addresses"] = split_list(row[columns["addresses"]])
        if row.get(columns["ram_gb"]):
            fields["ram_gb"] = _megabytes_to_gb(row[columns["ram_gb"]])
        sizes = [size for c in disk_columns if (size := _number(out, line, row, c)) is not None]
        if sizes:
            fields["storage_gb"] = round(sum(sizes), 2)
        out.classify(fields, [defaults.get("classification")])
        out.build(line, fields, located)
