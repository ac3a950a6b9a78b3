"""An interval read as plain database rows is judged exactly as the same interval read as `Sample`s."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ezgov_infra.audit.intervals import WRAP32, interval_rate, row_rate
from ezgov_infra.models.bandwidth import Rate, Sample

counters = st.one_of(st.none(), st.integers(0, WRAP32 + 10**6), st.integers(0, 2**64 - 1))
samples = st.builds(Sample, st.just("r1"), st.just("ge0"), st.floats(0, 10_000, allow_nan=False),
                    st.one_of(st.none(), st.integers(0, 10**8)), counters, counters,
                    st.one_of(st.none(), st.sampled_from([0, 10, 100, 1000, 10_000])), st.booleans())


def row(sample: Sample) -> tuple[str, str, float, int | None, int | None, int | None, int | None, int]:
    # as SQLite gives it back: `hc` stored as 0 or 1
    return (sample.device, sample.interface, sample.ts, sample.uptime, sample.in_octets, sample.out_octets,
            sample.speed_mbps, int(sample.hc))


class TestRowRate:
    @given(samples, samples)
    def test_rows_give_the_rate_or_drop_reason_of_the_samples(self, first: Sample, second: Sample) -> None:
        assert row_rate(row(first), row(second)) == interval_rate(first, second)

    def test_a_32_bit_counter_stored_as_0_wraps_as_the_sample_does(self) -> None:
        first = Sample("r1", "ge0", 0.0, 100, WRAP32 - 1_000, 5, 100, False)
        second = Sample("r1", "ge0", 10.0, 1_100, 250, 10, 100, False)
        rate = row_rate(row(first), row(second))
        assert isinstance(rate, Rate) and rate.in_bps == 1_250 * 8 / 10
        assert rate == interval_rate(first, second)
