"""The IPv6 audit job: a collection fault is a failed device, never a finding, and failures never lift a score.

The fault is made for real: a net-snmp agent on 127.0.0.1 only, so the probe of the device's IPv6 management
address (::1) gets no answer.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.config import history_path
from ezgov_infra.jobs.ipv6_audit import AuditOptions, audit
from ezgov_infra.models.selector import parse_limit
from ezgov_infra.store.history import open_history
from tests.agents import private_snmpd

COMMUNITY = "unit-job-community-4Tz"
DEVICE = "ez-core-2"


@pytest.fixture(scope="module")
def ipv4_only_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private snmpd answering on 127.0.0.1 and not on ::1."""
    def config(port: int) -> str:
        return f"agentAddress udp:127.0.0.1:{port}\nrocommunity {COMMUNITY} 127.0.0.1\n"

    with private_snmpd(tmp_path_factory.mktemp("snmpd"), COMMUNITY, config) as port:
        yield port


@pytest.fixture
def live_inventory(inventory_copy: Path, ipv4_only_agent: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample with ez-core-2 polled live over SNMP v2c at 127.0.0.1, its IPv6 management address ::1."""
    monkeypatch.setenv("EZGOV_UNIT_COMMUNITY", COMMUNITY)
    devices = inventory_copy / "devices.yaml"
    text = devices.read_text(encoding="utf-8")
    block = ("  snmp_profile: extranet-v3\n  lab: false\n  mgmt_ipv4: 198.51.100.32/24\n  collection: offline\n"
             "  snapshot: snapshots/ez-core-2\n  mgmt_ipv6: 2001:db8:100:100::2/64\n")
    assert block in text
    devices.write_text(text.replace(block, "  snmp_profile: unit-v2c\n  lab: false\n  mgmt_ipv4: 127.0.0.1/8\n"
                                           "  collection: live\n  mgmt_ipv6: ::1/128\n"), encoding="utf-8")
    with (inventory_copy / "snmp.yaml").open("a", encoding="utf-8") as profiles:
        profiles.write(f"unit-v2c:\n  version: 2c\n  source: env\n  community_env: EZGOV_UNIT_COMMUNITY\n"
                       f"  port: {ipv4_only_agent}\n")
    return inventory_copy


class TestCollectionFault:
    def test_an_snmp_ipv6_probe_timing_out_is_a_failed_device_not_a_finding(self, live_inventory: Path,
                                                                            tmp_path: Path) -> None:
        state = tmp_path / "state"
        options = AuditOptions(live=True, via=("snmp",), limit=parse_limit([f"device:{DEVICE}"]),
                               connect_timeout=1.0, device_timeout=20.0)
        run = audit(inventory=live_inventory, state_dir=state, options=options)
        (device,) = run.devices
        assert (device.ok, device.category) == (False, "timeout")
        assert device.message is not None and device.message.startswith("SNMP over IPv6: ::1: no SNMP answer")
        assert device.findings == [] and device.score is None
        assert device.facts is not None and device.facts.reachability.snmp_ipv6 is None
        assert device.facts.interfaces  # what the agent did say over IPv4 is kept
        assert run.city is not None and run.city.score is None and run.city.unknown == 1
        with open_history(history_path(state)) as history:
            (stored,) = history.results(run.run_id or 0)
            assert (stored["status"], stored["category"]) == ("failed", "timeout")
            assert stored["facts"]["reachability"]["snmp_ipv6"] is None
            assert history.findings(run.run_id or 0) == []


SUBSET = "device:changgang-*,device:dushan-ar-1,device:bishidu-ar-1,device:ez-core-2,device:yanji-ar-1"


class TestFailuresNeverLiftTheScore:
    """Run 1 measures seven devices; in run 2 the two lowest-scoring ones fail and nothing else changes."""

    def test_two_failures_show_as_coverage_and_leave_the_trend_flat(self, sample_inventory: Path, tmp_path: Path,
                                                                   cli: Callable[..., Any]) -> None:
        from ezgov_infra.jobs.report import _view, load_sources
        from ezgov_infra.report.figures import ipv6_ratio
        from ezgov_infra.report.sources import IPV6_AUDIT

        saved = tmp_path / "saved"
        shutil.copytree(sample_inventory / "snapshots", saved)
        first = cli("ipv6", "audit", "-i", sample_inventory, "--offline", saved, "--limit", SUBSET, "--format",
                    "json")
        assert first.code == 0, first.err
        before = json.loads(first.out)
        scores = sorted((d["score"]["score"], d["device"]) for d in before["devices"])
        low = [device for _, device in scores[:2]]
        assert before["city"]["measured"] == before["city"]["devices"] == 7
        for device in low:  # the outputs are gone: the device fails to collect in run 2
            shutil.rmtree(saved / device)
            (saved / device).mkdir()

        second = cli("ipv6", "audit", "-i", sample_inventory, "--offline", saved, "--limit", SUBSET)
        assert second.code == 1
        out = " ".join(second.out.split())
        assert "measured 5 of 7" in out
        assert "city score change: +0.0 since run 1 over the 5 devices measured in both" in out

        (after_row, before_row) = json.loads(cli("ipv6", "runs", "--format", "json").out)
        # the headline mean over measured devices rises with the two failures; what is shown with it says so
        assert after_row["city_score"] > before_row["city_score"]
        assert (after_row["coverage"], before_row["coverage"]) == ("measured 5 of 7", "measured 7 of 7")
        assert (after_row["change"], after_row["since_run"]) == (0.0, before_row["run"])
        assert after_row["ready_share"] <= before_row["ready_share"]

        changes = json.loads(cli("ipv6", "diff", "1", "2", "--format", "json").out)
        assert changes["fixed"] == [] and changes["new"] == []  # the failed devices' findings are not "fixed"
        assert sorted(d["device"] for d in changes["not_compared"]) == sorted(low)
        assert {d["message"] for d in changes["not_compared"]} == {"not measured in run 2"}

        changes = json.loads(cli("ipv6", "diff", "1", "2", "--format", "json").out)
        assert changes["fixed"] == [] and changes["new"] == []  # the failed devices' findings are not "fixed"
        assert sorted(d["device"] for d in changes["not_compared"]) == sorted(low)
        assert {d["message"] for d in changes["not_compared"]} == {"not measured in run 2"}

        state = tmp_path / "state"
        with open_history(history_path(state)) as history:
            stored = history.runs("ipv6-audit")[0]["summary"]
        assert stored["measured"] == 5 and stored["devices"] == 7 and stored["change"] == 0.0

        sources = load_sources(folder=sample_inventory, history_db=history_path(state))
        # limited runs never make the headline: the report names the newest one and counts neither
        assert IPV6_AUDIT not in sources.runs and sources.partial[IPV6_AUDIT].id == after_row["run"]
        with open_history(history_path(state)) as history:
            run_2, run_1 = (_view(history, row) for row in history.runs("ipv6-audit")[:2])
        now, earlier = ipv6_ratio(run_2, sources.inventory), ipv6_ratio(run_1, sources.inventory)
        assert now.total == earlier.total == 7  # the failed devices stay in the report's denominator
        assert now.pct is not None and earlier.pct is not None and now.pct <= earlier.pct

        exposition = tmp_path / "ezgov.prom"
        assert cli("metrics", "write", exposition, "-i", sample_inventory, "--plans-dir", tmp_path / "plans").code == 0
        figures: dict[str, float] = {}
        for line in exposition.read_text(encoding="utf-8").splitlines():
            name = line.split("{")[0]
            if name in ("ezgov_device_readiness_measured", "ezgov_device_readiness_devices"):
                figures[name] = figures.get(name, 0.0) + float(line.split()[-1])
        assert figures == {"ezgov_device_readiness_measured": 5.0, "ezgov_device_readiness_devices": 7.0}

    def test_changes_compare_only_devices_measured_in_both_runs(self, sample_inventory: Path) -> None:
        from ezgov_infra.audit.scores import changes
        from ezgov_infra.store.inventory import load_inventory

        inventory = load_inventory(sample_inventory)
        before = {"ez-core-2": 40.0, "dushan-ar-1": 60.0, "bishidu-ar-1": 20.0}
        now = {"ez-core-2": 48.0, "dushan-ar-1": 60.0, "yanji-ar-1": 100.0}  # bishidu failed, yanji is new
        city, *districts = changes(now, before, 3, inventory)
        assert (city.scope, city.devices, city.before, city.after, city.change) == ("city", 2, 50.0, 54.0, 4.0)
        assert sum(d.devices for d in districts) == 2 and all(d.scope == "district" for d in districts)
        assert str(city) == "+4.0 since run 3 over the 2 devices measured in both"
        assert changes({}, before, 3, inventory)[0].change is None
