"""The inventory as an Ansible YAML inventory: nested region groups, plus category, role and platform groups.

Group names are valid Ansible identifiers (`region_echeng`, `category_service_centre`, `role_core`,
`platform_frr`, `lab`). Each host's vars sit in its region leaf group; the other groups list it bare. Secrets are
never exported: a host carries its credential profile *name* only.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from typing import Any

from ezgov_infra.errors import UnsupportedError
from ezgov_infra.models.inventory import Device, Inventory
from ezgov_infra.platforms import PlatformProfile, load_profile


@functools.lru_cache(maxsize=4096)
def group_name(prefix: str, value: str) -> str:
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', value)}"


def platform_profile(name: str) -> PlatformProfile | None:
    """The device's platform profile; None for a platform ezgov does not know (its hosts get no network_os)."""
    try:
        return load_profile(name)
    except UnsupportedError:
        return None


def host_vars(device: Device, inv: Inventory, profile: PlatformProfile | None, *,
              prefer_ipv4: bool) -> dict[str, Any]:
    ipv4 = str(device.mgmt_ipv4.ip) if device.mgmt_ipv4 is not None else None
    ipv6 = str(device.mgmt_ipv6.ip) if device.mgmt_ipv6 is not None else None
    host = (ipv4 or ipv6) if prefer_ipv4 else (ipv6 or ipv4)
    out: dict[str, Any] = {}
    if host:
        out["ansible_host"] = host
    if profile is not None:
        out["ansible_network_os"] = profile.ansible_network_os
        out["ansible_connection"] = profile.ansible_connection
    site = inv.sites.get(device.site)
    out.update({
        "ezgov_site": device.site,
        "ezgov_role": device.role.value,
        "ezgov_platform": device.platform,
        "ezgov_credential_profile": device.credential_profile,
        "ezgov_lab": device.lab,
    })
    if site is not None:
        out["ezgov_category"] = site.category.value
        out["ezgov_setting"] = site.setting.value
    if ipv4 is not None:
        out["ezgov_mgmt_ipv4"] = ipv4
    if ipv6 is not None:
        out["ezgov_mgmt_ipv6"] = ipv6
    return out


def ansible_inventory(inv: Inventory, *, prefer_ipv4: bool = False,
                      devices: list[str] | None = None) -> dict[str, Any]:
    """The `all:` document of an Ansible YAML inventory for the chosen devices (default all)."""
    chosen = sorted(devices) if devices is not None else sorted(inv.devices)
    region_hosts: dict[str, dict[str, Any]] = defaultdict(dict)
    flat: dict[str, dict[str, None]] = defaultdict(dict)
    profiles: dict[str, PlatformProfile | None] = {}
    for device_id in chosen:
        device = inv.devices[device_id]
        site = inv.sites.get(device.site)
        leaf = site.region if site else None
        if device.platform not in profiles:
            profiles[device.platform] = platform_profile(device.platform)
        hv = host_vars(device, inv, profiles[device.platform], prefer_ipv4=prefer_ipv4)
        if leaf is not None:
            region_hosts[leaf][device_id] = hv
        else:
            flat["ungrouped_devices"][device_id] = None
        if site is not None:
            flat[group_name("category", site.category.value)][device_id] = None
            flat[group_name("setting", site.setting.value)][device_id] = None
        flat[group_name("role", device.role.value)][device_id] = None
        flat[group_name("platform", device.platform)][device_id] = None
        if device.lab:
            flat["lab"][device_id] = None
    # keep only the regions on the way to some host, nested as in the region tree
    needed: set[str] = set()
    for leaf in region_hosts:
        needed.update(inv.region_path(leaf))
    children: dict[str | None, list[str]] = defaultdict(list)
    for rid in sorted(needed):
        children[inv.regions[rid].parent].append(rid)

    def region_group(rid: str) -> dict[str, Any]:
        group: dict[str, Any] = {}
        if region_hosts.get(rid):
            group["hosts"] = region_hosts[rid]
        kids = {group_name("region", kid): region_group(kid) for kid in children.get(rid, [])}
        if kids:
            group["children"] = kids
        region = inv.regions[rid]
        group["vars"] = {"ezgov_region_level": region.level.value}
        return group

    top: dict[str, Any] = {group_name("region", rid): region_group(rid) for rid in children.get(None, [])}
    for name in sorted(flat):
        top[name] = {"hosts": dict(sorted(flat[name].items()))}
    return {"all": {"children": top}}
