"""Findings, scores and the result of an audit run: what the rules say about the facts.

Severity weights and the readiness categories:

    critical 40   high 20   medium 8   low 3   info 0      score = max(0, 100 - sum of weights)
    not_ready: any critical finding;  partial: any high or medium finding;  ready: otherwise
    unknown: the device could not be collected, or its outputs hold no IPv6 evidence at all (no score)

Weights can be overridden in `policy.yaml` under `audit.weights`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ezgov_infra.models.facts import DeviceFacts
from ezgov_infra.models.kinds import Category, Readiness, Severity

SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}
DEFAULT_WEIGHTS: dict[str, int] = {"critical": 40, "high": 20, "medium": 8, "low": 3, "info": 0}


class Finding(BaseModel):
    """One thing a rule found on one device, with the evidence it saw and how to fix it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    rule: str
    severity: Severity
    category: Category
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    remedy: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two runs' findings 'the same finding' for `ipv6 diff`."""
        return (self.subject, self.rule, self.message)


class Score(BaseModel):
    """A device's, site's, district's or the city's roll-up; `score` is None when nothing was measured.

    `score` is the mean over the `measured` devices only; `devices` counts every device in scope (a failed one
    included), so the coverage reads "measured 7 of 9" and the ready share is `ready` over `devices`.
    """

    model_config = ConfigDict(extra="forbid")

    scope: str
    id: str
    score: float | None
    readiness: Readiness
    devices: int = 1
    measured: int = 0
    ready: int = 0
    partial: int = 0
    not_ready: int = 0
    unknown: int = 0

    @property
    def coverage(self) -> str:
        return f"measured {self.measured} of {self.devices}"

    @property
    def ready_share(self) -> float | None:
        """Ready devices over every device in scope, in percent: a failed device is not ready."""
        return round(100.0 * self.ready / self.devices, 1) if self.devices else None


class Change(BaseModel):
    """How a score moved since an earlier run, like for like: both means are over the devices measured in both
    runs, so a device that failed in either run cannot move it."""

    model_config = ConfigDict(extra="forbid")

    scope: str
    id: str
    since_run: int
    devices: int
    before: float | None
    after: float | None
    change: float | None

    def __str__(self) -> str:
        if self.change is None:
            return f"no device measured in both this run and run {self.since_run}"
        devices = "the device" if self.devices == 1 else f"the {self.devices} devices"
        return f"{self.change:+.1f} since run {self.since_run} over {devices} measured in both"


class DeviceResult(BaseModel):
    """One device in a run: collected or failed (with a category), and its findings and score."""

    model_config = ConfigDict(extra="forbid")

    device: str
    site: str
    platform: str
    source: str
    ok: bool
    category: str | None = None
    message: str | None = None
    elapsed: float = 0.0
    facts: DeviceFacts | None = None
    findings: list[Finding] = Field(default_factory=list)
    score: Score | None = None


class AuditRun(BaseModel):
    """A whole audit: what was asked, every device's result, and the roll-ups."""

    model_config = ConfigDict(extra="forbid")

    run_id: int | None = None
    started: datetime
    elapsed: float
    scope: str
    mode: str
    devices: list[DeviceResult]
    sites: list[Score] = Field(default_factory=list)
    districts: list[Score] = Field(default_factory=list)
    city: Score | None = None
    skipped: dict[str, str] = Field(default_factory=dict)
    # the city's, then each district's, change since the last run of the same scope (empty for a first run)
    changes: list[Change] = Field(default_factory=list)

    @property
    def failed(self) -> list[DeviceResult]:
        return [d for d in self.devices if not d.ok]

    @property
    def findings(self) -> list[Finding]:
        return [f for d in self.devices for f in d.findings]
