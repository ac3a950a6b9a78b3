"""Move groups and waves: dependency order and capacity.

Pure. Move groups are the strongly connected components of the dependency graph once every latency-sensitive
pair is joined both ways, so cycles and chatty pairs always land in one cutover. Groups are packed into waves in
topological order of the condensed graph: a group joins a wave only when every group it needs is already placed
(in an earlier wave, or earlier in the same wave's cutover sequence), and only when it fits what is left of the
wave's capacity.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ezgov_infra.errors import PlanError
from ezgov_infra.migrate.catalogue import dependency_edges, latency_pairs, successors
from ezgov_infra.migrate.graph import strongly_connected
from ezgov_infra.migrate.slots import Book, Placed, Refusal
from ezgov_infra.models.plan import Resources, WaveCapacity
from ezgov_infra.models.systems import LegacySystem

# How many groups that do not fit a wave are tried before the wave is closed (keeps packing linear at scale).
MAX_MISFITS = 64
# A plan that cannot place anything for this many windows in a row (about ten years of weekends) is stuck.
MAX_IDLE_WINDOWS = 520


@dataclass(slots=True)
class Group:
    id: str
    systems: list[str]
    resources: Resources
    why: list[str] = field(default_factory=list)
    needs: set[str] = field(default_factory=set)
    earliest: datetime | None = None  # the first moment its wave's window may open


def resources_of(systems: list[LegacySystem]) -> Resources:
    # Sums of validated systems: constructed without re-validation, thousands at a time.
    return Resources.model_construct(
        systems=len(systems), vcpu=sum(s.vcpu for s in systems),
        ram_gb=round(sum(s.ram_gb for s in systems), 2), storage_gb=round(sum(s.storage_gb for s in systems), 2),
        data_gb=round(sum(s.data_gb or 0 for s in systems), 2),
    )


def move_groups(systems: Mapping[str, LegacySystem], members: set[str]) -> dict[str, Group]:
    """Groups over `members`, keyed by their smallest system id, each with the groups it needs first."""
    edges = [(a, b) for a, b in dependency_edges(systems) if a in members and b in members]
    chatty = sorted({(min(a, b), max(a, b)) for a, b in latency_pairs(systems) if a in members and b in members})
    graph = successors([*edges, *chatty, *((b, a) for a, b in chatty)])
    group_of: dict[str, str] = {}
    groups: dict[str, Group] = {}
    for ids in strongly_connected(sorted(members), graph):
        group = Group(id=ids[0], systems=ids, resources=resources_of([systems[s] for s in ids]))
        groups[group.id] = group
        for sid in ids:
            group_of[sid] = group.id
    for a, b in chatty:
        groups[group_of[a]].why.append(f"latency-sensitive: {a} ~ {b}")
    for a, b in edges:
        ga, gb = group_of[a], group_of[b]
        if ga != gb:
            groups[gb].needs.add(ga)
        elif (b, a) not in chatty and (a, b) not in chatty:
            groups[ga].why.append(f"dependency cycle: {b} needs {a}")
    for group in groups.values():
        group.why = sorted(set(group.why))
    return groups


def fits(resources: Resources, capacity: WaveCapacity) -> bool:
    return (resources.systems <= capacity.systems and resources.vcpu <= capacity.vcpu
            and resources.ram_gb <= capacity.ram_gb and resources.storage_gb <= capacity.storage_gb)


def over_capacity(resources: Resources, capacity: WaveCapacity) -> list[str]:
    """What in `resources` exceeds one wave's capacity, in words."""
    if fits(resources, capacity):
        return []
    over: list[str] = []
    for name, limit in (("systems", capacity.systems), ("vcpu", capacity.vcpu), ("ram_gb", capacity.ram_gb),
                        ("storage_gb", capacity.storage_gb)):
        value = getattr(resources, name)
        if value > limit:
            over.append(f"{name} {value:g} > {limit:g}")
    return over


def check_fits(groups: Mapping[str, Group], capacity: WaveCapacity) -> None:
    too_big = [(g.id, over_capacity(g.resources, capacity)) for g in groups.values()]
    too_big = sorted((gid, over) for gid, over in too_big if over)
    if too_big:
        lines = "; ".join(f"group {gid} ({', '.join(groups[gid].systems[:6])}"
                          f"{'...' if len(groups[gid].systems) > 6 else ''}): {', '.join(over)}"
                          for gid, over in too_big[:5])
        more = f" and {len(too_big) - 5} more" if len(too_big) > 5 else ""
        raise PlanError(f"move groups larger than one wave's capacity: {lines}{more} (raise policy.yaml "
                        "migration.capacity or break the dependency cycle / latency-sensitive pair)")


@dataclass(slots=True)
class _Sum:
    """A wave's running total as plain numbers, summed and rounded as `Resources` would be (building a model per
    candidate cost more than the packing itself)."""

    systems: int = 0
    vcpu: int = 0
    ram_gb: float = 0
    storage_gb: float = 0
    data_gb: float = 0

    def fits_with(self, extra: Resources, capacity: WaveCapacity) -> bool:
        return (self.systems + extra.systems <= capacity.systems and self.vcpu + extra.vcpu <= capacity.vcpu
                and round(self.ram_gb + extra.ram_gb, 2) <= capacity.ram_gb
                and round(self.storage_gb + extra.storage_gb, 2) <= capacity.storage_gb)

    def add(self, extra: Resources) -> None:
        self.systems += extra.systems
        self.vcpu += extra.vcpu
        self.ram_gb = round(self.ram_gb + extra.ram_gb, 2)
        self.storage_gb = round(self.storage_gb + extra.storage_gb, 2)
        self.data_gb = round(self.data_gb + extra.data_gb, 2)

    def resources(self) -> Resources:
        return Resources.model_construct(systems=self.systems, vcpu=self.vcpu, ram_gb=self.ram_gb,
                                         storage_gb=self.storage_gb, data_gb=self.data_gb)


@dataclass(slots=True)
class PackedWave:
    opens: datetime
    closes: datetime
    groups: list[str]
    totals: Resources
    placed: dict[str, Placed] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)  # group: why an earlier window did not take it


@dataclass(frozen=True, slots=True)
class Timetable:
    """How to book each window's crews (`migrate.slots`), and how long each group's cutover takes."""

    book: Callable[[datetime, datetime], Book]
    hours: Mapping[str, float]


def pack(groups: Mapping[str, Group], capacity: WaveCapacity, windows: Iterator[tuple[datetime, datetime]],
         rank: Callable[[str], tuple[object, ...]] | None = None,
         timetable: Timetable | None = None) -> list[PackedWave]:
    """Place every group in a wave, in dependency order, never over capacity and, with a `timetable`, only where
    its slot fits the window's crews; `groups` must be acyclic and each must fit an empty window."""
    check_fits(groups, capacity)
    refused: dict[str, Refusal] = {}
    key = rank or (lambda gid: (gid,))
    waiting = {gid: len(g.needs) for gid, g in groups.items()}
    needed_by: dict[str, list[str]] = {gid: [] for gid in groups}
    for gid, group in groups.items():
        for need in group.needs:
            needed_by[need].append(gid)
    heap = [(key(gid), gid) for gid, n in waiting.items() if n == 0]
    heapq.heapify(heap)
    waves: list[PackedWave] = []
    placed = 0
    idle = 0
    while heap:
        opens, closes = next(windows)
        total = _Sum()
        book = timetable.book(opens, closes) if timetable is not None else None
        chosen: list[str] = []
        deferred: list[tuple[tuple[object, ...], str]] = []
        misfits = 0
        while heap and total.systems < capacity.systems and misfits < MAX_MISFITS:
            item = heapq.heappop(heap)
            group = groups[item[1]]
            if group.earliest is not None and opens < group.earliest:
                deferred.append(item)
                continue
            if not total.fits_with(group.resources, capacity):
                deferred.append(item)
                misfits += 1
                continue
            if book is not None and timetable is not None:
                why = book.place(group.id, timetable.hours[group.id], group.needs)
                if why is not None:
                    refused.setdefault(group.id, why)
                    deferred.append(item)
                    misfits += 1
                    continue
            total.add(group.resources)
            chosen.append(group.id)
            for nxt in needed_by[group.id]:
                waiting[nxt] -= 1
                if waiting[nxt] == 0:
                    heapq.heappush(heap, (key(nxt), nxt))
        for item in deferred:
            heapq.heappush(heap, item)
        if chosen:
            waves.append(PackedWave(opens, closes, chosen, total.resources(), placed=book.placed if book else {},
                                    moved={g: refused[g].message for g in chosen if g in refused}))
            placed += len(chosen)
            idle = 0
        else:
            idle += 1
            if idle > MAX_IDLE_WINDOWS:
                stuck = ", ".join(sorted(gid for _, gid in heap)[:5])
                raise PlanError(f"no cutover window in {MAX_IDLE_WINDOWS} weeks can take group(s) {stuck}")
    if placed != len(groups):
        raise PlanError("move groups depend on each other in a cycle; this is a bug in grouping")
    return waves
