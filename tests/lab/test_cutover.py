"""A legacy system moves to the cloud in the lab: a small HTTP service with a data folder in a site's namespace
(fenghuang-ar-1) is cut over to the cloud gateway's namespace (ez-cloud-gw) by `ezgov migrate execute`: data
synced, its service address moved (OSPF carries it), verified from the city core over IPv6 and IPv4, and the
outcome recorded in the plan. A planted verification failure rolls back and the old service answers again."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ezgov_infra.lab.lab import Lab

pytestmark = pytest.mark.lab
SOURCE, TARGET, CLIENT = "fenghuang-ar-1", "ez-cloud-gw", "ez-core-1"
SERVICE_V4, SERVICE_V6 = "203.0.113.50/32", "2001:db8:0:3::80/128"
PORT = 8080
SYSTEM = "oa-lab"

SERVICE_SCRIPT = """#!/bin/sh
# start|stop a small HTTP service serving DIR on PORT; its PID goes to PIDFILE
set -e
action=$1 dir=$2 pidfile=$3
case $action in
  start) setsid {python} -m http.server {port} --bind :: --directory "$dir" >/dev/null 2>&1 < /dev/null &
         echo $! > "$pidfile" ;;
  stop) if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi ;;
esac
"""


def netns(node: str) -> str:
    return f"ezlab-{node}"


def ip_in(node: str, *args: str) -> None:
    subprocess.run(["ip", "-n", netns(node), *args], check=False, capture_output=True)


def wait_answering(url_host: str, node: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(["ip", "netns", "exec", netns(node), "curl", "-sf", "--max-time", "2",
                               f"http://{url_host}:{PORT}/index.html"], capture_output=True, text=True)
        if done.returncode == 0 or time.monotonic() > deadline:
            return done.stdout
        time.sleep(0.3)


def plan_document(name: str) -> dict[str, Any]:
    from ezgov_infra.models.plan import MigrationPlan, MoveGroup, Resources, Wave, WaveCapacity

    wave = Wave(id="W01", window_start=datetime(2019, 11, 2, 20), window_end=datetime(2019, 11, 4, 2),
                groups=[MoveGroup(id=SYSTEM, systems=[SYSTEM])], totals=Resources(systems=1),
                classification={SYSTEM: "internal"})
    plan = MigrationPlan(name=name, inventory="lab", catalogue_digest="lab", start=date(2019, 10, 1),
                         deadline=date(2019, 12, 31), deadline_source="lab", capacity=WaveCapacity(),
                         summary={"systems": 1}, waves=[wave])
    return plan.model_dump(mode="json")


@pytest.fixture
def legacy_system(lab: Lab, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The legacy service running at its site, its runbook and its plan; every process stopped afterwards."""
    from ezgov_infra.models.plan import MigrationPlan
    from ezgov_infra.store.systems import save_plan

    source_dir, target_dir, decoy_dir = tmp_path / "legacy-data", tmp_path / "cloud-data", tmp_path / "decoy"
    for folder in (source_dir, decoy_dir):
        folder.mkdir()
    content = f"Ezhou OA archive {os.urandom(8).hex()}\n"
    (source_dir / "index.html").write_text(content)
    (source_dir / "records").mkdir()
    (source_dir / "records" / "2019.csv").write_text("id,title\n1,budget\n")
    (decoy_dir / "index.html").write_text("an empty cloud volume\n")
    script = tmp_path / "service.sh"
    script.write_text(SERVICE_SCRIPT.format(python=sys.executable, port=PORT))
    pids = {SOURCE: tmp_path / "source.pid", TARGET: tmp_path / "target.pid"}
    ip_in(SOURCE, "address", "add", SERVICE_V4, "dev", "lo")
    ip_in(SOURCE, "address", "add", SERVICE_V6, "dev", "lo")
    subprocess.run(["ip", "netns", "exec", netns(SOURCE), "/bin/sh", str(script), "start", str(source_dir),
                    str(pids[SOURCE])], check=True)
    hosts = {
        "legacy-oa": {"ansible_connection": "ezgov_netns", "ezgov_netns": netns(SOURCE)},
        "cloud-oa": {"ansible_connection": "ezgov_netns", "ezgov_netns": netns(TARGET)},
        "probe": {"ansible_connection": "ezgov_netns", "ezgov_netns": netns(CLIENT)},
    }
    entry = {"source": "legacy-oa", "target": "cloud-oa", "client": "probe", "source_dir": str(source_dir),
             "target_dir": str(target_dir), "probe_path": "index.html",
             "source_start": ["/bin/sh", str(script), "start", str(source_dir), str(pids[SOURCE])],
             "source_stop": ["/bin/sh", str(script), "stop", str(source_dir), str(pids[SOURCE])],
             "target_start": ["/bin/sh", str(script), "start", str(target_dir), str(pids[TARGET])],
             "target_stop": ["/bin/sh", str(script), "stop", str(target_dir), str(pids[TARGET])],
             "addresses": [SERVICE_V4, SERVICE_V6], "address_interface": "lo",
             "urls": [f"http://[2001:db8:0:3::80]:{PORT}/index.html", f"http://203.0.113.50:{PORT}/index.html"]}
    plans = tmp_path / "plans"
    plans.mkdir()
    save_plan(plans, MigrationPlan.model_validate(plan_document("lab-oa")))
    (plans / "lab-oa.cutover.yaml").write_text(yaml.safe_dump({"hosts": hosts, "systems": {SYSTEM: entry}}))
    state = tmp_path / "state"
    state.mkdir()
    try:
        assert wait_answering("203.0.113.50", CLIENT) == content, "the legacy service did not come up"
        yield {"plans": plans, "state": state, "content": content, "entry": entry, "decoy": decoy_dir,
               "target_dir": target_dir, "script": script}
    finally:
        for pidfile in pids.values():
            if pidfile.exists():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        for node in (SOURCE, TARGET):
            ip_in(node, "address", "del", SERVICE_V4, "dev", "lo")
            ip_in(node, "address", "del", SERVICE_V6, "dev", "lo")


def wave_of(plans: Path) -> dict[str, Any]:
    document = yaml.safe_load((plans / "lab-oa.yaml").read_text())
    return dict(document["waves"][0])


def sign_off(cli: Callable[..., Any], plans: Path) -> None:
    done = cli("migrate", "signoff", "lab-oa", "--wave", "W01", "--by", "市大数据局局长", "--plans-dir", plans)
    assert done.code == 0, done.err


class TestCutover:
    def test_the_service_moves_to_the_cloud_and_answers_over_both_families(
            self, legacy_system: dict[str, Any], cli: Callable[..., Any], tmp_path: Path) -> None:
        plans = legacy_system["plans"]
        common = ["--plans-dir", plans, "--state-dir", legacy_system["state"], "--format", "json"]
        refused = cli("migrate", "execute", "lab-oa", "--wave", "1", *common)
        assert refused.code == 2 and "has no sign-off" in refused.err
        assert wait_answering("203.0.113.50", CLIENT) == legacy_system["content"]  # nothing moved
        assert wave_of(plans)["history"] == []
        sign_off(cli, plans)
        result = cli("migrate", "execute", "lab-oa", "--wave", "1", *common)
        assert result.code == 0, result.out + result.err
        assert json.loads(result.out)["systems"] == {SYSTEM: "executed"}
        assert (legacy_system["target_dir"] / "records" / "2019.csv").read_text() == "id,title\n1,budget\n"
        assert wait_answering("[2001:db8:0:3::80]", CLIENT) == legacy_system["content"]
        assert wait_answering("203.0.113.50", CLIENT) == legacy_system["content"]
        listening = subprocess.run(["ip", "netns", "exec", netns(TARGET), "ss", "-Hltn", f"sport = :{PORT}"],
                                   capture_output=True, text=True).stdout
        assert f":{PORT}" in listening
        wave = wave_of(legacy_system["plans"])
        assert wave["status"] == "executed"
        assert [e["status"] for e in wave["history"]] == ["signed_off", "executed"]
        shown = cli("migrate", "show", "lab-oa", "--wave", "W01", "--plans-dir", plans).out
        assert "signed_off by 市大数据局局长" in shown and "executed by" in shown
        report = cli("report", "readiness", "--lang", "zh", "--format", "md", "--out", tmp_path / "report.md",
                     "--plans-dir", plans, "--plan", "lab-oa", "--as-of", "2019-12-01")
        assert report.code == 0, report.err
        text = (tmp_path / "report.md").read_text()
        assert "| W01 |" in text and "已完成 · 市大数据局局长 于 " in text

    def test_a_failed_verification_rolls_back_and_the_old_service_answers_again(
            self, legacy_system: dict[str, Any], cli: Callable[..., Any]) -> None:
        # the cloud side starts its service on the wrong volume: the content check must catch it
        runbook = legacy_system["plans"] / "lab-oa.cutover.yaml"
        document = yaml.safe_load(runbook.read_text())
        document["systems"][SYSTEM]["target_start"][3] = str(legacy_system["decoy"])
        document["systems"][SYSTEM]["verify_retries"] = 3
        runbook.write_text(yaml.safe_dump(document))
        sign_off(cli, legacy_system["plans"])
        result = cli("migrate", "execute", "lab-oa", "--wave", "W01", "--plans-dir", legacy_system["plans"],
                     "--state-dir", legacy_system["state"], "--format", "json")
        assert result.code == 1
        assert json.loads(result.out)["systems"] == {SYSTEM: "rolled_back"}
        assert wait_answering("[2001:db8:0:3::80]", CLIENT) == legacy_system["content"]
        assert wait_answering("203.0.113.50", CLIENT) == legacy_system["content"]
        wave = wave_of(legacy_system["plans"])
        assert wave["status"] == "rolled_back"
        assert "rolled_back" in wave["history"][-1]["note"]

    def test_rollback_after_a_good_cutover_brings_the_service_home(
            self, legacy_system: dict[str, Any], cli: Callable[..., Any]) -> None:
        common = ["--plans-dir", legacy_system["plans"], "--state-dir", legacy_system["state"], "--format", "json"]
        forced = cli("migrate", "execute", "lab-oa", "--wave", "1", "--force", *common)
        assert forced.code == 0, forced.out + forced.err
        result = cli("migrate", "rollback", "lab-oa", "--wave", "1", *common)
        assert result.code == 0, result.out + result.err
        assert wait_answering("203.0.113.50", CLIENT) == legacy_system["content"]
        history = wave_of(legacy_system["plans"])["history"]
        assert [event["status"] for event in history] == ["executed", "rolled_back"]
        assert history[0]["note"].startswith("forced without sign-off by ")
