"""Offline collection: a folder of saved command outputs per device gives the same facts as a live session.

Layout of a snapshot folder (what `ezgov_infra.testing.snapshots.write_snapshots` writes for the sample, and what the
config-backup playbook writes for live devices):

    <inventory>/snapshots/<device>/
        meta.yaml           device, platform, source (generated | backup), optional collected time
        config.txt          the running configuration (`show running-config`, `display current-configuration`)
        <key>.txt           every other command of the platform profile, under the profile's key:
                            version, interfaces | interfaces_v4 + interfaces_v6, ipv6_forwarding, ipv6_routes,
                            ospf_neighbours, ospf6_neighbours, bgp_summary

A missing file leaves its facts unknown; an empty folder is an `UnreachableError` (nothing was saved).
"""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.errors import ParseError, UnreachableError
from ezgov_infra.models.facts import DeviceFacts, Source
from ezgov_infra.models.inventory import Device
from ezgov_infra.platforms import load_profile
from ezgov_infra.platforms.parsers import parse


def snapshot_folder(device: Device, inventory: Path, root: Path | None = None) -> Path:
    """Where a device's saved outputs live: `root/<device>` for `--offline DIR`, else its `snapshot` field."""
    if root is not None:
        return root / device.id
    return inventory / (device.snapshot or f"snapshots/{device.id}")


def read_outputs(folder: Path, platform: str) -> dict[str, str]:
    keys = load_profile(platform).known_keys
    if not folder.is_dir():
        raise UnreachableError(f"no snapshot folder {folder}")
    outputs = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in folder.glob("*.txt")
               if p.stem in keys}
    if not outputs:
        raise UnreachableError(f"{folder}: no saved outputs ({', '.join(sorted(keys))}.txt)")
    return outputs


def collect(device: Device, *, inventory: Path, root: Path | None = None) -> DeviceFacts:
    """Facts of one device from its snapshot folder."""
    folder = snapshot_folder(device, inventory, root)
    outputs = read_outputs(folder, device.platform)
    try:
        return parse(device.id, device.platform, outputs, Source.offline)
    except (ValueError, IndexError) as exc:
        raise ParseError(f"{device.id}: {folder}: {exc}") from exc
