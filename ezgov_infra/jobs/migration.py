"""Migration use cases: import a catalogue, assess it, plan waves, show and compare plans.

Nothing here prints; each function returns a result the CLI renders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ezgov_infra.config import DEFAULT_PLANS_DIR
from ezgov_infra.errors import InputError, InventoryError, PlanError, Problem
from ezgov_infra.migrate.assess import assess as run_rules
from ezgov_infra.migrate.azure import to_azure_csv
from ezgov_infra.migrate.catalogue import find_cycles
from ezgov_infra.migrate.diff import diff_plans
from ezgov_infra.migrate.formats import import_catalogue_file
from ezgov_infra.migrate.importers import to_ezgov_csv
from ezgov_infra.migrate.konveyor import to_konveyor_csv
from ezgov_infra.migrate.networks import Overlap, overlaps
from ezgov_infra.migrate.planner import PlanInput
from ezgov_infra.migrate.planner import make_plan as lay_out
from ezgov_infra.migrate.runbook import build_runbook
from ezgov_infra.migrate.schedule import Uplink, site_uplinks
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import MigrationPlan, MigrationPolicy, RuleSet, SystemAssessment, Wave, WaveStatus
from ezgov_infra.models.systems import LegacySystem, check_catalogue
from ezgov_infra.report import runbook as words
from ezgov_infra.report.text import LANGUAGES, Text
from ezgov_infra.store.carrier_files import write_grid
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.reading import bulk
from ezgov_infra.store.systems import (
    add_systems,
    catalogue_digest,
    load_catalogue,
    load_plan,
    load_rules,
    measured_headroom,
    plan_path,
    save_plan,
    set_classification,
)
from ezgov_infra.store.yamlfiles import format_path


@dataclass(slots=True)
class Assessment:
    inventory: str
    as_of: date
    systems: list[SystemAssessment]
    cycles: list[list[str]]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        return [{"system": a.system, "department": a.department, "classification": a.classification,
                 "readiness": a.readiness.value, "strategy": a.strategy.value, "rule": a.strategy_rule,
                 "confidence": a.confidence.value,
                 "reasons": "; ".join(f"[{r.rule}] {r.message}" for r in a.reasons)} for a in self.systems]


def _as_of(inventory: Inventory, as_of: date | None) -> date:
    return as_of or inventory.policy.migration.start or date.today()


def assess(*, folder: Path, as_of: date | None = None) -> Assessment:


    inventory = load_inventory(folder)
    systems = load_catalogue(folder, inventory)
    rules, _ = load_rules(folder)
    day = _as_of(inventory, as_of)
    with bulk():
        verdicts = run_rules(systems, inventory, rules, day)
    counts = {
        "readiness": dict(sorted(Counter(a.readiness.value for a in verdicts).items())),
        "strategy": dict(sorted(Counter(a.strategy.value for a in verdicts).items())),
        "confidence": dict(sorted(Counter(a.confidence.value for a in verdicts).items())),
    }
    return Assessment(inventory=folder_label(folder), as_of=day, systems=verdicts, cycles=find_cycles(systems),
                      counts=counts)


def _deadline(inventory: Inventory, deadline: date | None) -> tuple[date, str]:
    policy = inventory.policy.migration
    if deadline is not None:
        return deadline, "--deadline"
    if policy.deadline is not None:
        return policy.deadline, "policy.yaml migration.deadline"
    for milestone in inventory.policy.milestones:
        if milestone.id == policy.deadline_milestone:
            return milestone.due, f"milestone {milestone.id}: {milestone.name_en}"
    raise PlanError(f"no deadline: milestone {policy.deadline_milestone!r} is not in policy.yaml milestones "
                    "(give --deadline or set migration.deadline)")


def plan_catalogue(spec: PlanInput, systems: Mapping[str, LegacySystem], inventory: Inventory, rules: RuleSet,
                   policy: MigrationPolicy, uplinks: Mapping[str, Uplink]) -> MigrationPlan:
    """Assess the catalogue on the plan's first day and lay out its waves and slots. A city's catalogue makes
    some hundred thousand small objects and no reference cycle: made without the cycle collector (`bulk`)."""
    with bulk():
        verdicts = run_rules(systems, inventory, rules, spec.start)
        return lay_out(spec, systems, verdicts, inventory, policy, uplinks)


def make_plan(*, folder: Path, name: str, start: date | None = None, deadline: date | None = None,
              plans_dir: Path = DEFAULT_PLANS_DIR, history_db: Path | None = None,
              write: bool = True) -> tuple[MigrationPlan, Path | None]:
    """Assess the catalogue and lay out the waves; writes `plans_dir/<name>.yaml` unless `write` is false."""

    plan_path(plans_dir, name)  # refuse a bad name before any work
    inventory = load_inventory(folder)
    systems = load_catalogue(folder, inventory)
    rules, rules_text = load_rules(folder)
    policy = inventory.policy.migration
    first = start or policy.start or date.today()
    until, source = _deadline(inventory, deadline)
    if until < first:
        raise InputError(f"deadline {until} is before the start {first}")
    headroom, run_id = measured_headroom(history_db) if history_db is not None else ({}, None)
    uplinks = site_uplinks(inventory, policy, headroom, run_id)
    spec = PlanInput(name=name, inventory_label=folder_label(folder), digest=catalogue_digest(folder, rules_text),
                     start=first, deadline=until, deadline_source=source)
    plan = plan_catalogue(spec, systems, inventory, rules, policy, uplinks)
    return plan, (save_plan(plans_dir, plan) if write else None)


def show(*, name: str, plans_dir: Path = DEFAULT_PLANS_DIR) -> MigrationPlan:
    return load_plan(plans_dir, name)


def _signed(wave: Wave) -> str:
    event = next((e for e in reversed(wave.history) if e.status is WaveStatus.signed_off), None)
    return f"{event.by} {event.at.strftime('%Y-%m-%d %H:%M')}" if event is not None else ""


def wave_rows(plan: MigrationPlan) -> list[dict[str, Any]]:
    return [{"wave": w.id, "window": w.window_start.strftime("%Y-%m-%d %a %H:%M"), "status": w.status.value,
             "signed_off": _signed(w), "approver": w.approver or "",
             "groups": len(w.groups), "systems": ", ".join(w.systems), "vcpu": w.totals.vcpu,
             "ram_gb": w.totals.ram_gb, "storage_gb": w.totals.storage_gb, "data_gb": w.totals.data_gb,
             "presync": ", ".join(t.system for t in w.transfers if t.presync),
             "late": w.after_deadline} for w in plan.waves]


@dataclass(slots=True)
class NetworksCheck:
    inventory: str
    networks: list[str]
    overlaps: list[Overlap]
    unchecked: list[str] = field(default_factory=list)  # networks with no prefixes recorded

    def rows(self) -> list[dict[str, Any]]:
        return [{"network": o.network, "prefix": o.prefix, "overlaps": o.other, "whose": o.owner,
                 "renumber": o.renumber, "proposal": o.proposal or ""} for o in self.overlaps]


def check_networks(*, folder: Path) -> NetworksCheck:
    """Private networks' prefixes against the extranet's address plan and each other (task 4)."""
    inventory = load_inventory(folder)
    networks = {n.id: n.prefixes for n in inventory.networks.values()}
    return NetworksCheck(inventory=folder_label(folder), networks=sorted(networks),
                         overlaps=overlaps(networks, inventory),
                         unchecked=sorted(nid for nid, prefixes in networks.items() if not prefixes))


@dataclass(slots=True)
class RunbookResult:
    plan: str
    lang: str
    format: str
    text: str | None  # the Markdown, when it is not written to a file
    written: Path | None


def runbook_markdown(plan: MigrationPlan, text: Text) -> str:
    """The plan's runbook as Markdown. Hundreds of waves are some hundred thousand steps and no reference cycle:
    made without the cycle collector (`bulk`)."""
    with bulk():
        return words.markdown(plan.name, build_runbook(plan), text)


def runbook(*, name: str, lang: str = "zh", fmt: str = "md", out: Path | None = None,
            plans_dir: Path = DEFAULT_PLANS_DIR) -> RunbookResult:
    """The plan's runbook by strategy, in `lang`: Markdown (returned, or written to `out`) or an XLSX workbook
    (written to `out`, by default `plans_dir/<plan>.runbook.<lang>.xlsx`)."""
    if lang not in LANGUAGES:
        raise InputError(f"runbook language {lang!r}: one of {', '.join(LANGUAGES)}")
    if fmt not in ("md", "xlsx"):
        raise InputError(f"runbook format {fmt!r}: md or xlsx")
    plan = load_plan(plans_dir, name)
    text = Text(lang)
    if fmt == "md":
        document = runbook_markdown(plan, text)
        if out is None:
            return RunbookResult(plan.name, lang, fmt, document, None)
        atomic_write(out, document)
        return RunbookResult(plan.name, lang, fmt, None, out)
    target = out or plans_dir / f"{plan.name}.runbook.{lang}.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"{target}: an XLSX workbook's name ends in .xlsx")
    with bulk():
        grid = words.rows(build_runbook(plan), text)
    write_grid(target, grid, title=text("runbook.title", plan=plan.name))
    return RunbookResult(plan.name, lang, fmt, None, target)


def diff(*, a: str, b: str, plans_dir: Path = DEFAULT_PLANS_DIR) -> dict[str, Any]:

    changes: dict[str, Any] = diff_plans(load_plan(plans_dir, a), load_plan(plans_dir, b))
    return changes


@dataclass(slots=True)
class ImportResult:
    file: str
    format: str
    systems: list[LegacySystem]
    written: str | None
    ignored: list[str] = field(default_factory=list)
    unclassified: list[str] = field(default_factory=list)


def import_file(*, folder: Path, file: Path, fmt: str, defaults: dict[str, str] | None = None,
                dry_run: bool = False, update: bool = False) -> ImportResult:
    """Read a catalogue file; unless `dry_run`, add its systems to `systems.yaml`.

    A system already on file is replaced only with `update` (and keeps the most restrictive of its recorded and
    imported classifications); without it, the import is refused and nothing is written.
    """
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    rules, _ = load_rules(folder)
    imported = import_catalogue_file(file, fmt, defaults or {}, rules.classify)
    systems = imported.systems

    def result(written: str | None, final: dict[str, LegacySystem]) -> ImportResult:
        return ImportResult(file=str(file), format=fmt, systems=[final[s] for s in systems], written=written,
                            ignored=imported.ignored,
                            unclassified=[s for s in systems if final[s].classification.value == "unclassified"])

    if dry_run:
        return result(None, systems)
    inventory = load_inventory(folder)

    def check(merged: dict[str, LegacySystem]) -> None:
        issues = check_catalogue(merged, inventory)
        if issues:

            raise InventoryError([Problem(str(file), None, format_path([i.id, *i.path]), i.message, i.hint)
                                  for i in issues])

    final = add_systems(folder, systems, update=update, check=check, source=str(file))
    return result(str(folder / "systems.yaml"), final)


def classify(*, folder: Path, system: str, level: str, force: bool = False) -> tuple[str, str]:
    """Record a person's classification of one system; returns (before, after)."""

    return set_classification(folder, system, level, force=force)


def export_catalogue(*, folder: Path, fmt: str = "csv") -> str:
    """The catalogue as ezgov CSV, an Azure Migrate import file or a Konveyor application import file."""

    writers = {"csv": to_ezgov_csv, "azure": to_azure_csv, "konveyor": to_konveyor_csv}
    if fmt not in writers:
        raise InputError(f"unknown export format {fmt!r} (one of {', '.join(writers)})")
    inventory = load_inventory(folder)
    return writers[fmt](load_catalogue(folder, inventory))


def export_csv(*, folder: Path) -> str:
    return export_catalogue(folder=folder, fmt="csv")


def folder_label(folder: Path) -> str:
    """The inventory folder as plan files record it: relative to the working folder when inside it, so a plan reads
    the same on every checkout."""
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)
