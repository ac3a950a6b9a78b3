"""The calendar: cutover windows on the policy's weekdays, never touching a holiday or a working weekend.

Pure. `windows` yields successive `(start, end)` datetimes from a date on; `transfer` works out how long a system's
data takes over its site's uplink and whether it needs a pre-sync before the window.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ezgov_infra.models.inventory import CircuitStatus, Inventory
from ezgov_infra.models.plan import WEEKDAY_INDEX, MigrationPolicy, Transfer
from ezgov_infra.models.systems import LegacySystem

# Without a stated change rate, the final delta after a pre-sync is taken as this share of the data per day.
DEFAULT_DAILY_CHANGE = 0.02


def windows(policy: MigrationPolicy, start: date) -> Iterator[tuple[datetime, datetime]]:
    """Every eligible cutover window from `start` on, at least `spacing_days` apart; endless."""
    cutover = policy.cutover
    days = {WEEKDAY_INDEX[d] for d in cutover.weekdays}
    blocked = set(policy.holidays) | set(policy.working_weekends)
    length = timedelta(hours=cutover.hours)
    day = start
    last: date | None = None
    while True:
        if day.weekday() in days and (last is None or (day - last).days >= cutover.spacing_days):
            opens = datetime.combine(day, cutover.start)
            closes = opens + length
            touched = {opens.date() + timedelta(days=n) for n in range((closes.date() - opens.date()).days + 1)}
            if closes.time() == datetime.min.time():
                touched.discard(closes.date())
            if not touched & blocked:
                yield opens, closes
                last = day
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Uplink:
    mbps: float
    source: str


def site_uplinks(inventory: Inventory, policy: MigrationPolicy, headroom: Mapping[str, float],
                 run_id: int | None) -> dict[str, Uplink]:
    """The bandwidth each site can give a transfer: measured p95 headroom, else the contracted uplink rate.

    A site's uplink is an active circuit whose `a_end` is at the site (on a device's interface or, as NetBox
    records village circuits, at the site itself) and whose far end is elsewhere; the site
    holding the extranet core reaches the cloud over the circuit between them.
    """
    contracted: dict[str, tuple[int, str]] = {}
    for circuit in sorted(inventory.circuits.values(), key=lambda c: c.id):
        if circuit.status is not CircuitStatus.active:
            continue
        a, z = inventory.end_site(circuit.a_end), inventory.end_site(circuit.z_end)
        if a is None or z is None or a == z:
            continue
        site = z if a == policy.cloud_site else a
        if site not in contracted or circuit.contracted_mbps > contracted[site][0]:
            contracted[site] = (circuit.contracted_mbps, circuit.id)
    uplinks: dict[str, Uplink] = {}
    for site in sorted(inventory.sites):
        if site in headroom and headroom[site] > 0:
            uplinks[site] = Uplink(headroom[site], f"measured p95 headroom (bandwidth audit run {run_id})")
        elif site in contracted:
            mbps, circuit_id = contracted[site]
            uplinks[site] = Uplink(float(mbps), f"contracted rate of {circuit_id}")
    return uplinks


def hours_to_send(data_gb: float, mbps: float) -> float:
    return data_gb * 8000 / mbps / 3600 if data_gb > 0 else 0.0


def transfer(system: LegacySystem, uplink: Uplink | None, policy: MigrationPolicy, opens: datetime) -> Transfer:
    """How long the system's data takes at cutover; a pre-sync when that exceeds the downtime window."""
    assumptions = policy.transfer
    link = uplink or Uplink(float(assumptions.default_mbps), "policy default (no uplink for the site)")
    usable = link.mbps * assumptions.efficiency
    data = system.data_gb or 0.0
    hours = hours_to_send(data, usable)
    limit = min(system.downtime_window_h or policy.cutover.hours, policy.cutover.hours)
    presync = hours > limit
    presync_start: date | None = None
    final_delta: float | None = None
    if presync:
        lead = math.ceil(hours / 24) + assumptions.presync_lead_days
        presync_start = opens.date() - timedelta(days=lead)
        daily = system.change_gb_per_day if system.change_gb_per_day is not None else data * DEFAULT_DAILY_CHANGE
        final_delta = round(hours_to_send(daily, usable), 2)
    return Transfer.model_construct(
        system=system.id, site=system.site, data_gb=data, mbps=round(usable, 1),
        bandwidth_source=f"{link.source}: {link.mbps:g} Mbps x {assumptions.efficiency:g}",
        hours=round(hours, 2), downtime_window_h=system.downtime_window_h, presync=presync,
        presync_start=presync_start, final_delta_h=final_delta,
    )
