"""One wave of the sample's migration plan staged in the lab and cut over for real: `ezgov migrate stage` starts a
stand-in legacy service per system on the router that stands for its hosting site, the services answer from the
city core over IPv6 and IPv4, `ezgov migrate execute` moves them to the cloud gateway, and `ezgov migrate unstage`
leaves no process, address, folder or runbook behind."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from ipaddress import ip_interface
from pathlib import Path
from typing import Any

import pytest
import yaml

from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import alive, netns_inode
from ezgov_infra.lab.standins import RECORD, SERVICE_V4, SERVICE_V6

pytestmark = pytest.mark.lab
PLAN = "ezhou-demo"
CORE, CLOUD = "ez-core-1", "ez-cloud-gw"


def netns(node: str) -> str:
    return f"ezlab-{node}"


def fetch(node: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", netns(node), "curl", "-sf", "--max-time", "3", url],
                          capture_output=True, text=True, check=False)


def service_addresses_on_lo(node: str) -> set[str]:
    shown = subprocess.run(["ip", "-n", netns(node), "-o", "address", "show", "dev", "lo"], capture_output=True,
                           text=True, check=False).stdout
    found = set()
    for word in (w for line in shown.splitlines() for w in line.split() if "/" in w):
        network = ip_interface(word).network
        if network.subnet_of(SERVICE_V4 if network.version == 4 else SERVICE_V6):
            found.add(ip_interface(word).with_prefixlen)
    return found


def wave_systems(plans: Path, index: int) -> tuple[str, list[str]]:
    wave = yaml.safe_load((plans / f"{PLAN}.yaml").read_text())["waves"][index]
    return wave["id"], [system for group in wave["groups"] for system in group["systems"]]


def recorded_processes(lab: Lab) -> list[dict[str, Any]]:
    record = json.loads((lab.lab_dir / RECORD).read_text())
    return [{"system": s, "side": side, **proc} for s, item in record["systems"].items()
            for side, proc in item["processes"].items()]


@pytest.fixture
def plans(lab: Lab, tmp_path: Path, cli: Callable[..., Any]) -> Iterator[Path]:
    """The sample's plan in a folder of its own; whatever gets staged is unstaged afterwards, also on failure."""
    from ezgov_infra.lab.standins import unstage_all

    folder = tmp_path / "plans"
    made = cli("migrate", "plan", "--name", PLAN, "--plans-dir", folder, "--state-dir", tmp_path / "plan-state",
               "--format", "json")
    assert made.code == 0, made.err
    try:
        yield folder
    finally:
        unstage_all(lab.state_dir)


class TestStage:
    def test_a_staged_wave_answers_moves_to_the_cloud_and_unstages_without_a_trace(
            self, lab: Lab, plans: Path, cli: Callable[..., Any]) -> None:
        common = ["--plans-dir", plans, "--state-dir", lab.state_dir, "--format", "json"]
        _, wave = wave_systems(plans, 0)
        staged = cli("migrate", "stage", PLAN, "--wave", "1", *common)
        assert staged.code == 0, staged.out + staged.err
        result = json.loads(staged.out)
        systems = {row["system"]: row for row in result["systems"]}
        assert list(systems) == wave
        assert (result["target"], result["client"]) == (CLOUD, CORE)

        # every stand-in runs in its site router's namespace and answers from the core over both families
        contents = {}
        for system, row in systems.items():
            assert all(row["answers"].values()), row
            v6_url, v4_url = row["urls"]
            assert v6_url.startswith("http://[2001:db8:0:3::") and v4_url.startswith("http://203.0.113.")
            answer_v6, answer_v4 = fetch(CORE, v6_url), fetch(CORE, v4_url)
            assert answer_v6.returncode == 0 and answer_v4.returncode == 0, (system, answer_v6.stderr)
            assert answer_v6.stdout == answer_v4.stdout and system in answer_v6.stdout
            contents[system] = answer_v6.stdout
        for proc in recorded_processes(lab):
            assert proc["side"] == "source" and alive(proc["pid"], proc["start"])
            source = systems[proc["system"]]["source"]
            assert Path(f"/proc/{proc['pid']}/ns/net").stat().st_ino == netns_inode(netns(source))
        runbook = yaml.safe_load((plans / f"{PLAN}.cutover.yaml").read_text())
        assert set(runbook["systems"]) == set(wave)
        assert runbook["hosts"][CLOUD] == {"ansible_connection": "ezgov_netns", "ezgov_netns": netns(CLOUD)}
        for system in systems:
            assert Path(runbook["systems"][system]["source_dir"]).is_relative_to(lab.lab_dir / "legacy" / system)

        # the wave moves: the services answer from the cloud gateway with the same data, and the wave is executed
        assert cli("migrate", "signoff", PLAN, "--wave", "1", "--by", "approver", *common[:2]).code == 0
        moved = cli("migrate", "execute", PLAN, "--wave", "1", *common)
        assert moved.code == 0, moved.out + moved.err
        assert json.loads(moved.out)["systems"] == {s: "executed" for s in systems}
        addresses = {a for row in systems.values() for a in row["addresses"]}
        assert service_addresses_on_lo(CLOUD) == addresses
        assert not service_addresses_on_lo(CORE)
        for system, row in systems.items():
            for url in row["urls"]:
                assert fetch(CORE, url).stdout == contents[system], url
        processes = recorded_processes(lab)
        for proc in processes:
            assert proc["side"] == "target", proc
            assert Path(f"/proc/{proc['pid']}/ns/net").stat().st_ino == netns_inode(netns(CLOUD))
        plan_wave = yaml.safe_load((plans / f"{PLAN}.yaml").read_text())["waves"][0]
        assert plan_wave["status"] == "executed"
        assert plan_wave["history"][-1]["status"] == "executed"

        # unstage: no process, service address, data folder, record or runbook is left
        gone = cli("migrate", "unstage", PLAN, "--state-dir", lab.state_dir, "--format", "json")
        assert gone.code == 0, gone.out + gone.err
        assert json.loads(gone.out)["processes_stopped"] == len(systems)
        assert not any(alive(p["pid"], p["start"]) for p in processes)
        for node in lab.nodes:
            assert not service_addresses_on_lo(node), node
        assert not (lab.lab_dir / "legacy").exists()
        assert not (lab.lab_dir / RECORD).exists()
        assert not (plans / f"{PLAN}.cutover.yaml").exists()
        for url in systems[wave[0]]["urls"]:
            assert fetch(CORE, url).returncode != 0

    def test_an_unknown_wave_or_plan_is_bad_input(self, lab: Lab, plans: Path, cli: Callable[..., Any]) -> None:
        common = ["--plans-dir", plans, "--state-dir", lab.state_dir]
        wrong_wave = cli("migrate", "stage", PLAN, "--wave", "W99", *common)
        assert wrong_wave.code == 2 and "no wave 'W99'" in wrong_wave.err
        wrong_plan = cli("migrate", "stage", "no-such-plan", "--wave", "1", *common)
        assert wrong_plan.code == 2 and "no such plan" in wrong_plan.err
        assert not (lab.lab_dir / RECORD).exists()

    def test_staging_without_a_running_lab_is_a_lab_error(self, plans: Path, tmp_path: Path,
                                                          cli: Callable[..., Any]) -> None:
        result = cli("migrate", "stage", PLAN, "--wave", "1", "--plans-dir", plans, "--state-dir",
                     tmp_path / "no-lab")
        assert result.code == 1
        assert "the virtual lab is not up" in result.err and "ezgov lab up" in result.err
        assert not (plans / f"{PLAN}.cutover.yaml").exists()

    def test_site_routers_stand_in_for_their_sites_and_only_the_staged_plan_unstages(
            self, lab: Lab, plans: Path, cli: Callable[..., Any]) -> None:
        nothing = cli("migrate", "unstage", PLAN, "--state-dir", lab.state_dir, "--format", "json")
        assert nothing.code == 0 and json.loads(nothing.out)["systems"] == []
        wave_id, wave = wave_systems(plans, 4)
        assert {"hr-fenghuang", "hr-taihe"} <= set(wave)
        staged = cli("migrate", "stage", PLAN, "--wave", wave_id, "--plans-dir", plans, "--state-dir",
                     lab.state_dir, "--format", "json")
        assert staged.code == 0, staged.out + staged.err
        systems = {row["system"]: row for row in json.loads(staged.out)["systems"]}
        assert systems["hr-fenghuang"]["source"] == "fenghuang-ar-1"
        assert systems["hr-taihe"]["source"] == "taihe-ar-1"
        for url in systems["hr-taihe"]["urls"]:  # OSPF carries the site's service addresses to the core
            assert "hr-taihe" in fetch(CORE, url).stdout, url
        first = recorded_processes(lab)
        again = cli("migrate", "stage", PLAN, "--wave", wave_id, "--plans-dir", plans, "--state-dir",
                    lab.state_dir, "--format", "json")
        assert again.code == 0, again.out + again.err  # staging the same wave again starts afresh
        assert not any(alive(p["pid"], p["start"]) for p in first)
        assert len(recorded_processes(lab)) == len(wave)
        other = cli("migrate", "unstage", "another-plan", "--state-dir", lab.state_dir)
        assert other.code == 2 and "not staged" in other.err
        assert (lab.lab_dir / RECORD).exists()
