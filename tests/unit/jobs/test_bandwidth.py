"""The audit job: samples and tests from the history, judged and stored per site; which uplinks a --limit polls."""

from __future__ import annotations

import time
from pathlib import Path

from ezgov_infra.jobs import bandwidth
from ezgov_infra.models import facets
from ezgov_infra.models.bandwidth import SiteTest, Throughput
from ezgov_infra.models.selector import parse_limit
from ezgov_infra.store.history import open_history
from ezgov_infra.store.inventory import load_inventory

FACT_KEYS = {"target_mbps", "contracted_mbps", "measured_mbps", "p95_in_mbps", "p95_out_mbps", "capacity_mbps",
             "headroom_mbps", "meets_target"}


def seed(state_dir: Path, *, age: float = 0.0) -> None:
    """31 samples of taihe-ar-1:eth1 at 10 s, 40 Mbit/s in and 5 Mbit/s out, with one agent restart; one test."""
    start = time.time() - age - 400
    rows, octets_in, octets_out, uptime = [], 0, 0, 1_000_000
    for step in range(31):
        if step == 15:  # the agent restarted: counters and uptime start again
            octets_in, octets_out, uptime = 0, 0, 300
        rows.append({"device": "taihe-ar-1", "interface": "eth1", "ts": start + 10 * step, "uptime": uptime,
                     "in_octets": octets_in, "out_octets": octets_out, "speed_mbps": 50, "hc": True})
        octets_in += 40_000_000 * 10 // 8
        octets_out += 5_000_000 * 10 // 8
        uptime += 1000
    test = SiteTest(site="taihe-gsc", device="taihe-ar-1", server="ez-core-1", ok=True, throughput=[
        Throughput(direction="up", target="203.0.113.1", seconds=5, sent_mbps=48.2, received_mbps=47.9),
        Throughput(direction="down", target="203.0.113.1", seconds=5, sent_mbps=48.0, received_mbps=47.6)])
    with open_history(state_dir / "history.sqlite") as history:
        history.add_samples(rows)
        history.record_run(bandwidth.TEST_KIND, status="ok", results=[
            {"subject": "taihe-gsc", "status": "ok", "facts": test.model_dump(mode="json")}])


class TestAuditJob:
    def test_judges_samples_and_tests_and_stores_one_result_per_site(self, sample_inventory: Path,
                                                                     tmp_path: Path) -> None:
        seed(tmp_path)
        result = bandwidth.audit(folder=sample_inventory, state_dir=tmp_path)
        taihe = next(v for v in result.sites if v.site == "taihe-gsc")
        assert (taihe.p95_in_mbps, taihe.p95_out_mbps, taihe.measured_mbps) == (40.0, 5.0, 47.6)
        assert taihe.below_target_by == ["contract", "measurement"] and taihe.headroom_mbps == 10.0
        polled = next(u for u in result.interfaces if u.interface == "eth1")
        assert polled.intervals == 29 and polled.dropped == {"restart": 1}
        with open_history(tmp_path / "history.sqlite") as history:
            run = history.latest_run(bandwidth.AUDIT_KIND)
            assert run is not None and run["id"] == result.run_id
            stored = {r["subject"]: r for r in history.results(run["id"])}
            findings = history.findings(run["id"])
        assert set(stored) == {v.site for v in result.sites}
        assert set(stored["taihe-gsc"]["facts"]) >= FACT_KEYS
        assert stored["taihe-gsc"]["facts"]["headroom_mbps"] == 10.0
        assert {(f["subject"], f["rule"]) for f in findings} >= {("taihe-gsc", "bw.below-target"),
                                                                 ("taihe-gsc", "bw.congested"),
                                                                 ("dushan-shengli-pcsc", "bw.not-connected")}

    def test_samples_older_than_the_window_are_left_out(self, sample_inventory: Path, tmp_path: Path) -> None:
        seed(tmp_path, age=7200)
        result = bandwidth.audit(folder=sample_inventory, state_dir=tmp_path, window_s=3600, store=False)
        assert result.run_id is None and result.interfaces == []
        assert next(v for v in result.sites if v.site == "taihe-gsc").p95_in_mbps is None

    def test_within_a_district_the_worst_site_comes_first(self, sample_inventory: Path, tmp_path: Path) -> None:
        result = bandwidth.audit(folder=sample_inventory, state_dir=tmp_path, store=False)
        order = ["critical", "high", "medium", "low", "info", "ok"]
        for district in result.summary["districts"]:
            worst = [order.index(v.worst) for v in result.sites if v.district == district]
            assert worst == sorted(worst), district


class TestUplinkSelection:
    def test_a_limit_by_district_selects_its_devices(self, sample_inventory: Path) -> None:
        inventory = load_inventory(sample_inventory)
        polled = facets.devices(inventory, sorted(bandwidth.uplinks(inventory)), noun="device with an uplink")
        chosen = polled.select(parse_limit(["liangzihu"]))
        assert {"taihe-ar-1", "tujianao-ar-1", "liangzihu-agg-1"} <= set(chosen)
        assert all(inventory.site_district(inventory.devices[d].site) == "liangzihu" for d in chosen)
