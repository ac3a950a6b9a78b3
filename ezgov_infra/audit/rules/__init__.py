"""IPv6 device-readiness rules: small pure functions over facts, the inventory and the address plan.

Each rule has a stable id, a severity, a category, the rationale it rests on (RIPE-554/RIPE-772, RFC 8504,
RFC 6164, the city's plan) and yields findings with the evidence it saw and a remedy, with the platform's config
lines where the profile has them. A rule that needs a fact the collector could not learn (None) stays silent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ezgov_infra.addressing.allocate import AddressPlan
from ezgov_infra.models.facts import DeviceFacts
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.inventory import Device, Interface, InterfaceKind, Inventory
from ezgov_infra.models.kinds import Category, Severity
from ezgov_infra.platforms import PlatformProfile


@dataclass
class Context:
    """Everything a rule may read about one device; `peers` holds the facts of every device collected in the run,
    `failed` names the devices whose collection failed in it (they can testify to nothing)."""

    device: Device
    facts: DeviceFacts
    inventory: Inventory
    plan: AddressPlan | None
    profile: PlatformProfile
    peers: Mapping[str, DeviceFacts] = field(default_factory=dict)
    failed: frozenset[str] = frozenset()

    @property
    def expected(self) -> list[Interface]:
        """The device's interfaces as the inventory declares them."""
        return sorted((i for i in self.inventory.interfaces.values() if i.device == self.device.id),
                      key=lambda i: i.name)

    def expected_of(self, *kinds: InterfaceKind) -> list[Interface]:
        return [i for i in self.expected if i.kind in kinds]

    def remedy(self, key: str, text: str, **values: Any) -> str:
        lines = self.profile.remedy_lines(key, **values)
        return text + ("\n" + "\n".join(lines) if lines else "")


Check = Callable[["Rule", Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    category: Category
    rationale: str
    check: Check

    def finding(self, ctx: Context, message: str, evidence: dict[str, Any] | None = None, remedy: str = "",
                severity: Severity | None = None) -> Finding:
        return Finding(subject=ctx.device.id, rule=self.id, severity=severity or self.severity,
                       category=self.category, message=message, evidence=evidence or {}, remedy=remedy)


RULES: list[Rule] = []


def rule(rule_id: str, title: str, severity: Severity, category: Category, rationale: str) -> Callable[[Check], Check]:
    """Register a check function as a rule."""
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, title, severity, category, rationale, check))
        return check
    return register


def all_rules() -> list[Rule]:
    # each rule module registers its rules through `rule` above, so it can only be imported once this one is
    from ezgov_infra.audit.rules import (  # noqa: F401
        control_plane,
        data_plane,
        evidence,
        management,
        security,
        services,
    )

    return sorted(RULES, key=lambda r: r.id)
