"""Counter samples to rates: one interval of one interface, judged by the counter rules. Pure, and light to import
(plain dataclasses only), so a metrics scrape judges a province's newest intervals without loading the audit's
models.

Counter rules (an interval is two consecutive samples of one interface):

- 64-bit (ifHC*) counters never wrap in practice; one that decreased was reset: the interval is dropped
  (`backwards`). 32-bit counters that decreased wrapped once at 2**32; an interval long enough for a 32-bit
  counter to wrap more than once at the interface speed cannot be read and is dropped (`wrap-ambiguous`).
- sysUpTime that went back, or advanced less than the wall clock did (beyond a tolerance), means the agent
  restarted in between: the counters restarted too, so the interval is dropped (`restart`), never read as a spike.
- A rate more than 10% above the interface speed is not believable: dropped (`above-speed`). Up to 10% above
  is timing jitter of the two reads on a saturated link and counts as the speed itself.
- A missed poll leaves a longer interval whose average is still right; it is kept and counted as a gap.
Dropped intervals are counted per reason and reported, never replaced by zero.
"""

from __future__ import annotations

from ezgov_infra.models.samples import DropReason, Rate, Sample, SampleRow

WRAP32 = 2**32
# sysUpTime may trail the wall clock by the request's round trip; more than this means the agent restarted.
RESTART_SLACK_S = 2.0
RESTART_SLACK_RATIO = 0.10
# Counter reads are timestamped by the poller, not the agent: a saturated link can read a few percent above its
# speed. Up to this fraction above, the rate is the speed; beyond it, the reading is impossible and dropped.
SPEED_JITTER = 0.10


def interval_rate(first: Sample, second: Sample) -> Rate | DropReason:
    """The average rate between two samples of one interface, or why there is none."""
    return _interval(first.ts, first.uptime, first.in_octets, first.out_octets, first.hc,
                     second.ts, second.uptime, second.in_octets, second.out_octets, second.hc, second.speed_mbps)


def row_rate(first: SampleRow, second: SampleRow) -> Rate | DropReason:
    """`interval_rate` of two samples read as plain rows in `Sample`'s field order: a province's poll is judged
    without making a `Sample` of each of its rows."""
    return _interval(first[2], first[3], first[4], first[5], first[7],
                     second[2], second[3], second[4], second[5], second[7], second[6])


def _interval(ts: float, uptime: int | None, in_octets: int | None, out_octets: int | None, hc: bool | int,
              ts2: float, uptime2: int | None, in_octets2: int | None, out_octets2: int | None, hc2: bool | int,
              speed_mbps: int | None) -> Rate | DropReason:
    elapsed = ts2 - ts
    if elapsed <= 0:
        return DropReason.clock
    if uptime is not None and uptime2 is not None:
        ticks = uptime2 - uptime
        if ticks < 0 or ticks / 100 + max(RESTART_SLACK_S, RESTART_SLACK_RATIO * elapsed) < elapsed:
            return DropReason.restart
    if in_octets is None or out_octets is None or in_octets2 is None or out_octets2 is None:
        return DropReason.missing
    if bool(hc) != bool(hc2):
        return DropReason.counter_type
    speed = speed_mbps or None
    delta_in, delta_out = in_octets2 - in_octets, out_octets2 - out_octets
    if delta_in < 0 or delta_out < 0:
        if hc2:
            return DropReason.backwards
        delta_in += WRAP32 if delta_in < 0 else 0
        delta_out += WRAP32 if delta_out < 0 else 0
    if not hc2 and speed is not None and speed * 1e6 / 8 * elapsed >= WRAP32:
        return DropReason.wrap_ambiguous
    in_bps, out_bps = delta_in * 8 / elapsed, delta_out * 8 / elapsed
    if speed is not None:
        line = speed * 1e6
        if max(in_bps, out_bps) > line * (1 + SPEED_JITTER):
            return DropReason.above_speed
        # a saturated link reads a little above line rate when the two reads are not exactly `elapsed` apart
        in_bps, out_bps = min(in_bps, line), min(out_bps, line)
    return Rate(ts, ts2, in_bps, out_bps, speed)
