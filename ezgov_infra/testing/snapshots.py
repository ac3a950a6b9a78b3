"""The sample's offline snapshots: what every non-lab device of an inventory would print.

`render_snapshots(inventory)` writes what each non-lab device of an inventory would print, in its platform's
real output format, consistent with the inventory: IPv6 only where the inventory gives IPv6, IPv4 loopbacks from
203.0.113.0/25 with unnumbered WAN links, OSPFv3 adjacencies only where both ends of a circuit have IPv6, and the
core's routing table holding exactly the loopbacks reachable over IPv6. It is deterministic (no clock, no
randomness) and plants a few faults, chosen by position in the sorted device list:

    FORWARDING_OFF   the first Cisco router with IPv6 lacks `ipv6 unicast-routing`
    NO_IPV6_ACL      every fifth dual-stack VRP/Comware device has no IPv6 ACL on its vty lines
    SNMP_V2C_ONLY    every seventh device (starting at the fourth) still runs SNMPv2c only
    TELNET           every ninth IPv4-only device still accepts telnet

Run `python -m ezgov_infra.testing.snapshots inventories/ezhou` to rewrite `inventories/ezhou/snapshots/`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.store.files import atomic_write
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.testing.vendors import RENDERERS
from ezgov_infra.testing.views import views


def render_snapshots(inv: Inventory) -> dict[str, dict[str, str]]:
    """`{device: {command key: output}}` for every non-lab device of the inventory."""
    return {device_id: RENDERERS[view.device.platform](view) for device_id, view in views(inv).items()}


def write_snapshots(folder: Path) -> int:
    """Rewrite `<inventory>/<device.snapshot>/<key>.txt` for every non-lab device; returns how many."""
    inv = load_inventory(folder)
    snapshots = render_snapshots(inv)
    for device_id, outputs in snapshots.items():
        target = folder / (inv.devices[device_id].snapshot or f"snapshots/{device_id}")
        target.mkdir(parents=True, exist_ok=True)
        for key, text in outputs.items():
            atomic_write(target / f"{key}.txt", text)
        meta = f"device: {device_id}\nplatform: {inv.devices[device_id].platform}\nsource: generated\n"
        atomic_write(target / "meta.yaml", meta)
    return len(snapshots)


if __name__ == "__main__":
    count = write_snapshots(Path(sys.argv[1] if len(sys.argv) > 1 else "inventories/ezhou"))
    sys.stdout.write(f"wrote {count} device snapshots\n")
