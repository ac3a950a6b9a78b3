"""Shaping parameters for tbf."""

from __future__ import annotations

import pytest

from ezgov_infra.lab.network import tbf_params


class TestTbfParams:
    @pytest.mark.parametrize(("mbps", "rate"), [(50, "50mbit"), (1000, "1000mbit"), (10000, "10000mbit")])
    def test_the_rate_is_the_contract(self, mbps: int, rate: str) -> None:
        assert tbf_params(mbps)[0] == rate

    def test_the_burst_is_four_milliseconds_at_line_rate(self) -> None:
        assert int(tbf_params(10000)[1]) == 10_000_000_000 // 8 // 250

    def test_slow_links_keep_a_burst_of_at_least_64_kib(self) -> None:
        assert int(tbf_params(50)[1]) == 65_536
