"""The migration catalogue, its rules and its plans on disk, and bandwidth measurements from the history.

`systems.yaml` loads with the inventory's machinery (every problem at once, each with `file:line`). Plans are
written atomically to `migration_plans/<name>.yaml` as plain, sorted YAML.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ezgov_infra.errors import InputError, InventoryError, Problem
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.kinds import Classification
from ezgov_infra.models.plan import MigrationPlan, RuleSet
from ezgov_infra.models.systems import LegacySystem, check_catalogue, most_restrictive
from ezgov_infra.store import journal
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.history import open_history
from ezgov_infra.store.reading import bulk, unreadable
from ezgov_infra.store.yamlfiles import (
    _sorted_insert,
    _update_in_place,
    dump_plain,
    edit_records,
    format_path,
    load_document,
    load_records,
    parse_yaml,
)

SYSTEMS_FILE = "systems.yaml"
_SALVAGE_CHECKS = 50  # invalid records whose references are checked in the same pass
RULES_FILE = "migration_rules.yaml"
PLAN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def read_catalogue(folder: Path, inventory: Inventory) -> tuple[dict[str, LegacySystem], list[Problem]]:
    """Whatever is valid in `systems.yaml` and every problem found, located by file and line."""
    path = folder / SYSTEMS_FILE
    label = str(path)
    if not path.exists():
        raise InventoryError([Problem(label, None, "", "no catalogue of legacy systems",
                                      "write systems.yaml or use `ezgov migrate import`")])
    partial: dict[str, LegacySystem] = {}
    systems, problems, finder, bad = load_records(path, LegacySystem, label=label, salvaged=partial)
    issues = check_catalogue(systems, inventory)
    for rid, system in list(partial.items())[:_SALVAGE_CHECKS]:
        # a system with schema errors is checked without its bad fields, so its dependencies are reported too
        with contextlib.suppress(AttributeError, TypeError, ValueError, KeyError):
            issues += [i for i in check_catalogue({**systems, rid: system}, inventory) if i.id == rid]
    for issue in issues:
        if any(issue.message.endswith(f"{b!r}") for b in bad):
            continue  # the target is itself invalid and already reported
        line = finder.line([issue.id, *issue.path]) if finder else None
        problems.append(Problem(label, line, format_path([issue.id, *issue.path]), issue.message, issue.hint))
    problems.sort(key=lambda p: (p.file, p.line or 0, p.path))
    return systems, problems


def load_catalogue(folder: Path, inventory: Inventory) -> dict[str, LegacySystem]:
    with bulk():
        systems, problems = read_catalogue(folder, inventory)
    if problems:
        raise InventoryError(problems)
    return systems


def catalogue_digest(folder: Path, rules_text: str) -> str:
    """A short digest of what a plan was made from (catalogue, rules, policy), to spot a stale plan."""
    digest = hashlib.sha256()
    for name in (SYSTEMS_FILE, "policy.yaml"):
        path = folder / name
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(rules_text.encode("utf-8"))
    return digest.hexdigest()[:16]


def rules_source(folder: Path) -> tuple[str, str]:
    """`(label, text)` of the rules in force: the inventory's own file, else the packaged defaults."""
    own = folder / RULES_FILE
    if own.exists():
        try:
            return str(own), own.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InventoryError([unreadable(str(own), exc)]) from None
    packaged = resources.files("ezgov_infra") / "migrate" / "rules.yaml"
    return "ezgov_infra/migrate/rules.yaml", packaged.read_text(encoding="utf-8")


def load_rules(folder: Path) -> tuple[RuleSet, str]:
    label, text = rules_source(folder)
    if label.endswith(RULES_FILE):
        rules, problems, _ = load_document(Path(label), RuleSet, label=label)
    else:
        rules, problems = _rules_from_text(text, label)
    if problems or rules is None:
        raise InventoryError(problems)
    return rules, text


def _rules_from_text(text: str, label: str) -> tuple[RuleSet | None, list[Problem]]:
    data, problems = parse_yaml(text, label)
    if problems:
        return None, problems
    try:
        return RuleSet.model_validate(data), []
    except ValidationError as exc:
        return None, [Problem(label, None, format_path(e["loc"]), str(e["msg"])) for e in exc.errors()]


def upsert_systems(folder: Path, systems: dict[str, LegacySystem]) -> int:
    """Add or update systems in `systems.yaml`, keeping comments, sorted, atomically; returns how many changed.

    A system equal to its record on file is left alone; a changed one keeps the fields its record spells out
    even where they hold the default, so a re-import never churns a hand-written file.
    """
    path = folder / SYSTEMS_FILE
    on_file: dict[str, Any] = {}
    if path.exists():
        data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        on_file = data if isinstance(data, dict) else {}
    bodies: dict[str, dict[str, Any]] = {}
    for sid, system in sorted(systems.items()):
        old = on_file.get(sid)
        if isinstance(old, dict):
            try:
                if LegacySystem.model_validate({"id": sid, **old}) == system:
                    continue
            except ValidationError:
                pass
        body = system_body(system)
        if isinstance(old, dict):
            full = system.model_dump(mode="json", exclude_none=True)
            body.update({key: full[key] for key in old if key in full and key not in body})
        bodies[sid] = body
    if bodies:
        edit_records(path, upsert=bodies)
    return len(bodies)


def add_systems(folder: Path, systems: dict[str, LegacySystem], *, update: bool, source: str,
                check: Callable[[dict[str, LegacySystem]], None] | None = None) -> dict[str, LegacySystem]:
    """Add imported systems to `systems.yaml`, reading, checking and writing under one lock; returns the systems
    as written.

    A system whose id is on file already is refused unless `update` (an import never silently replaces a record);
    one equal to its record is left alone. On update, the recorded classification stays when it is the more
    restrictive one (a person's `migrate classify` is never undone by an import that knows less).
    """
    path = folder / SYSTEMS_FILE
    final: dict[str, LegacySystem] = dict(systems)

    def merge(document: Any) -> None:
        on_file: dict[str, LegacySystem] = {}
        clashes: list[str] = []
        for sid, system in systems.items():
            old = document.get(sid) if document is not None else None
            if not isinstance(old, dict):
                continue
            try:
                recorded = LegacySystem.model_validate({"id": sid, **old})
            except ValidationError:
                clashes.append(sid)
                continue
            level = most_restrictive([recorded.classification, system.classification])
            if level is not system.classification:
                final[sid] = system.model_copy(update={"classification": level})
            if final[sid] == recorded:
                continue
            on_file[sid] = recorded
            clashes.append(sid)
        if clashes and not update:
            raise InputError(f"{source}: {len(clashes)} system(s) already in {path}: {', '.join(sorted(clashes)[:8])}"
                             f"{'...' if len(clashes) > 8 else ''} (give --update to replace them)")
        everything: dict[str, LegacySystem] = {}
        for sid, body in (document or {}).items():
            if isinstance(body, dict) and sid not in final:
                with contextlib.suppress(ValidationError):
                    everything[str(sid)] = LegacySystem.model_validate({"id": sid, **body})
        if check is not None:
            check({**everything, **final})
        for sid, system in final.items():
            old = document.get(sid)
            if isinstance(old, dict) and sid not in on_file and sid not in clashes:
                continue  # equal to its record
            body = system_body(system)
            if isinstance(old, dict):
                full = system.model_dump(mode="json", exclude_none=True)
                body.update({key: full[key] for key in old if key in full and key not in body})
                _update_in_place(old, body)
            else:
                _sorted_insert(document, sid, body)

    edit_records(path, mutate=merge)
    return final


def set_classification(folder: Path, system_id: str, level: str, *, force: bool) -> tuple[str, str]:
    """Set one system's classification in `systems.yaml` under the lock; lowering `classified` needs `force`."""
    try:
        wanted = Classification(level)
    except ValueError:
        raise InputError(f"classification {level!r}: one of public, internal, sensitive, classified") from None
    if wanted is Classification.unclassified:
        raise InputError("classify gives a level: public, internal, sensitive or classified")
    path = folder / SYSTEMS_FILE
    before: list[str] = []

    def change(document: Any) -> None:
        record = document.get(system_id) if document is not None else None
        if not isinstance(record, dict):
            known = sorted(str(k) for k in (document or {}))
            near = [k for k in known if system_id.lower() in k.lower()][:5]
            raise InputError(f"{path}: no system {system_id!r}" + (f" (did you mean {', '.join(near)}?)" if near
                                                                     else ""))
        current = str(record.get("classification", "unclassified"))
        if current == Classification.classified.value and wanted is not Classification.classified and not force:
            raise InputError(f"{system_id} is classified; lowering a classification needs --force")
        before.append(current)
        record["classification"] = wanted.value

    edit_records(path, mutate=change)
    return before[0], wanted.value


def system_body(system: LegacySystem) -> dict[str, Any]:
    body: dict[str, Any] = system.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    body.pop("id", None)
    for name in ("classification", "site", "stack", "vcpu", "ram_gb", "storage_gb"):
        value = getattr(system, name)
        body.setdefault(name, value.model_dump(mode="json", exclude_none=True) if hasattr(value, "model_dump")
                        else (value.value if hasattr(value, "value") else value))
    return body


# ------------------------------------------------------------------------------------------------ plans


def plan_path(plans_dir: Path, name: str) -> Path:
    if not PLAN_NAME.match(name):
        raise InputError(f"plan name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return plans_dir / f"{name}.yaml"


def plan_text(plan: MigrationPlan) -> str:
    header = (f"# Migration plan {plan.name!r}: written by `ezgov migrate plan`. Wave status and history are\n"
              "# appended when waves are executed; everything else is regenerated from the catalogue.\n")
    with bulk():  # a city's plan is some hundred thousand YAML nodes and no reference cycle
        return header + dump_plain(plan.model_dump(mode="json", exclude_none=True))


def save_plan(plans_dir: Path, plan: MigrationPlan) -> Path:
    """Write the whole plan atomically (a reader sees the old file or the new one, never a mix)."""
    path = plan_path(plans_dir, plan.name)
    atomic_write(path, plan_text(plan))
    return path


def update_plan(plans_dir: Path, name: str, change: Callable[[MigrationPlan], None]) -> MigrationPlan:
    """Read the plan, let `change` amend it, and write it back, all under the plans folder's lock, so two
    operators recording at once (a sign-off and an execution) never lose each other's event."""
    plans_dir.mkdir(parents=True, exist_ok=True)
    with journal.locked(plans_dir):
        plan = load_plan(plans_dir, name)
        change(plan)
        plan = MigrationPlan.model_validate(plan.model_dump())
        journal.commit(plans_dir, {plan_path(plans_dir, plan.name).name: plan_text(plan)})
    return plan


def load_plan(plans_dir: Path, ref: str) -> MigrationPlan:
    """A plan by name (in `plans_dir`) or by path to its file."""
    candidate = Path(ref)
    path = candidate if candidate.suffix in (".yaml", ".yml") and candidate.exists() else plan_path(plans_dir, ref)
    if not path.exists():
        known = sorted(p.stem for p in plans_dir.glob("*.yaml")) if plans_dir.is_dir() else []
        hint = f"known plans: {', '.join(known)}" if known else "make one with `ezgov migrate plan --name NAME`"
        raise InputError(f"{path}: no such plan ({hint})")
    with bulk():  # a city's plan is some hundred thousand YAML nodes and models, and no reference cycle
        plan, problems, _ = load_document(path, MigrationPlan, label=str(path), keep=True)
    if problems or plan is None:
        raise InventoryError(problems)
    return plan


# ------------------------------------------------------------------------------------------------ history


def measured_headroom(history_db: Path) -> tuple[dict[str, float], int | None]:
    """Per-site p95 headroom (Mbps) from the latest finished bandwidth audit, and that run's id.

    A result's facts carry `headroom_mbps` for its subject (a site id), or a `site` naming the site it measured.
    Where several results speak for one site, the smallest headroom counts.
    """
    if not history_db.exists():
        return {}, None
    with open_history(history_db) as history:
        run = history.latest_run("bandwidth-audit")
        if run is None:
            return {}, None
        headroom: dict[str, float] = {}
        for result in history.results(int(run["id"])):
            facts = result.get("facts") or {}
            value = facts.get("headroom_mbps")
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            site = str(facts.get("site") or result["subject"])
            headroom[site] = min(float(value), headroom.get(site, float(value)))
        return headroom, int(run["id"])
