"""The plan's one absolute rule, in code: classified systems never move, nor do systems not yet classified.

The assessment rules are data a city may rewrite; these checks are not. `verdict` overrides whatever the rules
said for a system that must stay; `classified_links` finds the systems that talk to a classified system that
stays (they need a hybrid link from the cloud to the classified network, and are held when the link must be
fast); `refuse` is what the planner, the executor, staging and the cutover call before anything moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ezgov_infra.errors import PlanError
from ezgov_infra.models.kinds import Classification
from ezgov_infra.models.plan import Readiness, Reason, Strategy
from ezgov_infra.models.systems import Dependency, LegacySystem

CLASSIFIED_RULE = "classified-stays"
UNCLASSIFIED_RULE = "unclassified-held"
HYBRID_RULE = "depends-on-classified"

CLASSIFIED_REASON = ("classified (涉密) system stays on the e-government intranet; task 5 moves only non-classified "
                     "systems")


def unclassified_reason(system_id: str) -> str:
    return (f"not classified: no source gave a classification; held until a person classifies it "
            f"(`ezgov migrate classify {system_id} LEVEL`, or a classify rule in migration_rules.yaml)")


def verdict(system: LegacySystem) -> tuple[Readiness, Strategy | None, Reason] | None:
    """The readiness, strategy and reason the rule imposes on a system that must stay; None for any other."""
    if system.classification is Classification.classified:
        return Readiness.excluded, Strategy.retain, Reason(rule=CLASSIFIED_RULE, readiness=Readiness.excluded,
                                                           message=CLASSIFIED_REASON)
    if system.classification is Classification.unclassified:
        return Readiness.not_ready, None, Reason(rule=UNCLASSIFIED_RULE, readiness=Readiness.not_ready,
                                                 message=unclassified_reason(system.id))
    return None


@dataclass(frozen=True, slots=True)
class ClassifiedLink:
    """`system` and the classified system `classified` call each other (one or both ways)."""

    system: str
    classified: str
    direction: str  # as seen from `system`: outbound (it calls), inbound (it is called) or both
    latency_sensitive: bool
    network: str

    @property
    def needs(self) -> str:
        return (f"hybrid connectivity from the cloud to {self.network} (where classified system {self.classified} "
                f"stays), {self.direction} from {self.system}")


_FLIP = {"outbound": "inbound", "inbound": "outbound", "both": "both"}


def classified_links(systems: Mapping[str, LegacySystem]) -> dict[str, list[ClassifiedLink]]:
    """Per system that does not itself stay classified, its links to classified systems, whichever side declared
    the dependency (sorted by the classified system's id)."""
    found: dict[tuple[str, str], tuple[set[str], bool]] = {}

    def note(system: str, classified: str, direction: str, dep: Dependency) -> None:
        directions, latency = found.get((system, classified), (set(), False))
        directions.add(direction)
        found[(system, classified)] = (directions, latency or dep.latency_sensitive)

    for system in systems.values():
        for dep in system.dependencies:
            target = systems.get(dep.target)
            if target is None:
                continue
            if target.classification is Classification.classified and not system.must_stay:
                note(system.id, target.id, dep.direction.value, dep)
            if system.classification is Classification.classified and not target.must_stay:
                note(target.id, system.id, _FLIP[dep.direction.value], dep)
    links: dict[str, list[ClassifiedLink]] = {}
    for (sid, cid), (directions, latency) in sorted(found.items()):
        direction = "both" if "both" in directions or len(directions) > 1 else next(iter(directions))
        links.setdefault(sid, []).append(ClassifiedLink(sid, cid, direction, latency, systems[cid].network))
    return links


def hybrid_reason(link: ClassifiedLink) -> Reason:
    if link.latency_sensitive:
        return Reason.model_construct(rule=HYBRID_RULE, readiness=Readiness.not_ready, step=None,
                      message=f"latency-sensitive dependency ({link.direction}) on classified system "
                              f"{link.classified}, which stays: held, the pair cannot be split across the "
                              f"extranet; needs {link.needs}")
    return Reason.model_construct(rule=HYBRID_RULE, readiness=Readiness.ready_with_conditions, step=None,
                  message=f"dependency ({link.direction}) on classified system {link.classified}, which stays: "
                          f"needs {link.needs}")


def refuse(system_ids: Iterable[str], classification_of: Mapping[str, Classification | str | None],
           where: str) -> None:
    """PlanError naming every system in `system_ids` that must stay; systems with no known classification count
    as not classified."""
    bad: list[str] = []
    for sid in system_ids:
        level = classification_of.get(sid)
        if level is None or Classification(level) in (Classification.classified, Classification.unclassified):
            bad.append(f"{sid} ({'unknown' if level is None else Classification(level).value})")
    if bad:
        raise PlanError(f"{where}: refused: {', '.join(bad)} must stay (classified systems never move; a system "
                        "not yet classified waits for `ezgov migrate classify`)")
