"""From assessments to a migration plan: who moves, in which groups and waves, on which weekend, with which steps.

Pure. Systems that retire or stay never enter a wave. A system that is not ready holds its whole move group, and
every group that needs a held group waits with it (nothing moves before what it depends on). A group on a private
network whose cutover has no date (or no approach, so no runbook to end) is held too; one with a date moves only in
a window that opens once the network's cutover runbook has ended (its last step's start plus its hours), so the
crews never cut a system over while its network is still moving.

Classified systems never enter a wave, whatever the assessment says (`migrate.guard`); systems not yet classified
are held and listed as blockers; systems that talk to a classified system are listed with the hybrid link they need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ezgov_infra.migrate.catalogue import find_cycles
from ezgov_infra.migrate.guard import classified_links, refuse, unclassified_reason
from ezgov_infra.migrate.networks import overlaps
from ezgov_infra.migrate.runbook import network_end
from ezgov_infra.migrate.schedule import Uplink, data_copy, presync_lead_days, transfer, windows
from ezgov_infra.migrate.sectors import connect_sites, connected_systems, sector_cloud_plans
from ezgov_infra.migrate.slots import ROLLBACK_RESERVE_H, Book, cannot_fit, group_hours, outage_of, wave_slots
from ezgov_infra.migrate.steps import Crew, wave_steps
from ezgov_infra.migrate.waves import Group, Timetable, move_groups, pack
from ezgov_infra.models.inventory import Inventory, NetworkApproach
from ezgov_infra.models.kinds import Classification
from ezgov_infra.models.plan import (
    HybridLink,
    MigrationPlan,
    MigrationPolicy,
    MoveGroup,
    NetworkPlan,
    Readiness,
    Strategy,
    SystemAssessment,
    SystemPeople,
    Unplanned,
    Wave,
)
from ezgov_infra.models.systems import LegacySystem

CRITICALITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class PlanInput:
    name: str
    inventory_label: str
    digest: str
    start: date
    deadline: date
    deadline_source: str


def _hold_reasons(groups: Mapping[str, Group], systems: Mapping[str, LegacySystem],
                  assessments: Mapping[str, SystemAssessment], inventory: Inventory,
                  unfit: Mapping[str, str], network_ends: Mapping[str, datetime | None]) -> dict[str, str]:
    held: dict[str, str] = {}
    for gid in sorted(groups):
        group = groups[gid]
        if gid in unfit:
            held[gid] = f"no cutover window can take group {gid}: {unfit[gid]}"
            continue
        for sid in group.systems:
            verdict = assessments[sid]
            if verdict.readiness is Readiness.not_ready:
                why = "; ".join(r.message for r in verdict.reasons if r.readiness is Readiness.not_ready)
                held[gid] = f"{sid} is not ready: {why}"
                break
            network = inventory.networks.get(systems[sid].network)
            if network is not None and network.status != "merged":
                if network.approach is NetworkApproach.keep_separate:
                    held[gid] = f"{sid} is on private network {network.id}, kept separate: {network.reason}"
                    break
                if network.cutover is None:
                    held[gid] = f"{sid} is on private network {network.id}, whose cutover has no date"
                    break
                done = network_ends.get(network.id)
                if done is None:
                    held[gid] = (f"{sid} is on private network {network.id}, whose cutover has no approach (merge "
                                 "or cutover), so no runbook says when it ends")
                    break
                group.earliest = max(group.earliest or done, done)
    # Whatever needs a held group waits for it (breadth-first from each held group, smallest id first).
    needed_by: dict[str, list[str]] = {}
    for gid, group in groups.items():
        for need in group.needs:
            needed_by.setdefault(need, []).append(gid)
    for gid in sorted(held):
        queue = sorted(needed_by.get(gid, []))
        while queue:
            later = queue.pop(0)
            if later in held:
                continue
            held[later] = f"waits for group {gid}, which is held ({held[gid]})"
            queue.extend(sorted(needed_by.get(later, [])))
    return held


def network_plans(systems: Mapping[str, LegacySystem], inventory: Inventory,
                  policy: MigrationPolicy) -> list[NetworkPlan]:
    """Each private network, the systems on it and the overlaps its merger must resolve first."""
    found: dict[str, list[str]] = {}
    renumber: dict[str, list[str]] = {}
    for item in overlaps({n.id: n.prefixes for n in inventory.networks.values()}, inventory):
        found.setdefault(item.network, []).append(item.message)
        moving = item.prefix if item.renumber == item.network else item.other
        renumber.setdefault(item.renumber, []).append(f"{moving} -> {item.proposal or 'none free'}")
        if item.renumber != item.network:
            found.setdefault(item.renumber, []).append(item.message)
    return [NetworkPlan(id=n.id, name=n.name, name_en=n.name_en, department=n.department, owner=n.owner,
                        classification=n.classification.value if n.classification else None, target=n.target.value,
                        approach=n.approach.value if n.approach else None, reason=n.reason, status=n.status,
                        cutover=n.cutover, sites=list(n.sites), prefixes=list(n.prefixes),
                        cutover_at=datetime.combine(n.cutover, policy.cutover.start) if n.cutover else None,
                        systems=sorted(sid for sid, s in systems.items() if s.network == n.id),
                        overlaps=sorted(set(found.get(n.id, []))),
                        renumber=sorted(set(renumber.get(n.id, []))))
            for n in sorted(inventory.networks.values(), key=lambda n: n.id)]


def _rank(groups: Mapping[str, Group], systems: Mapping[str, LegacySystem]) -> dict[str, tuple[object, ...]]:
    """Among groups free to move, the least critical go first (a pilot's lessons protect the critical ones)."""
    return {gid: (max(CRITICALITY_RANK[systems[s].criticality.value] for s in g.systems), gid)
            for gid, g in groups.items()}


def make_plan(spec: PlanInput, systems: Mapping[str, LegacySystem], assessments: list[SystemAssessment],
              inventory: Inventory, policy: MigrationPolicy, uplinks: Mapping[str, Uplink]) -> MigrationPlan:
    by_id = {a.system: a for a in assessments}
    retire = [Unplanned(system=a.system, reason="; ".join(r.message for r in a.reasons if r.rule == a.strategy_rule))
              for a in assessments if a.strategy is Strategy.retire]
    retain = [Unplanned(system=a.system, reason="; ".join(r.message for r in a.reasons) or a.strategy_rule)
              for a in assessments
              if a.strategy is not Strategy.retire and (a.strategy is Strategy.retain
                                                        or a.readiness is Readiness.excluded)]
    connected = connected_systems(systems, by_id, connect_sites(inventory, policy))
    joined = {u.system for u in connected}
    # The rule is code: a classified system is never a candidate, whatever its assessment says.
    candidates = {a.system for a in assessments
                  if a.moves and systems[a.system].classification is not Classification.classified
                  and a.system not in joined}
    groups = move_groups(systems, candidates)
    # Each system's outage, known before any window is chosen: it decides pre-syncs and what a window can take.
    early = {sid: data_copy(systems[sid], uplinks.get(systems[sid].site), policy) for sid in sorted(candidates)}
    outages = {sid: outage_of(item, policy.cutover) for sid, item in early.items()}
    unfit = {gid: why for gid, g in groups.items()
             if (why := cannot_fit(g.systems, outages, policy.cutover)) is not None}
    for group in groups.values():
        # A pre-sync starts days before its window, and never before the plan does.
        leads = [presync_lead_days(early[s].hours, policy) for s in group.systems if early[s].presync]
        if leads:
            ready = datetime.combine(spec.start + timedelta(days=max(leads)), time.min)
            group.earliest = max(group.earliest or ready, ready)
    networks = network_plans(systems, inventory, policy)
    first = datetime.combine(spec.start, time.min)
    ends = {n.id: network_end(n, first) for n in networks}
    held_groups = _hold_reasons(groups, systems, by_id, inventory, unfit, ends)
    held = [Unplanned(system=sid, reason=held_groups[gid]) for gid in sorted(held_groups)
            for sid in groups[gid].systems]
    moving = {gid: g for gid, g in groups.items() if gid not in held_groups}
    rank = _rank(moving, systems)
    reserve = timedelta(hours=ROLLBACK_RESERVE_H)
    timetable = Timetable(book=lambda opens, closes: Book(opens, closes, policy.cutover.crews, reserve),
                          hours={gid: group_hours(g.systems, outages) for gid, g in moving.items()})
    packed = pack(moving, policy.capacity, windows(policy, spec.start), rank=lambda gid: rank[gid],
                  timetable=timetable)
    waves: list[Wave] = []
    misses: list[Unplanned] = [Unplanned(system=h.system, reason=f"held: {h.reason}") for h in held]
    for number, packed_wave in enumerate(packed, 1):
        wave_id = f"W{number:02d}"
        move = [MoveGroup.model_construct(id=gid, systems=moving[gid].systems, why=moving[gid].why,
                          after=sorted(moving[gid].needs), resources=moving[gid].resources)
                for gid in packed_wave.groups]
        members = [systems[s] for g in move for s in g.systems]
        transfers = [transfer(s, uplinks.get(s.site), policy, packed_wave.opens, early[s.id])
                     for s in sorted(members, key=lambda s: s.id)]
        late = packed_wave.opens.date() > spec.deadline
        people = policy.people
        crew = Crew(approver=people.wave_approvers.get(wave_id, people.approver), on_call=tuple(people.on_call),
                    plan_start=spec.start)
        ordered = sorted(members, key=lambda s: s.id)
        slots = wave_slots([(g.id, g.systems, g.after) for g in move], packed_wave.placed, outages,
                           packed_wave.moved)
        wave = Wave(id=wave_id, window_start=packed_wave.opens, window_end=packed_wave.closes, groups=move,
                    approver=crew.approver, on_call=list(crew.on_call),
                    people=[SystemPeople(system=s.id, department=s.department, owner=s.owner,
                                         contact=people.contacts.get(s.department)) for s in ordered],
                    totals=packed_wave.totals, transfers=transfers, after_deadline=late,
                    slots=slots,
                    classification={s.id: s.classification.value for s in ordered},
                    strategy={s.id: by_id[s.id].strategy for s in ordered},
                    steps=wave_steps(members, move, transfers, by_id, inventory, packed_wave.opens,
                                     packed_wave.closes, crew, slots))
        waves.append(wave)
        if late:
            misses += [Unplanned(system=s, reason=f"wave {wave_id} on {packed_wave.opens.date()} is after the "
                                 f"deadline {spec.deadline} ({spec.deadline_source})") for s in sorted(wave.systems)]
    refuse([s for w in waves for s in w.systems], {sid: s.classification for sid, s in systems.items()},
           f"plan {spec.name}")
    held_ids = {h.system for h in held}
    blockers = [Unplanned(system=sid, reason=unclassified_reason(sid)) for sid in sorted(systems)
                if systems[sid].classification is Classification.unclassified]
    # Thousands at a time, from validated systems: constructed without validating again.
    hybrid = [HybridLink.model_construct(system=link.system, classified=link.classified, direction=link.direction,
                         latency_sensitive=link.latency_sensitive, network=link.network,
                         held=link.system in held_ids, needs=link.needs)
              for links in classified_links(systems).values() for link in links]
    must_stay = sorted(sid for sid, s in systems.items() if s.must_stay)
    summary = {
        "systems": len(assessments),
        "moving": sum(len(w.systems) for w in waves),
        "waves": len(waves),
        "groups": sum(len(w.groups) for w in waves),
        "presync": sum(t.presync for w in waves for t in w.transfers),
        "retire": len(retire),
        "retain": len(retain),
        "held": len(held),
        "miss_deadline": len(misses),
        "blockers": len(blockers),
        "hybrid": len(hybrid),
        "connected": len(connected),
    }
    return MigrationPlan(
        name=spec.name, inventory=spec.inventory_label, catalogue_digest=spec.digest, start=spec.start,
        deadline=spec.deadline, deadline_source=spec.deadline_source, capacity=policy.capacity, summary=summary,
        waves=waves, retire=sorted(retire, key=lambda u: u.system), retain=sorted(retain, key=lambda u: u.system),
        held=held, misses=sorted(misses, key=lambda u: u.system), cycles=find_cycles(systems),
        blockers=blockers, hybrid=hybrid, must_stay=must_stay,
        networks=networks,
        connected=connected, sector_clouds=sector_cloud_plans(systems, inventory, policy, connected),
        others=[SystemPeople(system=sid, department=systems[sid].department, owner=systems[sid].owner,
                             contact=policy.people.contacts.get(systems[sid].department))
                for sid in sorted({u.system for u in retire + retain + connected})],
    )
