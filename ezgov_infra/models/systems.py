"""The migration catalogue: legacy government information systems and what they depend on (the plan's task 5).

Pure data. `systems.yaml` is keyed by system id like every inventory file; cross-record rules (hosting site,
network, website and dependency targets exist, cycles) live in `check_catalogue` below.

A dependency is declared on the system that has it:

- `direction: outbound` (the default): this system calls `target`, so `target` must be in the cloud no later than it;
- `direction: inbound`: `target` calls this system, so this system must move no later than `target`;
- `direction: both`: they call each other; the two are one move group.

`latency_sensitive: true` marks a chatty pair that must never be split across the extranet, whatever the direction.

Classification is the plan's one absolute rule: a `classified` (涉密) system never moves, and neither does an
`unclassified` one (imported without a classification) until a person classifies it. `MUST_STAY` names both; the
planner, the plan model, the executor, staging and the cutover playbook each check it in code, whatever the
assessment rules say. Where sources disagree the most restrictive classification wins (`most_restrictive`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from enum import StrEnum
from ipaddress import ip_address

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ezgov_infra.models.checks import Issue
from ezgov_infra.models.inventory import Id, Inventory, Record
from ezgov_infra.models.kinds import Classification

# How restrictive each level is; `unclassified` is the absence of a level, not a level, so it never outranks one.
RESTRICTIVENESS = {Classification.public: 0, Classification.internal: 1, Classification.sensitive: 2,
                   Classification.classified: 3}
MUST_STAY = frozenset({Classification.classified, Classification.unclassified})


def most_restrictive(levels: Iterable[Classification | str | None]) -> Classification:
    """The most restrictive of the levels any source gives; `unclassified` when none gives one."""
    given = [Classification(level) for level in levels if level not in (None, "", Classification.unclassified)]
    return max(given, key=RESTRICTIVENESS.__getitem__) if given else Classification.unclassified


class Criticality(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Ipv6Support(StrEnum):
    full = "full"
    partial = "partial"
    none = "none"
    unknown = "unknown"


class Direction(StrEnum):
    outbound = "outbound"
    inbound = "inbound"
    both = "both"


class Lifecycle(StrEnum):
    """The plan speaks of systems `built` and `building`: both move; a system being built deploys in the cloud."""

    built = "built"
    building = "building"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Stack(Strict):
    """What the system runs on. End-of-life dates drive the replatform/refactor rules."""

    os: str
    os_version: str = ""
    os_eol: date | None = None
    database: str | None = None
    database_version: str | None = None
    database_eol: date | None = None
    middleware: str | None = None


class Dependency(Strict):
    target: Id
    direction: Direction = Direction.outbound
    criticality: Criticality = Criticality.medium
    latency_sensitive: bool = False
    note: str | None = None

    @field_validator("note")
    @classmethod
    def _blank_note_is_none(cls, value: str | None) -> str | None:
        return value or None


class LegacySystem(Record):
    """One government information system as its department runs it today.

    Sizes: `vcpu`, `ram_gb` and `storage_gb` are what the cloud must provide; `data_gb` is what has to cross the
    extranet at cutover and `change_gb_per_day` how fast it changes (for the final delta after a pre-sync).
    Times are hours: `downtime_window_h` is the outage the owner accepts, `rto_h`/`rpo_h` the recovery targets.
    """

    name: str
    name_en: str
    description: str | None = None
    notes: str | None = None
    tags: list[str] = Field(default_factory=list, description="source tags not modelled otherwise, Category=Value")
    department: str
    owner: str | None = None
    classification: Classification
    criticality: Criticality = Criticality.medium
    lifecycle: Lifecycle = Lifecycle.built
    site: Id
    network: Id = "extranet"
    stack: Stack
    vcpu: int = Field(gt=0, le=4096)
    ram_gb: float = Field(gt=0, le=65536)
    storage_gb: float = Field(ge=0, le=10_000_000)
    data_gb: float | None = Field(default=None, ge=0, le=10_000_000)
    change_gb_per_day: float | None = Field(default=None, ge=0)
    downtime_window_h: float | None = Field(default=None, gt=0, le=720)
    rto_h: float | None = Field(default=None, ge=0)
    rpo_h: float | None = Field(default=None, ge=0)
    ipv6: Ipv6Support = Ipv6Support.unknown
    users: int | None = Field(default=None, ge=0)
    website: str | None = None
    hardware_bound: bool = False
    addresses: list[str] = Field(default_factory=list, description="the servers' IP addresses, as discovered")
    cpu_util_pct: float | None = Field(default=None, ge=0, le=100)
    memory_util_pct: float | None = Field(default=None, ge=0, le=100)
    dependencies: list[Dependency] = Field(default_factory=list)

    @property
    def must_stay(self) -> bool:
        return self.classification in MUST_STAY

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [str(ip_address(a.strip())) for a in value]

    @field_validator("name", "name_en", "department", "owner")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("control characters (line breaks, tabs) are not allowed here")
        return value

    @model_validator(mode="after")
    def _own_dependencies(self) -> LegacySystem:
        seen: set[str] = set()
        for dep in self.dependencies:
            if dep.target == self.id:
                raise ValueError("a system cannot depend on itself")
            if dep.target in seen:
                raise ValueError(f"dependency on {dep.target!r} listed twice")
            seen.add(dep.target)
        if self.data_gb is not None and self.data_gb > self.storage_gb > 0:
            raise ValueError(f"data_gb {self.data_gb:g} exceeds storage_gb {self.storage_gb:g}")
        return self


# Optional facts whose absence lowers an assessment's confidence (the data a planner wishes it had).
COMPLETENESS_FIELDS: tuple[str, ...] = (
    "owner", "data_gb", "change_gb_per_day", "downtime_window_h", "rto_h", "rpo_h", "users",
    "stack.os_eol", "stack.database", "ipv6",
)

BUILTIN_NETWORKS = ("extranet", "intranet")


def check_catalogue(systems: Mapping[str, LegacySystem], inventory: Inventory) -> list[Issue]:
    return sorted(_references(systems, inventory), key=lambda i: (i.id, [str(p) for p in i.path]))


def _references(systems: Mapping[str, LegacySystem], inventory: Inventory) -> Iterator[Issue]:
    for system in systems.values():
        if system.site not in inventory.sites:
            yield Issue("systems", system.id, ("site",), f"unknown site {system.site!r}",
                        "hosting sites are ids in sites.yaml")
        if system.network not in BUILTIN_NETWORKS and system.network not in inventory.networks:
            yield Issue("systems", system.id, ("network",), f"unknown network {system.network!r}",
                        "extranet, intranet or a private network id in networks.yaml")
        if system.website is not None and system.website not in inventory.websites:
            yield Issue("systems", system.id, ("website",), f"unknown website {system.website!r}",
                        "websites are host names in websites.yaml")
        for index, dep in enumerate(system.dependencies):
            if dep.target not in systems:
                yield Issue("systems", system.id, ("dependencies", index, "target"),
                            f"unknown system {dep.target!r}", "dependency targets are ids in systems.yaml")
