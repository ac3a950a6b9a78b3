"""Router configuration text: FRR, sshd, snmpd and the private account files."""

from __future__ import annotations

from pathlib import Path

from ezgov_infra.lab import render
from ezgov_infra.lab.topology import Topology
from tests.conftest import check_golden

SECRETS = {"snmp": {"community": "c0mmunity", "v3": {"user": "ezgov", "auth_protocol": "SHA", "auth_key": "authkey1",
                                                    "priv_protocol": "AES", "priv_key": "privkey1"}}}


class TestFrrConf:
    def test_the_city_core_matches_its_golden_file(self, topology: Topology) -> None:
        check_golden("lab/ez-core-1.frr.conf", render.frr_conf(topology.node("ez-core-1")))

    def test_the_ipv4_only_router_matches_its_golden_file(self, topology: Topology) -> None:
        check_golden("lab/tujianao-ar-1.frr.conf", render.frr_conf(topology.node("tujianao-ar-1")))

    def test_the_ipv4_only_router_gets_no_ipv6_line_but_can_run_ospfv3_once_configured(self,
                                                                                      topology: Topology) -> None:
        text = render.frr_conf(topology.node("tujianao-ar-1"))
        assert "ipv6" not in text
        assert "ospf6" not in text
        assert render.daemons(topology.node("tujianao-ar-1")) == ["zebra", "staticd", "ospfd", "ospf6d"]

    def test_circuits_are_point_to_point_with_short_timers(self, topology: Topology) -> None:
        text = render.frr_conf(topology.node("taihe-ar-1"))
        block = text.split("interface eth1\n")[1].split("exit")[0]
        for line in (" ip ospf network point-to-point", " ip ospf hello-interval 1", " ip ospf dead-interval 3",
                     " ipv6 ospf6 network point-to-point", " ipv6 ospf6 hello-interval 1",
                     " ipv6 ospf6 dead-interval 3"):
            assert line in block.splitlines()

    def test_the_management_interface_runs_no_routing_protocol(self, topology: Topology) -> None:
        block = render.frr_conf(topology.node("ez-core-1")).split("interface eth0\n")[1].split("exit")[0]
        assert "ospf" not in block


class TestSnmpdConf:
    def test_circuit_speeds_are_overridden_by_interface_index(self, topology: Topology) -> None:
        text = render.snmpd_conf(topology.node("taihe-ar-1"), sys_name="taihe-ar-1", if_indexes={"eth1": 4},
                                 secrets=SECRETS)
        assert "override .1.3.6.1.2.1.31.1.1.1.15.4 uinteger 50" in text.splitlines()
        assert "override .1.3.6.1.2.1.2.2.1.5.4 uinteger 50000000" in text.splitlines()

    def test_ifspeed_saturates_above_gauge32(self, topology: Topology) -> None:
        text = render.snmpd_conf(topology.node("ez-cloud-gw"), sys_name="x", if_indexes={"eth1": 7},
                                 secrets=SECRETS)
        assert "override .1.3.6.1.2.1.2.2.1.5.7 uinteger 4294967295" in text
        assert "override .1.3.6.1.2.1.31.1.1.1.15.7 uinteger 10000" in text

    def test_an_emulated_device_reports_its_vendor_interface_names(self, topology: Topology) -> None:
        lines = render.snmpd_conf(topology.node("taihe-sw-1"), sys_name="taihe-sw-1",
                                  if_indexes={"lo": 1, "eth0": 2, "ge0-0-1": 3}, secrets=SECRETS).splitlines()
        for index, name in ((3, "GigabitEthernet0/0/1"), (1, "LoopBack0"), (2, "MEth0/0/1")):
            assert f'override .1.3.6.1.2.1.31.1.1.1.1.{index} octet_str "{name}"' in lines  # ifName
            assert f'override .1.3.6.1.2.1.2.2.1.2.{index} octet_str "{name}"' in lines  # ifDescr

    def test_an_frr_router_keeps_the_kernel_names_it_really_has(self, topology: Topology) -> None:
        text = render.snmpd_conf(topology.node("taihe-ar-1"), sys_name="taihe-ar-1", if_indexes={"eth1": 4},
                                 secrets=SECRETS)
        assert "octet_str" not in text

    def test_v2c_read_only_and_v3_auth_priv(self, topology: Topology) -> None:
        lines = render.snmpd_conf(None, sys_name="agent", if_indexes={}, secrets=SECRETS).splitlines()
        assert "rocommunity c0mmunity default" in lines
        assert "createUser ezgov SHA authkey1 AES privkey1" in lines
        assert "rouser ezgov priv" in lines

    def test_an_ipv4_only_agent_listens_on_ipv4_only(self) -> None:
        text = render.snmpd_conf(None, sys_name="a", if_indexes={}, secrets=SECRETS, ipv6=False)
        assert "udp6" not in text
        assert "rocommunity6" not in text


class TestSshdConfig:
    def test_every_login_is_forced_into_vtysh_for_the_lab_user_only(self, topology: Topology) -> None:
        lines = render.sshd_config(topology.node("ez-core-1"), host_key=Path("/k"),
                                   authorized_keys=Path("/run/ezgov/authorized_keys")).splitlines()
        assert "ForceCommand /usr/bin/vtysh" in lines
        assert "AllowUsers ezgov" in lines
        assert "PermitRootLogin no" in lines
        assert "HostKey /k" in lines

    def test_an_ipv4_only_router_listens_on_both_families_so_a_later_ipv6_address_answers(
            self, topology: Topology) -> None:
        text = render.sshd_config(topology.node("tujianao-ar-1"), host_key=Path("/k"), authorized_keys=Path("/a"))
        assert "AddressFamily any" in text.splitlines()
        assert "ListenAddress ::" in text.splitlines()


class TestAccountFiles:
    HOST_PASSWD = "root:x:0:0:root:/root:/bin/bash\nfrr:x:104:107::/nonexistent:/usr/sbin/nologin\n"
    HOST_GROUP = "root:x:0:\nfrrvty:x:106:frr\nfrr:x:107:\n"
    HOST_SHADOW = "root:*:19000:0:99999:7:::\n"

    def files(self) -> dict[str, str]:
        return render.account_files(self.HOST_PASSWD, self.HOST_GROUP, self.HOST_SHADOW,
                                    password_hash="$6$salt$hash", home=Path("/run/ezgov"))

    def test_the_lab_user_is_added_to_the_host_accounts(self) -> None:
        files = self.files()
        assert files["passwd"].startswith(self.HOST_PASSWD)
        assert "ezgov:x:64123:64123:ezgov lab:/run/ezgov:/bin/bash" in files["passwd"].splitlines()
        assert "ezgov:$6$salt$hash:19000:0:99999:7:::" in files["shadow"].splitlines()

    def test_the_lab_user_joins_frrvty_so_vtysh_reaches_the_daemons(self) -> None:
        assert "frrvty:x:106:frr,ezgov" in self.files()["group"].splitlines()

    def test_running_twice_does_not_duplicate_the_user(self) -> None:
        once = self.files()
        twice = render.account_files(once["passwd"], once["group"], once["shadow"], password_hash="$6$salt$hash",
                                     home=Path("/run/ezgov"))
        assert twice == once
