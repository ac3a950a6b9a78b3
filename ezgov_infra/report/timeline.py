"""The migration schedule as the Gantt chart draws it, and the plan's milestones with what misses them.

Pure. A milestone is `done` when nothing tracked misses it and its date has passed, `on track` when nothing misses
it yet, `at risk` when something does and the date is still ahead, `missed` when the date has passed with work
still open. Work the tool tracks per milestone:

- the migration deadline milestone (`policy.migration.deadline_milestone`, the extranet upgrade and migration):
  required centres off the extranet, sites below their bandwidth target, waves after the deadline, systems the
  plan could not place before it;
- the cloud platform: the cloud site (`policy.migration.cloud_site`) joined to the extranet;
- any other milestone: nothing this tool measures ("not tracked").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ezgov_infra.models.plan import Wave, WaveStatus
from ezgov_infra.report.sources import BANDWIDTH_AUDIT, Sources, site_bandwidth
from ezgov_infra.report.text import Text

CLOUD_MILESTONE = "cloud-platform"


@dataclass(slots=True)
class WaveBar:
    id: str
    start: datetime
    end: datetime
    status: str
    status_text: str
    systems: list[str]
    late: bool


@dataclass(slots=True)
class MilestoneRow:
    id: str
    name: str
    due: date
    days_left: int
    status: str
    status_text: str
    misses: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # what a "done" or "on track" rests on


@dataclass(slots=True)
class Schedule:
    plan: str | None
    start: date | None
    deadline: date | None
    waves: list[WaveBar]
    milestones: list[MilestoneRow]
    held: list[str]
    as_of: date
    moved: int | None = None  # 迁移上云: systems in the plan's waves
    connected: int | None = None  # 纳入统一管理: systems joined where they are (sector clouds)


def wave_state(status: str, end: date, as_of: date) -> str:
    """A wave's state from its execution record; a planned wave whose window has passed is overdue, not planned."""
    return "overdue" if status == "planned" and end < as_of else status


def wave_bars(sources: Sources, text: Text) -> list[WaveBar]:
    plan = sources.migration.plan
    if plan is None:
        return []
    bars = []
    for w in plan.waves:
        state = wave_state(w.status.value, w.window_end.date(), sources.as_of)
        bars.append(WaveBar(w.id, w.window_start, w.window_end, state, _status_text(w, state, text),
                            [_system(sources, text, s) for s in w.systems], w.after_deadline))
    return bars


def _system(sources: Sources, text: Text, system_id: str) -> str:
    """A system as a manager knows it: its name, with the id after it."""
    system = sources.migration.systems.get(system_id)
    name = text.pick(system.name, system.name_en) if system is not None else ""
    return f"{name}（{system_id}）" if name and text.lang == "zh" else (f"{name} ({system_id})" if name else system_id)


def _status_text(wave: Wave, state: str, text: Text) -> str:
    """The wave's state, and who signed it off and when (the last sign-off, kept after the wave ran)."""
    status = text(f"wave.{state}")
    event = next((e for e in reversed(wave.history) if e.status is WaveStatus.signed_off), None)
    if event is None:
        return status
    return status + " · " + text("wave.signed_by", by=event.by or "?", at=event.at.strftime("%Y-%m-%d %H:%M"))


def _migration_misses(sources: Sources, text: Text, gaps: int, due: date) -> list[str]:
    misses: list[str] = []
    if gaps:
        misses.append(text("milestone.miss.coverage", count=gaps))
    run = sources.runs.get(BANDWIDTH_AUDIT)
    if run is not None:
        short = sorted(s for s, b in site_bandwidth(run, sources.inventory).items() if b.meets_target is False)
        if short:
            misses.append(text("milestone.miss.bandwidth", count=len(short), sites=", ".join(short)))
    plan = sources.migration.plan
    if plan is not None:
        for wave in plan.waves:
            if wave.status.value != "executed" and (wave.after_deadline or wave.window_end.date() > due):
                misses.append(text("milestone.miss.wave", wave=wave.id, day=wave.window_end.date().isoformat(),
                                   systems=", ".join(wave.systems)))
        # A held system misses the deadline because it is held: one line for it, not two.
        held = {item.system for item in plan.held}
        for item in plan.misses:
            if item.system not in held:
                misses.append(text("milestone.miss.system", system=_system(sources, text, item.system),
                                   reason=text.catalogue.sentence(item.reason)))
        for item in plan.held:
            misses.append(text("milestone.miss.held", system=_system(sources, text, item.system),
                               reason=text.catalogue.sentence(item.reason)))
    elif sources.migration.systems:
        misses.append(text("milestone.miss.no_plan"))
    return misses


def milestones(sources: Sources, text: Text, gaps: int, cloud_connected: bool) -> list[MilestoneRow]:
    inv = sources.inventory
    deadline_id = inv.policy.migration.deadline_milestone
    rows: list[MilestoneRow] = []
    for milestone in sorted(inv.policy.milestones, key=lambda m: (m.due, m.id)):
        tracked = True
        evidence: list[str] = []
        if milestone.id == deadline_id:
            misses = _migration_misses(sources, text, gaps, milestone.due)
            if not misses:
                evidence.append(text("milestone.evidence.deadline"))
        elif milestone.id == CLOUD_MILESTONE:
            # Built and running: the cloud site on the extranet AND systems running there (an executed wave).
            # A circuit alone is not a running platform.
            cloud = inv.policy.migration.cloud_site
            misses = [] if cloud_connected else [text("milestone.miss.cloud", site=cloud)]
            plan = sources.migration.plan
            executed = [w for w in plan.waves if w.status.value == "executed"] if plan else []
            if cloud_connected:
                evidence.append(text("milestone.evidence.cloud_site", site=cloud))
            if executed:
                evidence.append(text("milestone.evidence.waves", waves=", ".join(w.id for w in executed),
                                     count=sum(len(w.systems) for w in executed)))
            else:
                misses.append(text("milestone.miss.no_system_running"))
        else:
            misses, tracked = [], False
        passed = sources.as_of > milestone.due
        if not tracked:
            status = "untracked"
        elif misses:
            status = "missed" if passed else "at_risk"
        else:
            status = "done" if passed else "on_track"
        rows.append(MilestoneRow(milestone.id, text.pick(milestone.name, milestone.name_en), milestone.due,
                                 (milestone.due - sources.as_of).days, status, text(f"milestone.{status}"), misses,
                                 evidence))
    return rows


def schedule(sources: Sources, text: Text, gaps: int, cloud_connected: bool) -> Schedule:
    plan = sources.migration.plan
    held = [text("milestone.miss.held", system=_system(sources, text, u.system),
                 reason=text.catalogue.sentence(u.reason)) for u in plan.held] if plan else []
    return Schedule(plan=plan.name if plan else None, start=plan.start if plan else None,
                    deadline=plan.deadline if plan else None, waves=wave_bars(sources, text),
                    milestones=milestones(sources, text, gaps, cloud_connected), held=held, as_of=sources.as_of,
                    moved=sum(len(w.systems) for w in plan.waves) if plan else None,
                    connected=len(plan.connected) if plan else None)
