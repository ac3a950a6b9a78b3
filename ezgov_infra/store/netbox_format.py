"""NetBox 4.x bulk-import CSV: the files of a set, the columns NetBox's import forms define, and which of them
ezgov reads.

A NetBox set is a folder with one CSV per object type, named after NetBox's URL of the type (`sites.csv`,
`circuit-terminations.csv` or `circuit_terminations.csv`, ...). The column lists are those of NetBox 4.6's
`*ImportForm.Meta.fields` (plus `id`, which every import form takes, and columns earlier 4.x releases had), so a
file NetBox writes or accepts never meets "unknown column". Custom fields are `cf_NAME`. A column NetBox defines and
ezgov does not model is read past and reported once as ignored; any other column is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMON = ("id", "owner", "comments", "tags")
_NESTED = ("name", "slug", "parent", "description", *_COMMON)


@dataclass(frozen=True, slots=True)
class NetBoxKind:
    """One NetBox object type: its file, every column NetBox knows, and the columns ezgov reads."""

    name: str
    known: frozenset[str]
    used: frozenset[str]
    custom: frozenset[str] = frozenset()  # the cf_* columns ezgov reads

    @property
    def files(self) -> tuple[str, str]:
        return f"{self.name}.csv", f"{self.name.replace('_', '-')}.csv"


def _kind(name: str, known: tuple[str, ...], used: tuple[str, ...], custom: tuple[str, ...] = ()) -> NetBoxKind:
    return NetBoxKind(name, frozenset(known), frozenset(used), frozenset(f"cf_{c}" for c in custom))


# In the order references resolve: a file refers only to kinds above it.
KINDS: dict[str, NetBoxKind] = {k.name: k for k in (
    _kind("tenants", ("name", "slug", "group", "description", *_COMMON), ("name", "slug")),
    _kind("regions", _NESTED, ("name", "slug", "parent"),
          ("name_en", "level", "kind", "households", "setting", "sample")),
    _kind("site_groups", _NESTED, ("name", "slug", "parent")),
    _kind("sites", ("name", "slug", "status", "region", "group", "tenant", "facility", "time_zone", "description",
                    "physical_address", "shipping_address", "latitude", "longitude", *_COMMON),
          ("name", "slug", "region", "group", "physical_address", "latitude", "longitude"),
          ("name_en", "category", "setting", "extranet_required", "sample")),
    _kind("manufacturers", ("name", "slug", "description", *_COMMON), ("name", "slug")),
    _kind("device_types", ("manufacturer", "default_platform", "model", "slug", "part_number", "u_height",
                           "exclude_from_utilization", "is_full_depth", "subdevice_role", "airflow", "description",
                           "weight", "weight_unit", *_COMMON), ("manufacturer", "model", "slug")),
    _kind("device_roles", ("name", "slug", "parent", "color", "vm_role", "config_template", "description",
                           *_COMMON), ("name", "slug")),
    _kind("platforms", ("name", "slug", "parent", "manufacturer", "config_template", "description", *_COMMON),
          ("name", "slug")),
    _kind("devices", ("name", "role", "tenant", "manufacturer", "device_type", "platform", "serial", "asset_tag",
                      "status", "site", "location", "rack", "position", "face", "latitude", "longitude", "parent",
                      "device_bay", "airflow", "virtual_chassis", "vc_position", "vc_priority", "cluster",
                      "description", "config_template", *_COMMON),
          ("name", "role", "manufacturer", "device_type", "platform", "serial", "site"),
          ("credential_profile", "snmp_profile", "snmp_port", "lab", "collection", "snapshot", "mgmt_ipv4",
           "mgmt_ipv6")),
    _kind("interfaces", ("device", "name", "label", "parent", "bridge", "lag", "type", "speed", "duplex", "enabled",
                         "mark_connected", "wwn", "vdcs", "mtu", "mgmt_only", "description", "poe_mode", "poe_type",
                         "mode", "vlan_group", "untagged_vlan", "tagged_vlans", "qinq_svlan", "vrf", "rf_role",
                         "rf_channel", "rf_channel_frequency", "rf_channel_width", "tx_power", "id", "owner",
                         "tags"),
          ("device", "name", "enabled", "mgmt_only", "description"), ("kind",)),
    _kind("vrfs", ("name", "rd", "tenant", "enforce_unique", "description", "import_targets", "export_targets",
                   *_COMMON), ("name",)),
    _kind("ip_addresses", ("address", "vrf", "tenant", "status", "role", "device", "virtual_machine", "interface",
                           "fhrp_group", "is_primary", "is_oob", "dns_name", "description", *_COMMON),
          ("address", "device", "interface", "is_primary")),
    # `site` is the scope column of NetBox 4.0 and 4.1, before `scope_type`/`scope_id` (4.2) and `scope_name` (4.4)
    _kind("prefixes", ("prefix", "vrf", "tenant", "vlan_group", "vlan_site", "vlan", "status", "role", "scope_type",
                       "scope_name", "scope_id", "site", "is_pool", "mark_utilized", "description", *_COMMON),
          ("prefix", "role", "scope_type", "scope_name", "scope_id", "site", "description"), ("role",)),
    _kind("providers", ("name", "slug", "description", *_COMMON), ("name", "slug")),
    _kind("circuit_types", ("name", "slug", "color", "description", *_COMMON), ("name", "slug")),
    _kind("circuits", ("cid", "provider", "provider_account", "type", "status", "tenant", "install_date",
                       "termination_date", "commit_rate", "distance", "distance_unit", "description", *_COMMON),
          ("cid", "provider", "type", "status", "install_date", "commit_rate"), ("a_end", "z_end")),
    _kind("circuit_terminations", ("circuit", "term_side", "termination_type", "termination_id", "port_speed",
                                   "upstream_speed", "xconnect_id", "pp_info", "description", "id", "tags"),
          ("circuit", "term_side", "termination_type", "termination_id")),
)}

# What a referring column names, as NetBox resolves it (`to_field_name`), when the header gives no `.field`.
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
CIRCUIT_STATUSES = ("planned", "active", "decommissioned")
# NetBox's circuit statuses with no ezgov equivalent: an error naming the three ezgov keeps, never a guess.
NETBOX_ONLY_CIRCUIT_STATUSES = ("provisioning", "offline", "deprovisioning")
SITE_TERMINATION = "dcim.site"


def column_letter(index: int) -> str:
    """A spreadsheet's name for the column at `index` (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def slugify(text: str) -> str:
    """NetBox's slug alphabet: the ASCII letters, digits, `-` and `_` of the text, lower case."""
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
