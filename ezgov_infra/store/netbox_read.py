"""Read a NetBox bulk-import set (a folder of CSVs) into inventory record bodies, resolving references across
files in one pass.

NetBox names a related object by its `name` (a header `site.slug` or `site.id` says otherwise); ezgov looks a
reference up in the set first, then in the inventory it is importing into. What ezgov needs and NetBox does not
hold comes from custom fields (`cf_category`, `cf_credential_profile`, ...) or from NetBox's own objects where one
says it: a site group whose slug is a site category, an interface marked `mgmt_only`, a region's depth in the
region tree (city, district, township, village) for its level, the level's own kind, the slug as the English name.
Anything else missing is an error on the row and column that should have said it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ezgov_infra.errors import InventoryError
from ezgov_infra.models.inventory import Inventory, PrefixRole, RegionLevel, SiteCategory
from ezgov_infra.store.netbox_format import (
    CIRCUIT_STATUSES,
    KINDS,
    NETBOX_ONLY_CIRCUIT_STATUSES,
    SITE_TERMINATION,
    slugify,
)
from ezgov_infra.store.netbox_sheets import Lookup, NetBoxSet, Sheet, index_inventory, index_sheet, sheets

UNRECORDED = "Unrecorded"

_LEVELS = [RegionLevel.city, RegionLevel.district, RegionLevel.township, RegionLevel.village]
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def read_set(folder: Path, known: Inventory) -> NetBoxSet:
    """Every CSV of a NetBox set as inventory bodies. A wrong file or header raises InventoryError at once; a
    wrong row is left in `problems`, for the caller to report with what checking the records finds."""
    out = NetBoxSet()
    found = sheets(folder, out)
    lookup = Lookup()
    index_inventory(known, lookup)
    for kind in KINDS.values():  # index every name first so a file may refer to any kind
        sheet = found.get(kind.name)
        if sheet is not None:
            index_sheet(sheet, lookup)
    reader = _Reader(found, lookup, known, out)
    if any(p.line in (None, 1) for p in out.problems):
        raise InventoryError(out.problems)  # a file or a header is wrong: its rows would only repeat it
    reader.run()
    return out

# Kinds a set may leave out: a cell naming one is then the slug (or, for a provider, the name) itself.
_UNLISTED: dict[str, Callable[[str], str]] = {
    "device_roles": slugify, "platforms": slugify, "circuit_types": slugify, "site_groups": slugify, "providers": str,
}
_FLAGS = {"sample", "extranet_required", "lab"}
class _Reader:
    """Turns each sheet's rows into bodies, kind by kind."""

    def __init__(self, sheets: dict[str, Sheet], lookup: Lookup, known: Inventory, out: NetBoxSet) -> None:
        self.sheets, self.lookup, self.known, self.out = sheets, lookup, known, out

    def run(self) -> None:
        for name in ("regions", "sites", "devices", "interfaces", "ip_addresses", "prefixes", "circuits",
                     "circuit_terminations"):
            sheet = self.sheets.get(name)
            if sheet is not None:
                getattr(self, f"_{name}")(sheet)
        self._circuit_ends()

    def ref(self, sheet: Sheet, line: int, row: dict[str, str], column: str, kind: str) -> str | None:
        """The ezgov id a referring cell names; a problem on the cell when nothing has that name."""
        value = row.get(column)
        if value is None:
            return None
        hit = self.lookup.find(kind, value, sheet.columns[column][1])
        if hit is None:
            if kind not in self.sheets and kind in _UNLISTED:
                return _UNLISTED[kind](value)  # the set has no file of this kind: the cell says the value itself
            self.out.problems.append(sheet.problem(line, column, f"no {kind.replace('_', ' ')[:-1]} {value!r}"))
        return hit

    def custom(self, sheet: Sheet, row: dict[str, str], body: dict[str, Any]) -> None:
        for column in sheet.kind.custom:
            value = row.get(column)
            if value is not None:
                name = column.removeprefix("cf_")
                body[name] = _flag(value) if name in _FLAGS else value

    def _regions(self, sheet: Sheet) -> None:
        parents: dict[str, str | None] = {r.id: r.parent for r in self.known.regions.values()}
        rows = []
        for line, row in sheet.rows:
            slug = row.get("slug")
            if slug is None:
                self.out.problems.append(sheet.problem(line, "slug", "missing slug"))
                continue
            parents[slug] = self.ref(sheet, line, row, "parent", "regions")
            rows.append((line, row, slug))
        for line, row, slug in rows:
            body: dict[str, Any] = {"name": row.get("name"), "name_en": slug, "parent": parents[slug]}
            self.custom(sheet, row, body)
            if "level" not in body:
                depth, up = 0, parents[slug]
                while up is not None and depth < len(_LEVELS):
                    depth, up = depth + 1, parents.get(up)
                if depth < len(_LEVELS):
                    body["level"] = _LEVELS[depth].value
            if "kind" not in body and "level" in body:
                body["kind"] = body["level"]
            self.out.put("regions", slug, _drop_none(body), sheet, line, "slug")

    def _sites(self, sheet: Sheet) -> None:
        for line, row in sheet.rows:
            slug = row.get("slug")
            if slug is None:
                self.out.problems.append(sheet.problem(line, "slug", "missing slug"))
                continue
            body: dict[str, Any] = {"name": row.get("name"), "name_en": slug,
                                    "region": self.ref(sheet, line, row, "region", "regions"),
                                    "address": row.get("physical_address")}
            group = self.ref(sheet, line, row, "group", "site_groups")
            if group is not None and group.replace("-", "_") in SiteCategory.__members__:
                body["category"] = group.replace("-", "_")
            lat, lon = row.get("latitude"), row.get("longitude")
            if lat is not None or lon is not None:
                try:
                    body["coordinates"] = [float(lat or ""), float(lon or "")]
                except ValueError:
                    self.out.problems.append(sheet.problem(line, "latitude", "give latitude and longitude as numbers"))
            self.custom(sheet, row, body)
            self.out.put("sites", slug, _drop_none(body), sheet, line, "slug")

    def _devices(self, sheet: Sheet) -> None:
        for line, row in sheet.rows:
            name = row.get("name")
            if name is None:
                self.out.problems.append(sheet.problem(line, "name", "missing name (ezgov keys devices by name)"))
                continue
            body: dict[str, Any] = {"site": self.ref(sheet, line, row, "site", "sites"),
                                    "role": self.ref(sheet, line, row, "role", "device_roles"),
                                    "platform": self.ref(sheet, line, row, "platform", "platforms"),
                                    "model": row.get("device_type"), "serial": row.get("serial")}
            if body["model"] == UNRECORDED:
                body["model"] = None  # what the exporter writes where NetBox needs a type and ezgov knows none
            self.custom(sheet, row, body)
            self.out.put("devices", name, _drop_none(body), sheet, line, "name")

    def _interfaces(self, sheet: Sheet) -> None:
        for line, row in sheet.rows:
            device, name = self.ref(sheet, line, row, "device", "devices"), row.get("name")
            if device is None or name is None:
                if name is None:
                    self.out.problems.append(sheet.problem(line, "name", "missing name"))
                elif row.get("device") is None:
                    self.out.problems.append(sheet.problem(line, "device", "missing device"))
                continue
            body: dict[str, Any] = {"device": device, "name": name, "description": row.get("description")}
            enabled = row.get("enabled")
            if enabled is not None:
                body["enabled"] = _flag(enabled)
            if _flag(row.get("mgmt_only") or "") is True:
                body["kind"] = "management"
            self.custom(sheet, row, body)
            self.out.put("interfaces", f"{device}:{name}", _drop_none(body), sheet, line, "name")

    def _ip_addresses(self, sheet: Sheet) -> None:
        """Each address onto its interface (and, `is_primary`, the device's management address). The address is
        checked with the interface's record; an error on it comes back to this file's line."""
        unassigned: list[int] = []
        for line, row in sheet.rows:
            text = row.get("address")
            if text is None or "/" not in text:
                self.out.problems.append(sheet.problem(line, "address", f"not an address with its length: {text!r}"))
                continue
            device, name = row.get("device"), row.get("interface")
            if device is None or name is None:
                unassigned.append(line)
                continue
            device_id = self.ref(sheet, line, row, "device", "devices")
            if device_id is None:
                continue
            rid = f"{device_id}:{name}"
            port = self._interface(rid)
            if port is None:
                self.out.problems.append(sheet.problem(line, "interface", f"no interface {name!r} on {device_id!r}"))
                continue
            family = "ipv6" if ":" in text else "ipv4"
            addresses = port.setdefault(family, [])
            if text not in addresses:
                self.out.addresses[(rid, family, len(addresses))] = (sheet, line)
                addresses.append(text)
            if _flag(row.get("is_primary") or "") is True:
                owner = self._device(device_id)
                if owner is not None:
                    owner[f"mgmt_{family}"] = text
        if unassigned:
            shown = ", ".join(str(n) for n in unassigned[:10]) + (" ..." if len(unassigned) > 10 else "")
            self.out.ignored.append(f"{Path(sheet.file).name}: {len(unassigned)} addresses on no device interface "
                                    f"(lines {shown})")

    def _interface(self, rid: str) -> dict[str, Any] | None:
        bodies = self.out.bodies.setdefault("interfaces", {})
        if rid not in bodies and rid in self.known.interfaces:
            bodies[rid] = self.known.interfaces[rid].model_dump(mode="json", exclude={"id"}, exclude_none=True)
        return bodies.get(rid)

    def _device(self, rid: str) -> dict[str, Any] | None:
        bodies = self.out.bodies.setdefault("devices", {})
        if rid not in bodies and rid in self.known.devices:
            bodies[rid] = self.known.devices[rid].model_dump(mode="json", exclude={"id"}, exclude_none=True)
        return bodies.get(rid)

    def _prefixes(self, sheet: Sheet) -> None:
        for line, row in sheet.rows:
            prefix = row.get("prefix")
            if prefix is None:
                self.out.problems.append(sheet.problem(line, "prefix", "missing prefix"))
                continue
            body: dict[str, Any] = {"description": row.get("description")}
            role = row.get("role")
            if role is not None:
                body["role"] = slugify(role).replace("-", "_")
                if body["role"] not in PrefixRole.__members__:
                    self.out.problems.append(sheet.problem(line, "role", f"prefix role {role!r} is not one ezgov "
                                                           "plans", "one of " + ", ".join(PrefixRole)))
            self.custom(sheet, row, body)
            scope_type = row.get("scope_type")
            scope = row.get("scope_name") or row.get("scope_id")
            column = "scope_name" if row.get("scope_name") else "scope_id"
            if row.get("site") is not None:
                body["site"] = self.ref(sheet, line, row, "site", "sites")
            elif scope is not None:
                kind = {"dcim.site": "sites", "dcim.region": "regions"}.get(scope_type or "")
                if kind is None:
                    self.out.problems.append(sheet.problem(line, "scope_type", f"scope type {scope_type!r}",
                                                           "ezgov scopes a prefix to dcim.region or dcim.site"))
                    continue
                accessor = "id" if column == "scope_id" else "name"
                hit = self.lookup.find(kind, scope, accessor) or self.lookup.find(kind, scope, None)
                if hit is None:
                    self.out.problems.append(sheet.problem(line, column, f"no {kind[:-1]} {scope!r}"))
                body["site" if kind == "sites" else "region"] = hit
            self.out.put("prefixes", prefix, _drop_none(body), sheet, line, "prefix")

    def _circuits(self, sheet: Sheet) -> None:
        for line, row in sheet.rows:
            cid = row.get("cid")
            if cid is None:
                self.out.problems.append(sheet.problem(line, "cid", "missing cid"))
                continue
            body: dict[str, Any] = {"provider": self.ref(sheet, line, row, "provider", "providers"),
                                    "access_type": self.ref(sheet, line, row, "type", "circuit_types"),
                                    "installed": row.get("install_date")}
            status = row.get("status")
            if status in NETBOX_ONLY_CIRCUIT_STATUSES:
                self.out.problems.append(sheet.problem(line, "status", f"NetBox status {status!r} has no ezgov "
                                                       "equivalent", "one of " + ", ".join(CIRCUIT_STATUSES)))
            elif status is not None:
                body["status"] = status
            rate = row.get("commit_rate")
            if rate is not None:
                if not rate.isdigit() or int(rate) % 1000:
                    self.out.problems.append(sheet.problem(line, "commit_rate", f"{rate!r} Kbps is not whole Mbps",
                                                           "ezgov keeps contracted rates in Mbps"))
                else:
                    body["contracted_mbps"] = int(rate) // 1000
            self.custom(sheet, row, body)
            self.out.put("circuits", cid, _drop_none(body), sheet, line, "cid")

    def _circuit_terminations(self, sheet: Sheet) -> None:
        seen: dict[tuple[str, str], int] = {}
        for line, row in sheet.rows:
            cid = self.ref(sheet, line, row, "circuit", "circuits")
            side = (row.get("term_side") or "").upper()
            if cid is None:
                if row.get("circuit") is None:
                    self.out.problems.append(sheet.problem(line, "circuit", "missing circuit"))
                continue
            if side not in ("A", "Z"):
                self.out.problems.append(sheet.problem(line, "term_side", "term_side is A or Z"))
                continue
            if (cid, side) in seen:
                self.out.problems.append(sheet.problem(line, "term_side", f"side {side} of {cid!r} already on "
                                                       f"line {seen[(cid, side)]}"))
                continue
            seen[(cid, side)] = line
            kind = row.get("termination_type")
            if kind != SITE_TERMINATION:
                self.out.problems.append(sheet.problem(line, "termination_type", f"termination type {kind!r}",
                                                       "ezgov ends a circuit at a site (dcim.site) or, with "
                                                       "cf_a_end/cf_z_end, on an interface"))
                continue
            site = self.ref(sheet, line, row, "termination_id", "sites")
            if site is None:
                if row.get("termination_id") is None:
                    self.out.problems.append(sheet.problem(line, "termination_id", "missing termination_id"))
                continue
            body = self.out.bodies.get("circuits", {}).get(cid)
            if body is None and cid in self.known.circuits:
                body = self.known.circuits[cid].model_dump(mode="json", exclude={"id"}, exclude_none=True)
                body["_known"] = True  # its ends are the inventory's until a termination here says otherwise
                self.out.put("circuits", cid, body, sheet, line, "circuit")
            if body is not None:
                body.setdefault("_terminations", {})[side] = site

    def _circuit_ends(self) -> None:
        for cid, body in self.out.bodies.get("circuits", {}).items():
            sites = body.pop("_terminations", {})
            if body.pop("_known", False):
                body.update({end: sites[side] for side, end in (("A", "a_end"), ("Z", "z_end")) if side in sites})
            sheet, line = self.out.origin[("circuits", cid)]
            for side, end in (("A", "a_end"), ("Z", "z_end")):
                if end not in body:
                    if side in sites:
                        body[end] = sites[side]
                    else:
                        self.out.problems.append(sheet.problem(
                            line, f"cf_{end}", f"circuit {cid!r} has no {side} end",
                            f"give a circuit termination with term_side {side}, or cf_{end} (DEVICE:INTERFACE)"))


def _flag(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return text


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
