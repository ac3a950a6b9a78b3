"""Scores and readiness: per device from its findings, then averaged per site, district and the city.

A device scores 100 minus the weights of its findings (never below 0); readiness is `not ready` with any
critical finding, `partial` with any high or medium one, `ready` otherwise. A device that could not be audited,
or whose outputs say nothing about IPv6 (only `show version`, an IPv4 table, an SNMP agent without IPv6
objects), is `unknown`: it has no score, counts in no average and sways no roll-up's readiness; roll-ups only
count it as not measured. Weights come from `policy.yaml` `audit.weights` over the defaults.

A roll-up says how many of its devices it measured; a comparison with an earlier run (`changes`) is made like for
like, over the devices measured in both runs, so a device that fails can never raise (or lower) a trend.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from ezgov_infra.models.facts import DeviceFacts
from ezgov_infra.models.findings import DEFAULT_WEIGHTS, Change, DeviceResult, Finding, Score
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.kinds import Readiness, Severity


def weights(policy_audit: Mapping[str, object]) -> dict[str, int]:
    custom = policy_audit.get("weights") if isinstance(policy_audit, Mapping) else None
    merged = dict(DEFAULT_WEIGHTS)
    if isinstance(custom, Mapping):
        merged.update({str(k): int(str(v)) for k, v in custom.items() if str(k) in merged})
    return merged


def readiness(findings: Iterable[Finding]) -> Readiness:
    severities = {f.severity for f in findings}
    if Severity.critical in severities:
        return Readiness.not_ready
    if severities & {Severity.high, Severity.medium}:
        return Readiness.partial
    return Readiness.ready


def has_evidence(facts: DeviceFacts | Mapping[str, object] | None) -> bool:
    """Whether collected facts (a model or its stored JSON) hold any IPv6 evidence; stored runs that predate
    the field count as evidenced."""
    if facts is None:
        return False
    if isinstance(facts, DeviceFacts):
        return bool(facts.ipv6_evidence)
    return bool(facts.get("ipv6_evidence", True))


def unknown_score(device: str) -> Score:
    return Score(scope="device", id=device, score=None, readiness=Readiness.unknown, unknown=1)


def device_score(device: str, findings: list[Finding], weight: Mapping[str, int],
                 facts: DeviceFacts | Mapping[str, object] | None = None) -> Score:
    """The device's score; `unknown` without IPv6 evidence (when its facts are given)."""
    if facts is not None and not has_evidence(facts):
        return unknown_score(device)
    value = max(0, 100 - sum(weight[f.severity.value] for f in findings))
    state = readiness(findings)
    return Score(scope="device", id=device, score=value, readiness=state, measured=1, **{_count(state): 1})


def _count(state: Readiness) -> str:
    return state.name  # ready, partial, not_ready, unknown


def roll_up(scope: str, key: str, scores: list[Score]) -> Score:
    known = [s for s in scores if s.readiness is not Readiness.unknown]
    counts = {name: sum(getattr(s, name) for s in scores) for name in ("ready", "partial", "not_ready", "unknown")}
    value = round(sum(s.score or 0 for s in known) / len(known), 1) if known else None
    if not known:
        state = Readiness.unknown
    elif counts["not_ready"]:
        state = Readiness.not_ready
    elif counts["partial"]:
        state = Readiness.partial
    else:
        state = Readiness.ready
    return Score(scope=scope, id=key, score=value, readiness=state, devices=len(scores), measured=len(known),
                 **counts)


def roll_ups(results: list[DeviceResult], inventory: Inventory) -> tuple[list[Score], list[Score], Score]:
    """Site, district and city scores from the device results."""
    by_site: dict[str, list[Score]] = defaultdict(list)
    by_district: dict[str, list[Score]] = defaultdict(list)
    every: list[Score] = []
    for result in results:
        score = result.score or unknown_score(result.device)
        by_site[result.site].append(score)
        by_district[inventory.site_district(result.site) or "(city)"].append(score)
        every.append(score)
    city = next((r.id for r in inventory.regions.values() if r.parent is None), "city")
    return ([roll_up("site", k, v) for k, v in sorted(by_site.items())],
            [roll_up("district", k, v) for k, v in sorted(by_district.items())],
            roll_up("city", city, every))


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def changes(now: Mapping[str, float], before: Mapping[str, float], since_run: int,
            inventory: Inventory) -> list[Change]:
    """The city's, then each district's, score change since `since_run`: `now` and `before` map each device
    measured in that run to its score, and only the devices in both count on either side."""
    both = sorted(set(now) & set(before))
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    city = next((r.id for r in inventory.regions.values() if r.parent is None), "city")
    for device in both:
        groups[("city", city)].append(device)
        site = inventory.devices[device].site if device in inventory.devices else ""
        groups[("district", inventory.site_district(site) or "(city)")].append(device)
    groups.setdefault(("city", city), [])
    found: list[Change] = []
    for (scope, key), devices in sorted(groups.items(), key=lambda g: (g[0][0] != "city", g[0][1])):
        after, earlier = _mean([now[d] for d in devices]), _mean([before[d] for d in devices])
        change = None if after is None or earlier is None else after - earlier
        found.append(Change(scope=scope, id=key, since_run=since_run, devices=len(devices), before=_round(earlier),
                            after=_round(after), change=_round(change)))
    return found
