"""Verdicts per device, site and website, read from a history run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.report.sources import RunView, device_readiness, site_bandwidth, website_reachable
from ezgov_infra.store.inventory import load_inventory


@pytest.fixture(scope="module")
def inv(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


def run(results: list[dict[str, Any]], findings: list[dict[str, Any]] = ()) -> RunView:  # type: ignore[assignment]
    return RunView(1, "x", "2019-11-01T00:00:00", "ok", {}, results, list(findings))


def finding(subject: str, severity: str, rule: str = "R") -> dict[str, Any]:
    return {"subject": subject, "rule": rule, "severity": severity, "message": "m"}


class TestDeviceReadiness:
    def test_follows_the_documented_rule_on_findings(self, inv: Inventory) -> None:
        view = run([{"subject": d, "status": "ok", "facts": {}} for d in ("ez-core-1", "taihe-ar-1", "tujianao-ar-1",
                                                                           "echeng-agg-1")],
                   [finding("taihe-ar-1", "medium"), finding("tujianao-ar-1", "critical"),
                    finding("tujianao-ar-1", "low"), finding("echeng-agg-1", "low")])
        assert device_readiness(view, inv) == {"ez-core-1": "ready", "taihe-ar-1": "partial",
                                               "tujianao-ar-1": "not ready", "echeng-agg-1": "ready"}

    def test_a_stated_readiness_wins(self, inv: Inventory) -> None:
        view = run([{"subject": "ez-core-1", "status": "ok", "facts": {"score": {"readiness": "not_ready"}}}])
        assert device_readiness(view, inv) == {"ez-core-1": "not ready"}

    def test_a_device_not_collected_is_unknown_and_strangers_are_ignored(self, inv: Inventory) -> None:
        view = run([{"subject": "ez-core-1", "status": "failed", "facts": {}},
                    {"subject": "not-in-inventory", "status": "ok", "facts": {}}])
        assert device_readiness(view, inv) == {"ez-core-1": "unknown"}


class TestSiteBandwidth:
    def test_uses_the_audit_verdict(self, inv: Inventory) -> None:
        view = run([{"subject": "taihe", "status": "ok", "facts": {"site": "ez-dc", "target_mbps": 1000,
                                                                    "meets_target": False}}])
        assert site_bandwidth(view, inv)["ez-dc"].meets_target is False

    def test_derives_a_verdict_from_measured_then_contracted_rates(self, inv: Inventory) -> None:
        view = run([{"subject": "ez-dc", "status": "ok", "facts": {"target_mbps": 100, "contracted_mbps": 50,
                                                                    "measured_mbps": 120}},
                    {"subject": "ez-cloud", "status": "ok", "facts": {"target_mbps": 100, "contracted_mbps": 50}}])
        verdicts = site_bandwidth(view, inv)
        assert verdicts["ez-dc"].meets_target is True
        assert verdicts["ez-cloud"].meets_target is False

    def test_without_rates_a_site_stays_undecided(self, inv: Inventory) -> None:
        view = run([{"subject": "ez-dc", "status": "ok", "facts": {"target_mbps": 100}}])
        assert site_bandwidth(view, inv)["ez-dc"].meets_target is None


class TestWebsiteReachable:
    def test_reachable_unless_aaaa_or_reachability_fails(self, inv: Inventory) -> None:
        hosts = ["www.ezhou.test", "edu.ezhou.test", "huarong.ezhou.test", "lzh.ezhou.test"]
        view = run([{"subject": h, "status": "ok", "facts": {}} for h in hosts],
                   [finding("edu.ezhou.test", "critical", "web.aaaa"),
                    finding("huarong.ezhou.test", "high", "web.reachable"),
                    finding("lzh.ezhou.test", "medium", "web.equivalence")])
        assert website_reachable(view, inv) == {"www.ezhou.test": True, "edu.ezhou.test": False,
                                                "huarong.ezhou.test": False, "lzh.ezhou.test": True}

    def test_stored_checks_decide_when_present(self, inv: Inventory) -> None:
        checks = [{"id": "web.aaaa", "status": "pass"}, {"id": "web.reachable", "status": "fail"}]
        view = run([{"subject": "www.ezhou.test", "status": "ok", "facts": {"checks": checks}}])
        assert website_reachable(view, inv) == {"www.ezhou.test": False}

    def test_a_host_that_could_not_be_checked_is_not_reachable(self, inv: Inventory) -> None:
        view = run([{"subject": "www.ezhou.test", "status": "failed", "facts": {}}])
        assert website_reachable(view, inv) == {"www.ezhou.test": False}
