"""Each system's own slot inside its wave's window: dependency order, the cutover crews, its downtime limit.

Pure. A system's slot is the outage its owner sees: the final copy of its data (all of it, or the delta after a
pre-sync) plus `switch_hours` to freeze, switch DNS or the VIP and smoke-test. It must not exceed the system's
`downtime_window_h`. A move group cuts over together: its systems' slots start at the same moment, and the group
holds one crew until the last of them ends. A group starts when a crew is free and every group it needs in the
same wave has ended; it must end `reserve_hours` before the window closes, so a rollback still fits.

`Book` places groups in one window as the packer offers them; a group that no longer fits waits for the next
window (with the reason). `cannot_fit` names the groups no window can take, so they are held, not tried forever.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ezgov_infra.migrate.schedule import Copy
from ezgov_infra.models.plan import CutoverWindow, Slot, Transfer

ROLLBACK_RESERVE_H = 4.0


@dataclass(frozen=True, slots=True)
class Outage:
    """What one system's slot takes, and the most its owner accepts."""

    hours: float
    limit: float
    stated: float | None  # the system's own downtime_window_h; None where the catalogue does not say


@dataclass(slots=True)
class Placed:
    group: str
    starts: datetime
    ends: datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a window's crews could not take a group; put in words only for the refusals a plan keeps (the packer
    asks thousands of times, and keeps each group's first answer)."""

    opens: datetime
    busy: bool  # the crews were busy (else what the group needs ended too late)
    ends: datetime
    last: datetime
    reserve: timedelta

    @property
    def message(self) -> str:
        crews = "the crews are busy" if self.busy else "what it needs ends too late"
        return (f"window of {self.opens.strftime('%Y-%m-%d')}: {crews}; it would end at "
                f"{self.ends.strftime('%Y-%m-%d %H:%M')}, after {self.last.strftime('%Y-%m-%d %H:%M')} (the window "
                f"less {self.reserve.total_seconds() / 3600:g} h for a rollback)")


@dataclass(slots=True)
class Book:
    """The crews' timetable of one window."""

    opens: datetime
    closes: datetime
    crews: int
    reserve: timedelta
    placed: dict[str, Placed] = field(default_factory=dict)
    free: list[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.free = [self.opens] * self.crews
        heapq.heapify(self.free)

    def place(self, group: str, hours: float, needs: set[str]) -> Refusal | None:
        """Book the group; None when it fits, else why not (nothing is booked then)."""
        ready = self.opens
        for need in needs:
            booked = self.placed.get(need)
            if booked is not None and booked.ends > ready:
                ready = booked.ends
        starts = max(ready, self.free[0])
        ends = starts + span(hours)
        last = self.closes - self.reserve
        if ends > last:
            return Refusal(self.opens, starts > ready, ends, last, self.reserve)
        heapq.heapreplace(self.free, ends)
        self.placed[group] = Placed(group, starts, ends)
        return None


def span(hours: float) -> timedelta:
    """A slot's length on the timetable: whole minutes, rounded up."""
    return timedelta(minutes=math.ceil(round(hours * 60, 6)))


def outage_of(item: Transfer | Copy, cutover: CutoverWindow) -> Outage:
    copy = (item.final_delta_h or 0.0) if item.presync else item.hours
    return Outage(round(copy + cutover.switch_hours, 2), item.downtime_window_h or cutover.hours,
                  item.downtime_window_h)


def wave_slots(groups: list[tuple[str, list[str], list[str]]], placed: Mapping[str, Placed],
               outages: Mapping[str, Outage], moved: Mapping[str, str]) -> list[Slot]:
    """The slots of one packed wave; `groups` are (group id, its systems, the groups it needs) in cutover order."""
    slots: list[Slot] = []
    for gid, systems, needs in groups:
        booked = placed[gid]
        before = sorted(n for n in needs if n in placed)
        for sid in systems:
            outage = outages[sid]
            slots.append(Slot.model_construct(
                system=sid, group=gid, starts=booked.starts, ends=booked.starts + span(outage.hours),
                hours=outage.hours, downtime_window_h=outage.stated, after=before,
                note=f"moved from the {moved[gid]}" if gid in moved else None))
    return sorted(slots, key=lambda s: (s.starts, s.system))


def group_hours(systems: list[str], outages: Mapping[str, Outage]) -> float:
    return max((outages[s].hours for s in systems), default=0.0)


def cannot_fit(systems: list[str], outages: Mapping[str, Outage], cutover: CutoverWindow) -> str | None:
    """Why no window can ever take this group: a system's slot longer than its downtime limit, or the group
    longer than a window less the rollback reserve; None when a window can."""
    for sid in systems:
        outage = outages[sid]
        if outage.hours > outage.limit:
            return (f"{sid}'s cutover takes {outage.hours:g} h even after a pre-sync, longer than its "
                    f"{outage.limit:g} h downtime limit; shrink the final delta or agree a longer outage")
    usable = cutover.hours - ROLLBACK_RESERVE_H
    longest = group_hours(systems, outages)
    if longest > usable:
        return (f"its cutover takes {longest:g} h, longer than a {cutover.hours:g} h window less "
                f"{ROLLBACK_RESERVE_H:g} h for a rollback")
    return None
