"""`ezgov inventory ...` end to end, in-process, on the sample and on copies of it."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def append(path: Path, text: str) -> int:
    """Append `text` to a file; returns the line number its first line lands on."""
    before = path.read_text(encoding="utf-8")
    if not before.endswith("\n"):
        before += "\n"
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


class TestValidate:
    def test_the_sample_is_valid(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "validate", "-i", sample_inventory)
        assert result.code == 0, result.err
        assert "valid" in result.out

    def test_ten_planted_errors_are_all_reported_with_file_line_and_field(self, cli: Cli, inventory_copy: Path,
                                                                          golden: Callable[[str, str], None]) -> None:
        inv = inventory_copy
        expected: list[tuple[str, int, str]] = []

        def plant(file: str, text: str, offset: int, field: str) -> None:
            line = append(inv / file, text)
            expected.append((file, line + offset, field))

        plant("sites.yaml", "zz-site:\n  name: 测试\n  name_en: Test\n  region: ezhou\n  category: department\n"
              "  setting: urban\n  colour: red\n", 6, "zz-site.colour")
        plant("devices.yaml", "zz-dev:\n  site: no-such-site\n  role: access\n  platform: frr\n"
              "  credential_profile: lab\n", 1, "zz-dev.site")
        plant("devices.yaml", "zz-lab:\n  site: ez-dc\n  role: access\n  platform: frr\n  credential_profile: lab\n"
              "  lab: true\n  mgmt_ipv4: 198.18.0.9/24\n", 6, "zz-lab.mgmt_ipv4")
        plant("devices.yaml", "zz-plat:\n  site: ez-dc\n  role: access\n  platform: junos_evo\n"
              "  credential_profile: lab\n", 3, "zz-plat.platform")
        plant("interfaces.yaml", "ez-core-1:eth9:\n  kind: downlink\n  ipv6:\n    - 2001:db8::zz/64\n", 3,
              "ez-core-1:eth9.ipv6[0]")
        plant("circuits.yaml", "ZZ-1:\n  provider: p\n  a_end: ez-core-1:nope\n  z_end: ez-core-1:eth0\n"
              "  access_type: fibre\n  contracted_mbps: 100\n", 2, "ZZ-1.a_end")
        plant("circuits.yaml", "ZZ-2:\n  provider: p\n  a_end: taihe-ar-1:lan0\n  z_end: ez-core-1:lan0\n"
              "  access_type: fibre\n  contracted_mbps: fast\n", 5, "ZZ-2.contracted_mbps")
        plant("prefixes.yaml", "2001:db8:9900::/56:\n  site: echeng-gsc\n  role: site\n", 0,
              "2001:db8:9900::/56")
        plant("prefixes.yaml", "2001:db8:100:180::/57:\n  region: ezhou\n  role: servers\n", 0,
              "2001:db8:100:180::/57")
        plant("regions.yaml", "zz-town:\n  name: 镇\n  name_en: Town\n  level: township\n  kind: town\n"
              "  parent: no-such-district\n", 5, "zz-town.parent")
        result = cli("inventory", "validate", "-i", inv)
        assert result.code == 2
        lines = [line for line in result.err.splitlines() if line.startswith("error: ")]
        assert len(lines) == 10, result.err
        for file, line, field in expected:
            wanted = f"error: {inv / file}:{line}: {field}: "
            assert any(got.startswith(wanted) for got in lines), f"missing {wanted!r} in\n{result.err}"
        golden("inventory/validate_ten_errors.txt", result.err.replace(str(inv), "<inventory>"))

    def test_a_syntax_error_names_the_file_and_line(self, cli: Cli, inventory_copy: Path) -> None:
        line = append(inventory_copy / "websites.yaml", "bad: [unclosed\n")
        result = cli("inventory", "validate", "-i", inventory_copy)
        assert result.code == 2
        assert re.search(rf"websites.yaml:{line + 1}: YAML syntax", result.err) or f"websites.yaml:{line}" in result.err

    def test_errors_never_show_a_traceback(self, inventory_copy: Path) -> None:
        append(inventory_copy / "sites.yaml", "x: 1\n")
        proc = subprocess.run([sys.executable, "-m", "ezgov_infra", "inventory", "validate", "-i", str(inventory_copy)],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr and "sites.yaml" in proc.stderr


class TestListShowStats:
    def test_list_devices_as_json_matches_the_golden_file(self, cli: Cli, sample_inventory: Path,
                                                          golden: Callable[[str, str], None]) -> None:
        result = cli("inventory", "list", "devices", "-i", sample_inventory, "--format", "json")
        assert result.code == 0
        golden("inventory/list_devices.json", result.out)

    def test_filters_combine(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "list", "devices", "-i", sample_inventory, "--district", "liangzihu", "--lab",
                     "--format", "json")
        ids = [d["id"] for d in json.loads(result.out)]
        assert ids == ["liangzihu-agg-1", "taihe-ar-1", "taihe-sw-1", "tujianao-ar-1"]
        rural = json.loads(cli("inventory", "list", "sites", "-i", sample_inventory, "--setting", "rural",
                               "--category", "service_centre", "--format", "json").out)
        assert rural and all(s["setting"] == "rural" and s["category"] == "service_centre" for s in rural)
        frr = json.loads(cli("inventory", "list", "devices", "-i", sample_inventory, "--platform", "frr",
                             "--role", "core", "--format", "json").out)
        assert [d["id"] for d in frr] == ["ez-cloud-gw", "ez-core-1"]

    def test_show_lists_what_refers_to_a_record(self, cli: Cli, sample_inventory: Path,
                                                golden: Callable[[str, str], None]) -> None:
        result = cli("inventory", "show", "taihe-ar-1", "-i", sample_inventory, "--format", "json")
        assert result.code == 0
        record = json.loads(result.out)
        assert "interfaces/taihe-ar-1:eth1" in record["referenced_by"]
        golden("inventory/show_taihe-ar-1.json", result.out)

    def test_stats_reports_coverage_and_every_gap(self, cli: Cli, sample_inventory: Path,
                                                  golden: Callable[[str, str], None]) -> None:
        result = cli("inventory", "stats", "-i", sample_inventory, "--format", "json")
        assert result.code == 0
        stats = json.loads(result.out)
        assert stats["required"] == sum(row["required"] for row in stats["by_district"])
        assert stats["connected"] == stats["required"] - len(stats["missing"])
        reasons = {gap["site"]: gap["reason"] for gap in stats["missing"]}
        assert reasons["putuan-gsc"].startswith("no active circuit")
        assert sum(r == "no device at the site" for r in reasons.values()) == 4
        golden("inventory/stats.json", result.out)

    def test_csv_output_has_a_header_and_a_row_per_record(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "list", "circuits", "-i", sample_inventory, "--format", "csv", "--status", "planned")
        rows = list(csv.DictReader(io.StringIO(result.out)))
        assert [r["id"] for r in rows] == ["EZ-EXT-0033"]


class TestEdits:
    def test_add_set_and_remove_a_site(self, cli: Cli, inventory_copy: Path) -> None:
        add = cli("inventory", "add", "sites", "xishan-trade", "-i", inventory_copy, "name=西山交易点",
                  "name_en=Xishan Trading Point", "region=xishan", "category=trading_centre", "setting=urban")
        assert add.code == 0, add.err
        changed = cli("inventory", "set", "xishan-trade", "setting=rural", "-i", inventory_copy)
        assert changed.code == 0, changed.err
        data = yaml.safe_load((inventory_copy / "sites.yaml").read_text(encoding="utf-8"))
        assert data["xishan-trade"]["setting"] == "rural"
        assert cli("inventory", "validate", "-i", inventory_copy).code == 0
        assert cli("inventory", "remove", "xishan-trade", "-i", inventory_copy).code == 0
        assert "xishan-trade" not in yaml.safe_load((inventory_copy / "sites.yaml").read_text(encoding="utf-8"))

    def test_an_edit_that_breaks_a_reference_is_refused_and_nothing_is_written(self, cli: Cli,
                                                                                inventory_copy: Path) -> None:
        before = (inventory_copy / "devices.yaml").read_text(encoding="utf-8")
        result = cli("inventory", "set", "taihe-ar-1", "site=atlantis", "-i", inventory_copy)
        assert result.code == 2 and "taihe-ar-1.site: unknown site 'atlantis'" in result.err
        assert (inventory_copy / "devices.yaml").read_text(encoding="utf-8") == before

    def test_remove_refuses_to_orphan_and_cascades_when_asked(self, cli: Cli, inventory_copy: Path) -> None:
        refused = cli("inventory", "remove", "taihe-gsc", "-i", inventory_copy)
        assert refused.code == 2 and "--cascade" in refused.err
        systems = inventory_copy / "systems.yaml"
        before = (inventory_copy / "devices.yaml").read_text(encoding="utf-8")
        hosting = cli("inventory", "remove", "taihe-gsc", "--cascade", "-i", inventory_copy)
        assert hosting.code == 2 and "systems/hr-taihe.site" in hosting.err and "systems/twp-taihe.site" in hosting.err
        assert (inventory_copy / "devices.yaml").read_text(encoding="utf-8") == before
        systems.write_text(systems.read_text(encoding="utf-8").replace("site: taihe-gsc", "site: ez-gsc"),
                           encoding="utf-8")
        done = cli("inventory", "remove", "taihe-gsc", "--cascade", "-i", inventory_copy)
        assert done.code == 0, done.err
        assert "devices/taihe-ar-1" in done.out and "circuits/EZ-EXT-0006" in done.out
        networks = yaml.safe_load((inventory_copy / "networks.yaml").read_text(encoding="utf-8"))
        assert "taihe-gsc" not in networks["hrss-net"]["sites"]
        assert cli("inventory", "validate", "-i", inventory_copy).code == 0

    def test_a_comment_in_the_file_survives_a_cli_edit(self, cli: Cli, inventory_copy: Path) -> None:
        path = inventory_copy / "devices.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "taihe-ar-1:\n", "# Taihe: contract renewal pending\ntaihe-ar-1:\n"), encoding="utf-8")
        assert cli("inventory", "set", "taihe-ar-1", "serial=FRR-0006", "-i", inventory_copy).code == 0
        assert "# Taihe: contract renewal pending\ntaihe-ar-1:\n" in path.read_text(encoding="utf-8")


class TestImportExport:
    KINDS = ("regions", "sites", "devices", "interfaces", "circuits", "prefixes", "websites", "networks")

    def test_export_then_import_into_an_empty_inventory_gives_the_same_inventory(self, cli: Cli, inventory_copy: Path,
                                                                                 tmp_path: Path) -> None:
        empty = tmp_path / "empty"
        empty.mkdir()
        for name in ("credentials.yaml", "snmp.yaml", "policy.yaml"):
            shutil.copy2(inventory_copy / name, empty / name)
        for kind in self.KINDS:
            exported = cli("inventory", "export", kind, "-i", inventory_copy, "--format", "csv")
            assert exported.code == 0, exported.err
            (tmp_path / f"{kind}.csv").write_text(exported.out, encoding="utf-8")
        # import in dependency order; references are checked after each kind
        for kind in self.KINDS:
            result = cli("inventory", "import", kind, tmp_path / f"{kind}.csv", "-i", empty)
            assert result.code == 0, f"{kind}: {result.err}"
        for kind in self.KINDS:
            before = cli("inventory", "export", kind, "-i", inventory_copy, "--format", "json").out
            after = cli("inventory", "export", kind, "-i", empty, "--format", "json").out
            assert json.loads(before) == json.loads(after), kind

    def test_netbox_column_names_are_used(self, cli: Cli, sample_inventory: Path) -> None:
        header = cli("inventory", "export", "devices", "-i", sample_inventory).out.splitlines()[0]
        assert header.startswith("name,role,site,platform,device_type,serial,primary_ip4,primary_ip6")
        circuits = list(csv.DictReader(io.StringIO(cli("inventory", "export", "circuits", "-i", sample_inventory).out)))
        taihe = next(c for c in circuits if c["cid"] == "EZ-EXT-0006")
        assert taihe["commit_rate"] == "50000", "NetBox's commit_rate is in Kbps"

    @pytest.mark.parametrize("kind", KINDS)
    def test_an_unknown_column_is_an_error_in_every_kind(self, cli: Cli, inventory_copy: Path, tmp_path: Path,
                                                         kind: str) -> None:
        exported = cli("inventory", "export", kind, "-i", inventory_copy, "--format", "csv").out.splitlines()
        csv_file = tmp_path / f"{kind}.csv"
        csv_file.write_text("\n".join([exported[0] + ",colour", *(row + "," for row in exported[1:3])]) + "\n",
                            encoding="utf-8")
        result = cli("inventory", "import", kind, csv_file, "-i", inventory_copy)
        assert result.code == 2
        assert result.err.startswith(f"error: {csv_file}:1: colour: unknown column"), result.err

    def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_imported(self, cli: Cli, inventory_copy: Path,
                                                                           tmp_path: Path) -> None:
        csv_file = tmp_path / "circuits.csv"
        csv_file.write_text("cid,provider,type,status,commit_rate,cf_a_end,cf_z_end\n"
                            "N-1,p,fibre,active,100000,taihe-ar-1:lan0,ez-core-1:lan0\n"
                            "N-2,p,carrier-pigeon,active,100000,taihe-ar-1:lo,ez-core-1:lo\n", encoding="utf-8")
        before = (inventory_copy / "circuits.yaml").read_text(encoding="utf-8")
        result = cli("inventory", "import", "circuits", csv_file, "-i", inventory_copy)
        assert result.code == 2
        assert f"{csv_file}:3: type:" in result.err
        assert (inventory_copy / "circuits.yaml").read_text(encoding="utf-8") == before


class TestAnsibleExport:
    def test_strict_ansible_inventory_accepts_it_with_the_same_hosts_groups_and_vars(self, cli: Cli,
                                                                                     sample_inventory: Path,
                                                                                     tmp_path: Path) -> None:
        out = tmp_path / "hosts.yaml"
        assert cli("inventory", "export", "ansible", "-i", sample_inventory, "--out", out).code == 0
        env = {"ANSIBLE_INVENTORY_ENABLED": "yaml", "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
               "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_HOME": str(tmp_path / "home"),
               "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        binary = Path(sys.executable).parent / "ansible-inventory"
        proc = subprocess.run([str(binary), "-i", str(out), "--list"], capture_output=True, text=True, env=env,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        listed = json.loads(proc.stdout)
        devices = json.loads(cli("inventory", "list", "devices", "-i", sample_inventory, "--format", "json").out)
        hostvars = listed["_meta"]["hostvars"]
        assert set(hostvars) == {d["id"] for d in devices}
        core = hostvars["ez-core-1"]
        assert core["ansible_host"] == "2001:db8:0:2::10"
        assert core["ansible_network_os"] == "cisco.ios.ios"
        assert core["ansible_connection"] == "ansible.netcommon.network_cli"
        assert hostvars["tujianao-ar-1"]["ansible_host"] == "198.51.100.18", "IPv4 when the device has no IPv6"
        assert set(listed["platform_frr"]["hosts"]) == {d["id"] for d in devices if d["platform"] == "frr"}
        assert set(listed["lab"]["hosts"]) == {d["id"] for d in devices if d["lab"]}
        assert "region_liangzihu" in listed["region_ezhou"]["children"]
        assert "region_taihe" in listed["region_liangzihu"]["children"]
        assert "taihe-ar-1" in listed["region_taihe"]["hosts"]
        assert not any("password" in key or "community" in key for v in hostvars.values() for key in v)

    def test_prefer_ipv4_switches_ansible_host(self, cli: Cli, sample_inventory: Path) -> None:
        text = cli("inventory", "export", "ansible", "-i", sample_inventory, "--prefer-ipv4").out
        hosts = yaml.safe_load(text)["all"]["children"]["region_ezhou"]["hosts"]
        assert hosts["ez-core-1"]["ansible_host"] == "198.51.100.11"
