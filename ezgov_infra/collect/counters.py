"""Interface counter polling on the SNMP adapter: one GET per device per round, every device concurrently.

Per device the poller first maps interface names to ifIndex (ifName, else ifDescr), then each round asks, in one
request, sysUpTime and for every wanted interface ifHCInOctets/ifHCOutOctets, ifInOctets/ifOutOctets, ifHighSpeed
and ifSpeed. 64-bit counters are used where the agent has them, 32-bit ones only where it does not. The speed is
ifHighSpeed (Mbps); where that is 0 or absent, ifSpeed (bit/s) unless saturated at 2**32-1.

Each device gets a `Result` per round: its samples, or the error category; the others go on. The collector judges
nothing: rates, wraps and restarts are `audit.bandwidth`'s business.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ezgov_infra.collect.snmp import (
    IF_DESCR,
    IF_HC_IN_OCTETS,
    IF_HC_OUT_OCTETS,
    IF_HIGH_SPEED,
    IF_NAME,
    SYS_UPTIME,
    Oid,
    SnmpTarget,
    Value,
    text,
)
from ezgov_infra.errors import CollectError, UnsupportedError
from ezgov_infra.models.bandwidth import Sample
from ezgov_infra.models.runs import Result

IF_SPEED: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 5)
IF_IN_OCTETS: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 10)
IF_OUT_OCTETS: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 16)
IF_SPEED_SATURATED = 2**32 - 1
COLUMNS = (IF_HC_IN_OCTETS, IF_HC_OUT_OCTETS, IF_IN_OCTETS, IF_OUT_OCTETS, IF_HIGH_SPEED, IF_SPEED)


class Session(Protocol):
    """What the poller needs of `collect.snmp.SnmpSession`."""

    async def get(self, target: SnmpTarget, *oids: Oid) -> dict[Oid, Value]: ...

    async def walk(self, target: SnmpTarget, *columns: Oid) -> dict[Oid, dict[Oid, Value]]: ...


@dataclass(frozen=True, slots=True)
class CounterTarget:
    """One device to poll: its agent and the interface names wanted on it."""

    device: str
    snmp: SnmpTarget
    interfaces: tuple[str, ...]


def speed_mbps(high_speed: Value, speed: Value) -> int | None:
    """ifHighSpeed in Mbps; ifSpeed (bit/s) where ifHighSpeed is 0 or absent and ifSpeed is not saturated."""
    if isinstance(high_speed, int) and high_speed > 0:
        return high_speed
    if isinstance(speed, int) and 0 < speed < IF_SPEED_SATURATED:
        return max(1, round(speed / 1_000_000))
    return None


def make_sample(device: str, interface: str, ts: float, uptime: Value,
                values: dict[Oid, Value]) -> Sample:
    """A sample from one interface's column values (keyed by column OID), preferring 64-bit counters."""
    hc_in, hc_out = values.get(IF_HC_IN_OCTETS), values.get(IF_HC_OUT_OCTETS)
    hc = isinstance(hc_in, int) and isinstance(hc_out, int)
    in_octets, out_octets = (hc_in, hc_out) if hc else (values.get(IF_IN_OCTETS), values.get(IF_OUT_OCTETS))
    return Sample(device=device, interface=interface, ts=ts, uptime=uptime if isinstance(uptime, int) else None,
                  in_octets=in_octets if isinstance(in_octets, int) else None,
                  out_octets=out_octets if isinstance(out_octets, int) else None,
                  speed_mbps=speed_mbps(values.get(IF_HIGH_SPEED), values.get(IF_SPEED)), hc=hc)


class CounterPoller:
    """Polls many agents in one event loop, remembering each device's ifIndex map between rounds."""

    def __init__(self, session: Session, *, concurrency: int = 64, clock: Callable[[], float] = time.time,
                 fresh: Callable[[], Session] | None = None) -> None:
        self.session = session
        self.concurrency = concurrency
        self.clock = clock
        self.fresh = fresh
        self._indexes: dict[str, dict[str, int]] = {}
        self._answered: set[str] = set()
        self._own: dict[str, Session] = {}

    def indexes(self, device: str) -> dict[str, int]:
        """The ifIndex of each wanted interface of `device`, as last resolved (empty before its first poll)."""
        return dict(self._indexes.get(device, {}))

    def remember(self, device: str, indexes: dict[str, int]) -> None:
        """Start from an ifIndex map resolved earlier (by another poller of the same worker)."""
        self._indexes[device] = dict(indexes)

    def close(self) -> None:
        """Close the sessions opened for single devices (see `poll_device`)."""
        for session in self._own.values():
            closer = getattr(session, "close", None)
            if callable(closer):
                closer()
        self._own.clear()

    async def _resolve(self, session: Session, target: CounterTarget) -> dict[str, int]:
        columns = await session.walk(target.snmp, IF_NAME, IF_DESCR)
        by_name: dict[str, int] = {}
        for column in (IF_DESCR, IF_NAME):  # ifName wins where both name an interface
            for index, value in columns.get(column, {}).items():
                if len(index) == 1 and value is not None:
                    by_name[text(value)] = index[0]
        missing = [name for name in target.interfaces if name not in by_name]
        if len(missing) == len(target.interfaces):
            raise UnsupportedError(f"{target.device}: no interface named {', '.join(missing)} in ifName/ifDescr")
        return {name: by_name[name] for name in target.interfaces if name in by_name}

    async def _attempt(self, session: Session, target: CounterTarget) -> tuple[dict[str, int], list[Sample]]:
        indexes = self._indexes.get(target.device)
        if indexes is None:
            indexes = self._indexes[target.device] = await self._resolve(session, target)
        samples = await self._read(session, target, indexes)
        if any(s.in_octets is None for s in samples):
            # an ifIndex can move after a reboot: map names again once, then read again
            indexes = self._indexes[target.device] = await self._resolve(session, target)
            samples = await self._read(session, target, indexes)
        return indexes, samples

    async def poll_device(self, target: CounterTarget) -> Result[list[Sample]]:
        started = time.monotonic()
        try:
            try:
                indexes, samples = await self._attempt(self._own.get(target.device, self.session), target)
            except CollectError:
                if self.fresh is None or target.device not in self._answered or target.device in self._own:
                    raise
                # An agent that restarted can leave the shared engine's SNMPv3 view of it (engine id, boots,
                # time) stale, and every later reply is then discarded: ask again through an engine of its own.
                self._own[target.device] = self.fresh()
                self._indexes.pop(target.device, None)
                indexes, samples = await self._attempt(self._own[target.device], target)
        except CollectError as exc:
            self._indexes.pop(target.device, None)
            return Result(target.device, category=exc.category, message=str(exc), elapsed=time.monotonic() - started)
        self._answered.add(target.device)
        unknown = [n for n in target.interfaces if n not in indexes]
        message = f"not found on the agent: {', '.join(unknown)}" if unknown else None
        return Result(target.device, samples, message=message, elapsed=time.monotonic() - started)

    async def _read(self, session: Session, target: CounterTarget, indexes: dict[str, int]) -> list[Sample]:
        oids: list[Oid] = [SYS_UPTIME]
        for index in indexes.values():
            oids += [(*column, index) for column in COLUMNS]
        values = await session.get(target.snmp, *oids)
        ts = self.clock()
        uptime = values.get(SYS_UPTIME)
        return [make_sample(target.device, name, ts, uptime,
                            {column: values.get((*column, index)) for column in COLUMNS})
                for name, index in indexes.items()]

    async def poll(self, targets: Sequence[CounterTarget]) -> list[Result[list[Sample]]]:
        """One round over every target, at most `concurrency` requests in flight."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(target: CounterTarget) -> Result[list[Sample]]:
            async with gate:
                return await self.poll_device(target)

        return list(await asyncio.gather(*(one(t) for t in targets)))
