"""Collector helpers that need no network: which AAAA records can serve IPv6 clients, and which links to follow."""

from __future__ import annotations

import pytest

from ezgov_infra.collect.web import same_site_links, unusable_ipv6


class TestUnusableIpv6:
    def test_a_global_address_is_usable(self) -> None:
        assert unusable_ipv6("2001:db8:ffff::1:1") is None

    @pytest.mark.parametrize(("address", "reason"), [
        ("::ffff:203.0.113.208", "IPv4-mapped"), ("fe80::1", "link-local"), ("::1", "loopback"),
        ("::", "unspecified"), ("ff02::1", "multicast"), ("::203.0.113.5", "IPv4-compatible"),
        ("203.0.113.5", "not an IPv6"), ("nonsense", "not an IPv6"),
    ])
    def test_addresses_clients_cannot_use_say_why(self, address: str, reason: str) -> None:
        assert reason in (unusable_ipv6(address) or "")


class TestSameSiteLinks:
    BASE = "https://www.ezhou.test/news/"

    def test_relative_and_absolute_links_on_the_same_host_are_kept_in_page_order(self) -> None:
        html = '<a href="2019-07.html">a</a><a href="/about/">b</a><a href="https://www.ezhou.test/x">c</a>'
        assert same_site_links(html, self.BASE) == ["https://www.ezhou.test/news/2019-07.html",
                                                    "https://www.ezhou.test/about/", "https://www.ezhou.test/x"]

    def test_other_hosts_schemes_and_fragments_are_left_out(self) -> None:
        html = ('<a href="https://edu.ezhou.test/">x</a><a href="mailto:a@ezhou.test">m</a>'
                '<a href="javascript:void(0)">j</a><a href="#top">t</a><a href="/a#part">p</a>')
        assert same_site_links(html, self.BASE) == ["https://www.ezhou.test/news/", "https://www.ezhou.test/a"]

    def test_duplicates_are_listed_once(self) -> None:
        assert same_site_links('<a href="/a">1</a><area href="/a">', self.BASE) == ["https://www.ezhou.test/a"]
