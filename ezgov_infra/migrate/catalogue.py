"""Rules across the catalogue and the inventory, and the dependency graph they imply.

Pure. Cycles are not errors: `find_cycles` reports them, and the planner makes each one a move group. (Reference
checks live with the model, in `models.systems.check_catalogue`.)

Edges point from what is needed to what needs it (`needed -> needer`), so a topological order is a valid move
order: nothing moves before what it depends on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ezgov_infra.migrate.graph import strongly_connected
from ezgov_infra.models.systems import Direction, LegacySystem


def dependency_edges(systems: Mapping[str, LegacySystem]) -> Iterator[tuple[str, str]]:
    """`(needed, needer)` pairs for every declared dependency whose target exists."""
    for system in systems.values():
        for dep in system.dependencies:
            if dep.target not in systems:
                continue
            if dep.direction in (Direction.outbound, Direction.both):
                yield dep.target, system.id
            if dep.direction in (Direction.inbound, Direction.both):
                yield system.id, dep.target


def latency_pairs(systems: Mapping[str, LegacySystem]) -> Iterator[tuple[str, str]]:
    """Chatty pairs that must land in the cloud in the same cutover."""
    for system in systems.values():
        for dep in system.dependencies:
            if dep.latency_sensitive and dep.target in systems:
                yield system.id, dep.target


def successors(edges: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a, b in edges:
        out.setdefault(a, []).append(b)
    return out


def find_cycles(systems: Mapping[str, LegacySystem]) -> list[list[str]]:
    """Each dependency cycle as the sorted ids of its strongly connected component, sorted."""
    components = strongly_connected(sorted(systems), successors(dependency_edges(systems)))
    return sorted(c for c in components if len(c) > 1)
