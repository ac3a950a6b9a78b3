"""What each kind of inventory record offers the selector (`models.selector`): its keys and their values.

Every record answers to its own kind's key (`device:`, `site:`, `circuit:` ...) with its id. A record that sits
at a site also answers to the site's `region` (every region from the city down to the site's), `district`,
`category` and `setting`; one on a device also to the device's `role`, `platform` and `lab` (`true`/`false`).
A fact the inventory does not give (a circuit whose end is not a known device) has no value, so no glob matches
it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ezgov_infra.models.inventory import Device, Inventory
from ezgov_infra.models.selector import Facets, Subjects

SITE_KEYS = ("site", "region", "district", "category", "setting")
DEVICE_KEYS = ("device", *SITE_KEYS, "role", "platform", "lab")

KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("region", "district", "level"),
    "sites": (*SITE_KEYS, "device"),
    "devices": DEVICE_KEYS,
    "interfaces": ("interface", *DEVICE_KEYS, "kind"),
    "circuits": ("circuit", *SITE_KEYS, "status", "provider", "access_type"),
    "prefixes": ("prefix", *SITE_KEYS, "role"),
    "websites": ("website", "region", "district", "fate", "department"),
    "networks": ("network", "site", "district", "status", "target", "department"),
}
NOUNS = {"regions": "region", "sites": "site", "devices": "device", "interfaces": "interface",
         "circuits": "circuit", "prefixes": "prefix", "websites": "website", "networks": "network"}


def _one(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


class _Facets:
    """Facets of one inventory, each region's path and each site's facets worked out once."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._paths: dict[str, tuple[str, ...]] = {}
        self._sites: dict[str, dict[str, tuple[str, ...]]] = {}

    def region(self, region_id: str | None) -> dict[str, tuple[str, ...]]:
        if not region_id:
            return {"region": (), "district": ()}
        if region_id not in self._paths:
            self._paths[region_id] = tuple(self.inventory.region_path(region_id))
        return {"region": self._paths[region_id], "district": _one(self.inventory.district_of(region_id))}

    def site(self, site_id: str | None) -> dict[str, tuple[str, ...]]:
        site = self.inventory.sites.get(site_id or "")
        if site is None:
            return {"site": _one(site_id), "region": (), "district": (), "category": (), "setting": ()}
        if site.id not in self._sites:
            self._sites[site.id] = {"site": (site.id,), **self.region(site.region), "category": (site.category.value,),
                                    "setting": (site.setting.value,)}
        return self._sites[site.id]

    def device(self, device: Device) -> dict[str, tuple[str, ...]]:
        return {"device": (device.id,), **self.site(device.site), "role": (device.role.value,),
                "platform": (device.platform,), "lab": ("true" if device.lab else "false",)}

    def device_id(self, device_id: str) -> dict[str, tuple[str, ...]]:
        device = self.inventory.devices.get(device_id)
        if device is None:
            return {"device": (device_id,), **self.site(None), "role": (), "platform": (), "lab": ()}
        return self.device(device)


def devices(inventory: Inventory, only: Iterable[str] | None = None, noun: str = "device") -> Subjects:
    """The inventory's devices (or those named in `only`), sorted by id."""
    facets = _Facets(inventory)
    ids = sorted(inventory.devices) if only is None else list(only)
    return Subjects(noun, DEVICE_KEYS, {d: facets.device(inventory.devices[d]) for d in ids})


def sites(inventory: Inventory, only: Iterable[str] | None = None, noun: str = "site") -> Subjects:
    """The inventory's sites (or those named in `only`), sorted by id; `device:` is any device at the site."""
    facets = _Facets(inventory)
    at: dict[str, list[str]] = {}
    for device in sorted(inventory.devices.values(), key=lambda d: d.id):
        at.setdefault(device.site, []).append(device.id)
    ids = sorted(inventory.sites) if only is None else list(only)
    return Subjects(noun, KEYS["sites"], {s: {**facets.site(s), "device": tuple(at.get(s, ()))} for s in ids})


def records(inventory: Inventory, kind: str) -> Subjects:
    """Every record of one listable kind (`inventory list`), sorted by id."""
    facets = _Facets(inventory)
    found: dict[str, Facets] = {}
    if kind == "regions":
        for rid, region in inventory.regions.items():
            found[rid] = {**facets.region(rid), "level": (region.level.value,)}
    elif kind == "sites":
        return sites(inventory)
    elif kind == "devices":
        return devices(inventory)
    elif kind == "interfaces":
        for iid, interface in inventory.interfaces.items():
            found[iid] = {"interface": (iid,), **facets.device_id(interface.device), "kind": (interface.kind.value,)}
    elif kind == "circuits":
        for cid, circuit in inventory.circuits.items():
            found[cid] = {"circuit": (cid,), **facets.site(inventory.end_site(circuit.a_end)),
                          "status": (circuit.status.value,), "provider": (circuit.provider,),
                          "access_type": (circuit.access_type,)}
    elif kind == "prefixes":
        for pid, prefix in inventory.prefixes.items():
            place = facets.site(prefix.site) if prefix.site else {**facets.site(None), **facets.region(prefix.region)}
            found[pid] = {"prefix": (pid,), **place, "role": (prefix.role.value,)}
    elif kind == "websites":
        for wid, website in inventory.websites.items():
            found[wid] = {"website": (wid,), **facets.region(website.region), "fate": (website.fate.value,),
                          "department": (website.department,)}
    elif kind == "networks":
        for nid, network in inventory.networks.items():
            districts = {d for s in network.sites for d in facets.site(s)["district"]}
            found[nid] = {"network": (nid,), "site": tuple(network.sites), "district": tuple(sorted(districts)),
                          "status": (network.status,), "target": (network.target.value,),
                          "department": (network.department,)}
    else:
        raise KeyError(kind)
    return Subjects(NOUNS[kind], KEYS[kind], {rid: found[rid] for rid in sorted(found)})
