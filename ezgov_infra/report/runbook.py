"""The migration runbook in words: Markdown for reading, and rows for the workbook ops teams forward.

Every word comes from the catalogues (`runbook.*`); data (system ids, owners) is shown verbatim. A Markdown cell
escapes the characters that would break its table, nothing else.
"""

from __future__ import annotations

from datetime import datetime

from ezgov_infra.migrate.runbook import RunbookSection, RunbookStep
from ezgov_infra.report.text import Text

COLUMNS = ("number", "system", "strategy", "step", "owner", "starts", "hours", "verify", "rollback")


def _when(moment: datetime | None, text: Text) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else text("runbook.unscheduled")


def heading(section: RunbookSection, text: Text) -> str:
    network = section.network
    if network is not None:
        return text("runbook.network", network=network.id, name=text.name(network),
                    approach=text(f"runbook.strategy.{network.approach or 'unknown'}"), target=network.target,
                    cutover=_when(network.cutover_at, text), owner=network.owner or text("runbook.nobody"))
    sector = section.sector
    if sector is not None:
        return text("runbook.sector_cloud", site=sector.site, name=text.name(sector),
                    circuit=sector.interconnect or text("runbook.no_circuit"),
                    prefix=sector.prefix or text("runbook.nobody"))
    if section.kind != "wave":
        return text(f"runbook.{section.kind}")
    return text("runbook.wave", wave=section.id, opens=_when(section.opens, text),
                closes=_when(section.closes, text), approver=section.approver or text("runbook.nobody"),
                on_call=", ".join(section.on_call) or text("runbook.nobody"))


def cells(step: RunbookStep, text: Text) -> list[str | float | int]:
    action = f"runbook.action.{step.action}"
    return [step.number, step.system, text(f"runbook.strategy.{step.strategy}"), text(f"{action}.title"),
            step.owner or text("runbook.nobody"), _when(step.starts, text), step.hours, text(f"{action}.verify"),
            text(f"{action}.rollback")]


def _md_cell(value: object) -> str:
    cell = str(value)
    if "|" in cell or "\\" in cell or "\n" in cell:
        return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return cell


def markdown(plan: str, sections: list[RunbookSection], text: Text) -> str:
    lines = [f"# {text('runbook.title', plan=plan)}", ""]
    header = [text(f"runbook.col.{c}") for c in COLUMNS]
    for section in sections:
        lines += [f"## {heading(section, text)}", ""]
        if section.network is not None:
            notes = [*([text("runbook.reason", reason=section.network.reason)] if section.network.reason else []),
                     *section.network.overlaps]
            lines += [*(f"- {_md_cell(note)}" for note in notes), *([""] if notes else [])]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_md_cell(c) for c in cells(step, text)) + " |" for step in section.steps]
        lines.append("")
    return "\n".join(lines)


def rows(sections: list[RunbookSection], text: Text) -> list[list[str | float | int]]:
    """One header row, then a row per step with its section's heading first (the workbook's one sheet)."""
    table: list[list[str | float | int]] = [[text("runbook.col.section"), *(text(f"runbook.col.{c}")
                                                                             for c in COLUMNS)]]
    for section in sections:
        title = heading(section, text)
        table += [[title, *cells(step, text)] for step in section.steps]
    return table
