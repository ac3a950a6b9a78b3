"""Bandwidth arithmetic and rules: counters to rates, rates to utilisation, sites against the policy. Pure.

The counter rules that give an interval's rate, or drop it, live in `audit.intervals`.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from statistics import median

from ezgov_infra.audit.intervals import interval_rate
from ezgov_infra.models.bandwidth import Rate, Sample, SiteBandwidth, SiteTest, Utilisation
from ezgov_infra.models.findings import SEVERITY_ORDER, Finding
from ezgov_infra.models.inventory import CircuitStatus, Inventory
from ezgov_infra.models.kinds import Category, Severity

GAP_FACTOR = 2.5


def percentile_index(n: int, fraction: float = 0.95) -> int:
    """0-based index into n sorted values: round(fraction * n) - 1, halves up, within [0, n - 1]."""
    if n <= 0:
        raise ValueError("no values")
    # integer arithmetic on per-mille: 0.95 * 30 is 28.499999... in floating point, but means 28.5
    k = (round(fraction * 1000) * n + 500) // 1000
    return min(max(k - 1, 0), n - 1)


def percentile(values: Sequence[float], fraction: float = 0.95) -> float | None:
    """The LibreNMS-style percentile of `values` (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[percentile_index(len(ordered), fraction)]


def rates(samples: Sequence[Sample]) -> tuple[list[Rate], Counter[str]]:
    """Rates of consecutive samples of ONE interface (sorted by time here), and dropped intervals by reason."""
    ordered = sorted(samples, key=lambda s: s.ts)
    found: list[Rate] = []
    dropped: Counter[str] = Counter()
    for first, second in itertools.pairwise(ordered):
        result = interval_rate(first, second)
        if isinstance(result, Rate):
            found.append(result)
        else:
            dropped[result.value] += 1
    return found, dropped


def utilisation(device: str, interface: str, samples: Sequence[Sample]) -> Utilisation:
    """Mean, max and p95 in each direction (Mbps) of one interface's samples."""
    found, dropped = rates(samples)
    ordered = sorted(samples, key=lambda s: s.ts)
    steps = [b.ts - a.ts for a, b in itertools.pairwise(ordered) if b.ts > a.ts]
    usual = median(steps) if steps else 0.0
    gaps = sum(1 for r in found if usual and r.end - r.start > GAP_FACTOR * usual)
    speeds = [s.speed_mbps for s in ordered if s.speed_mbps]
    result = Utilisation(device=device, interface=interface, samples=len(ordered), intervals=len(found),
                         dropped=dict(sorted(dropped.items())), gaps=gaps,
                         first=ordered[0].ts if ordered else None, last=ordered[-1].ts if ordered else None,
                         speed_mbps=speeds[-1] if speeds else None, hc=ordered[-1].hc if ordered else True)
    if found:
        ins = [r.in_bps / 1e6 for r in found]
        outs = [r.out_bps / 1e6 for r in found]
        result.mean_in_mbps, result.mean_out_mbps = _mbps(sum(ins) / len(ins)), _mbps(sum(outs) / len(outs))
        result.max_in_mbps, result.max_out_mbps = _mbps(max(ins)), _mbps(max(outs))
        result.p95_in_mbps, result.p95_out_mbps = _mbps(percentile(ins)), _mbps(percentile(outs))
    return result


def utilisations(samples: Iterable[Sample]) -> dict[str, Utilisation]:
    """Utilisation per interface id (`DEVICE:NAME`) of a mixed list of samples."""
    grouped: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        grouped[(sample.device, sample.interface)].append(sample)
    return {f"{d}:{i}": utilisation(d, i, group) for (d, i), group in sorted(grouped.items())}


def _mbps(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _finding(site: str, rule: str, severity: Severity, message: str, remedy: str,
             category: Category = Category.data_plane, **evidence: object) -> Finding:
    return Finding(subject=site, rule=rule, severity=severity, category=category, message=message,
                   evidence=dict(evidence), remedy=remedy)


def audit_sites(inventory: Inventory, usage: Mapping[str, Utilisation],
                tests: Mapping[str, SiteTest]) -> list[SiteBandwidth]:
    """Every site with a circuit or required on the extranet, judged against `inventory.policy.bandwidth`.

    `usage` is keyed by interface id, `tests` by site id (the latest active test of each site).
    """
    policy = inventory.policy.bandwidth
    roots = set(inventory.policy.extranet_roots)
    circuits_by_site: dict[str, list[str]] = defaultdict(list)
    for circuit in sorted(inventory.circuits.values(), key=lambda c: c.id):
        at = inventory.end_site(circuit.a_end)
        if circuit.status is CircuitStatus.active and at is not None:
            circuits_by_site[at].append(circuit.id)
    verdicts: list[SiteBandwidth] = []
    for site in sorted(inventory.sites.values(), key=lambda s: s.id):
        circuits = [inventory.circuits[c] for c in circuits_by_site.get(site.id, [])]
        if site.id in roots or (not circuits and not site.needs_extranet):
            continue
        verdict = SiteBandwidth(site=site.id, name=site.name_en, district=inventory.site_district(site.id) or "city",
                                setting=site.setting.value, category=site.category.value,
                                circuits=[c.id for c in circuits], uplinks=[c.a_end for c in circuits],
                                target_mbps=policy.target_mbps(site.id, site.category.value, site.setting.value))
        if not circuits:
            verdict.findings.append(_finding(
                site.id, "bw.not-connected", Severity.critical,
                f"{site.category.value.replace('_', ' ')} {site.id} must be on the extranet and has no active circuit",
                "order an extranet circuit for the site (the plan's task 3)", Category.services))
        else:
            _judge(verdict, circuits=[(c.id, c.a_end, c.contracted_mbps) for c in circuits], usage=usage,
                   test=tests.get(site.id), congestion=policy.congestion_p95, delivery=policy.delivery_ratio)
        verdict.worst = min((f.severity for f in verdict.findings), key=lambda s: SEVERITY_ORDER[s],
                            default=None) or "ok"
        verdicts.append(verdict)
    return verdicts


def _judge(verdict: SiteBandwidth, *, circuits: list[tuple[str, str, int]], usage: Mapping[str, Utilisation],
           test: SiteTest | None, congestion: float, delivery: float) -> None:
    site, target = verdict.site, verdict.target_mbps
    contracted = sum(mbps for _, _, mbps in circuits)
    verdict.contracted_mbps = contracted
    capacity = 0.0
    speeds: list[int] = []
    p95_in: list[float] = []
    p95_out: list[float] = []
    for circuit_id, uplink, mbps in circuits:
        use = usage.get(uplink)
        speed = use.speed_mbps if use else None
        capacity += min(mbps, speed) if speed else mbps
        if speed:
            speeds.append(speed)
            if speed < mbps:
                verdict.findings.append(_finding(
                    site, "bw.speed-mismatch", Severity.high,
                    f"{uplink} runs at {speed} Mbps, below the {mbps} Mbps contracted on {circuit_id}",
                    "set the port speed (or replace the optic) to carry the contracted rate",
                    interface=uplink, speed_mbps=speed, contracted_mbps=mbps))
            elif speed != mbps:
                verdict.findings.append(_finding(
                    site, "bw.speed-mismatch", Severity.low,
                    f"{uplink} runs at {speed} Mbps on a {mbps} Mbps contract ({circuit_id}): the provider polices "
                    f"the excess, so utilisation is judged against the contract",
                    "record the contracted rate on the interface (bandwidth statement) so graphs show true load",
                    interface=uplink, speed_mbps=speed, contracted_mbps=mbps))
        if use and use.p95_in_mbps is not None and use.p95_out_mbps is not None:
            p95_in.append(use.p95_in_mbps)
            p95_out.append(use.p95_out_mbps)
    verdict.speed_mbps = sum(speeds) if speeds else None
    verdict.capacity_mbps = round(capacity, 3)
    if p95_in:
        verdict.p95_in_mbps, verdict.p95_out_mbps = round(sum(p95_in), 3), round(sum(p95_out), 3)
        busier = max(verdict.p95_in_mbps, verdict.p95_out_mbps)
        verdict.headroom_mbps = round(capacity - busier, 3)
        if busier > congestion * capacity:
            verdict.findings.append(_finding(
                site, "bw.congested", Severity.high,
                f"95th percentile {busier:g} Mbps is {busier / capacity:.0%} of the {capacity:g} Mbps capacity "
                f"(threshold {congestion:.0%})", "raise the circuit's bandwidth or move traffic off the link",
                p95_in_mbps=verdict.p95_in_mbps, p95_out_mbps=verdict.p95_out_mbps, capacity_mbps=capacity))
    else:
        verdict.headroom_mbps = verdict.capacity_mbps
    if contracted < target:
        verdict.below_target_by.append("contract")
        verdict.findings.append(_finding(
            site, "bw.below-target", Severity.high,
            f"contracted {contracted} Mbps is below the {verdict.setting} target of {target} Mbps "
            f"(short by {target - contracted} Mbps)",
            f"upgrade {', '.join(c for c, _, _ in circuits)} to at least {target} Mbps",
            basis="contract", contracted_mbps=contracted, target_mbps=target))
    measured = test.measured_mbps if test and test.ok else None
    verdict.measured_mbps = measured
    if measured is not None:
        if measured < delivery * target:
            verdict.below_target_by.append("measurement")
            verdict.findings.append(_finding(
                site, "bw.below-target", Severity.high,
                f"measured {measured:g} Mbps is below the {verdict.setting} target of {target} Mbps",
                "upgrade the circuit; re-test after the change", basis="measurement", measured_mbps=measured,
                target_mbps=target))
        if measured < delivery * contracted:
            verdict.findings.append(_finding(
                site, "bw.under-delivery", Severity.medium,
                f"measured {measured:g} Mbps is {measured / contracted:.0%} of the {contracted} Mbps contracted "
                f"(below {delivery:.0%})", "open a ticket with the provider quoting the test",
                measured_mbps=measured, contracted_mbps=contracted, delivery_ratio=delivery))
    verdict.meets_target = not verdict.below_target_by


def severity_rank(verdict: SiteBandwidth) -> tuple[int, float, str]:
    """Sort key, worst first: worst finding, then how far below target the site is."""
    worst = SEVERITY_ORDER.get(Severity(verdict.worst), len(SEVERITY_ORDER)) if verdict.worst != "ok" else 99
    have = verdict.measured_mbps if verdict.measured_mbps is not None else (verdict.contracted_mbps or 0)
    return (worst, min(have, verdict.contracted_mbps or 0) / verdict.target_mbps, verdict.site)
