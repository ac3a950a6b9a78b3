"""Bandwidth: counter samples, the rates made from them, active test results and the audit's per-site verdict.

Pure data. A `Sample` is one SNMP reading of one interface (octet counters, sysUpTime, speed); two consecutive
samples make a `Rate` unless the interval has to be dropped (`DropReason`). `Utilisation` summarises an
interface's rates with the 95th percentile taken by `P95_RULE`. `SiteTest` is what an active test measured
between a site router and the city core; `SiteBandwidth` is the audit's verdict on one site.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ezgov_infra.models.findings import Finding
from ezgov_infra.models.samples import DropReason, Rate, Sample, SampleRow

__all__ = ["P95_RULE", "DropReason", "Ping", "Rate", "Sample", "SampleRow", "SiteBandwidth", "SiteTest",
           "Throughput", "Utilisation"]

P95_RULE = ("p95 = the k-th smallest of the n interval rates, k = round(0.95 n) with halves rounded up "
            "(LibreNMS's rule: sorted[round(0.95 n) - 1]); intervals dropped for restarts, backwards counters "
            "or rates more than 10% above the interface speed are not counted")


class Utilisation(BaseModel):
    """One interface's rates over a window: mean, max and p95 in each direction (Mbps), and what was dropped."""

    model_config = ConfigDict(extra="forbid")

    device: str
    interface: str
    samples: int
    intervals: int
    dropped: dict[str, int] = Field(default_factory=dict)
    gaps: int = 0
    first: float | None = None
    last: float | None = None
    speed_mbps: int | None = None
    hc: bool = True
    mean_in_mbps: float | None = None
    mean_out_mbps: float | None = None
    max_in_mbps: float | None = None
    max_out_mbps: float | None = None
    p95_in_mbps: float | None = None
    p95_out_mbps: float | None = None
    p95_rule: str = P95_RULE


class Ping(BaseModel):
    """Latency and loss of a ping or ping6 run."""

    model_config = ConfigDict(extra="forbid")

    family: int
    target: str
    sent: int
    received: int
    loss_pct: float
    rtt_min_ms: float | None = None
    rtt_avg_ms: float | None = None
    rtt_max_ms: float | None = None
    error: str | None = None


class Throughput(BaseModel):
    """One iperf3 TCP run as the receiver counted it; `direction` is `up` (site to core) or `down`."""

    model_config = ConfigDict(extra="forbid")

    direction: str
    target: str
    seconds: float
    sent_mbps: float
    received_mbps: float
    retransmits: int | None = None


class SiteTest(BaseModel):
    """An active test of one site's uplink: throughput both ways and latency over IPv4 and IPv6."""

    model_config = ConfigDict(extra="forbid")

    site: str
    device: str
    server: str
    ok: bool
    category: str | None = None
    message: str | None = None
    elapsed: float = 0.0
    throughput: list[Throughput] = Field(default_factory=list)
    ping: list[Ping] = Field(default_factory=list)

    @property
    def measured_mbps(self) -> float | None:
        """The slower direction: a circuit delivers what it delivers both ways."""
        values = [t.received_mbps for t in self.throughput]
        return round(min(values), 1) if values else None


class SiteBandwidth(BaseModel):
    """The audit's verdict on one site: targets, contract, SNMP utilisation and measurement, and findings."""

    model_config = ConfigDict(extra="forbid")

    site: str
    name: str
    district: str
    setting: str
    category: str
    circuits: list[str] = Field(default_factory=list)
    uplinks: list[str] = Field(default_factory=list)
    target_mbps: int
    contracted_mbps: int | None = None
    speed_mbps: int | None = None
    capacity_mbps: float | None = None
    measured_mbps: float | None = None
    p95_in_mbps: float | None = None
    p95_out_mbps: float | None = None
    headroom_mbps: float | None = None
    meets_target: bool = False
    below_target_by: list[str] = Field(default_factory=list)
    worst: str = "ok"
    findings: list[Finding] = Field(default_factory=list)

    def facts(self) -> dict[str, object]:
        """What the history database keeps for this site (read by the report and the migration planner)."""
        return self.model_dump(mode="json", exclude={"findings"})
