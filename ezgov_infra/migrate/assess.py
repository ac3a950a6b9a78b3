"""Assessment: per system a readiness with every reason, a 6R strategy with the rule that chose it, a confidence.

Pure: catalogue + inventory + rules + the assessment date in, `SystemAssessment`s out (sorted by system id).
Whatever the rules say, `migrate.guard` has the last word on classified and unclassified systems, and flags every
system that talks to a classified one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ezgov_infra.migrate.guard import ClassifiedLink, classified_links, hybrid_reason, verdict
from ezgov_infra.migrate.rules import matches, render
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import READINESS_ORDER, Confidence, Readiness, Reason, RuleSet, Strategy, SystemAssessment
from ezgov_infra.models.systems import BUILTIN_NETWORKS, COMPLETENESS_FIELDS, Ipv6Support, LegacySystem

HIGH_CONFIDENCE = 0.9
MEDIUM_CONFIDENCE = 0.6


def missing_facts(system: LegacySystem) -> list[str]:
    """Optional facts the catalogue does not give for this system."""
    missing: list[str] = []
    for name in COMPLETENESS_FIELDS:
        value: Any = system
        for part in name.split("."):
            value = getattr(value, part)
        if value is None or value is Ipv6Support.unknown:
            missing.append(name)
    return missing


def system_facts(system: LegacySystem, inventory: Inventory, today: date,
                 links: list[ClassifiedLink] | None = None) -> dict[str, Any]:
    """The flat facts the rules test (see `migrate.rules.FACTS`)."""
    network = inventory.networks.get(system.network)
    kind = system.network if system.network in BUILTIN_NETWORKS else "private"
    site = inventory.sites.get(system.site)
    website = inventory.websites.get(system.website) if system.website else None
    stack = system.stack
    missing = missing_facts(system)
    return {
        "classification": system.classification.value,
        "criticality": system.criticality.value,
        "department": system.department,
        "lifecycle": system.lifecycle.value,
        "network": system.network,
        "network_kind": kind,
        "private_network_status": network.status if network else None,
        "private_network_cutover": network.cutover.isoformat() if network and network.cutover else None,
        "site": system.site,
        "site_category": site.category.value if site else None,
        "os": stack.os,
        "os_version": stack.os_version,
        "os_eol": stack.os_eol.isoformat() if stack.os_eol else None,
        "os_past_eol": bool(stack.os_eol and stack.os_eol < today),
        "database": stack.database,
        "database_past_eol": bool(stack.database_eol and stack.database_eol < today),
        "ipv6": system.ipv6.value,
        "website": system.website,
        "website_fate": website.fate.value if website else None,
        "consolidate_into": website.consolidate_into if website else None,
        "hardware_bound": system.hardware_bound,
        "data_gb": system.data_gb,
        "vcpu": system.vcpu,
        "users": system.users,
        "completeness": round(1 - len(missing) / len(COMPLETENESS_FIELDS), 2),
        "missing": missing,
        "depends_on_classified": bool(links),
    }


def confidence_of(completeness: float) -> Confidence:
    if completeness >= HIGH_CONFIDENCE:
        return Confidence.high
    if completeness >= MEDIUM_CONFIDENCE:
        return Confidence.medium
    return Confidence.low


def assess_system(system: LegacySystem, facts: Mapping[str, Any], rules: RuleSet,
                  links: list[ClassifiedLink] | None = None) -> SystemAssessment:
    forced = verdict(system)
    if forced is not None and forced[0] is Readiness.excluded:
        readiness, strategy_forced, reason = forced
        completeness = float(facts["completeness"])
        return SystemAssessment.model_construct(
            system=system.id, name=system.name, name_en=system.name_en, department=system.department,
            classification=system.classification.value, readiness=readiness,
            strategy=strategy_forced or Strategy.retain,
            strategy_rule=reason.rule, confidence=confidence_of(completeness), completeness=completeness,
            missing=list(facts.get("missing") or missing_facts(system)), reasons=[reason])
    readiness = Readiness.ready
    strategy: Strategy | None = None
    strategy_rule = ""
    reasons: list[Reason] = []
    for rule in rules.rules:
        if not matches(rule, facts):
            continue
        chose = rule.strategy is not None and strategy is None
        if chose:
            strategy, strategy_rule = rule.strategy, rule.id
        rule_readiness = rule.readiness or Readiness.ready
        if READINESS_ORDER[rule_readiness] > READINESS_ORDER[readiness]:
            readiness = rule_readiness
        if rule.readiness is not None or chose or rule.strategy is None:
            # Built from validated rules and facts: construct without re-validating (10,000 systems in budget).
            reasons.append(Reason.model_construct(rule=rule.id, readiness=rule_readiness,
                                                  message=render(rule.reason, facts), step=rule.step))
        if rule.stop:
            break
    if strategy is None:
        strategy, strategy_rule = Strategy.rehost, "(no rule chose a strategy)"
    imposed = [forced[2]] if forced is not None else []
    imposed += [hybrid_reason(link) for link in links or []]
    for reason in imposed:
        if READINESS_ORDER[reason.readiness] > READINESS_ORDER[readiness]:
            readiness = reason.readiness
    reasons = imposed + reasons
    completeness = float(facts["completeness"])
    return SystemAssessment.model_construct(
        system=system.id, name=system.name, name_en=system.name_en, department=system.department,
        classification=system.classification.value, readiness=readiness, strategy=strategy,
        strategy_rule=strategy_rule, confidence=confidence_of(completeness), completeness=completeness,
        missing=list(facts.get("missing") or missing_facts(system)), reasons=reasons,
    )


def assess(systems: Mapping[str, LegacySystem], inventory: Inventory, rules: RuleSet,
           today: date) -> list[SystemAssessment]:
    links = classified_links(systems)
    return [assess_system(systems[sid], system_facts(systems[sid], inventory, today, links.get(sid)), rules,
                          links.get(sid)) for sid in sorted(systems)]
