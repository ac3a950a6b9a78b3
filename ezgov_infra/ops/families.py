"""The metric families ezgov exposes, computed from stored runs and the metrics index. Pure.

Names follow Prometheus' conventions: `ezgov_` prefix, base units in the name (`_seconds`, `_bytes_per_second`
(bytes, not bits, as promtool's lint asks: a dashboard shows bits with `* 8`), `_ratio` for 0..1), plain gauges.
Verdicts are the report's own (`report.sources`, `report.figures`), so a dashboard and the readiness report never
disagree. A fact not measured is not exposed (no series), never 0.

State-like values (a device's readiness, a website check, a figure's status) are one series labelled with the
current state, value 1: `count by (state) (ezgov_device_readiness_status)` counts devices per state, and a series
that changes state ends, which the alert rules use (`max_over_time` over the old state).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ezgov_infra.models.kinds import WebsiteFate
from ezgov_infra.ops.index import MetricsIndex
from ezgov_infra.report.figures import Ratio, bandwidth_ratio, ipv6_ratio, status_of, website_ratio
from ezgov_infra.report.sources import (
    BANDWIDTH_AUDIT,
    IPV6_AUDIT,
    WEB_CHECK,
    Members,
    RunView,
    SiteBandwidth,
    device_readiness,
    site_bandwidth,
    website_reachable,
)

if TYPE_CHECKING:
    from ezgov_infra.models.samples import Rate

Labels = tuple[str, ...]


@dataclass(slots=True)
class Family:
    """One metric family: a gauge with its help text, label names and samples (label values, value)."""

    name: str
    help: str
    labels: Labels = ()
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, values: Labels, value: float) -> None:
        self.samples.append((values, float(value)))


@dataclass(slots=True)
class StoredRuns:
    """What the exporter read from the history: the newest finished run of each audit, when each kind last ran,
    the consecutive failures of the subjects whose newest collection failed, and the newest interval rates."""

    audits: dict[str, RunView] = field(default_factory=dict)
    finished: dict[str, float] = field(default_factory=dict)  # kind -> unix time of its newest finished run
    streaks: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> subject -> failed runs in a row
    rates: list[tuple[str, str, Rate]] = field(default_factory=list)  # device, interface, newest rate


READINESS_STATE = {"ready": "ready", "partial": "partial", "not ready": "not_ready", "unknown": "unknown"}


@dataclass(frozen=True, slots=True)
class Fate:
    fate: WebsiteFate


@dataclass(frozen=True, slots=True)
class Membership:
    """Which devices, sites and websites exist and each website's fate: all that the report's verdict functions
    read of an inventory (`report.sources.Members`), from the index (which came from a validated inventory)."""

    devices: dict[str, None]
    sites: dict[str, None]
    websites: dict[str, Fate]


def membership(index: MetricsIndex) -> Membership:
    return Membership(devices=dict.fromkeys(index.device_site), sites=dict.fromkeys(index.site_district),
                      websites={h: Fate(WebsiteFate(f)) for h, f in index.website_fate.items()})


@dataclass(slots=True)
class Verdicts:
    """The report's verdicts on the newest runs, judged once for the families and the figures that read them."""

    devices: dict[str, str] | None = None  # device -> readiness, from the newest IPv6 audit
    sites: dict[str, SiteBandwidth] | None = None  # from the newest bandwidth audit


def judge(stored: StoredRuns, inventory: Members) -> Verdicts:
    six, band = stored.audits.get(IPV6_AUDIT), stored.audits.get(BANDWIDTH_AUDIT)
    return Verdicts(devices=device_readiness(six, inventory) if six is not None else None,
                    sites=site_bandwidth(band, inventory) if band is not None else None)


def build(index: MetricsIndex, stored: StoredRuns) -> list[Family]:
    inventory = membership(index)
    verdicts = judge(stored, inventory)
    families = [runs_family(stored), *kpi_families(index, stored, inventory, verdicts), *coverage_families(index),
                *device_families(index, stored, verdicts), *finding_families(index, stored),
                *failure_families(index, stored), *bandwidth_families(index, verdicts),
                *link_families(index, stored), *website_families(index, stored, inventory),
                migration_family(index)]
    return families


def runs_family(stored: StoredRuns) -> Family:
    family = Family("ezgov_run_timestamp_seconds", "When the newest finished run of each kind ended (unix time).",
                    ("kind",))
    for kind, ts in sorted(stored.finished.items()):
        family.add((kind,), ts)
    return family


def kpi_families(index: MetricsIndex, stored: StoredRuns, inventory: Members, verdicts: Verdicts,
                 ) -> list[Family]:
    ratio = Family("ezgov_kpi_ratio", "Each figure of the readiness report: done over total (0..1).", ("kpi",))
    target = Family("ezgov_kpi_target_ratio", "The plan's target for each figure of the readiness report (0..1).",
                    ("kpi",))
    status = Family("ezgov_kpi_status", "Each figure's status against its target as the report words it "
                    "(met, close, off, unknown); value 1 on the current status.", ("kpi", "status"))
    figures: list[tuple[str, Ratio, float, str | None]] = []
    for figure in index.kpis:
        figures.append((figure.id, Ratio(figure.done, figure.total), figure.target_ratio, figure.status))
    figures.append(("bandwidth", bandwidth_ratio(stored.audits.get(BANDWIDTH_AUDIT), inventory,
                                                 bandwidth=verdicts.sites), 1.0, None))
    figures.append(("ipv6_devices", ipv6_ratio(stored.audits.get(IPV6_AUDIT), inventory, verdicts=verdicts.devices),
                    1.0, None))
    figures.append(("websites_ipv6", website_ratio(stored.audits.get(WEB_CHECK), inventory), 1.0, None))
    order = ("coverage", "bandwidth", "ipv6_devices", "websites_ipv6", "systems_migrated", "classified_retained",
             "urban_gigabit", "rural_100m", "village_4g")
    figures.sort(key=lambda f: order.index(f[0]) if f[0] in order else len(order))
    for kpi_id, value, goal, state in figures:
        pct = value.pct
        if pct is not None and value.done is not None and value.total:
            ratio.add((kpi_id,), value.done / value.total)
        target.add((kpi_id,), goal)
        status.add((kpi_id, state or status_of(pct, goal * 100.0)), 1)
    return [ratio, target, status]


def coverage_families(index: MetricsIndex) -> list[Family]:
    required = Family("ezgov_extranet_required_sites", "Sites required on the extranet (the three centre "
                      "categories), per district.", ("district",))
    connected = Family("ezgov_extranet_connected_sites", "Required sites connected to the extranet, per district.",
                       ("district",))
    ratio = Family("ezgov_extranet_coverage_ratio", "Required sites connected over required sites, per district.",
                   ("district",))
    for district, need, have in index.coverage:
        required.add((district,), need)
        connected.add((district,), have)
        if need:
            ratio.add((district,), have / need)
    return [required, connected, ratio]


def device_families(index: MetricsIndex, stored: StoredRuns, judged: Verdicts) -> list[Family]:
    score = Family("ezgov_device_readiness_score", "IPv6 readiness score of each audited device (0..100): 100 less "
                   "the policy weight of each finding.", ("district", "site", "device"))
    status = Family("ezgov_device_readiness_status", "IPv6 readiness of each audited device (ready, partial, "
                    "not_ready, unknown when it could not be collected); value 1 on the current state.",
                    ("district", "site", "device", "state"))
    # the coverage beside the scores: a district's mean is over its measured devices, of so many in the run
    measured = Family("ezgov_device_readiness_measured", "Devices the newest IPv6 audit measured, per district "
                      "(a failed device, or one without IPv6 evidence, is not measured).", ("district",))
    in_run = Family("ezgov_device_readiness_devices", "Devices in the newest IPv6 audit, measured or not, per "
                    "district.", ("district",))
    run, verdicts = stored.audits.get(IPV6_AUDIT), judged.devices
    if run is None or verdicts is None:
        return [score, status, measured, in_run]
    penalty: dict[str, int] = {}  # device -> the policy weights of its findings, summed
    weights = index.weights
    for finding in run.findings:
        subject = str(finding["subject"])
        penalty[subject] = penalty.get(subject, 0) + weights.get(str(finding["severity"]), 0)
    coverage: dict[str, list[int]] = {}
    site_district, device_site = index.site_district, index.device_site
    states, scores = status.samples, score.samples
    for device, verdict in sorted(verdicts.items()):
        site = device_site[device]
        district = site_district.get(site, "")
        states.append(((district, site, device, READINESS_STATE[verdict]), 1.0))
        counts = coverage.get(district)
        if counts is None:
            counts = coverage[district] = [0, 0]
        counts[1] += 1
        if verdict != "unknown":
            counts[0] += 1
            scores.append(((district, site, device), float(max(0, 100 - penalty.get(device, 0)))))
    for district, (known, every) in sorted(coverage.items()):
        measured.add((district,), known)
        in_run.add((district,), every)
    return [score, status, measured, in_run]


def _district(index: MetricsIndex, kind: str, subject: str) -> str:
    if kind == IPV6_AUDIT:
        return index.district_of_device(subject)
    if kind == WEB_CHECK:
        return index.website_district.get(subject, "")
    return index.site_district.get(subject, "")


def finding_families(index: MetricsIndex, stored: StoredRuns) -> list[Family]:
    family = Family("ezgov_findings", "Findings of the newest run of each audit, by district, severity and rule.",
                    ("kind", "district", "severity", "rule"))
    for kind, run in sorted(stored.audits.items()):
        tally = Counter((_district(index, kind, str(f["subject"])), str(f["severity"]), str(f["rule"]))
                        for f in run.findings)
        for (district, severity, rule), n in sorted(tally.items()):
            family.add((kind, district, severity, rule), n)
    return [family]


def failure_families(index: MetricsIndex, stored: StoredRuns) -> list[Family]:
    failures = Family("ezgov_collection_failures", "Subjects the newest run of each audit could not collect, by "
                      "district and category (unreachable, auth, timeout, unsupported, parse...).",
                      ("kind", "district", "category"))
    streak = Family("ezgov_collection_consecutive_failures", "For each subject whose newest collection failed: the "
                    "runs in a row it has failed.", ("kind", "district", "site", "subject"))
    for kind, run in sorted(stored.audits.items()):
        tally = Counter((_district(index, kind, str(r["subject"])), str(r.get("category") or "unknown"))
                        for r in run.results if r["status"] != "ok")
        for (district, category), n in sorted(tally.items()):
            failures.add((kind, district, category), n)
    for kind, subjects in sorted(stored.streaks.items()):
        for subject, n in sorted(subjects.items()):
            site = index.device_site.get(subject, "") if kind == IPV6_AUDIT else ""
            streak.add((kind, _district(index, kind, subject), site, subject), n)
    return [failures, streak]


def bandwidth_families(index: MetricsIndex, judged: Verdicts) -> list[Family]:
    meets = Family("ezgov_site_bandwidth_meets_target", "1 when a measured site meets its bandwidth target, 0 when "
                   "below (sites without a measurement or contract are not exposed).", ("district", "site"))
    below = Family("ezgov_bandwidth_sites_below_target", "Measured sites below their bandwidth target, per district.",
                   ("district",))
    measured = Family("ezgov_bandwidth_sites_measured", "Sites the bandwidth audit could judge, per district.",
                      ("district",))
    if judged.sites is None:
        return [meets, below, measured]
    per_district: dict[str, list[int]] = {}
    for site, verdict in sorted(judged.sites.items()):
        if verdict.meets_target is None:
            continue
        district = index.site_district.get(site, "")
        meets.add((district, site), 1 if verdict.meets_target else 0)
        counts = per_district.setdefault(district, [0, 0])
        counts[0] += 1
        counts[1] += 0 if verdict.meets_target else 1
    for district, (count, short) in sorted(per_district.items()):
        measured.add((district,), count)
        below.add((district,), short)
    return [meets, below, measured]


def _number(value: object) -> float | None:
    kind = type(value)
    if kind is float or kind is int:  # the usual cases first: a bool is neither
        return float(value)  # type: ignore[arg-type]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def link_families(index: MetricsIndex, stored: StoredRuns) -> list[Family]:
    ratio = Family("ezgov_link_utilisation_p95_ratio", "The busier direction's 95th percentile over the site's "
                   "uplink capacity (the lower of contract and port speed), from the newest bandwidth audit.",
                   ("district", "site"))
    last = Family("ezgov_link_last_rate_bytes_per_second", "Each polled interface's rate over the newest interval "
                  "of the newest counter poll.", ("district", "site", "device", "interface", "direction"))
    run = stored.audits.get(BANDWIDTH_AUDIT)
    site_district, ratios = index.site_district, ratio.samples
    for result in run.results if run else []:
        facts = result.get("facts") or {}
        site = str(facts.get("site") or result["subject"])
        district = site_district.get(site)
        capacity = _number(facts.get("capacity_mbps"))
        if district is None or not capacity:
            continue
        p95_in, p95_out = _number(facts.get("p95_in_mbps")), _number(facts.get("p95_out_mbps"))
        # the busier direction (the first of equals, as max() takes it)
        busier = p95_out if p95_in is None or (p95_out is not None and p95_out > p95_in) else p95_in
        if busier is not None:
            ratios.append(((district, site), float(busier / capacity)))
    rates, device_site = last.samples, index.device_site
    for device, interface, rate in stored.rates:
        site = device_site.get(device, "")
        district = site_district.get(site, "")
        rates.append(((district, site, device, interface, "in"), rate.in_bps / 8))
        rates.append(((district, site, device, interface, "out"), rate.out_bps / 8))
    return [ratio, last]


def _check_states(facts: Mapping[str, object]) -> Iterable[tuple[str, str]]:
    checks = facts.get("checks")
    if isinstance(checks, Mapping):
        yield from ((str(k), str(v)) for k, v in checks.items())
    elif isinstance(checks, list):
        yield from ((str(c.get("id")), str(c.get("status"))) for c in checks if isinstance(c, Mapping))


def website_families(index: MetricsIndex, stored: StoredRuns, inventory: Members) -> list[Family]:
    reachable = Family("ezgov_website_ipv6_reachable", "1 when a website has a usable AAAA and every IPv6 address "
                       "answers, as the report judges it; 0 otherwise.", ("district", "website"))
    checks = Family("ezgov_website_check_status", "Each website IPv6 check's outcome in the newest web check; value "
                    "1 on the current status.", ("district", "website", "check", "status"))
    run = stored.audits.get(WEB_CHECK)
    if run is None:
        return [reachable, checks]
    for host, ok in sorted(website_reachable(run, inventory).items()):
        reachable.add((index.website_district.get(host, ""), host), 1 if ok else 0)
    for result in run.results:
        host = str(result["subject"])
        if host not in index.website_district:
            continue
        for check, state in sorted(_check_states(result.get("facts") or {})):
            checks.add((index.website_district[host], host, check, state), 1)
    return [reachable, checks]


def migration_family(index: MetricsIndex) -> Family:
    family = Family("ezgov_migration_systems", "Legacy systems in the newest migration plan by wave and state (a "
                    "wave's status; retire, retain, held or missed for systems in no wave).", ("wave", "state"))
    for wave, state, n in index.migration:
        family.add((wave, state), n)
    return family
