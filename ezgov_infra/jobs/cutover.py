"""Execute or roll back one wave of a migration plan with `migration_cutover.yml`, and record the outcome.

The outcome lands in the plan file: the wave's `status` and one more `history` event (written atomically under
the plans folder's lock, like every plan write). A wave whose verification failed and was rolled back is
`rolled_back`; a run that could not finish (a host unreachable, a rollback that failed) is `failed`.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ezgov_infra.automation.cutover import load_runbook, runbook_path, wave_inventory
from ezgov_infra.automation.runner import RunSummary, run_playbook
from ezgov_infra.config import DEFAULT_PLANS_DIR
from ezgov_infra.errors import InputError
from ezgov_infra.jobs.playbooks import find
from ezgov_infra.migrate.guard import refuse
from ezgov_infra.models.plan import MigrationPlan, Wave, WaveEvent, WaveStatus
from ezgov_infra.models.runs import Progress
from ezgov_infra.models.systems import most_restrictive
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue, load_plan, update_plan

PLAYBOOK = "migration_cutover"


@dataclass(slots=True)
class CutoverResult:
    plan: str
    wave: str
    action: str
    status: str
    check: bool
    systems: dict[str, str]
    playbook: RunSummary

    @property
    def ok(self) -> bool:
        return self.status in (WaveStatus.executed.value, "checked") or (
            self.action == "rollback" and self.status == WaveStatus.rolled_back.value)

    def rows(self) -> list[dict[str, Any]]:
        return [{"system": s, "outcome": o} for s, o in sorted(self.systems.items())]


def find_wave(plan: MigrationPlan, wave_id: str) -> Wave:
    for index, wave in enumerate(plan.waves, start=1):
        if wave.id == wave_id or wave_id == str(index):
            return wave
    known = ", ".join(w.id for w in plan.waves)
    raise InputError(f"plan {plan.name!r} has no wave {wave_id!r} (waves: {known}; or give its number)")


def record_outcome(plans_dir: Path, name: str, wave_id: str, status: WaveStatus, note: str,
                   by: str | None = None) -> MigrationPlan:
    """Set the wave's status and append one history event, rewriting the plan file atomically under its lock."""

    def change(plan: MigrationPlan) -> None:
        wave = find_wave(plan, wave_id)
        wave.status = status
        wave.history.append(WaveEvent(at=datetime.now(UTC).replace(microsecond=0), status=status,
                                      by=by or _operator(), note=note))

    return update_plan(plans_dir, name, change)


@dataclass(slots=True)
class SignOff:
    plan: str
    wave: str
    by: str
    at: datetime
    approver: str | None
    note: str


def sign_off(*, name: str, wave: str, by: str, plans_dir: Path = DEFAULT_PLANS_DIR, note: str = "") -> SignOff:
    """Record the go of `by` for one wave in the plan's history; the wave may then be executed.

    A wave already executed is refused (there is nothing left to approve). Someone other than the planned
    approver may sign (a deputy); the event says so.
    """
    who = by.strip()
    if not who or any(ord(c) < 32 for c in who):
        raise InputError("--by: the name of the person giving the go (one line)")
    recorded: list[SignOff] = []

    def change(plan: MigrationPlan) -> None:
        chosen = find_wave(plan, wave)
        if chosen.status is WaveStatus.executed:
            raise InputError(f"plan {plan.name!r} wave {chosen.id} is executed already; nothing to sign off")
        words = [f"go for wave {chosen.id}"]
        if chosen.approver is not None and chosen.approver != who:
            words.append(f"signed by {who} for the planned approver {chosen.approver}")
        if note:
            words.append(note)
        event = WaveEvent(at=datetime.now(UTC).replace(microsecond=0), status=WaveStatus.signed_off, by=who,
                          note="; ".join(words))
        chosen.status = WaveStatus.signed_off
        chosen.history.append(event)
        recorded.append(SignOff(plan=plan.name, wave=chosen.id, by=who, at=event.at, approver=chosen.approver,
                                note=event.note))

    update_plan(plans_dir, name, change)
    return recorded[0]


def _operator() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def current_classification(plan: MigrationPlan, wave: Wave, inventory: Path | None) -> dict[str, str]:
    """Each wave system's classification now: the plan's record, raised to whatever the catalogue says today.

    The catalogue is the inventory given, else the one the plan was made from when that folder is here. A system
    the catalogue no longer knows, or now holds as classified or unclassified, is refused.
    """

    levels: dict[str, str | None] = dict(wave.classification)
    folder = inventory or Path(plan.inventory)
    if inventory is None and not (folder / "systems.yaml").is_file():
        refuse(wave.systems, levels, f"plan {plan.name} wave {wave.id}")
        return {k: v for k, v in levels.items() if v is not None}

    catalogue = load_catalogue(folder, load_inventory(folder))
    for sid in wave.systems:
        known = catalogue.get(sid)
        if known is None:
            levels[sid] = None  # no longer in the catalogue: unknown, refused
        elif known.must_stay:
            levels[sid] = known.classification.value
        else:
            levels[sid] = most_restrictive([levels.get(sid), known.classification]).value
    refuse(wave.systems, levels, f"plan {plan.name} wave {wave.id} (catalogue {folder})")
    return {k: v for k, v in levels.items() if v is not None}


def run_wave(*, name: str, wave: str, action: str, state_dir: Path, plans_dir: Path = DEFAULT_PLANS_DIR,
             runbook: Path | None = None, check: bool = False, extra: dict[str, str] | None = None,
             progress: Progress | None = None, inventory: Path | None = None, force: bool = False) -> CutoverResult:
    """Run the cutover (`action` execute) or its rollback for one wave; records the outcome unless `check`.

    Executing needs the wave's sign-off (`sign_off`) unless `force`, and a forced run says so in the history.
    A dry run (`check`) and a rollback need none.
    """

    if action not in ("execute", "rollback"):
        raise InputError(f"cutover action {action!r}: execute or rollback")
    plan = load_plan(plans_dir, name)
    chosen = find_wave(plan, wave)
    # Moving home (rollback) is always allowed; moving to the cloud only for what may move.
    levels = current_classification(plan, chosen, inventory) if action == "execute" else dict(chosen.classification)
    unsigned = action == "execute" and not check and chosen.signoff is None
    if unsigned and not force:
        who = f" (approver: {chosen.approver})" if chosen.approver else ""
        raise InputError(f"plan {plan.name!r} wave {chosen.id} has no sign-off{who}: refused (record the go with "
                         f"`ezgov migrate signoff {plan.name} --wave {chosen.id} --by NAME`, or give --force, "
                         "which the plan's history records)")
    book_file = runbook or runbook_path(plans_dir, plan.name)
    book = load_runbook(book_file)
    stage = (state_dir / "cutover" / plan.name / chosen.id).resolve()
    stage.mkdir(parents=True, exist_ok=True)
    document = wave_inventory(book, chosen, stage, book_file, levels, moving=action == "execute")
    summary = run_playbook(Path(find(PLAYBOOK).path), inventory=document, state_dir=state_dir, check=check,
                           extravars={**(extra or {}), "cutover_action": action}, progress=progress)
    systems = {s: summary.stats.get("cutover", {}).get(s, "not done") for s in chosen.systems}
    if check:
        status = "checked" if summary.ok else WaveStatus.failed.value
    elif action == "rollback":
        done = summary.ok and all(v == "rolled_back" for v in systems.values())
        status = WaveStatus.rolled_back.value if done else WaveStatus.failed.value
    elif summary.ok and all(v == "executed" for v in systems.values()):
        status = WaveStatus.executed.value
    elif summary.ok and all(v in ("executed", "rolled_back") for v in systems.values()):
        status = WaveStatus.rolled_back.value
    else:
        status = WaveStatus.failed.value
    if not check:
        failed = ", ".join(summary.failed_hosts)
        forced = f"forced without sign-off by {_operator() or 'unknown'}; " if unsigned else ""
        note = (forced + f"{action}: " + ", ".join(f"{s} {o}" for s, o in sorted(systems.items()))
                + (f"; failed hosts: {failed}" if failed else "") + f"; artifacts {summary.artifacts_dir}")
        record_outcome(plans_dir, plan.name, chosen.id, WaveStatus(status), note)
    return CutoverResult(plan=plan.name, wave=chosen.id, action=action, status=status, check=check,
                         systems=systems, playbook=summary)
