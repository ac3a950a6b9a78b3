"""Azure Migrate's server import CSV ("Import using CSV"), read and written.

The template marks mandatory columns with an asterisk, before the name in the current template
(`*Server name`, `*Cores`, `*Memory (In MB)`, `*OS name`) and after it in older copies (`Server name*`); both
read the same, and header names match without regard to case (some tools write `*Server Name`). Files come as
Excel saves them: a UTF-8 byte-order mark, CRLF line ends, Chinese server names.

Kept: server name, IP addresses, cores, memory (MB -> GB), OS name and version, CPU and memory utilisation,
disk sizes (summed to storage). The rest of the template (architecture, boot type, throughput, IOPS, MAC...)
is accepted and reported as ignored. The file has no department, site or classification: those come from
`--default FIELD=VALUE` or a `classify` rule; without one a server is `unclassified` and waits for a person.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ezgov_infra.errors import Problem
from ezgov_infra.migrate.importers import Collector, Imported, clean, read_table, slug, split_list
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


def read_azure_table(text: str, file: str, defaults: Mapping[str, str],
                     rules: Sequence[ClassifyRule] = ()) -> Imported:
    table = read_table(text, file, _canonical, _ignored)
    out = Collector(table, rules)
    missing = [c for c in MANDATORY if c not in table.columns]
    if table.columns and missing:
        out.problems.append(Problem(file, 1, "header", f"missing mandatory column(s): {', '.join(missing)}",
                                    "the Azure Migrate template's mandatory columns are marked with *"))
    for line, row in table.rows:
        name = row.get("Server name", "")
        if not name:
            out.problem(line, "Server name", "missing server name")
            continue
        fields: dict[str, Any] = {**defaults, "id": slug(name), "name": name, "name_en": name}
        columns = {"id": "Server name", "name": "Server name", "name_en": "Server name", "vcpu": "Cores",
                   "ram_gb": "Memory (In MB)", "os": "OS name", "os_version": "OS version",
                   "storage_gb": "Disk 1 size (In GB)", "addresses": "IP addresses",
                   "cpu_util_pct": "CPU utilization percentage", "memory_util_pct": "Memory utilization percentage"}
        fields.update(clean({"vcpu": row.get("Cores", ""), "os": row.get("OS name", ""),
                             "os_version": row.get("OS version", ""),
                             "cpu_util_pct": row.get("CPU utilization percentage", ""),
                             "memory_util_pct": row.get("Memory utilization percentage", "")}))
        if row.get("IP addresses"):
            fields["addresses"] = split_list(row["IP addresses"])
        memory = _number(out, line, row, "Memory (In MB)")
        if memory is not None:
            fields["ram_gb"] = round(memory / 1024, 2)
        disks = [_number(out, line, row, c) for c in table.columns if re.fullmatch(r"Disk \d+ size \(In GB\)", c)]
        sizes = [d for d in disks if d is not None]
        if sizes:
            fields["storage_gb"] = round(sum(sizes), 2)
        out.classify(fields, [defaults.get("classification")])
        out.build(line, fields, columns)
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
