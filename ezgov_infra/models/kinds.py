"""The closed sets of words ezgov uses everywhere: severities, rule categories, readiness, languages, output formats,
inventory kinds, classifications, website fates and carriers. Plain enums, no I/O and no pydantic, so the CLI offers
them as choices without copying them and without importing the models."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"


class Category(StrEnum):
    data_plane = "data plane"
    control_plane = "control plane"
    management_plane = "management plane"
    security = "security"
    services = "services"


class Readiness(StrEnum):
    ready = "ready"
    partial = "partial"
    not_ready = "not ready"
    unknown = "unknown"


class Lang(StrEnum):
    """The languages of what ezgov writes for people: messages, remedies, runbooks and reports."""

    zh = "zh"
    en = "en"


class Format(StrEnum):
    """How a listing is printed."""

    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"


class DataFormat(StrEnum):
    """How records are exported (no table: these are files)."""

    csv = "csv"
    json = "json"
    yaml = "yaml"


class InventoryKind(StrEnum):
    """The record kinds a user lists, shows, imports and exports."""

    regions = "regions"
    sites = "sites"
    devices = "devices"
    interfaces = "interfaces"
    circuits = "circuits"
    prefixes = "prefixes"
    websites = "websites"
    networks = "networks"


class Classification(StrEnum):
    public = "public"
    internal = "internal"
    sensitive = "sensitive"
    classified = "classified"
    unclassified = "unclassified"  # not given by any source yet: held until a person classifies it


class Carrier(StrEnum):
    telecom = "telecom"
    mobile = "mobile"
    unicom = "unicom"
    broadcast = "broadcast"


class WebsiteFate(StrEnum):
    keep = "keep"
    consolidate = "consolidate"
    retire = "retire"
