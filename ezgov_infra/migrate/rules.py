"""Assessment rules as data: a YAML file of `when` conditions over a system's facts.

Rules are read in order. Every matching rule adds its reason; the readiness is the worst any matching rule
gives; the strategy is the first a matching rule names. A rule with `stop: true` ends the evaluation (classified
systems need no further reasons). Conditions in `when` are ANDed; a value matches by equality, a list matches any
of its items, and a mapping names operators: `eq ne in not_in gt ge lt le exists`.

The default rules ship in `migrate/rules.yaml`; an inventory's `migration_rules.yaml` replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ezgov_infra.models.plan import Rule


def _compare(op: str, value: Any, expected: Any) -> bool:
    if op == "exists":
        return (value is not None) == bool(expected)
    if op == "eq":
        return bool(value == expected)
    if op == "ne":
        return bool(value != expected)
    if op == "in":
        return value in (expected if isinstance(expected, list) else [expected])
    if op == "not_in":
        return value not in (expected if isinstance(expected, list) else [expected])
    if value is None:
        return False
    try:
        if op == "gt":
            return bool(value > expected)
        if op == "ge":
            return bool(value >= expected)
        if op == "lt":
            return bool(value < expected)
        if op == "le":
            return bool(value <= expected)
    except TypeError:
        return False
    return False


def matches(rule: Rule, facts: Mapping[str, Any]) -> bool:
    for fact, test in rule.when.items():
        value = facts.get(fact)
        if isinstance(test, dict):
            if not all(_compare(op, value, expected) for op, expected in test.items()):
                return False
        elif isinstance(test, list):
            if value not in test:
                return False
        elif value != test:
            return False
    return True


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(template: str, facts: Mapping[str, Any]) -> str:
    """A rule's reason with `{fact}` filled in; an unknown fact shows as `?` rather than failing."""
    values = _Blank({k: ("none" if v is None else v) for k, v in facts.items()})
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError):
        return template
