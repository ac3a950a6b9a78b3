"""The IPv6 device-readiness audit: every rule over every collected device, then scores.

Pure: facts, inventory, plan and policy in; findings and scores out. Rules never fetch; collectors never judge.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ezgov_infra.addressing.allocate import AddressPlan
from ezgov_infra.audit.rules import Context, Rule, all_rules
from ezgov_infra.models.facts import DeviceFacts
from ezgov_infra.models.findings import SEVERITY_ORDER, Finding
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.platforms import load_profile


def audit_device(device_id: str, facts: DeviceFacts, inventory: Inventory, plan: AddressPlan | None,
                 peers: Mapping[str, DeviceFacts], rules: list[Rule] | None = None,
                 failed: Collection[str] = ()) -> list[Finding]:
    """Findings for one device, most severe first, then by rule id; `failed` names the devices of the run whose
    collection failed."""
    device = inventory.devices[device_id]
    ctx = Context(device=device, facts=facts, inventory=inventory, plan=plan,
                  profile=load_profile(device.platform), peers=peers, failed=frozenset(failed))
    findings = [f for r in (rules if rules is not None else all_rules()) for f in r.check(r, ctx)]
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.message))


def rule_catalogue() -> list[dict[str, str]]:
    """The rules as a table: id, severity, category, title, rationale."""
    return [{"id": r.id, "severity": r.severity.value, "category": r.category.value, "title": r.title,
             "rationale": r.rationale} for r in all_rules()]
