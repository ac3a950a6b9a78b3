"""Write an inventory as a NetBox 4.x bulk-import set: one CSV per object type, in the order NetBox must import
them, with the columns NetBox's import forms require (status, manufacturer, device type, role, interface type, ...).

Related objects are named by slug (`region.slug`, `site.slug`, `role.slug`: NetBox's `FIELD.ATTRIBUTE` header), so
two villages of one name in different townships stay apart. What NetBox has no field for is a custom field
(`cf_*`, to be defined in NetBox before the import). NetBox needs a device type where ezgov may not know the model:
such a device gets the type `Unrecorded` (manufacturer `Unrecorded`), which the importer reads back as unknown.
An interface's type, which ezgov does not keep, is `virtual` for loopbacks and NetBox's `other` for the rest.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from ezgov_infra.errors import InventoryError, Problem
from ezgov_infra.models.inventory import Device, InterfaceKind, Inventory
from ezgov_infra.store.netbox_format import SITE_TERMINATION, SLUG, slugify
from ezgov_infra.store.netbox_read import UNRECORDED

# The order NetBox must import a set in: each file refers only to files before it.
ORDER = ("regions", "site_groups", "sites", "manufacturers", "device_types", "device_roles", "platforms", "devices",
         "interfaces", "ip_addresses", "prefixes", "providers", "circuit_types", "circuits", "circuit_terminations")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _text(v) for v in row])
    return buffer.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_slugs(inv: Inventory) -> None:
    problems = [Problem("<export>", None, f"{kind}.{rid}", "not a NetBox slug (letters, digits, - and _ only)",
                        "rename it before exporting to NetBox")
                for kind in ("regions", "sites") for rid in getattr(inv, kind) if not SLUG.match(rid)]
    problems += [Problem("<export>", None, f"circuits.{c.id}", f"circuit type {c.access_type!r} is not a NetBox slug")
                 for c in inv.circuits.values() if not SLUG.match(c.access_type)]
    if problems:
        raise InventoryError(problems)


def _manufacturer(device: Device) -> str:
    return device.platform if device.model else UNRECORDED


def export_set(inv: Inventory) -> dict[str, str]:
    """File name -> CSV text, for every object type the inventory has."""
    _check_slugs(inv)
    # parents before children: NetBox resolves `parent` against the rows it has already created
    regions = sorted(inv.regions.values(), key=lambda r: (len(inv.region_path(r.id)), r.id))
    sites = sorted(inv.sites.values(), key=lambda s: s.id)
    devices = sorted(inv.devices.values(), key=lambda d: d.id)
    interfaces = sorted(inv.interfaces.values(), key=lambda i: i.id)
    circuits = sorted(inv.circuits.values(), key=lambda c: c.id)
    files: dict[str, str] = {}
    files["regions"] = _table(
        ["name", "slug", "parent.slug", "cf_name_en", "cf_level", "cf_kind", "cf_households", "cf_setting",
         "cf_sample"],
        ([r.name, r.id, r.parent, r.name_en, r.level.value, r.kind.value, r.households,
          r.setting.value if r.setting else None, r.sample] for r in regions))
    categories = sorted({s.category.value for s in sites})
    files["site_groups"] = _table(["name", "slug"], ([c, c] for c in categories))
    files["sites"] = _table(
        ["name", "slug", "status", "region.slug", "group.slug", "physical_address", "latitude", "longitude",
         "cf_name_en", "cf_category", "cf_setting", "cf_extranet_required", "cf_sample"],
        ([s.name, s.id, "active", s.region, s.category.value, s.address,
          s.coordinates[0] if s.coordinates else None, s.coordinates[1] if s.coordinates else None,
          s.name_en, s.category.value, s.setting.value, s.extranet_required, s.sample] for s in sites))
    types = sorted({(_manufacturer(d), d.model or UNRECORDED) for d in devices})
    files["manufacturers"] = _table(["name", "slug"], ([m, _slug(m, "manufacturer", i)]
                                                       for i, m in enumerate(sorted({m for m, _ in types}))))
    files["device_types"] = _table(["manufacturer", "model", "slug"],
                                   ([m, model, _slug(model, "type", i)] for i, (m, model) in enumerate(types)))
    files["device_roles"] = _table(["name", "slug", "color"],
                                   ([r, r, "9e9e9e"] for r in sorted({d.role.value for d in devices})))
    files["platforms"] = _table(["name", "slug"], ([p, p] for p in sorted({d.platform for d in devices})))
    on_port = {(i.device, str(a)) for i in interfaces for a in (*i.ipv4, *i.ipv6)}

    def mgmt(device: Device, address: Any) -> str | None:
        return None if address is None or (device.id, str(address)) in on_port else str(address)

    files["devices"] = _table(
        ["name", "role.slug", "manufacturer", "device_type", "platform.slug", "serial", "status", "site.slug",
         "cf_credential_profile", "cf_snmp_profile", "cf_snmp_port", "cf_lab", "cf_collection", "cf_snapshot",
         "cf_mgmt_ipv4", "cf_mgmt_ipv6"],
        ([d.id, d.role.value, _manufacturer(d), d.model or UNRECORDED, d.platform, d.serial, "active", d.site,
          d.credential_profile, d.snmp_profile, d.snmp_port, d.lab, d.collection.value, d.snapshot,
          mgmt(d, d.mgmt_ipv4), mgmt(d, d.mgmt_ipv6)] for d in devices))
    files["interfaces"] = _table(
        ["device", "name", "type", "enabled", "mgmt_only", "description", "cf_kind"],
        ([i.device, i.name, "virtual" if i.kind is InterfaceKind.loopback else "other", i.enabled,
          i.kind is InterfaceKind.management, i.description, i.kind.value] for i in interfaces))
    primary = {(d.id, str(a)) for d in devices for a in (d.mgmt_ipv4, d.mgmt_ipv6) if a is not None}
    files["ip_addresses"] = _table(
        ["address", "status", "device", "interface", "is_primary"],
        ([str(a), "active", i.device, i.name, (i.device, str(a)) in primary]
         for i in interfaces for a in (*i.ipv4, *i.ipv6)))
    files["prefixes"] = _table(
        ["prefix", "status", "scope_type", "scope_name", "cf_role", "description"],
        ([p.id, "active", "dcim.site" if p.site else "dcim.region" if p.region else None,
          inv.sites[p.site].name if p.site in inv.sites else inv.regions[p.region].name if p.region in inv.regions
          else None, p.role.value, p.description] for p in sorted(inv.prefixes.values(), key=lambda p: p.id)))
    providers = sorted({c.provider for c in circuits})
    files["providers"] = _table(["name", "slug"], ([p, _slug(p, "provider", i)] for i, p in enumerate(providers)))
    files["circuit_types"] = _table(["name", "slug"], ([t, t] for t in inv.policy.circuit_types))
    files["circuits"] = _table(
        ["cid", "provider", "type.slug", "status", "commit_rate", "install_date", "cf_a_end", "cf_z_end"],
        ([c.id, c.provider, c.access_type, c.status.value, c.contracted_mbps * 1000, c.installed,
          c.a_end if c.a_end in inv.interfaces else None, c.z_end if c.z_end in inv.interfaces else None]
         for c in circuits))
    files["circuit_terminations"] = _table(
        ["circuit", "term_side", "termination_type", "termination_id"],
        ([c.id, side, SITE_TERMINATION, site] for c in circuits
         for side, site in (("A", _end_site(inv, c.a_end)), ("Z", _end_site(inv, c.z_end))) if site))
    return {f"{name}.csv": files[name] for name in ORDER}


def _end_site(inv: Inventory, end: str) -> str | None:
    if end in inv.sites:
        return end
    interface = inv.interfaces.get(end)
    device = inv.devices.get(interface.device) if interface else None
    return device.site if device else None


def _slug(name: str, what: str, index: int) -> str:
    """A slug for an object ezgov knows only by name (a provider, a device type): its ASCII letters and digits, or
    `WHAT-N` for a name with none (`中国电信`)."""
    return slugify(name) or f"{what}-{index + 1}"
