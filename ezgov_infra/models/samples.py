"""Counter samples and the rates made from them: plain dataclasses, no validation library, so that a scrape of
the newest rates loads nothing else. `models.bandwidth` re-exports them beside the audit's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading of an interface's counters. `uptime` is sysUpTime in hundredths of a second; `hc` says the
    octet counters are 64-bit (ifHC*), otherwise 32-bit (ifIn/OutOctets). Counters are None when not answered."""

    device: str
    interface: str
    ts: float
    uptime: int | None
    in_octets: int | None
    out_octets: int | None
    speed_mbps: int | None
    hc: bool = True


# A sample as a plain row, in `Sample`'s field order (`hc` may be the database's 0 or 1)
SampleRow = tuple[str, str, float, int | None, int | None, int | None, int | None, bool | int]


class DropReason(StrEnum):
    """Why an interval between two samples gave no rate."""

    restart = "restart"                  # sysUpTime went back or lost time: the agent or device restarted
    backwards = "backwards"              # a 64-bit counter decreased (a reset without an uptime change)
    above_speed = "above-speed"          # the rate would exceed the interface speed: not a believable reading
    missing = "missing"                  # a counter was not answered in one of the two samples
    counter_type = "counter-type"        # one sample read 64-bit counters, the other 32-bit
    wrap_ambiguous = "wrap-ambiguous"    # 32-bit counters over an interval long enough to wrap more than once
    clock = "clock"                      # the second sample is not later than the first


@dataclass(frozen=True, slots=True)
class Rate:
    """Average rate over one interval, in bits per second."""

    start: float
    end: float
    in_bps: float
    out_bps: float
    speed_mbps: int | None
