"""The runbook of one wave: pre-checks, network cutovers, pre-syncs, cutover, verification, rollback.

Pure. Times are local to the city; a step's `starts` is when it begins, `hours` how long it may take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import MoveGroup, Readiness, Slot, Step, StepKind, SystemAssessment, Transfer
from ezgov_infra.models.systems import LegacySystem

VERIFY_HOURS = 3.0
DEFAULT_ROLLBACK_HOURS = 4.0
PRE_CHECK_LEAD = timedelta(days=7)
GO_NO_GO_LEAD = timedelta(hours=2)
WORKDAY_START = time(9, 0)


@dataclass(frozen=True, slots=True)
class Crew:
    """Who runs a wave: the approver gives the go, the on-call contacts run the window."""

    approver: str | None
    on_call: tuple[str, ...]
    plan_start: date


def pre_check_start(opens: datetime, plan_start: date) -> datetime:
    """A week before the window, never before the plan's first day (nor after the go/no-go)."""
    first = datetime.combine(plan_start, WORKDAY_START)
    return min(max(opens - PRE_CHECK_LEAD, first), opens - GO_NO_GO_LEAD)


def wave_steps(members: list[LegacySystem], groups: list[MoveGroup], transfers: list[Transfer],
               assessments: Mapping[str, SystemAssessment], inventory: Inventory, opens: datetime,
               closes: datetime, crew: Crew, slots: list[Slot]) -> list[Step]:
    ids = [s.id for s in members]
    on_call = ", ".join(crew.on_call) or None
    steps: list[Step] = []
    conditions = [f"{sid}: {r.message}" for sid in sorted(ids) for r in assessments[sid].reasons
                  if r.readiness is Readiness.ready_with_conditions]
    owners = [f"{s.id}: {s.owner or 'owner not recorded'} ({s.department})"
              for s in sorted(members, key=lambda s: s.id)]
    steps.append(Step(
        kind=StepKind.pre_check, title="Confirm backups, baselines and every condition; owners give their go",
        systems=sorted(ids), starts=pre_check_start(opens, crew.plan_start), hours=None, owner=on_call,
        notes=["backups restored on a test host, monitoring baselines captured, users notified",
               *conditions],
    ))
    steps.append(Step(
        kind=StepKind.go_no_go, title="Go/no-go: the approver signs the wave off (`ezgov migrate signoff`)",
        systems=sorted(ids), starts=opens - GO_NO_GO_LEAD, hours=1.0, owner=crew.approver,
        notes=["every owner confirms the pre-checks; without the sign-off `migrate execute` refuses the wave",
               *owners],
    ))
    networks = sorted({s.network for s in members if s.network in inventory.networks
                       and inventory.networks[s.network].status != "merged"})
    for network_id in networks:
        network = inventory.networks[network_id]
        on_it = sorted(s.id for s in members if s.network == network_id)
        starts = datetime.combine(network.cutover, opens.time()) if network.cutover else None
        notes = [f"networks.yaml: status {network.status}, cutover {network.cutover}"]
        if starts is not None and starts.date() < crew.plan_start:
            # a cutover dated before the plan is a fact the plan cannot schedule: said, not moved into the plan
            notes.append(f"its cutover date {network.cutover} is before the plan starts on {crew.plan_start}")
            starts = None
        steps.append(Step(kind=StepKind.network_cutover,
                          title=f"Private network {network_id} ({network.name_en}) cut over to the {network.target}",
                          systems=on_it, starts=starts, owner=network.owner or network.department, notes=notes))
    for item in transfers:
        if not item.presync or item.presync_start is None:
            continue
        window = f"{item.downtime_window_h:g} h downtime window" if item.downtime_window_h else "cutover window"
        steps.append(Step(
            kind=StepKind.pre_sync, title=f"Pre-sync {item.system}: bulk copy before the window",
            systems=[item.system], starts=datetime.combine(item.presync_start, opens.time()), hours=item.hours,
            owner=on_call,
            notes=[f"{item.data_gb:g} GB at {item.mbps:g} Mbps usable ({item.bandwidth_source}) takes "
                   f"{item.hours:g} h, longer than the {window}",
                   f"final delta at cutover: {item.final_delta_h:g} h"],
        ))
    order = [f"{n}. {', '.join(g.systems)}" + (f" ({'; '.join(g.why)})" if g.why else "")
             for n, g in enumerate(groups, 1)]
    cutover_hours = max([t.final_delta_h or 0.0 if t.presync else t.hours for t in transfers] or [0.0])
    steps.append(Step(
        kind=StepKind.cutover, title="Freeze writes, copy the data, switch DNS and routes to the cloud",
        systems=[s for g in groups for s in g.systems], starts=opens,
        hours=round((closes - opens).total_seconds() / 3600, 2), owner=on_call,
        notes=[f"longest data copy in the window: {cutover_hours:g} h", "move groups in this order:", *order,
               "each system's slot (its outage):",
               *(f"{x.starts:%m-%d %H:%M}-{x.ends:%m-%d %H:%M} {x.system}: {x.hours:g} h"
                 + (f" of {x.downtime_window_h:g} h allowed" if x.downtime_window_h is not None else "")
                 for x in slots)],
    ))
    verify_at = closes - timedelta(hours=VERIFY_HOURS + DEFAULT_ROLLBACK_HOURS)
    steps.append(Step(
        kind=StepKind.verification, title="Smoke tests by each owner, IPv6 and IPv4 reachability from the extranet",
        systems=sorted(ids), starts=verify_at, hours=VERIFY_HOURS, owner="each system's owner",
        notes=["every dependency answers from the cloud segment", "monitoring and backups run in the cloud"],
    ))
    rto = max([s.rto_h for s in members if s.rto_h is not None] or [DEFAULT_ROLLBACK_HOURS])
    steps.append(Step(
        kind=StepKind.rollback, title="If verification fails: switch DNS and routes back to the on-premises systems",
        systems=sorted(ids), starts=closes - timedelta(hours=DEFAULT_ROLLBACK_HOURS),
        hours=round(min(rto, DEFAULT_ROLLBACK_HOURS), 2), owner=on_call,
        notes=["on-premises systems stay untouched and read-only until the wave is signed off",
               f"largest RTO in the wave: {rto:g} h"],
    ))
    return steps
