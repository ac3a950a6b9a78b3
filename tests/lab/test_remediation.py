"""The closed loop on the lab's IPv4-only router: audited not ready, `ezgov ipv6 remediate` runs ipv6_enable.yml
from the address plan (and records the new management address in a copy of the inventory), the re-audit finds it
ready, ping6 reaches its loopback from the city core, and a second run changes nothing. The router is put back as
it was afterwards (the lab is shared)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.errors import LabError
from ezgov_infra.lab.lab import Lab
from tests.conftest import SAMPLE

pytestmark = pytest.mark.lab
IPV4_ONLY = "tujianao-ar-1"
PEER = "liangzihu-agg-1"  # the far end of its uplink EZ-EXT-0007, which has no IPv6 either
CORE = "ez-core-1"


def ipv6_vars(device: str) -> dict[str, Any]:
    from ezgov_infra.addressing.allocate import make_plan
    from ezgov_infra.automation.hostvars import ipv6_plan_vars
    from ezgov_infra.store.inventory import load_inventory

    inv = load_inventory(SAMPLE)
    return ipv6_plan_vars(inv, make_plan(inv), device)


def undo_ipv6(lab: Lab, device: str, *, links_only: bool) -> None:
    """The `no` forms of what ipv6_enable.yml configures."""
    plan = ipv6_vars(device)
    commands = ["configure terminal"]
    for link in plan["links"]:
        if links_only and link["circuit"] != "EZ-EXT-0007":
            continue
        commands += [f"interface {link['interface']}", f"no ipv6 address {link['address']}",
                     "no ipv6 ospf6 area 0", "no ipv6 ospf6 network point-to-point",
                     "no ipv6 ospf6 hello-interval", "no ipv6 ospf6 dead-interval", "exit"]
    if not links_only and plan["management"]:
        commands += [f"interface {plan['management']['interface']}",
                     f"no ipv6 address {plan['management']['address']}", "exit"]
    if not links_only:
        commands += [f"interface {plan['loopback']['interface']}", f"no ipv6 address {plan['loopback']['address']}",
                     "no ipv6 ospf6 area 0", "no ipv6 ospf6 passive", "exit", "no router ospf6"]
    commands.append(f"no ipv6 access-list {plan['mgmt_acl']}")
    with contextlib.suppress(LabError):
        lab.vtysh(device, *commands)


@pytest.fixture
def capable_ipv4_only_router(lab: Lab) -> Iterator[str]:
    """The lab's IPv4-only router (IPv6 possible, none configured, forwarding off); the lab is shared by the whole
    session, so what remediation configured is undone afterwards."""
    try:
        yield IPV4_ONLY
    finally:
        undo_ipv6(lab, IPV4_ONLY, links_only=False)
        undo_ipv6(lab, PEER, links_only=True)
        with contextlib.suppress(LabError):
            lab.vtysh(IPV4_ONLY, "configure terminal", "no ipv6 forwarding")


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """A copy of the sample (remediation records new management addresses in it); snapshots are shared."""
    import shutil

    folder = tmp_path / "ezhou"
    folder.mkdir()
    for source in SAMPLE.glob("*.yaml"):
        shutil.copy2(source, folder / source.name)
    (folder / "snapshots").symlink_to(SAMPLE / "snapshots")
    return folder


@pytest.fixture
def state_dir(lab: Lab, tmp_path: Path) -> Path:
    """A history of our own, with the lab's secrets."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "lab").symlink_to(lab.lab_dir)
    return state


def ping6(lab: Lab, source: str, address: str) -> bool:
    return lab.exec(source, ["ping", "-6", "-c", "2", "-W", "1", "-i", "0.2", address]).returncode == 0


class TestClosedLoop:
    def test_remediation_fixes_the_ipv4_only_router_and_a_second_run_changes_nothing(
            self, lab: Lab, cli: Callable[..., Any], state_dir: Path, inventory: Path,
            capable_ipv4_only_router: str) -> None:
        loopback = ipv6_vars(IPV4_ONLY)["loopback"]["address"].split("/")[0]
        audit = cli("ipv6", "audit", "--live", "--limit", "platform:frr", "--state-dir", state_dir, "-i", inventory,
                    "--format", "json")
        assert audit.code == 0, audit.err
        before = {d["device"]: d["score"]["readiness"] for d in json.loads(audit.out)["devices"]}
        assert before[IPV4_ONLY] == "not ready"
        assert not ping6(lab, CORE, loopback)

        result = cli("ipv6", "remediate", "--state-dir", state_dir, "-i", inventory, "--format", "json")
        assert result.code == 0, result.out + result.err
        document = json.loads(result.out)
        assert document["targets"] == [IPV4_ONLY]
        assert document["peers"] == [PEER]
        rows = {r["device"]: r for r in document["devices"]}
        assert rows[IPV4_ONLY]["before"] == "not ready"
        assert rows[IPV4_ONLY]["after"] == "ready", document
        assert rows[PEER]["after"] == "ready"
        management = ipv6_vars(IPV4_ONLY)["management"]["address"]
        assert document["recorded"] == {IPV4_ONLY: management}
        shown = json.loads(cli("inventory", "show", IPV4_ONLY, "-i", inventory, "--format", "json").out)
        assert shown["mgmt_ipv6"] == management
        assert ping6(lab, CORE, loopback)

        again = cli("playbook", "run", "ipv6_enable", "--hosts", f"{IPV4_ONLY},{PEER}", "--state-dir", state_dir,
                    "-i", inventory, "--format", "json")
        assert again.code == 0, again.out
        hosts = json.loads(again.out)["per_host"]
        assert {h: r["changed"] for h, r in hosts.items()} == {IPV4_ONLY: 0, PEER: 0}

    def test_check_mode_predicts_without_changing_anything(self, lab: Lab, cli: Callable[..., Any],
                                                           state_dir: Path, inventory: Path,
                                                           capable_ipv4_only_router: str) -> None:
        audit = cli("ipv6", "audit", "--live", "--limit", f"device:{IPV4_ONLY}", "--state-dir", state_dir,
                    "-i", inventory, "--format", "json")
        assert audit.code == 0
        result = cli("ipv6", "remediate", "--check", "--state-dir", state_dir, "-i", inventory, "--format", "json")
        assert result.code == 0, result.out + result.err
        document = json.loads(result.out)
        assert document["after_run"] is None
        assert document["playbook"]["per_host"][IPV4_ONLY]["changed"] > 0
        assert "ipv6 address" not in lab.vtysh(IPV4_ONLY, "show running-config")
