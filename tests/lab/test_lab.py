"""The router lab built from the sample inventory: routing, access, shaping and the planted faults, for real."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from ezgov_infra.lab import probe
from ezgov_infra.lab.lab import Lab
from ezgov_infra.lab.ns import host_identity, ns_inode
from ezgov_infra.lab.render import IF_HIGH_SPEED_OID, IF_SPEED_OID
from ezgov_infra.lab.validate import load_checks, validate

pytestmark = pytest.mark.lab
CORE = "ez-core-1"


class TestRouting:
    def test_every_adjacency_is_full_and_validate_passes(self, lab: Lab) -> None:
        result = validate(lab, load_checks())
        assert result.passed, "\n".join(f"{o.check} {o.target}: {o.detail}" for o in result.failed)

    def test_the_core_has_four_ospf_neighbours(self, lab: Lab) -> None:
        neighbours = json.loads(lab.vtysh(CORE, "show ip ospf neighbor json"))["neighbors"]
        assert len(neighbours) == 4

    @pytest.mark.parametrize("node", ["taihe-ar-1", "fenghuang-ar-1", "ez-cloud-gw", "tujianao-ar-1"])
    def test_the_core_reaches_each_loopback_over_ipv4(self, lab: Lab, node: str) -> None:
        address = lab.topology.node(node).port("lo").ipv4[0].ip
        assert lab.exec(CORE, ["ping", "-4", "-c", "1", "-w", "3", str(address)]).returncode == 0

    @pytest.mark.parametrize("node", ["taihe-ar-1", "fenghuang-ar-1", "ez-cloud-gw"])
    def test_the_core_reaches_each_loopback_over_ipv6(self, lab: Lab, node: str) -> None:
        address = lab.topology.node(node).port("lo").ipv6[0].ip
        assert lab.exec(CORE, ["ping", "-6", "-c", "1", "-w", "3", str(address)]).returncode == 0


class TestPlantedFaults:
    def test_the_ipv4_only_router_has_no_ipv6_address_beyond_link_local(self, lab: Lab) -> None:
        done = lab.exec("tujianao-ar-1", ["ip", "-6", "addr", "show", "scope", "global"])
        assert done.returncode == 0 and done.stdout.strip() == ""
        assert "ipv6 address" not in lab.vtysh("tujianao-ar-1", "show running-config")

    def test_the_ipv4_only_router_has_no_ipv6_route_to_the_core(self, lab: Lab) -> None:
        address = lab.topology.node(CORE).port("lo").ipv6[0].ip
        assert lab.exec("tujianao-ar-1", ["ping", "-6", "-c", "1", "-w", "1", str(address)]).returncode != 0

    def test_the_rural_circuit_measures_within_10_percent_of_its_50_mbps(self, lab: Lab) -> None:
        server = str(lab.topology.node("liangzihu-agg-1").port("eth2").ipv4[0].ip)
        pid = lab.spawn_in("liangzihu-agg-1", ["iperf3", "-s", "-1", "-B", server, "-p", "5301"])
        try:
            deadline = time.monotonic() + 10
            while ":5301" not in lab.exec("liangzihu-agg-1", ["ss", "-Hltn"]).stdout:
                assert time.monotonic() < deadline, "the iperf3 server did not start listening"
                time.sleep(0.1)
            done = lab.exec("taihe-ar-1", ["iperf3", "-c", server, "-p", "5301", "-t", "4", "-O", "1", "-J",
                                           "--connect-timeout", "3000"], timeout=30)
        finally:
            subprocess.run(["kill", str(pid)], check=False, capture_output=True)
        assert done.returncode == 0, done.stdout[-500:]
        mbps = json.loads(done.stdout)["end"]["sum_received"]["bits_per_second"] / 1e6
        assert 45.0 <= mbps <= 55.0, f"measured {mbps:.1f} Mbps on a 50 Mbps circuit"


class TestAccess:
    def test_ssh_with_the_key_lands_in_vtysh_with_the_router_prompt(self, lab: Lab) -> None:
        for node_id, node in lab.nodes.items():
            # an emulated Huawei or H3C device answers with its vendor's user-view prompt
            prompt = f"<{node_id}>" if lab.topology.node(node_id).emulated else f"{node_id}# "
            assert prompt in probe.ssh_prompt(lab.lab_dir, node.mgmt_ipv4 or "")

    def test_ssh_answers_over_ipv6_on_dual_stack_routers(self, lab: Lab) -> None:
        node = lab.nodes["taihe-ar-1"]
        assert "taihe-ar-1# " in probe.ssh_prompt(lab.lab_dir, node.mgmt_ipv6 or "")

    def test_vtysh_prompt_and_running_config_carry_the_router_name(self, lab: Lab) -> None:
        assert "hostname taihe-ar-1" in lab.vtysh("taihe-ar-1", "show running-config")
        assert lab.exec("taihe-ar-1", ["hostname"]).stdout.strip() == "taihe-ar-1"

    def test_snmpv3_walk_of_if_mib_returns_the_shaped_speed(self, lab: Lab) -> None:
        address = lab.nodes["taihe-ar-1"].mgmt_ipv6 or ""
        names = probe.snmp_walk(lab.lab_dir, address, "3", ".1.3.6.1.2.1.31.1.1.1.1")
        index = next(oid.rsplit(".", 1)[1] for oid, name in names.items() if name == "eth1")
        assert probe.snmp_walk(lab.lab_dir, address, "3", IF_HIGH_SPEED_OID)[f"{IF_HIGH_SPEED_OID}.{index}"] == "50"
        assert probe.snmp_walk(lab.lab_dir, address, "3", IF_SPEED_OID)[f"{IF_SPEED_OID}.{index}"] == "50000000"

    def test_snmp_v2c_with_a_wrong_community_gets_nothing(self, lab: Lab) -> None:
        done = subprocess.run(["snmpget", "-v2c", "-c", "wrong", "-t", "0.5", "-r", "0", "-Oqv",
                               f"udp:{lab.nodes[CORE].mgmt_ipv4}:161", probe.SYS_NAME],
                              capture_output=True, text=True, env={**os.environ, "MIBS": ""}, check=False)
        assert done.returncode != 0

    def test_secrets_file_follows_the_contract_with_mode_0600(self, lab: Lab) -> None:
        path = lab.lab_dir / "secrets.json"
        assert path.stat().st_mode & 0o777 == 0o600
        value = lab.secrets
        assert set(value) == {"ssh", "known_hosts", "snmp"}
        hosts = Path(value["known_hosts"]).read_text()
        for node in lab.nodes.values():
            assert node.mgmt_ipv4 in hosts
            assert node.mgmt_ipv6 is None or node.mgmt_ipv6 in hosts


class TestIsolation:
    def test_every_daemon_runs_outside_the_host_network_and_uts_namespaces(self, lab: Lab) -> None:
        host = host_identity()
        for node_id in lab.nodes:
            pids = lab.pids(node_id)
            login = "emulator" if lab.topology.node(node_id).emulated else "sshd"
            assert {"zebra", "ospfd", login, "snmpd"} <= set(pids)
            for pid in pids.values():
                assert ns_inode(pid, "net") != host["net"]
                assert ns_inode(pid, "uts") != host["uts"]

    def test_the_guard_refuses_to_start_a_daemon_in_the_host_namespaces(self, lab: Lab) -> None:
        from ezgov_infra.errors import LabError
        from ezgov_infra.lab.ns import spawn

        node = lab.topology.node("taihe-ar-1")
        with pytest.raises(LabError, match="safety guard"):
            # a host process as "holder": joining it would land in the host's namespaces
            spawn(["sleep", "30"], netns=node.namespace, holder=os.getpid(), hostname=node.id, log=None)

    def test_each_router_has_its_own_namespaces(self, lab: Lab) -> None:
        zebras = [lab.pids(node)["zebra"] for node in lab.nodes]
        assert len({ns_inode(pid, "net") for pid in zebras}) == len(zebras)
        assert len({ns_inode(pid, "mnt") for pid in zebras}) == len(zebras)

    def test_nothing_is_written_to_the_hosts_frr_and_snmp_folders(self, lab: Lab) -> None:
        for folder in (Path("/var/run/frr"), Path("/var/lib/snmp")):
            if folder.exists():
                assert not any(p.name.startswith(("zebra", "ospf", "staticd", "snmpd")) for p in folder.iterdir())
        assert not any(p.name.endswith(".vty") for p in Path("/etc/frr").iterdir())

    def test_status_json_shows_profiles_and_never_a_secret(self, lab: Lab) -> None:
        from ezgov_infra.cli.render import to_json
        from ezgov_infra.jobs.lab import status

        text = to_json(status(inventory=lab.inventory or Path(), state_dir=lab.state_dir))
        value = lab.secrets
        for secret in (value["ssh"]["password"], value["snmp"]["community"], value["snmp"]["v3"]["auth_key"],
                       value["snmp"]["v3"]["priv_key"]):
            assert secret not in text
        assert '"credential_profile": "lab"' in text
