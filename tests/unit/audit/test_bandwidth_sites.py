"""Sites against the bandwidth policy: targets by contract and by measurement, delivery, speed, congestion,
coverage. Runs on the bundled Ezhou sample (taihe-gsc: rural, EZ-EXT-0006 contracted at 50 Mbps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.audit.bandwidth import audit_sites
from ezgov_infra.models.bandwidth import SiteBandwidth, SiteTest, Throughput, Utilisation
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.store.inventory import load_inventory

UPLINK = "taihe-ar-1:eth1"


@pytest.fixture(scope="module")
def inventory(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


def usage(p95_in: float, p95_out: float, speed: int | None = 50) -> dict[str, Utilisation]:
    return {UPLINK: Utilisation(device="taihe-ar-1", interface="eth1", samples=31, intervals=30, speed_mbps=speed,
                                p95_in_mbps=p95_in, p95_out_mbps=p95_out)}


def measured(mbps_up: float, mbps_down: float) -> dict[str, SiteTest]:
    return {"taihe-gsc": SiteTest(site="taihe-gsc", device="taihe-ar-1", server="ez-core-1", ok=True, throughput=[
        Throughput(direction="up", target="203.0.113.1", seconds=5, sent_mbps=mbps_up, received_mbps=mbps_up),
        Throughput(direction="down", target="203.0.113.1", seconds=5, sent_mbps=mbps_down,
                   received_mbps=mbps_down)])}


def site(verdicts: list[SiteBandwidth], site_id: str) -> SiteBandwidth:
    return next(v for v in verdicts if v.site == site_id)


def rules(verdict: SiteBandwidth) -> list[str]:
    return sorted(f.rule for f in verdict.findings)


class TestAuditSites:
    def test_rural_site_contracted_below_100_mbps_is_below_target_by_contract(self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, {}, {}), "taihe-gsc")
        assert (taihe.target_mbps, taihe.contracted_mbps, taihe.meets_target) == (100, 50, False)
        assert taihe.below_target_by == ["contract"] and rules(taihe) == ["bw.below-target"]
        assert taihe.findings[0].evidence == {"basis": "contract", "contracted_mbps": 50, "target_mbps": 100}
        assert taihe.district == "liangzihu" and taihe.circuits == ["EZ-EXT-0006"] and taihe.uplinks == [UPLINK]

    def test_a_measurement_below_target_is_a_second_below_target_finding(self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, {}, measured(48.1, 47.6)), "taihe-gsc")
        assert taihe.measured_mbps == 47.6 and taihe.below_target_by == ["contract", "measurement"]
        assert [f.evidence["basis"] for f in taihe.findings] == ["contract", "measurement"]

    def test_measured_below_the_delivery_ratio_of_the_contract_is_under_delivery(self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, {}, measured(30.0, 46.0)), "taihe-gsc")
        assert rules(taihe) == ["bw.below-target", "bw.below-target", "bw.under-delivery"]
        delivery = next(f for f in taihe.findings if f.rule == "bw.under-delivery")
        assert delivery.evidence == {"measured_mbps": 30.0, "contracted_mbps": 50, "delivery_ratio": 0.9}

    def test_p95_of_the_busier_direction_above_70_percent_of_capacity_is_congested(
            self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, usage(12.0, 36.0), {}), "taihe-gsc")
        assert "bw.congested" in rules(taihe)
        assert (taihe.capacity_mbps, taihe.p95_out_mbps, taihe.headroom_mbps) == (50.0, 36.0, 14.0)

    def test_p95_at_70_percent_is_not_congested(self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, usage(35.0, 1.0), {}), "taihe-gsc")
        assert "bw.congested" not in rules(taihe) and taihe.headroom_mbps == 15.0

    def test_a_port_slower_than_the_contract_caps_capacity_and_is_a_high_finding(self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, usage(1.0, 1.0, speed=10), {}), "taihe-gsc")
        mismatch = next(f for f in taihe.findings if f.rule == "bw.speed-mismatch")
        assert mismatch.severity == "high" and taihe.capacity_mbps == 10.0 and taihe.speed_mbps == 10

    def test_a_port_faster_than_the_contract_is_a_low_finding_and_capacity_stays_the_contract(
            self, inventory: Inventory) -> None:
        taihe = site(audit_sites(inventory, usage(1.0, 1.0, speed=1000), {}), "taihe-gsc")
        mismatch = next(f for f in taihe.findings if f.rule == "bw.speed-mismatch")
        assert mismatch.severity == "low" and taihe.capacity_mbps == 50.0

    def test_a_required_centre_without_a_circuit_is_not_connected(self, inventory: Inventory) -> None:
        shengli = site(audit_sites(inventory, {}, {}), "dushan-shengli-pcsc")
        assert rules(shengli) == ["bw.not-connected"] and shengli.worst == "critical"
        assert shengli.contracted_mbps is None and not shengli.meets_target

    def test_the_extranet_root_site_is_not_judged(self, inventory: Inventory) -> None:
        assert "ez-dc" not in {v.site for v in audit_sites(inventory, {}, {})}

    def test_a_per_site_override_in_the_policy_sets_the_target(self, inventory: Inventory) -> None:
        relaxed = inventory.model_copy(deep=True)
        relaxed.policy.bandwidth.site_mbps["taihe-gsc"] = 50
        taihe = site(audit_sites(relaxed, {}, {}), "taihe-gsc")
        assert taihe.target_mbps == 50 and taihe.meets_target and not taihe.findings

    def test_a_failed_test_is_not_a_measurement(self, inventory: Inventory) -> None:
        failed = {"taihe-gsc": SiteTest(site="taihe-gsc", device="taihe-ar-1", server="ez-core-1", ok=False,
                                        category="timeout", message="iperf3: timed out")}
        assert site(audit_sites(inventory, {}, failed), "taihe-gsc").measured_mbps is None
