"""Counter arithmetic: rates from consecutive samples, what is dropped and why, and the p95 index rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ezgov_infra.audit.bandwidth import percentile, percentile_index, rates, utilisation
from ezgov_infra.audit.intervals import WRAP32, interval_rate
from ezgov_infra.models.bandwidth import DropReason, Rate, Sample

MB = 1_000_000


def sample(ts: float, in_octets: int | None, out_octets: int | None = 0, *, uptime: int | None = None,
           speed: int | None = 1000, hc: bool = True) -> Sample:
    # by default the agent has been up as long as the wall clock says (ticks are 1/100 s)
    ticks = int(ts * 100) + 500_000 if uptime is None else uptime
    return Sample("r1", "eth1", ts, ticks, in_octets, out_octets, speed, hc)


class TestIntervalRate:
    def test_rate_is_octet_delta_times_eight_over_elapsed(self) -> None:
        rate = interval_rate(sample(0, 0, 0), sample(10, 12_500_000, 1_250_000))
        assert isinstance(rate, Rate)
        assert rate.in_bps == 10 * MB and rate.out_bps == 1 * MB

    def test_32_bit_counter_that_wrapped_once_gives_the_true_delta(self) -> None:
        before, after = WRAP32 - 1_000_000, 250_000  # 1,250,000 octets went by across the wrap
        rate = interval_rate(sample(0, before, 0, hc=False, speed=100), sample(10, after, 0, hc=False, speed=100))
        assert isinstance(rate, Rate)
        assert rate.in_bps == 1_250_000 * 8 / 10

    def test_64_bit_counter_going_backwards_is_dropped_not_wrapped(self) -> None:
        assert interval_rate(sample(0, 5_000_000), sample(10, 4_000_000)) is DropReason.backwards

    def test_sysuptime_going_back_means_restart_and_is_dropped(self) -> None:
        first = sample(0, 900_000_000, uptime=1_000_000)
        second = sample(10, 1_000, uptime=300)
        assert interval_rate(first, second) is DropReason.restart

    def test_agent_restart_is_caught_even_when_uptime_overtook_the_old_value(self) -> None:
        # up 2 s at the first poll, restarted, up 5 s at the second poll 60 s later: uptime grew by 3 s only
        first, second = sample(0, 10, uptime=200), sample(60, 20, uptime=500)
        assert interval_rate(first, second) is DropReason.restart

    def test_uptime_lagging_the_wall_clock_by_a_round_trip_is_not_a_restart(self) -> None:
        first, second = sample(0, 0, uptime=10_000), sample(10, 1_000, uptime=10_000 + 850)
        assert isinstance(interval_rate(first, second), Rate)

    def test_rate_above_interface_speed_is_dropped(self) -> None:
        # 200 Mbit/s worth of octets on a 100 Mbit/s port
        assert interval_rate(sample(0, 0, speed=100), sample(10, 250_000_000, speed=100)) is DropReason.above_speed

    def test_rate_a_little_above_speed_is_jitter_on_a_saturated_link_and_counts_as_the_speed(self) -> None:
        rate = interval_rate(sample(0, 0, speed=100), sample(10, 131_250_000, speed=100))  # 105 Mbit/s
        assert isinstance(rate, Rate) and rate.in_bps == 100 * MB

    def test_rate_more_than_ten_percent_above_speed_is_dropped(self) -> None:
        assert interval_rate(sample(0, 0, speed=100), sample(10, 138_750_000, speed=100)) is DropReason.above_speed

    def test_rate_exactly_at_interface_speed_is_kept(self) -> None:
        rate = interval_rate(sample(0, 0, speed=100), sample(10, 125_000_000, speed=100))
        assert isinstance(rate, Rate) and rate.in_bps == 100 * MB

    def test_missing_counter_is_dropped(self) -> None:
        assert interval_rate(sample(0, 0), sample(10, None)) is DropReason.missing

    def test_switch_between_32_and_64_bit_counters_is_dropped(self) -> None:
        assert interval_rate(sample(0, 0, hc=False), sample(10, 100)) is DropReason.counter_type

    def test_32_bit_counter_over_an_interval_that_may_hold_two_wraps_is_dropped(self) -> None:
        # 1 Gbit/s fills 2**32 octets in about 34 s: a 300 s interval cannot be read
        first, second = sample(0, 0, hc=False, speed=1000), sample(300, 1_000, hc=False, speed=1000)
        assert interval_rate(first, second) is DropReason.wrap_ambiguous

    def test_second_sample_not_later_is_dropped(self) -> None:
        assert interval_rate(sample(10, 0), sample(10, 5)) is DropReason.clock


class TestRates:
    def test_samples_are_ordered_by_time_before_pairing(self) -> None:
        found, dropped = rates([sample(20, 2_500_000), sample(0, 0), sample(10, 1_250_000)])
        assert [r.in_bps for r in found] == [1 * MB, 1 * MB] and not dropped

    def test_a_restart_drops_one_interval_and_never_makes_a_spike_or_zero(self) -> None:
        series = [sample(0, 0, uptime=100_000), sample(10, 1_250_000, uptime=101_000),
                  sample(20, 500, uptime=50), sample(30, 1_250_500, uptime=1_050)]
        found, dropped = rates(series)
        assert dropped == {"restart": 1}
        assert [r.in_bps for r in found] == [1 * MB, 1 * MB]

    def test_a_missed_poll_leaves_a_longer_interval_whose_average_is_right(self) -> None:
        use = utilisation("r1", "eth1", [sample(0, 0), sample(10, 1_250_000), sample(40, 5_000_000),
                                         sample(50, 6_250_000)])
        assert use.intervals == 3 and use.gaps == 1 and not use.dropped
        assert use.mean_in_mbps == 1.0 and use.max_in_mbps == 1.0


class TestPercentile:
    def test_index_is_round_of_095_n_minus_one_with_halves_up(self) -> None:
        assert [percentile_index(n) for n in (1, 2, 10, 20, 30, 100)] == [0, 1, 9, 18, 28, 94]

    def test_thirty_samples_take_the_29th_smallest_although_0_95_times_30_is_not_exact_in_floating_point(
            self) -> None:
        assert percentile([float(v) for v in range(1, 31)]) == 29.0

    def test_twenty_samples_take_the_19th_smallest(self) -> None:
        assert percentile([float(v) for v in range(20, 0, -1)]) == 19.0

    def test_no_values_has_no_percentile(self) -> None:
        assert percentile([]) is None


class TestUtilisation:
    def test_reports_mean_max_p95_in_mbps_and_dropped_counts(self) -> None:
        series = [sample(0, 0, 0)]
        octets = 0
        for step, mbps in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 1):
            octets += mbps * MB // 8 * 10
            series.append(sample(step * 10, octets, octets // 2))
        series.append(sample(110, 0, 0))  # backwards: dropped
        use = utilisation("r1", "eth1", series)
        assert use.samples == 12 and use.intervals == 10 and use.dropped == {"backwards": 1}
        assert use.mean_in_mbps == 55.0 and use.max_in_mbps == 100.0 and use.p95_in_mbps == 100.0
        assert use.p95_out_mbps == 50.0
        assert "round(0.95 n)" in use.p95_rule


@given(speed=st.integers(min_value=1, max_value=100_000),
       steps=st.lists(st.tuples(st.integers(1, 600), st.integers(0, 2**40), st.booleans()), min_size=2,
                      max_size=60))
def test_p95_lies_between_min_and_max_and_never_exceeds_the_interface_speed(
        speed: int, steps: list[tuple[int, int, bool]]) -> None:
    ts, octets, series = 0.0, 0, []
    for seconds, added, reset in steps:
        ts += seconds
        octets = added if reset else octets + added
        series.append(sample(ts, octets, octets // 3, speed=speed))
    found, _ = rates(series)
    use = utilisation("r1", "eth1", series)
    if not found:
        assert use.p95_in_mbps is None
        return
    ins = [r.in_bps / 1e6 for r in found]
    assert use.p95_in_mbps is not None
    assert round(min(ins), 3) <= use.p95_in_mbps <= round(max(ins), 3)
    assert use.p95_in_mbps <= speed
    assert use.max_in_mbps is not None and use.max_in_mbps <= speed
