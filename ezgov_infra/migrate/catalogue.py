"""Rules across the catalogue and the inventory, and the dependency graph they imply.

Pure. Cycles are not errors: `find_cycles` reports them, and the planner makes each one a move group. (Reference
checks live with the model, in `models.systems.check_catalogue`.)

Edges point from what is needed to what needs it (`needed -> needer`), so a topological order is a valid move
order: nothing moves before what it depends on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from ezgov_infra.models.systems import Direction, LegacySystem

if TYPE_CHECKING:
    import networkx as nx


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


def dependency_graph(systems: Mapping[str, LegacySystem], nodes: Iterable[str] | None = None) -> nx.DiGraph:
    """The `needed -> needer` graph over `nodes` (default: every system)."""
    import networkx as nx

    keep = set(systems if nodes is None else nodes)
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(keep))
    graph.add_edges_from((a, b) for a, b in dependency_edges(systems) if a in keep and b in keep)
    return graph


def find_cycles(systems: Mapping[str, LegacySystem]) -> list[list[str]]:
    """Each dependency cycle as the sorted ids of its strongly connected component, sorted."""
    import networkx as nx

    graph = dependency_graph(systems)
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)
