"""The runbook ops staff execute from: each system's steps by strategy, each with its owner, start, duration,
verification and rollback.

Pure, language-free: a step names an `action`; the words (title, how to verify, how to roll back) are in the
report's catalogues under `runbook.<action>`. Steps of a moving system are dated from its wave: the pre-check on
the wave's pre-check day, preparation right after it, and the copy, switch and verification inside the system's
own slot. Systems that retire or stay are not scheduled by the plan: their steps carry no date (unknown, not
invented).

- rehost: replicate, cut DNS/VIP, verify;
- replatform: rebuild on the cloud's managed OS or database, migrate the data, cut over, verify;
- refactor: hand-off to the owner, migrate the data, cut over, the owner's acceptance tests;
- repurchase: procure the replacement, migrate the data, cut over, verify;
- retire: archive the data, decommission, remove DNS;
- retain, and connect-only (a system in a sector cloud joined where it is): interconnect and monitoring only;
- a sector cloud joined where it is (task 6): its interconnect circuit, its place in the address plan, unified
  monitoring;
- a private network (task 4), before the systems on it: renumber where it overlaps, bring its routes into the
  target (merge) or build the target's access (cutover), move its sites, verify, switch the old network off; one
  kept separate gets a security boundary and monitoring only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ezgov_infra.models.plan import (
    MigrationPlan,
    NetworkPlan,
    SectorCloudPlan,
    Slot,
    StepKind,
    Strategy,
    SystemPeople,
    Transfer,
    Wave,
)

PRE_CHECK_H = 2.0
PREPARE_H = 8.0
# Phases of a moving system's steps: `pre` (the wave's pre-check day), `prepare` (right after it), `copy`, `switch`
# and `verify` (inside the system's slot, in that order).
MOVING: dict[Strategy, tuple[tuple[str, str, str], ...]] = {
    Strategy.rehost: (("pre_check", "pre", "on_call"), ("replicate", "copy", "on_call"),
                      ("cut_dns", "switch", "on_call"), ("verify", "verify", "owner")),
    Strategy.replatform: (("pre_check", "pre", "on_call"), ("rebuild", "prepare", "on_call"),
                          ("migrate_data", "copy", "on_call"), ("cut_dns", "switch", "on_call"),
                          ("verify", "verify", "owner")),
    Strategy.refactor: (("pre_check", "pre", "on_call"), ("hand_off", "prepare", "owner"),
                        ("migrate_data", "copy", "owner"), ("cut_dns", "switch", "on_call"),
                        ("acceptance", "verify", "owner")),
    Strategy.repurchase: (("pre_check", "pre", "on_call"), ("procure", "prepare", "owner"),
                          ("migrate_data", "copy", "owner"), ("cut_dns", "switch", "on_call"),
                          ("verify", "verify", "owner")),
}
# Steps of systems no wave takes: (action, hours, who).
STAYING: dict[str, tuple[tuple[str, float, str], ...]] = {
    "retire": (("archive", 8.0, "owner"), ("decommission", 4.0, "on_call"), ("remove_dns", 1.0, "on_call")),
    "retain": (("interconnect", 4.0, "on_call"), ("monitoring", 2.0, "on_call")),
    "connect": (("interconnect", 4.0, "on_call"), ("monitoring", 2.0, "on_call")),
}
# A sector cloud joined where it is (task 6), before its systems: the circuit, the address plan, monitoring.
SECTOR: tuple[tuple[str, float, str], ...] = (("circuit", 8.0, "on_call"), ("addressing", 4.0, "on_call"),
                                              ("unified_monitoring", 4.0, "on_call"))
# A private network's own cutover (task 4), by approach: (action, hours, who); `renumber` only where it overlaps.
NETWORK: dict[str, tuple[tuple[str, float, str], ...]] = {
    "merge": (("renumber", 8.0, "owner"), ("route_in", 2.0, "on_call"), ("move_sites", 2.0, "on_call"),
              ("verify_network", 2.0, "owner"), ("switch_off", 2.0, "owner")),
    "cutover": (("renumber", 8.0, "owner"), ("build_access", 4.0, "on_call"), ("move_sites", 2.0, "on_call"),
                ("verify_network", 2.0, "owner"), ("switch_off", 2.0, "owner")),
    "keep_separate": (("boundary", 4.0, "on_call"), ("monitoring", 2.0, "on_call")),
}
RENUMBER_LEAD = timedelta(days=7)
ACTIONS = tuple(sorted({a for steps in MOVING.values() for a, _, _ in steps}
                       | {a for steps in (*STAYING.values(), *NETWORK.values(), SECTOR) for a, _, _ in steps}))


@dataclass(frozen=True, slots=True)
class RunbookStep:
    system: str
    strategy: str
    number: int
    action: str
    owner: str | None
    starts: datetime | None
    hours: float


@dataclass(slots=True)
class RunbookSection:
    """One private network's cutover, one wave's systems, or the systems that retire or stay (`kind` network,
    wave, retire or retain)."""

    kind: str
    id: str
    network: NetworkPlan | None = None
    sector: SectorCloudPlan | None = None
    opens: datetime | None = None
    closes: datetime | None = None
    approver: str | None = None
    on_call: list[str] = field(default_factory=list)
    steps: list[RunbookStep] = field(default_factory=list)


def _owner(role: str, person: SystemPeople | None, on_call: list[str]) -> str | None:
    if role == "owner":
        return person.owner if person is not None else None
    return ", ".join(on_call) or None


def _moving_steps(wave: Wave, slot: Slot, item: Transfer | None, person: SystemPeople | None) -> list[RunbookStep]:
    pre = next((s.starts for s in wave.steps if s.kind is StepKind.pre_check), None)
    # Whole minutes, as the slot itself: the copy first, the rest split between the switch and the verification.
    total = round((slot.ends - slot.starts).total_seconds() / 60)
    copy = min(total, math.ceil(round((((item.final_delta_h or 0.0) if item.presync else item.hours)
                                       if item else 0.0) * 60, 6)))
    switch = (total - copy) // 2
    verify = total - copy - switch
    when: dict[str, tuple[datetime | None, float]] = {
        "pre": (pre, PRE_CHECK_H),
        "prepare": (pre + timedelta(hours=PRE_CHECK_H) if pre else None, PREPARE_H),
        "copy": (slot.starts, round(copy / 60, 2)),
        "switch": (slot.starts + timedelta(minutes=copy), round(switch / 60, 2)),
        "verify": (slot.starts + timedelta(minutes=copy + switch), round(verify / 60, 2)),
    }
    strategy = wave.strategy.get(slot.system, Strategy.rehost)
    plan = MOVING.get(strategy, MOVING[Strategy.rehost])
    return [RunbookStep(system=slot.system, strategy=strategy.value, number=n, action=action,
                        owner=_owner(role, person, wave.on_call), starts=when[phase][0], hours=when[phase][1])
            for n, (action, phase, role) in enumerate(plan, 1)]


def _network_steps(network: NetworkPlan, on_call: list[str], first: datetime) -> list[RunbookStep]:
    """The network's steps from its cutover on, one after another; renumbering a week before (never before the
    plan starts). Undated when the network has no cutover date."""
    steps: list[RunbookStep] = []
    at = network.cutover_at
    who = network.owner
    for action, hours, role in NETWORK.get(network.approach or "", ()):
        if action == "renumber" and not network.renumber:
            continue
        owner = who if role == "owner" else (", ".join(on_call) or None)
        if action == "move_sites":
            hours *= max(1, len(network.sites))
        if action == "renumber":
            starts = max(at - RENUMBER_LEAD, first) if at is not None else None
        else:
            starts, at = at, (at + timedelta(hours=hours) if at is not None else None)
        steps.append(RunbookStep(system=network.id, strategy=network.approach or "unknown",
                                 number=len(steps) + 1, action=action, owner=owner, starts=starts, hours=hours))
    return steps


def network_end(network: NetworkPlan, first: datetime) -> datetime | None:
    """When the network's cutover runbook has run to its end: the end of its last step (its start plus its hours);
    None when the network has no cutover date or no steps (its end is not known). `first` is the plan's first day,
    as in `build_runbook`."""
    return max((s.starts + timedelta(hours=s.hours) for s in _network_steps(network, [], first)
                if s.starts is not None), default=None)


def build_runbook(plan: MigrationPlan) -> list[RunbookSection]:
    sections: list[RunbookSection] = []
    on_call = plan.waves[0].on_call if plan.waves else []
    first = datetime.combine(plan.start, datetime.min.time())
    for network in plan.networks:
        if network.status == "merged":
            continue  # folded in already: nothing left to run
        sections.append(RunbookSection(kind="network", id=network.id, network=network, on_call=list(on_call),
                                       steps=_network_steps(network, on_call, first)))
    for wave in plan.waves:
        people = {p.system: p for p in wave.people}
        transfers = {t.system: t for t in wave.transfers}
        section = RunbookSection(kind="wave", id=wave.id, opens=wave.window_start, closes=wave.window_end,
                                 approver=wave.approver, on_call=list(wave.on_call))
        for slot in sorted(wave.slots, key=lambda s: (s.starts, s.system)):
            section.steps += _moving_steps(wave, slot, transfers.get(slot.system), people.get(slot.system))
        sections.append(section)
    people = {p.system: p for p in plan.others}
    for sector in plan.sector_clouds:
        if not sector.connected:
            continue
        section = RunbookSection(kind="sector_cloud", id=sector.site, sector=sector, on_call=list(on_call))
        section.steps += [RunbookStep(system=sector.site, strategy="connect", number=n, action=action,
                                      owner=", ".join(on_call) or None, starts=None, hours=hours)
                          for n, (action, hours, _) in enumerate(SECTOR, 1)]
        for sid in sector.connected:
            section.steps += [RunbookStep(system=sid, strategy="connect", number=n, action=action,
                                          owner=_owner(role, people.get(sid), on_call), starts=None, hours=hours)
                              for n, (action, hours, role) in enumerate(STAYING["connect"], 1)]
        sections.append(section)
    for kind, systems in (("retire", plan.retire), ("retain", plan.retain)):
        section = RunbookSection(kind=kind, id=kind, on_call=list(on_call))
        for item in systems:
            person = people.get(item.system)
            section.steps += [RunbookStep(system=item.system, strategy=kind, number=n, action=action,
                                          owner=_owner(role, person, on_call), starts=None, hours=hours)
                              for n, (action, hours, role) in enumerate(STAYING[kind], 1)]
        if section.steps:
            sections.append(section)
    return sections
