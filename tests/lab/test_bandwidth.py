"""The bandwidth audit against the router lab: real snmpd counters on tbf-shaped veths, real iperf3 and ping.

taihe-ar-1's uplink (EZ-EXT-0006) is shaped to its contracted 50 Mbit/s; the rural target is 100 Mbit/s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ezgov_infra.jobs import bandwidth
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import proc_start, terminate
from ezgov_infra.models.bandwidth import Utilisation
from ezgov_infra.models.selector import F

pytestmark = pytest.mark.lab

SITE, ROUTER, CORE, CORE_LOOPBACK = "taihe-gsc", "taihe-ar-1", "ez-core-1", "203.0.113.1"


def uplink(result: bandwidth.PollResult) -> Utilisation:
    (use,) = [u for u in result.interfaces if (u.device, u.interface) == (ROUTER, "eth1")]
    return use


@pytest.fixture
def upload(lab: Lab) -> Iterator[threading.Thread]:
    """A 70 s iperf3 upload from taihe-ar-1 to the core's loopback through the shaped uplink."""
    port = 5301
    pid = lab.spawn_in(CORE, ["iperf3", "-s", "-p", str(port)])
    server = (pid, proc_start(pid))
    outcome: dict[str, Any] = {}

    def client() -> None:
        for _ in range(20):  # the server may still be starting
            done = lab.exec(ROUTER, ["iperf3", "-c", CORE_LOOPBACK, "-p", str(port), "-t", "70"], timeout=120)
            outcome["done"] = done
            if done.returncode == 0 or "unable to connect" not in done.stderr + done.stdout:
                return
            time.sleep(0.2)

    thread = threading.Thread(target=client, daemon=True)
    try:
        thread.start()
        time.sleep(3)  # past TCP slow start
        yield thread
        thread.join(timeout=120)
        assert outcome["done"].returncode == 0, outcome["done"].stdout[-500:] + outcome["done"].stderr[-500:]
    finally:
        terminate([server])


class TestPollingUnderLoad:
    def test_iperf3_through_the_shaped_link_polls_near_the_shaped_rate(self, lab: Lab,
                                                                       upload: threading.Thread) -> None:
        # snmpd refreshes interface counters every 3 s on a timer: each read may be up to 3 s old, so intervals
        # must be long for a per-interval rate to be within 10% on a saturated link
        result = bandwidth.poll(folder=lab.inventory, state_dir=lab.state_dir, interval=30, rounds=3,
                                limit=F(device=ROUTER))
        use = uplink(result)
        assert result.samples == 3 and not result.failures
        assert use.speed_mbps == 50 and use.intervals == 2 and use.dropped == {}
        assert use.mean_out_mbps is not None and 40 <= use.mean_out_mbps <= 50
        assert use.p95_out_mbps is not None and 40 <= use.p95_out_mbps <= 50
        assert use.mean_in_mbps is not None and use.mean_in_mbps < 5  # only the acknowledgements come back


class TestActiveTest:
    def test_taihe_is_below_target_by_contract_and_by_measurement(self, lab: Lab) -> None:
        tested = bandwidth.test(folder=lab.inventory, state_dir=lab.state_dir, sites=[SITE], seconds=3,
                                ping_count=3)
        (site,) = tested.sites
        assert site.ok, site.message
        assert site.measured_mbps is not None and 40 <= site.measured_mbps <= 50
        assert {t.direction for t in site.throughput} == {"up", "down"}
        assert [(p.family, p.loss_pct) for p in site.ping] == [(4, 0.0), (6, 0.0)]
        audit = bandwidth.audit(folder=lab.inventory, state_dir=lab.state_dir)
        taihe = next(v for v in audit.sites if v.site == SITE)
        assert taihe.below_target_by == ["contract", "measurement"] and not taihe.meets_target
        assert taihe.measured_mbps == site.measured_mbps

    def test_the_ipv4_only_router_reports_ping6_failing_and_still_measures_throughput(self, lab: Lab) -> None:
        tested = bandwidth.test(folder=lab.inventory, state_dir=lab.state_dir, sites=["tujianao-gsc"], seconds=2,
                                ping_count=2)
        (site,) = tested.sites
        assert site.ok and site.measured_mbps is not None and 80 <= site.measured_mbps <= 100
        ping6 = next(p for p in site.ping if p.family == 6)
        assert ping6.received == 0 and ping6.loss_pct == 100.0

    def test_a_site_without_a_lab_router_is_reported_not_tested(self, lab: Lab) -> None:
        tested = bandwidth.test(folder=lab.inventory, state_dir=lab.state_dir, sites=["gulou-gsc"], seconds=1)
        (site,) = tested.sites
        assert not site.ok and site.category == "unsupported" and site.throughput == []


class TestAgentRestart:
    def test_restarting_snmpd_mid_poll_gives_no_spike(self, lab: Lab) -> None:
        def restart() -> None:
            time.sleep(7)
            lab.stop_daemon(ROUTER, "snmpd")
            time.sleep(1)
            lab.start_daemon(ROUTER, "snmpd")

        thread = threading.Thread(target=restart, daemon=True)
        thread.start()
        try:
            result = bandwidth.poll(folder=lab.inventory, state_dir=lab.state_dir, interval=5, rounds=5,
                                    limit=F(device=ROUTER), timeout=1.0, retries=0)
        finally:
            thread.join(timeout=30)
        use = uplink(result)
        assert use.dropped.get("restart") == 1, f"samples {use.samples}, failed rounds {result.failures}"
        assert use.max_in_mbps is not None and use.max_out_mbps is not None
        assert use.max_in_mbps < 1 and use.max_out_mbps < 1  # an idle link stays idle across the restart
