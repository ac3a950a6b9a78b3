"""Scores: a device from its findings, then sites, districts and the city as averages of what was audited."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.audit.scores import device_score, readiness, roll_ups, weights
from ezgov_infra.models.facts import DeviceFacts, Source
from ezgov_infra.models.findings import DEFAULT_WEIGHTS, DeviceResult, Finding
from ezgov_infra.models.kinds import Category, Readiness, Severity
from ezgov_infra.store.inventory import load_inventory


def finding(severity: Severity, device: str = "r1") -> Finding:
    return Finding(subject=device, rule="X", severity=severity, category=Category.security, message=severity.value)


class TestDeviceScore:
    def test_weights_subtract_and_never_go_below_zero(self) -> None:
        assert device_score("r1", [finding(Severity.high), finding(Severity.low)], DEFAULT_WEIGHTS).score == 77
        assert device_score("r1", [finding(Severity.critical)] * 3, DEFAULT_WEIGHTS).score == 0

    def test_readiness_categories(self) -> None:
        assert readiness([finding(Severity.critical), finding(Severity.low)]) is Readiness.not_ready
        assert readiness([finding(Severity.medium)]) is Readiness.partial
        assert readiness([finding(Severity.low), finding(Severity.info)]) is Readiness.ready
        assert readiness([]) is Readiness.ready

    def test_policy_overrides_weights(self) -> None:
        assert weights({"weights": {"low": 10}})["low"] == 10
        assert weights({})["critical"] == DEFAULT_WEIGHTS["critical"]


class TestRollUps:
    def test_sites_districts_and_city_average_audited_devices_only(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        ready = DeviceResult(device="ez-core-2", site="ez-dc", platform="huawei_vrp", source="offline", ok=True,
                             score=device_score("ez-core-2", [], DEFAULT_WEIGHTS))
        partial = DeviceResult(device="changgang-ar-1", site="changgang-gsc", platform="huawei_vrp",
                               source="offline", ok=True,
                               score=device_score("changgang-ar-1", [finding(Severity.high)], DEFAULT_WEIGHTS))
        failed = DeviceResult(device="ez-core-1", site="ez-dc", platform="frr", source="ssh", ok=False,
                              category="timeout")
        sites, districts, city = roll_ups([ready, partial, failed], inv)
        ez_dc = next(s for s in sites if s.id == "ez-dc")
        # the failed device is counted as not measured; it neither lowers the score nor sways the readiness
        assert (ez_dc.score, ez_dc.readiness, ez_dc.unknown, ez_dc.devices) == (100, Readiness.ready, 1, 2)
        assert city.score == 90 and city.devices == 3 and city.partial == 1 and city.ready == 1
        assert {d.id for d in districts} >= {inv.site_district("changgang-gsc")}

    def test_a_site_of_unmeasured_devices_has_no_score(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        failed = DeviceResult(device="ez-core-1", site="ez-dc", platform="frr", source="ssh", ok=False,
                              category="timeout")
        sites, _, city = roll_ups([failed], inv)
        assert (sites[0].score, sites[0].readiness, sites[0].unknown) == (None, Readiness.unknown, 1)
        assert city.score is None and city.readiness is Readiness.unknown


class TestEvidence:
    def test_a_device_with_only_version_or_ipv4_outputs_is_unknown_without_a_score(self) -> None:
        version_only = DeviceFacts(device="r", platform="cisco_ios", source=Source.offline, commands=["version"])
        score = device_score("r", [], DEFAULT_WEIGHTS, version_only)
        assert (score.readiness, score.score, score.unknown) == (Readiness.unknown, None, 1)

    def test_stored_facts_say_the_same(self) -> None:
        assert device_score("r", [], DEFAULT_WEIGHTS, {"ipv6_evidence": []}).readiness is Readiness.unknown
        assert device_score("r", [], DEFAULT_WEIGHTS, {"ipv6_evidence": ["config"]}).readiness is Readiness.ready
