"""Migration planning: the policy that bounds it, each system's assessment, and the plan of waves.

Pure data. A plan file (`migration_plans/<name>.yaml`) is a `MigrationPlan`: deterministic, sorted, without
timestamps, so two runs on the same input give the same bytes and `git diff` shows only what changed. Each wave
carries a `status` and a `history` that the execution commands append to; planning never writes them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------------------------ policy


class Weekday(StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"


WEEKDAY_INDEX = {day: index for index, day in enumerate(Weekday)}


class WaveCapacity(Strict):
    """What the cloud team can take in one wave: never exceeded."""

    vcpu: int = Field(default=192, gt=0)
    ram_gb: float = Field(default=768, gt=0)
    storage_gb: float = Field(default=60_000, gt=0)
    systems: int = Field(default=8, gt=0)


class CutoverWindow(Strict):
    """When cutovers happen: a window opens on one of `weekdays` at `start` and lasts `hours`."""

    weekdays: list[Weekday] = Field(default_factory=lambda: [Weekday.saturday], min_length=1)
    start: time = time(20, 0)
    hours: float = Field(default=30, gt=0, le=96)
    spacing_days: int = Field(default=7, ge=1, description="at least this many days between two waves")


class TransferAssumptions(Strict):
    """How fast data crosses the extranet to the cloud.

    `efficiency` is the share of the uplink a bulk copy really gets (protocol overhead, other traffic);
    `default_mbps` stands in where the inventory knows no uplink for the hosting site.
    """

    efficiency: float = Field(default=0.7, gt=0, le=1)
    default_mbps: int = Field(default=100, gt=0)
    presync_lead_days: int = Field(default=2, ge=0, description="days of slack before a wave for a pre-sync")


class MigrationPolicy(Strict):
    """The `migration` section of `policy.yaml`."""

    cloud_site: str = "ez-cloud"
    start: date | None = None
    deadline: date | None = None
    deadline_milestone: str = "extranet-migration"
    capacity: WaveCapacity = Field(default_factory=WaveCapacity)
    cutover: CutoverWindow = Field(default_factory=CutoverWindow)
    holidays: list[date] = Field(default_factory=list)
    working_weekends: list[date] = Field(default_factory=list)
    transfer: TransferAssumptions = Field(default_factory=TransferAssumptions)


# ------------------------------------------------------------------------------------------------ assessment


class Readiness(StrEnum):
    ready = "ready"
    ready_with_conditions = "ready_with_conditions"
    not_ready = "not_ready"
    excluded = "excluded"


READINESS_ORDER = {Readiness.ready: 0, Readiness.ready_with_conditions: 1, Readiness.not_ready: 2,
                   Readiness.excluded: 3}


class Strategy(StrEnum):
    rehost = "rehost"
    replatform = "replatform"
    refactor = "refactor"
    repurchase = "repurchase"
    retire = "retire"
    retain = "retain"


MOVING_STRATEGIES = frozenset({Strategy.rehost, Strategy.replatform, Strategy.refactor, Strategy.repurchase})


class Confidence(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Reason(Strict):
    rule: str
    readiness: Readiness
    message: str
    step: str | None = None


class SystemAssessment(Strict):
    system: str
    name: str
    name_en: str
    department: str
    classification: str
    readiness: Readiness
    strategy: Strategy
    strategy_rule: str
    confidence: Confidence
    completeness: float
    missing: list[str] = Field(default_factory=list)
    reasons: list[Reason] = Field(default_factory=list)

    @property
    def moves(self) -> bool:
        return self.strategy in MOVING_STRATEGIES and self.readiness is not Readiness.excluded


# The facts a rule can test; `migrate.assess.system_facts` computes them.
FACTS: dict[str, str] = {
    "classification": "public, internal, sensitive or classified",
    "criticality": "low, medium, high or critical",
    "department": "the owning department",
    "lifecycle": "built or building",
    "network": "extranet, intranet or a private network id",
    "network_kind": "extranet, intranet or private",
    "private_network_status": "separate, cutover_planned or merged (none unless on a private network)",
    "private_network_cutover": "the private network's cutover date, if any",
    "site": "hosting site id",
    "site_category": "hosting site category",
    "os": "operating system name",
    "os_version": "operating system version",
    "os_eol": "operating system end of life date",
    "os_past_eol": "true when the OS is out of support on the assessment date",
    "database": "database product",
    "database_past_eol": "true when the database is out of support on the assessment date",
    "ipv6": "full, partial, none or unknown",
    "website": "the system's website host name",
    "website_fate": "keep, consolidate or retire (none without a website)",
    "consolidate_into": "the website that absorbs this one",
    "hardware_bound": "true when the system needs local hardware",
    "data_gb": "data to transfer at cutover",
    "vcpu": "vCPUs needed in the cloud",
    "users": "number of users",
    "completeness": "share of optional facts known (0..1)",
}

OPERATORS = frozenset({"eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "exists"})


class Rule(Strict):
    """One assessment rule; `migrate.rules` evaluates it."""

    id: str = Field(min_length=1)
    when: dict[str, Any] = Field(default_factory=dict)
    readiness: Readiness | None = None
    strategy: Strategy | None = None
    step: str | None = None
    reason: str
    stop: bool = False

    @model_validator(mode="after")
    def _known_facts(self) -> Rule:
        for fact, test in self.when.items():
            if fact not in FACTS:
                raise ValueError(f"unknown fact {fact!r} in when (one of {', '.join(sorted(FACTS))})")
            if isinstance(test, dict):
                unknown = sorted(set(test) - OPERATORS)
                if unknown:
                    allowed = ", ".join(sorted(OPERATORS))
                    raise ValueError(f"unknown operator {unknown[0]!r} for {fact} (one of {allowed})")
        return self


class RuleSet(Strict):

    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self


# ------------------------------------------------------------------------------------------------ plan


class WaveStatus(StrEnum):
    planned = "planned"
    executed = "executed"
    rolled_back = "rolled_back"
    failed = "failed"


class WaveEvent(Strict):
    """One thing that happened to a wave during execution; appended, never rewritten."""

    at: datetime
    status: WaveStatus
    by: str | None = None
    note: str = ""


class StepKind(StrEnum):
    pre_check = "pre_check"
    network_cutover = "network_cutover"
    pre_sync = "pre_sync"
    cutover = "cutover"
    verification = "verification"
    rollback = "rollback"


class Step(Strict):
    kind: StepKind
    title: str
    systems: list[str] = Field(default_factory=list)
    starts: datetime | None = None
    hours: float | None = None
    notes: list[str] = Field(default_factory=list)


class Transfer(Strict):
    """Data one system moves at cutover, and how long it takes over its site's uplink."""

    system: str
    site: str
    data_gb: float
    mbps: float
    bandwidth_source: str
    hours: float
    downtime_window_h: float | None
    presync: bool
    presync_start: date | None = None
    final_delta_h: float | None = None


class Resources(Strict):
    systems: int = 0
    vcpu: int = 0
    ram_gb: float = 0
    storage_gb: float = 0
    data_gb: float = 0


class MoveGroup(Strict):
    """Systems that move together: a dependency cycle, a latency-sensitive pair, or one system alone."""

    id: str
    systems: list[str]
    why: list[str] = Field(default_factory=list)
    after: list[str] = Field(default_factory=list, description="groups that must be in the cloud first")
    resources: Resources = Field(default_factory=Resources)


class Wave(Strict):
    id: str
    window_start: datetime
    window_end: datetime
    status: WaveStatus = WaveStatus.planned
    history: list[WaveEvent] = Field(default_factory=list)
    groups: list[MoveGroup]
    totals: Resources
    transfers: list[Transfer] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    after_deadline: bool = False

    @property
    def systems(self) -> list[str]:
        return [s for g in self.groups for s in g.systems]


class Unplanned(Strict):
    """A system that is not in any wave (or misses the deadline), with the reason."""

    system: str
    reason: str


class MigrationPlan(Strict):
    name: str
    inventory: str
    catalogue_digest: str
    start: date
    deadline: date
    deadline_source: str
    capacity: WaveCapacity
    summary: dict[str, int]
    waves: list[Wave]
    retire: list[Unplanned] = Field(default_factory=list)
    retain: list[Unplanned] = Field(default_factory=list)
    held: list[Unplanned] = Field(default_factory=list)
    misses: list[Unplanned] = Field(default_factory=list)
    cycles: list[list[str]] = Field(default_factory=list)

    def wave_of(self) -> dict[str, str]:
        return {s: wave.id for wave in self.waves for s in wave.systems}
