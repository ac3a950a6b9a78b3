"""Migration planning: the policy that bounds it, each system's assessment, and the plan of waves.

Pure data. A plan file (`migration_plans/<name>.yaml`) is a `MigrationPlan`: deterministic, sorted, without
timestamps, so two runs on the same input give the same bytes and `git diff` shows only what changed. Each wave
carries a `status` and a `history` that the execution commands append to; planning never writes them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Literal

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
    crews: int = Field(default=2, ge=1, le=64, description="systems (move groups) cut over at the same time")
    switch_hours: float = Field(default=1.0, ge=0, le=24, description="per system: freeze, switch DNS or the VIP "
                                "and smoke-test, on top of the final data copy")


class TransferAssumptions(Strict):
    """How fast data crosses the extranet to the cloud.

    `efficiency` is the share of the uplink a bulk copy really gets (protocol overhead, other traffic);
    `default_mbps` stands in where the inventory knows no uplink for the hosting site.
    """

    efficiency: float = Field(default=0.7, gt=0, le=1)
    default_mbps: int = Field(default=100, gt=0)
    presync_lead_days: int = Field(default=2, ge=0, description="days of slack before a wave for a pre-sync")


class People(Strict):
    """Who answers for the migration: the approver who gives each wave its go, the on-call contacts during a
    window, and a contact per department (`department name: contact`). Owners of systems are in systems.yaml."""

    approver: str | None = None
    wave_approvers: dict[str, str] = Field(default_factory=dict, description="wave id: its approver, where it is "
                                           "not the default approver")
    on_call: list[str] = Field(default_factory=list)
    contacts: dict[str, str] = Field(default_factory=dict)


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
    people: People = Field(default_factory=People)
    sector_clouds: dict[str, Literal["connect", "move"]] = Field(
        default_factory=dict, description="sector cloud site: connect (its systems join the city's unified "
        "management where they are) or move (to the city cloud); a sector cloud not named here moves")


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
    "classification": "public, internal, sensitive, classified or unclassified",
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
    "depends_on_classified": "true when the system and a classified system that stays call each other",
}

OPERATORS = frozenset({"eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "exists"})

# The values a fact with a fixed vocabulary can take: a rule testing any other value is an error, so a typo such as
# `{classification: CLASSIFIED}` is refused instead of silently matching nothing.
_BOOLEAN = (True, False)
FACT_VALUES: dict[str, tuple[object, ...]] = {
    "classification": ("public", "internal", "sensitive", "classified", "unclassified"),
    "criticality": ("low", "medium", "high", "critical"),
    "lifecycle": ("built", "building"),
    "network_kind": ("extranet", "intranet", "private"),
    "private_network_status": ("separate", "cutover_planned", "merged", None),
    "ipv6": ("full", "partial", "none", "unknown"),
    "website_fate": ("keep", "consolidate", "retire", None),
    "os_past_eol": _BOOLEAN,
    "database_past_eol": _BOOLEAN,
    "hardware_bound": _BOOLEAN,
    "depends_on_classified": _BOOLEAN,
}
_VALUE_OPERATORS = frozenset({"eq", "ne", "in", "not_in"})


def _check_values(fact: str, test: Any) -> None:
    allowed = FACT_VALUES.get(fact)
    if allowed is None:
        return
    if isinstance(test, dict):
        if "exists" in test and not isinstance(test["exists"], bool):
            raise ValueError(f"exists for {fact} takes true or false")
        values = [v for op, expected in test.items() if op in _VALUE_OPERATORS
                  for v in (expected if isinstance(expected, list) else [expected])]
        ordered = sorted(set(test) - _VALUE_OPERATORS - {"exists"})
        if ordered:
            raise ValueError(f"operator {ordered[0]!r} does not apply to {fact}, which is not a number")
    else:
        values = test if isinstance(test, list) else [test]
    for value in values:
        # bool is an int: compare by type as well, so `1` is not taken for `true`.
        if not any(value == a and type(value) is type(a) for a in allowed):
            shown = ", ".join("none" if a is None else str(a).lower() for a in allowed)
            raise ValueError(f"unknown value {value!r} for {fact} (one of {shown})")


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
            _check_values(fact, test)
        return self


class ClassifyRule(Strict):
    """Gives a classification to an imported system that has none, from its department or a source tag.

    `department` matches the system's department exactly; `tag` matches a tag the source file gave, written
    `Category=Value` (Konveyor's tag category and tag). Where several rules match, the most restrictive wins.
    """

    department: str | None = None
    tag: str | None = None
    classification: str

    @model_validator(mode="after")
    def _one_test(self) -> ClassifyRule:
        if (self.department is None) == (self.tag is None):
            raise ValueError("give exactly one of department or tag")
        if self.classification not in ("public", "internal", "sensitive", "classified"):
            raise ValueError(f"unknown classification {self.classification!r} (public, internal, sensitive or "
                             "classified)")
        if self.tag is not None and "=" not in self.tag:
            raise ValueError(f"tag {self.tag!r}: write Category=Value")
        return self


class RuleSet(Strict):

    rules: list[Rule] = Field(min_length=1)
    classify: list[ClassifyRule] = Field(default_factory=list)

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
    signed_off = "signed_off"
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
    go_no_go = "go_no_go"
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
    owner: str | None = None
    notes: list[str] = Field(default_factory=list)


class Transfer(Strict):
    """Data one system moves at cutover, and how long it takes over its site's uplink."""

    system: str
    site: str
    data_gb: float
    mbps: float
    bandwidth_source: str
    hours: float
    downtime_window_h: float | None = None
    presync: bool
    presync_start: date | None = None
    final_delta_h: float | None = None


class Slot(Strict):
    """One system's outage inside its wave's window: from freezing writes to its smoke test passing."""

    system: str
    group: str
    starts: datetime
    ends: datetime
    hours: float
    downtime_window_h: float | None = None
    after: list[str] = Field(default_factory=list, description="groups of this wave that cut over before it")
    note: str | None = None


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


class SystemPeople(Strict):
    """Who answers for one system in a wave: its owner and department, and the department's contact."""

    system: str
    department: str
    owner: str | None = None
    contact: str | None = None


class Wave(Strict):
    id: str
    window_start: datetime
    window_end: datetime
    status: WaveStatus = WaveStatus.planned
    approver: str | None = None
    on_call: list[str] = Field(default_factory=list)
    people: list[SystemPeople] = Field(default_factory=list)
    history: list[WaveEvent] = Field(default_factory=list)
    groups: list[MoveGroup]
    totals: Resources
    transfers: list[Transfer] = Field(default_factory=list)
    slots: list[Slot] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    after_deadline: bool = False
    classification: dict[str, str] = Field(default_factory=dict, description="each system's classification when "
                                           "the plan was made; only public, internal and sensitive ones move")
    strategy: dict[str, Strategy] = Field(default_factory=dict, description="each system's 6R strategy: its "
                                          "runbook (`migrate runbook`)")

    @property
    def systems(self) -> list[str]:
        return [s for g in self.groups for s in g.systems]

    @property
    def signoff(self) -> WaveEvent | None:
        """The sign-off in force: the last one, unless the wave has been run since (each run needs its own go)."""
        for event in reversed(self.history):
            if event.status is WaveStatus.signed_off:
                return event
            if event.status is not WaveStatus.planned:
                return None
        return None


class Unplanned(Strict):
    """A system that is not in any wave (or misses the deadline), with the reason."""

    system: str
    reason: str


MOVABLE_CLASSIFICATIONS = frozenset({"public", "internal", "sensitive"})


class HybridLink(Strict):
    """A moving (or held) system that talks to a classified system which stays: the cloud needs a link to it."""

    system: str
    classified: str
    direction: str
    latency_sensitive: bool
    network: str
    held: bool
    needs: str


class NetworkPlan(Strict):
    """A private network's fold-in as the plan carries it (task 4): its own cutover, before the systems on it."""

    id: str
    name: str
    name_en: str
    department: str
    owner: str | None = None
    classification: str | None = None
    target: str
    approach: str | None = None
    reason: str | None = None
    status: str
    cutover: date | None = None
    cutover_at: datetime | None = Field(default=None, description="when its cutover begins: the cutover day at "
                                        "the policy's window start")
    sites: list[str] = Field(default_factory=list)
    prefixes: list[str] = Field(default_factory=list)
    systems: list[str] = Field(default_factory=list)
    overlaps: list[str] = Field(default_factory=list, description="address overlaps to resolve before a merger")
    renumber: list[str] = Field(default_factory=list, description="this network's prefixes to renumber, each "
                                "`prefix -> proposal` (or `-> none free`)")


class SectorCloudPlan(Strict):
    """A department's own cloud or machine room (task 6): connected to the city cloud or moved into it."""

    site: str
    name: str
    name_en: str
    mode: str
    systems: list[str] = Field(default_factory=list)
    connected: list[str] = Field(default_factory=list, description="joined to unified management, not moved")
    interconnect: str | None = Field(default=None, description="the active circuit to the city cloud, if any")
    prefix: str | None = Field(default=None, description="the site's IPv6 prefix in the address plan")


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
    blockers: list[Unplanned] = Field(default_factory=list, description="systems no wave may take until a "
                                      "person classifies them")
    hybrid: list[HybridLink] = Field(default_factory=list)
    must_stay: list[str] = Field(default_factory=list, description="classified and unclassified systems: never "
                                 "in a wave")
    others: list[SystemPeople] = Field(default_factory=list, description="who answers for the systems that "
                                       "retire or stay (their runbook steps)")
    networks: list[NetworkPlan] = Field(default_factory=list)
    connected: list[Unplanned] = Field(default_factory=list, description="systems connected where they are "
                                       "(迁移和接入: connect without moving)")
    sector_clouds: list[SectorCloudPlan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _nothing_that_must_stay_moves(self) -> MigrationPlan:
        stays = set(self.must_stay)
        for wave in self.waves:
            found = sorted(s for s in wave.systems
                           if s in stays or wave.classification.get(s) not in MOVABLE_CLASSIFICATIONS)
            if found:
                shown = ", ".join(f"{s} ({wave.classification.get(s, 'no classification recorded')})" for s in found)
                raise ValueError(f"wave {wave.id} holds {shown}: only public, internal and sensitive systems move; "
                                 "classified systems never do (make the plan again with `ezgov migrate plan`)")
        return self

    @model_validator(mode="after")
    def _dates_inside_the_plan(self) -> MigrationPlan:
        first = datetime.combine(self.start, time())
        for wave in self.waves:
            for step in wave.steps:
                if step.starts is not None and step.starts < first:
                    raise ValueError(f"wave {wave.id}: {step.kind.value} step starts {step.starts:%Y-%m-%d %H:%M}, "
                                     f"before the plan starts on {self.start}")
            for slot in wave.slots:
                if slot.starts < wave.window_start or slot.ends > wave.window_end:
                    raise ValueError(f"wave {wave.id}: {slot.system}'s slot {slot.starts:%Y-%m-%d %H:%M} to "
                                     f"{slot.ends:%Y-%m-%d %H:%M} is outside the wave's window")
        return self

    def wave_of(self) -> dict[str, str]:
        return {s: wave.id for wave in self.waves for s in wave.systems}
