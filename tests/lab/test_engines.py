"""Prometheus' SNMP engine fed from the inventory: generated configs, real snmp_exporter and prometheus on loopback.

The lab's routers and an SNMP farm of ten agents (added to a copy of the sample as access devices with an
active circuit each) are scraped every 5 s by Debian's snmp_exporter and prometheus while ezgov's own poller reads
the same counters. Traffic runs through taihe-ar-1's 50 Mbit/s uplink (iperf3 at 20 Mbit/s, well clear of the 35
Mbit/s congestion threshold, so both samplers judge it alike) and to the farm (ping). The audit from Prometheus
and the audit from ezgov's samples must then agree.

Tolerance: the two samplers read the counters at different instants (snmpd refreshes them every ~3 s), so a
site's p95 may differ by up to 25% or 2 Mbps, whichever is larger; the set of (site, rule) findings must be equal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.jobs import bandwidth, engines
from ezgov_infra.lab import engines as run_engines
from ezgov_infra.lab.farm import Farm, snmp_farm
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import proc_start, terminate
from tests.conftest import SAMPLE

pytestmark = pytest.mark.lab

FARM_AGENTS = 10
SCRAPE_S = 5
ROUTER, CORE, CORE_LOOPBACK = "taihe-ar-1", "ez-core-1", "203.0.113.1"


def require(*tools: str) -> None:
    missing = [t for t in tools if not any(shutil.which(n) for n in t.split("|"))]
    if missing:
        message = "not installed: " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def farm_inventory(folder: Path, farm: Farm) -> None:
    """A copy of the sample plus every farm agent as a rural access device with one active 100 Mbps circuit."""
    folder.mkdir()
    for source in SAMPLE.glob("*.yaml"):
        shutil.copy2(source, folder / source.name)
    policy = (folder / "policy.yaml").read_text(encoding="utf-8")
    (folder / "policy.yaml").write_text(
        policy.replace("  sample_interval_s: 300\n", f"  sample_interval_s: 300\n  scrape_interval_s: {SCRAPE_S}\n"),
        encoding="utf-8")
    sites, devices, interfaces, circuits = [], [], [], []
    for number, agent in enumerate(farm.agents, 1):
        site = f"farm-{agent.name}"
        sites.append(f"{site}:\n  name: 测试村{number}党员群众服务中心\n  name_en: Farm agent {number}\n"
                     f"  region: taihe-hubin\n  category: community_centre\n  setting: rural\n")
        devices.append(f"{agent.name}:\n  site: {site}\n  role: access\n  platform: frr\n  credential_profile: lab\n"
                       f"  snmp_profile: lab-v2c\n"
                       f"  mgmt_ipv6: {agent.address}/64\n")
        interfaces.append(f"{agent.name}:eth0:\n  kind: uplink\n  description: farm uplink\n")
        interfaces.append(f"liangzihu-agg-1:farm{number}:\n  kind: downlink\n  description: farm {number}\n")
        circuits.append(f"FARM-{number:04d}:\n  provider: Lab\n  a_end: {agent.name}:eth0\n"
                        f"  z_end: liangzihu-agg-1:farm{number}\n  access_type: fibre\n  contracted_mbps: 100\n"
                        f"  status: active\n")
    for name, records in (("sites", sites), ("devices", devices), ("interfaces", interfaces),
                          ("circuits", circuits)):
        with open(folder / f"{name}.yaml", "a", encoding="utf-8") as handle:
            handle.write("".join(records))


@pytest.fixture(scope="module")
def farm(lab: Lab) -> Iterator[Farm]:
    with snmp_farm(FARM_AGENTS, lab=lab) as agents:
        yield agents


@pytest.fixture(scope="module")
def scraped(lab: Lab, farm: Farm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both engines running on the generated configs, and ezgov polling beside them, with traffic."""
    require("promtool", "prometheus", "prometheus-snmp-exporter|snmp_exporter")
    work = tmp_path_factory.mktemp("engines")
    inventory = work / "inventory"
    farm_inventory(inventory, farm)
    state = work / "state"
    (state / "lab").mkdir(parents=True)
    shutil.copy2(lab.lab_dir / "secrets.json", state / "lab" / "secrets.json")
    exported = engines.export_snmp_exporter(folder=inventory, state_dir=state, out=work / "snmp.yml")
    with run_engines.snmp_exporter(work / "snmp.yml", log=work / "exporter.log") as exporter:
        prometheus_yml = work / "prometheus.yml"
        scrape = engines.export_prometheus(folder=inventory, out=prometheus_yml, exporter=exporter.address)
        with run_engines.prometheus(prometheus_yml, data=work / "tsdb", log=work / "prometheus.log") as server:
            begin = time.time()
            with traffic(lab, farm):
                polled = bandwidth.poll(folder=inventory, state_dir=state, interval=SCRAPE_S, rounds=10)
            time.sleep(SCRAPE_S + 1)
            end = time.time()
            yield {"work": work, "inventory": inventory, "state": state, "exported": exported, "scrape": scrape,
                   "server": server, "exporter": exporter, "begin": begin, "end": end, "polled": polled}


class traffic:
    """An iperf3 upload through taihe-ar-1's shaped uplink and pings to the first farm agents, bounded in time."""

    def __init__(self, lab: Lab, farm: Farm) -> None:
        self.lab, self.farm = lab, farm
        self.procs: list[tuple[int, int | None]] = []
        self.thread: threading.Thread | None = None

    def __enter__(self) -> traffic:
        pid = self.lab.spawn_in(CORE, ["iperf3", "-s", "-p", "5311"])
        self.procs.append((pid, proc_start(pid)))
        self.thread = threading.Thread(target=self._upload, daemon=True)
        self.thread.start()
        for agent in self.farm.agents[:3]:
            ping = subprocess.Popen(["ping", "-6", "-q", "-i", "0.05", "-s", "1200", "-w", "60", agent.address],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append((ping.pid, proc_start(ping.pid)))
        return self

    def _upload(self) -> None:
        for _ in range(20):
            done = self.lab.exec(ROUTER, ["iperf3", "-c", CORE_LOOPBACK, "-p", "5311", "-t", "55", "-b", "20M"],
                                 timeout=90)
            if done.returncode == 0 or "unable to connect" not in done.stderr + done.stdout:
                return
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        terminate(self.procs)
        if self.thread is not None:
            self.thread.join(timeout=90)


class TestGeneratedConfigs:
    def test_promtool_accepts_the_prometheus_config(self, scraped: dict[str, Any]) -> None:
        out = run_engines.check(["promtool", "check", "config", str(scraped["work"] / "prometheus.yml")])
        assert "SUCCESS" in out

    def test_the_exporter_accepts_its_modules_and_the_file_is_private(self, scraped: dict[str, Any]) -> None:
        path = scraped["work"] / "snmp.yml"
        run_engines.check([run_engines.binary(run_engines.SNMP_EXPORTER), f"--config.file={path}", "--dry-run"])
        assert path.stat().st_mode & 0o777 == 0o600

    def test_nothing_printable_holds_a_secret(self, lab: Lab, scraped: dict[str, Any]) -> None:
        import json

        printed = json.dumps(scraped["exported"].document) + (scraped["work"] / "prometheus.yml").read_text()
        secrets = lab.secrets["snmp"]
        for secret in (secrets["community"], secrets["v3"]["auth_key"], secrets["v3"]["priv_key"]):
            assert secret not in printed
        assert secrets["community"] in (scraped["work"] / "snmp.yml").read_text()


class TestScrapes:
    def test_every_router_and_farm_agent_is_scraped_with_its_labels(self, farm: Farm,
                                                                    scraped: dict[str, Any]) -> None:
        from ezgov_infra.collect.prometheus import query

        series = query(scraped["server"].url, 'ifHCInOctets{job="ezgov-snmp"}[1m]', at=scraped["end"])
        devices = {s["metric"]["device"] for s in series}
        assert {a.name for a in farm.agents} <= devices
        assert {"ez-core-1", "taihe-ar-1", "tujianao-ar-1"} <= devices
        uplink = [s["metric"] for s in series if s["metric"]["device"] == ROUTER and s["metric"]["ifName"] == "eth1"]
        assert uplink and uplink[0]["circuit"] == "EZ-EXT-0006" and uplink[0]["district"] == "liangzihu"
        assert uplink[0]["site_category"] == "service_centre" and uplink[0]["site"] == "taihe-gsc"


class TestAuditFromPrometheus:
    def test_it_agrees_with_the_audit_from_ezgovs_own_samples(self, scraped: dict[str, Any]) -> None:
        window = scraped["end"] - scraped["begin"]
        common = {"folder": scraped["inventory"], "state_dir": scraped["state"], "window_s": window,
                  "store": False, "at": scraped["end"]}
        own = bandwidth.audit(**common)
        engine = bandwidth.audit(**common, source="prometheus", prometheus_url=scraped["server"].url)
        assert engine.summary["source"] == "prometheus"
        by_site = {v.site: v for v in own.sites}
        compared = 0
        for verdict in engine.sites:
            mine = by_site[verdict.site]
            assert {f.rule for f in verdict.findings} == {f.rule for f in mine.findings}, verdict.site
            if mine.p95_out_mbps is None:
                continue
            assert verdict.p95_out_mbps is not None, verdict.site
            for theirs, ours in ((verdict.p95_out_mbps, mine.p95_out_mbps), (verdict.p95_in_mbps, mine.p95_in_mbps)):
                assert ours is not None and theirs is not None
                assert abs(theirs - ours) <= max(2.0, 0.25 * ours), (verdict.site, theirs, ours)
            compared += 1
        assert compared >= 8 + FARM_AGENTS - 1
        taihe = next(v for v in engine.sites if v.site == "taihe-gsc")
        assert taihe.p95_out_mbps is not None and taihe.p95_out_mbps > 10  # the upload shows
