"""Targets and thresholds from the city's plan, overridable in `policy.yaml`.

Site bandwidth targets are the city's policy for upgrading the extranet (the plan's task 3, which names no figure):
urban sites 1000 Mbps, rural sites 100 Mbps unless policy.yaml says otherwise per site category or site. Every
required centre on the extranet (task 3). Households' broadband and 4G (task 1) are in `broadband:`. The 2019
milestones (cloud platform by September, extranet upgrade and migration by December,
collaboration platform by December 2020).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ezgov_infra.models.broadband import BroadbandPolicy
from ezgov_infra.models.plan import MigrationPolicy


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class BandwidthPolicy(Strict):
    """Extranet sites' minimum access bandwidth, the city's policy for task 3: per setting, overridden per site
    category (`category_mbps`), overridden per site (`site_mbps`)."""

    urban_mbps: int = Field(default=1000, gt=0)
    rural_mbps: int = Field(default=100, gt=0)
    category_mbps: dict[str, int] = Field(default_factory=dict)
    site_mbps: dict[str, int] = Field(default_factory=dict)
    congestion_p95: float = Field(default=0.70, gt=0, le=1)
    delivery_ratio: float = Field(default=0.90, gt=0, le=1)
    sample_interval_s: int = Field(default=300, gt=0)
    scrape_interval_s: int = Field(default=60, ge=5, le=3600)  # Prometheus' scrape of the SNMP engine

    def target_mbps(self, site_id: str, category: str, setting: str) -> int:
        if site_id in self.site_mbps:
            return self.site_mbps[site_id]
        if category in self.category_mbps:
            return self.category_mbps[category]
        return self.urban_mbps if setting == "urban" else self.rural_mbps


class AddressingPolicy(Strict):
    """The IPv6 address plan's shape: a root prefix carved along the region tree, nibble-aligned.

    `headroom` is how many times the current number of children each level must be able to hold
    (2 means room for twice today's districts, townships, villages or sites).
    """

    root: str = "2001:db8::/32"
    site_prefixlen: int = Field(default=56, ge=40, le=64)
    infrastructure_prefixlen: int = Field(default=48, ge=36, le=60)
    headroom: dict[str, float] = Field(
        default_factory=lambda: {"district": 2.0, "township": 2.0, "village": 2.0, "site": 2.0}
    )
    segments: dict[str, int] = Field(
        default_factory=lambda: {"management": 0, "users": 1, "servers": 2}
    )
    ipv4_pool: list[str] = Field(default_factory=list, description="IPv4 blocks free for renumbering private "
                                 "networks that overlap (task 4)")

    @field_validator("ipv4_pool")
    @classmethod
    def _ipv4_pool(cls, value: list[str]) -> list[str]:
        for text in value:
            try:
                IPv4Network(text)
            except ValueError as exc:
                raise ValueError(f"not an IPv4 prefix: {exc}") from None
        return value

    @field_validator("root")
    @classmethod
    def _ipv6_root(cls, value: str) -> str:

        try:
            IPv6Network(value)
        except ValueError as exc:
            raise ValueError(f"not an IPv6 prefix (the address plan is IPv6 only): {exc}") from None
        return value


class Milestone(Strict):
    id: str
    name: str
    name_en: str
    due: date


def _default_milestones() -> list[Milestone]:
    return [
        Milestone(id="cloud-platform", name="政务云平台建成运行", name_en="Government cloud platform running",
                  due=date(2019, 9, 30)),
        Milestone(id="extranet-migration", name="电子政务外网升级和系统迁移基本完成",
                  name_en="Extranet upgrade and system migration essentially complete", due=date(2019, 12, 31)),
        Milestone(id="collaboration", name="协同办公平台建成", name_en="Collaboration platform complete",
                  due=date(2020, 12, 31)),
    ]


class ReportPolicy(Strict):
    """Who issues the progress report and how it is marked (`内部资料` ...); unset means not printed."""

    issuer: str | None = None
    issuer_en: str | None = None
    marking: str | None = None
    marking_en: str | None = None


# Circuit access types a city starts with; `circuit_types:` in policy.yaml replaces the list.
DEFAULT_CIRCUIT_TYPES = ("fibre", "mstp", "pon", "dsl", "lte", "microwave")

class ScheduledJob(StrEnum):
    ipv6_audit = "ipv6-audit"
    web_check = "web-check"
    bandwidth_poll = "bandwidth-poll"


_CRON_FIELD = re.compile(r"^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?)*$")


class Schedule(Strict):
    """One continuous run: which job, when (`cron`, five fields in the policy's `timezone`, or `every_s`), on which
    devices (`limit`, a selector as the commands take), and through the poller groups' workers or not."""

    job: ScheduledJob
    cron: str | None = None
    every_s: int | None = Field(default=None, ge=60)
    limit: str = ""
    distributed: bool = True
    rounds: int = Field(default=3, ge=2)  # bandwidth-poll only
    interval_s: float = Field(default=10.0, ge=5)  # bandwidth-poll only

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str | None) -> str | None:
        if value is None:
            return value
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError("not a five-field cron line (minute hour day-of-month month day-of-week), "
                             "e.g. '0 2 * * *'")
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Schedule:
        if (self.cron is None) == (self.every_s is None):
            raise ValueError("give exactly one of cron or every_s")
        return self


class Policy(Strict):
    """Everything in `policy.yaml`. Sections other issues own (migration capacity, audit weights) nest here."""

    extranet_roots: list[str] = Field(default_factory=list)
    circuit_types: list[str] = Field(default_factory=lambda: list(DEFAULT_CIRCUIT_TYPES), min_length=1)
    bandwidth: BandwidthPolicy = Field(default_factory=BandwidthPolicy)
    addressing: AddressingPolicy = Field(default_factory=AddressingPolicy)
    milestones: list[Milestone] = Field(default_factory=_default_milestones)
    migration: MigrationPolicy = Field(default_factory=MigrationPolicy)
    broadband: BroadbandPolicy = Field(default_factory=BroadbandPolicy)
    report: ReportPolicy = Field(default_factory=ReportPolicy)
    audit: dict[str, Any] = Field(default_factory=dict)
    # Distributed collection: a device's poller group is its own entry here, else its site's, else its district's
    # (a region id), else the district itself; each group is one queue its workers serve.
    poller_groups: dict[str, str] = Field(default_factory=dict)
    schedule: dict[str, Schedule] = Field(default_factory=dict)
    # The city's time zone (an IANA name): the cron lines of `schedule:` are read in it.
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"'{value}' is not a time zone name (IANA, e.g. Asia/Shanghai)") from exc
        return value
