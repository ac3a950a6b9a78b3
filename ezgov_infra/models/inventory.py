"""The extranet inventory: regions, sites, devices, interfaces, circuits, prefixes, websites, private networks.

Pure data. Each kind lives in its own YAML file keyed by a stable id; the key is the record's `id`.
Cross-record rules (dangling references, overlapping prefixes) live in `models.checks`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Interface, IPv4Network, IPv6Interface, IPv6Network, ip_network
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ezgov_infra.models.kinds import Classification, WebsiteFate
from ezgov_infra.models.policy import Policy

Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]*$")]


class Record(BaseModel):
    """Base of every inventory record: unknown fields are errors, ids are the YAML keys."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True, allow_inf_nan=False)

    id: Id


def _address_text(value: Any) -> Any:
    """An address is written as text: YAML reads `mgmt_ipv4: 12` as a number, which ipaddress would take as
    0.0.0.12 without a word."""
    if isinstance(value, int | float):
        raise ValueError("write the address as text, e.g. 198.51.100.1/24 or 2001:db8::1/64")
    return value


@lru_cache(maxsize=1 << 18)
def _interface(text: str) -> IPv4Interface | IPv6Interface | None:
    try:
        return IPv6Interface(text) if ":" in text else IPv4Interface(text)
    except ValueError:
        return None


def _parsed(kind: type[IPv4Interface] | type[IPv6Interface]) -> Any:
    """`_address_text`, then text parsed once per process (a province's import validates each address several
    times); what is not an address of `kind` goes on as it came to pydantic's validator, which words the error."""
    def parse(value: Any) -> Any:
        value = _address_text(value)
        parsed = _interface(value) if isinstance(value, str) else None
        return parsed if isinstance(parsed, kind) else value
    return BeforeValidator(parse)


V4If = Annotated[IPv4Interface, _parsed(IPv4Interface)]
V6If = Annotated[IPv6Interface, _parsed(IPv6Interface)]


class RegionLevel(StrEnum):
    city = "city"
    district = "district"
    township = "township"
    village = "village"


LEVEL_ORDER = {RegionLevel.city: 0, RegionLevel.district: 1, RegionLevel.township: 2, RegionLevel.village: 3}


class RegionKind(StrEnum):
    city = "city"
    district = "district"
    development_zone = "development_zone"
    town = "town"
    township = "township"
    subdistrict = "subdistrict"
    village = "village"
    community = "community"


KINDS_BY_LEVEL: dict[RegionLevel, set[RegionKind]] = {
    RegionLevel.city: {RegionKind.city},
    RegionLevel.district: {RegionKind.district, RegionKind.development_zone},
    RegionLevel.township: {RegionKind.town, RegionKind.township, RegionKind.subdistrict},
    RegionLevel.village: {RegionKind.village, RegionKind.community},
}


class Setting(StrEnum):
    urban = "urban"
    rural = "rural"


class Region(Record):
    name: str
    name_en: str
    level: RegionLevel
    kind: RegionKind
    parent: Id | None = None
    households: int | None = Field(default=None, ge=0)
    setting: Setting | None = None
    sample: bool = False

    @property
    def urban(self) -> bool:
        """A leaf's households are urban in a community (社区), rural in a village (行政村), unless `setting` says."""
        if self.setting is not None:
            return self.setting is Setting.urban
        return self.kind is RegionKind.community

    @model_validator(mode="after")
    def _kind_fits_level(self) -> Region:
        if self.kind not in KINDS_BY_LEVEL[self.level]:
            allowed = ", ".join(sorted(k.value for k in KINDS_BY_LEVEL[self.level]))
            raise ValueError(f"kind {self.kind.value!r} does not fit level {self.level.value!r} ({allowed})")
        if self.level is RegionLevel.city and self.parent is not None:
            raise ValueError("a city has no parent region")
        if self.level is not RegionLevel.city and self.parent is None:
            raise ValueError(f"a {self.level.value} needs a parent region")
        return self


class SiteCategory(StrEnum):
    service_centre = "service_centre"
    trading_centre = "trading_centre"
    community_centre = "community_centre"
    department = "department"
    data_centre = "data_centre"
    cloud = "cloud"
    sector_cloud = "sector_cloud"  # a department's own cloud or machine room (task 6)


CENTRE_CATEGORIES = frozenset(
    {SiteCategory.service_centre, SiteCategory.trading_centre, SiteCategory.community_centre}
)


class Site(Record):
    name: str
    name_en: str
    region: Id
    category: SiteCategory
    setting: Setting
    extranet_required: bool | None = None
    address: str | None = None
    coordinates: tuple[float, float] | None = None
    sample: bool = False

    @property
    def needs_extranet(self) -> bool:
        """The plan's task 3: the three centre categories must be on the extranet unless said otherwise."""
        if self.extranet_required is not None:
            return self.extranet_required
        return self.category in CENTRE_CATEGORIES


SNMP_PORT = 161
Port = Annotated[int, Field(ge=1, le=65535)]


class DeviceRole(StrEnum):
    core = "core"
    aggregation = "aggregation"
    access = "access"
    firewall = "firewall"


class Collection(StrEnum):
    live = "live"
    offline = "offline"


class Device(Record):
    site: Id
    role: DeviceRole
    platform: Id
    model: str | None = None
    mgmt_ipv4: V4If | None = None
    mgmt_ipv6: V6If | None = None
    credential_profile: Id
    snmp_profile: Id | None = None
    snmp_port: Port | None = None  # when the agent is not on its profile's port (default 161)
    lab: bool = False
    collection: Collection = Collection.live
    snapshot: str | None = None
    serial: str | None = None

    @model_validator(mode="after")
    def _offline_needs_snapshot(self) -> Device:
        if self.collection is Collection.offline and not self.snapshot:
            raise ValueError("collection 'offline' needs a snapshot folder")
        return self


class InterfaceKind(StrEnum):
    loopback = "loopback"
    uplink = "uplink"
    downlink = "downlink"
    lan = "lan"
    management = "management"


class Interface(Record):
    """An interface; its id is `DEVICE:NAME` (for example `ez-core-1:eth1`)."""

    device: Id
    name: str
    kind: InterfaceKind
    description: str | None = None
    enabled: bool = True
    ipv4: list[V4If] = Field(default_factory=list)
    ipv6: list[V6If] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _split_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" in data and ("device" not in data or "name" not in data):
            device, sep, name = str(data["id"]).partition(":")
            if sep:
                data = {**data}
                data.setdefault("device", device)
                data.setdefault("name", name)
        return data

    @model_validator(mode="after")
    def _id_matches(self) -> Interface:
        if self.id != f"{self.device}:{self.name}":
            raise ValueError(f"interface id must be DEVICE:NAME, here {self.device}:{self.name}")
        return self


class CircuitStatus(StrEnum):
    planned = "planned"
    active = "active"
    decommissioned = "decommissioned"


class Circuit(Record):
    """A WAN circuit joining a site's uplink (`a_end`) to its parent (`z_end`).

    An end names an interface (`DEVICE:NAME`) or, where the circuit is recorded only as far as the building (as
    NetBox terminates most village circuits), a site. The access type is one of the policy's `circuit_types`.
    """

    provider: str
    a_end: Id
    z_end: Id
    access_type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    contracted_mbps: int = Field(gt=0, le=400_000)
    status: CircuitStatus = CircuitStatus.active
    installed: date | None = None


class PrefixRole(StrEnum):
    aggregate = "aggregate"
    region = "region"
    site = "site"
    management = "management"
    users = "users"
    servers = "servers"
    p2p = "p2p"
    loopback = "loopback"


@lru_cache(maxsize=1 << 18)
def parse_prefix(text: str) -> tuple[IPv4Network | IPv6Network, str]:
    """A prefix and its canonical text, parsed once per process (a province's prefixes are validated and checked
    several times in one import); ValueError when it is not one."""
    net: IPv4Network | IPv6Network = IPv6Network(text) if ":" in text else IPv4Network(text)
    return net, str(net)


class Prefix(Record):
    """An IPv4 or IPv6 allocation; its id is the prefix itself."""

    region: Id | None = None
    site: Id | None = None
    role: PrefixRole
    description: str | None = None

    @property
    def network(self) -> IPv4Network | IPv6Network:
        return parse_prefix(self.id)[0]

    @model_validator(mode="after")
    def _valid_scope(self) -> Prefix:

        try:
            _, canonical = parse_prefix(self.id)
        except ValueError as exc:
            raise ValueError(f"not a prefix: {exc}") from None
        if canonical != self.id:
            raise ValueError(f"write the prefix canonically as {canonical}")
        if self.region and self.site:
            raise ValueError("a prefix is scoped to a region or a site, not both")
        return self


class Website(Record):
    """A government website (the plan's task 20); its id is the host name."""

    name: str
    name_en: str
    department: str
    region: Id
    fate: WebsiteFate
    consolidate_into: str | None = None

    @model_validator(mode="after")
    def _target_when_consolidated(self) -> Website:
        if self.fate is WebsiteFate.consolidate and not self.consolidate_into:
            raise ValueError("fate 'consolidate' needs consolidate_into")
        return self


class NetworkTarget(StrEnum):
    extranet = "extranet"
    intranet = "intranet"


class NetworkApproach(StrEnum):
    """How a private network folds in: merged into the target (renumbered where it overlaps), cut over to it
    (its sites move to the target's access, the old network is switched off), or kept separate (with a reason)."""

    merge = "merge"
    cutover = "cutover"
    keep_separate = "keep_separate"


class PrivateNetwork(Record):
    """A department's private business network (业务专网) to fold into the extranet (the plan's task 4), "by cutover
    or merger, graded and classified": its prefixes (the overlap check's input), sites, owner and classification."""

    name: str
    name_en: str
    department: str
    owner: str | None = None
    classification: Classification | None = None
    sites: list[Id] = Field(default_factory=list)
    prefixes: list[str] = Field(default_factory=list)
    target: NetworkTarget = NetworkTarget.extranet
    approach: NetworkApproach | None = None
    reason: str | None = None
    status: Literal["separate", "cutover_planned", "merged"] = "separate"
    cutover: date | None = None

    @field_validator("prefixes")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        canonical: list[str] = []
        for text in value:
            try:
                network = ip_network(str(text).strip())
            except ValueError as exc:
                raise ValueError(f"not a prefix: {exc}") from None
            if str(network) != str(text).strip():
                raise ValueError(f"write the prefix canonically as {network}")
            canonical.append(str(network))
        return canonical

    @model_validator(mode="after")
    def _separate_needs_a_reason(self) -> PrivateNetwork:
        if self.approach is NetworkApproach.keep_separate and not self.reason:
            raise ValueError("a network kept separate needs a reason")
        return self


class CredentialSource(StrEnum):
    env = "env"
    vault = "vault"
    lab = "lab"


class CredentialProfile(Record):
    """Where a secret comes from, never the secret: environment variable names, a vault file, or the lab."""

    source: CredentialSource
    username: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    vault_file: str | None = None
    vault_key: str | None = None


class SnmpProfile(Record):
    """How to reach an SNMP agent; communities and keys come from the environment, a vault or the lab."""

    version: Literal["2c", "3"]
    source: CredentialSource
    community_env: str | None = None
    user: str | None = None
    auth_protocol: Literal["SHA", "SHA256", "SHA512", "MD5"] | None = None
    priv_protocol: Literal["AES", "AES256", "DES"] | None = None
    auth_key_env: str | None = None
    priv_key_env: str | None = None
    vault_file: str | None = None
    port: Port | None = None  # UDP port of the agents polled with this profile (default 161)

    def port_for(self, device: Device) -> int:
        """The UDP port to poll `device` on: its own, else the profile's, else 161."""
        return device.snmp_port or self.port or SNMP_PORT


class Inventory(BaseModel):
    """Everything in one inventory folder, keyed by id."""

    model_config = ConfigDict(extra="forbid")

    regions: dict[str, Region] = Field(default_factory=dict)
    sites: dict[str, Site] = Field(default_factory=dict)
    devices: dict[str, Device] = Field(default_factory=dict)
    interfaces: dict[str, Interface] = Field(default_factory=dict)
    circuits: dict[str, Circuit] = Field(default_factory=dict)
    prefixes: dict[str, Prefix] = Field(default_factory=dict)
    websites: dict[str, Website] = Field(default_factory=dict)
    networks: dict[str, PrivateNetwork] = Field(default_factory=dict)
    credentials: dict[str, CredentialProfile] = Field(default_factory=dict)
    snmp: dict[str, SnmpProfile] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)

    def district_of(self, region_id: str) -> str | None:
        """The district-level region above (or equal to) a region, None for the city itself."""
        region = self.regions.get(region_id)
        while region is not None:
            if region.level is RegionLevel.district:
                return region.id
            region = self.regions.get(region.parent) if region.parent else None
        return None

    def site_district(self, site_id: str) -> str | None:
        site = self.sites.get(site_id)
        return self.district_of(site.region) if site else None

    def poller_group(self, device_id: str) -> str:
        """The poller group whose workers collect a device: `policy.poller_groups` for the device, else its site,
        else its district; else the district itself (`city` for a site above every district)."""
        groups = self.policy.poller_groups
        device = self.devices[device_id]
        district = self.site_district(device.site)
        for key in (device.id, device.site, district):
            if key is not None and key in groups:
                return groups[key]
        return district or "city"

    def region_path(self, region_id: str) -> list[str]:
        """Region ids from the city down to this region."""
        path: list[str] = []
        region = self.regions.get(region_id)
        while region is not None and region.id not in path:
            path.append(region.id)
            region = self.regions.get(region.parent) if region.parent else None
        return list(reversed(path))

    def end_site(self, end: str) -> str | None:
        """The site a circuit end is at: its interface's device's site, or the site a circuit ends at itself."""
        interface = self.interfaces.get(end)
        if interface is not None:
            device = self.devices.get(interface.device)
            return device.site if device else None
        return end if end in self.sites else None

    def devices_at(self, site_id: str) -> list[Device]:
        return [d for d in self.devices.values() if d.site == site_id]


# The kinds a user names on the command line, in load order, with the file each lives in.
KIND_FILES: dict[str, str] = {
    "regions": "regions.yaml",
    "sites": "sites.yaml",
    "devices": "devices.yaml",
    "interfaces": "interfaces.yaml",
    "circuits": "circuits.yaml",
    "prefixes": "prefixes.yaml",
    "websites": "websites.yaml",
    "networks": "networks.yaml",
    "credentials": "credentials.yaml",
    "snmp": "snmp.yaml",
}

KIND_MODELS: dict[str, type[Record]] = {
    "regions": Region,
    "sites": Site,
    "devices": Device,
    "interfaces": Interface,
    "circuits": Circuit,
    "prefixes": Prefix,
    "websites": Website,
    "networks": PrivateNetwork,
    "credentials": CredentialProfile,
    "snmp": SnmpProfile,
}

POLICY_FILE = "policy.yaml"

