"""Verdicts on facts recorded from the website lab: each sample site fails exactly the checks it was built for."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from ezgov_infra.audit.web import BLOCKED, FAIL, NA, PASS, RULES, WebPolicy, judge_site
from ezgov_infra.models.kinds import Readiness
from tests.conftest import GOLDEN

FACTS = GOLDEN / "web" / "facts"

# what each recorded site was built to show (ezgov_infra/lab/websites/sites.yaml)
EXPECTED_FAILURES = {
    "www.ezhou.test": set(),
    "gedian.ezhou.test": {"dns.ns-aaaa"},
    "edu.ezhou.test": {"web.aaaa"},
    "health.ezhou.test": {"web.aaaa"},
    "huarong.ezhou.test": {"web.reachable", "web.equivalence"},
    "lzh.ezhou.test": {"web.equivalence"},
    "linkong.ezhou.test": {"web.deep-links"},
    "gulou.ezhou.test": {"web.aaaa"},
}


def facts(host: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FACTS / f"{host}.json").read_text(encoding="utf-8"))
    return loaded


class TestJudgeSite:
    @pytest.mark.parametrize("host", sorted(EXPECTED_FAILURES))
    def test_each_sample_site_fails_exactly_its_checks(self, host: str) -> None:
        verdict = judge_site(facts(host))
        assert {c.id for c in verdict.checks if c.status == FAIL} == EXPECTED_FAILURES[host]
        assert {f.rule for f in verdict.findings} == EXPECTED_FAILURES[host]

    def test_every_check_is_judged_once_with_a_reason(self) -> None:
        verdict = judge_site(facts("www.ezhou.test"))
        assert [c.id for c in verdict.checks] == list(RULES)
        assert all(c.reason for c in verdict.checks)

    def test_a_dual_stack_site_scores_full_marks_and_is_ready(self) -> None:
        verdict = judge_site(facts("www.ezhou.test"))
        assert verdict.score == 100.0
        assert verdict.readiness is Readiness.ready

    def test_an_ipv4_only_site_blocks_the_web_checks_and_is_not_ready(self) -> None:
        verdict = judge_site(facts("edu.ezhou.test"))
        blocked = {c.id for c in verdict.checks if c.status == BLOCKED}
        assert blocked == {"web.reachable", "web.success-rate", "web.equivalence", "web.deep-links"}
        assert verdict.readiness is Readiness.not_ready
        assert verdict.score < 50

    def test_an_ipv4_mapped_aaaa_is_named_as_such(self) -> None:
        check = judge_site(facts("health.ezhou.test")).check("web.aaaa")
        assert "IPv4-mapped" in check.reason
        assert list(check.evidence["rejected"]) == ["::ffff:203.0.113.208"]

    def test_a_missing_name_fails_the_site_with_the_dns_category(self) -> None:
        verdict = judge_site(facts("gulou.ezhou.test"))
        assert (verdict.status, verdict.category) == ("failed", "dns-nxdomain")
        assert "NXDOMAIN" in (verdict.message or "")

    def test_closed_https_over_ipv6_names_address_and_port(self) -> None:
        verdict = judge_site(facts("huarong.ezhou.test"))
        assert "2001:db8:ffff::1:3 port 443" in verdict.check("web.reachable").reason
        assert verdict.check("web.equivalence").evidence["ports"] == {"ipv4": [80, 443], "ipv6": [80]}

    def test_different_content_reports_sizes_percentage_and_a_diff(self) -> None:
        evidence = judge_site(facts("lzh.ezhou.test")).check("web.equivalence").evidence
        assert evidence["difference"] > 0.10
        assert evidence["diff"][0].startswith("--- ipv4")
        assert evidence["size"]["ipv4"] != evidence["size"]["ipv6"]

    def test_deep_link_ratios_per_level_name_the_failing_links(self) -> None:
        levels = judge_site(facts("linkong.ezhou.test")).check("web.deep-links").evidence["levels"]
        assert (levels["2"]["counted"], levels["2"]["ipv6_ok"]) == (3, 0)
        assert (levels["3"]["counted"], levels["3"]["ipv6_ok"]) == (5, 0)
        assert set(levels["2"]["failed"].values()) == {"HTTP 404"}
        assert levels["2"]["robots_disallowed"] == 1

    def test_a_zone_whose_parent_the_resolver_cannot_see_has_no_delegation_to_judge(self) -> None:
        assert judge_site(facts("www.ezhou.test")).check("dns.delegation").status == NA
        assert judge_site(facts("gedian.ezhou.test")).check("dns.delegation").status == PASS


class TestEquivalenceThreshold:
    def _with_v6_body(self, body: str, v4_body: str) -> dict[str, Any]:
        site = copy.deepcopy(facts("www.ezhou.test"))
        site["homepage"]["4"]["body"], site["homepage"]["6"]["body"] = v4_body, body
        return site

    def test_ten_percent_difference_still_counts_as_the_same_site(self) -> None:
        words = [f"w{i}" for i in range(100)]
        other = [f"x{i}" if i < 10 else w for i, w in enumerate(words)]
        site = self._with_v6_body(" ".join(other), " ".join(words))
        assert judge_site(site).check("web.equivalence").status == PASS

    def test_the_threshold_comes_from_policy(self) -> None:
        words = [f"w{i}" for i in range(100)]
        other = [f"x{i}" if i < 10 else w for i, w in enumerate(words)]
        site = self._with_v6_body(" ".join(other), " ".join(words))
        strict = WebPolicy.from_mapping({"content_threshold": 0.05})
        assert judge_site(site, strict).check("web.equivalence").status == FAIL


class TestGoldenVerdicts:
    def test_reasons_read_as_recorded(self, golden: Callable[[str, str], None]) -> None:
        lines = []
        for host in sorted(EXPECTED_FAILURES):
            verdict = judge_site(facts(host))
            lines.append(f"{host}  score {verdict.score:g}  {verdict.readiness.value}  {verdict.status}")
            lines += [f"  {c.status:7} {c.id:17} {c.reason}" for c in verdict.checks]
        golden("web/verdicts.txt", "\n".join(lines) + "\n")
