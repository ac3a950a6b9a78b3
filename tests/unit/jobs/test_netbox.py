"""NetBox bulk-import sets in and out: `ezgov inventory import --netbox DIR`, `ezgov inventory export netbox`."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ezgov_infra.errors import InventoryError
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.netbox_write import export_set
from tests.conftest import DATA, CliResult

REAL = DATA / "real" / "netbox" / "netbox-4.6.8-test-views"
VILLAGES = DATA / "netbox" / "village-set"
NETBOX_KINDS = ("regions", "sites", "devices", "interfaces", "circuits", "prefixes")
Cli = Callable[..., CliResult]


def _fresh(tmp_path: Path, sample: Path, policy: str = "extranet_roots: [ezhou-dc]\n") -> Path:
    """An inventory that holds only what NetBox does not: credentials and policy."""
    folder = tmp_path / "inv"
    folder.mkdir(parents=True)
    shutil.copy(sample / "credentials.yaml", folder)
    (folder / "policy.yaml").write_text(policy, encoding="utf-8")
    return folder


def _set_copy(tmp_path: Path) -> Path:
    target = tmp_path / "set"
    shutil.copytree(VILLAGES, target)
    return target


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".ezgov.lock"}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestImportSet:
    def test_a_village_set_imports_in_one_command_and_gives_the_coverage_it_implies(
            self, cli: Cli, tmp_path: Path, sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        result = cli("inventory", "import", "--netbox", VILLAGES, "-i", folder)
        assert result.code == 0, result.err
        assert "regions: 13 added" in result.out and "circuits: 11 added" in result.out
        assert cli("inventory", "validate", "-i", folder).code == 0
        stats = json.loads(cli("inventory", "stats", "-i", folder, "--format", "json").out)
        # by hand from the set: 11 required centres, 9 villages and the town on active circuits
        assert (stats["required"], stats["connected"], stats["coverage_pct"]) == (11, 10, 90.9)
        assert [g["site"] for g in stats["missing"]] == ["zelin-v10-pcsc"]
        assert stats["missing"][0]["reason"] == "no active circuit (ZL-0010 planned)"
        assert [g["site"] for g in stats["no_device"]] == [f"zelin-v{i:02d}-pcsc" for i in range(1, 10)]

    def test_importing_the_same_set_again_changes_nothing(self, cli: Cli, tmp_path: Path,
                                                          sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        assert cli("inventory", "import", "--netbox", VILLAGES, "-i", folder).code == 0
        before = _snapshot(folder)
        again = cli("inventory", "import", "--netbox", VILLAGES, "-i", folder)
        assert again.code == 0
        assert "sites: 0 added, 0 updated, 12 unchanged" in again.out
        assert _snapshot(folder) == before

    def test_a_termination_moves_the_end_of_a_circuit_already_in_the_inventory(
            self, cli: Cli, tmp_path: Path, sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        assert cli("inventory", "import", "--netbox", VILLAGES, "-i", folder).code == 0
        netbox = tmp_path / "moves"
        netbox.mkdir()
        (netbox / "circuit-terminations.csv").write_text(
            "circuit,term_side,termination_type,termination_id\nZL-0001,A,dcim.site,zelin-v10-pcsc\n",
            encoding="utf-8")
        result = cli("inventory", "import", "--netbox", netbox, "-i", folder)
        assert result.code == 0, result.err
        assert "circuits: 0 added, 1 updated, 0 unchanged" in result.out
        circuit = load_inventory(folder).circuits["ZL-0001"]
        assert (circuit.a_end, circuit.z_end, circuit.access_type) == ("zelin-v10-pcsc", "ezhou-dc", "pon")

    def test_a_site_a_circuit_ends_at_is_not_removed_from_under_it(self, cli: Cli, tmp_path: Path,
                                                                   sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        assert cli("inventory", "import", "--netbox", VILLAGES, "-i", folder).code == 0
        refused = cli("inventory", "remove", "zelin-v01-pcsc", "-i", folder)
        assert refused.code == 2 and "ZL-0001" in refused.err
        done = cli("inventory", "remove", "zelin-v01-pcsc", "--cascade", "-i", folder)
        assert done.code == 0 and "ZL-0001" in done.out
        assert "ZL-0001" not in load_inventory(folder).circuits

    def test_netbox_facts_land_where_ezgov_keeps_them(self, cli: Cli, tmp_path: Path,
                                                      sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        assert cli("inventory", "import", "--netbox", VILLAGES, "-i", folder).code == 0
        inv = load_inventory(folder)
        village = inv.sites["zelin-v03-pcsc"]
        assert (village.category.value, village.setting.value, village.region) == (
            "community_centre", "rural", "zelin-v03")  # category from the site group's slug
        assert (inv.regions["zelin"].level.value, inv.regions["zelin-v03"].level.value) == ("township", "village")
        assert inv.sites["ezhou-dc"].coordinates == (30.391, 114.895)
        core = inv.devices["ez-core-1"]
        assert (core.role.value, core.platform, core.model, str(core.mgmt_ipv4)) == (
            "core", "huawei_vrp", "NE40E-X8A", "198.51.100.129/25")
        assert inv.interfaces["ez-core-1:MEth0/0/0"].kind.value == "management"  # from mgmt_only
        assert [str(a) for a in inv.interfaces["ez-core-1:GigabitEthernet0/0/1"].ipv6] == ["2001:db8:10::1/64"]
        circuit = inv.circuits["ZL-0003"]
        assert (circuit.a_end, circuit.z_end, circuit.access_type, circuit.contracted_mbps) == (
            "zelin-v03-pcsc", "ezhou-dc", "pon", 20)
        assert inv.circuits["ZL-0000"].a_end == "zelin-ar-1:GigabitEthernet0/0/0"  # cf_a_end over the site
        assert inv.prefixes["2001:db8:10:200::/56"].site == "zelin-v01-pcsc"
        assert inv.prefixes["2001:db8:10::/48"].region == "echeng"

    def test_standard_netbox_columns_are_reported_once_as_ignored(self, cli: Cli, tmp_path: Path,
                                                                  sample_inventory: Path) -> None:
        result = cli("inventory", "import", "--netbox", VILLAGES, "-i", _fresh(tmp_path, sample_inventory))
        lines = result.out.splitlines()
        for column in ("status", "tenant", "facility", "time_zone", "description"):
            assert lines.count(f"ignored: sites.csv: {column}") == 1
        assert "ignored: prefixes.csv: vrf" in lines
        assert "ignored: circuits.csv: cf_contract" in lines  # a custom field of the city's, not ezgov's
        assert "ignored: ip-addresses.csv: 1 addresses on no device interface (lines 6)" in lines

    def test_an_unknown_column_is_a_located_error_and_nothing_is_written(self, cli: Cli, tmp_path: Path,
                                                                         sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        netbox = _set_copy(tmp_path)
        path = netbox / "sites.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(",cf_setting", ",setting", 1), encoding="utf-8")
        before = _snapshot(folder)
        result = cli("inventory", "import", "--netbox", netbox, "-i", folder)
        assert result.code == 2
        assert result.err.splitlines()[0] == f"error: {path}:1:O: setting: unknown column (NetBox's sites columns: " \
            "comments, description, facility, group, id, latitude, longitude, name, owner, physical_address, " \
            "region, shipping_address, slug, status, tags, tenant, time_zone)"
        assert _snapshot(folder) == before

    def test_a_bad_row_in_the_last_file_leaves_the_inventory_untouched(self, cli: Cli, tmp_path: Path,
                                                                       sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        netbox = _set_copy(tmp_path)
        path = netbox / "circuit-terminations.csv"
        path.write_text(path.read_text(encoding="utf-8").replace("ZL-0005,A,dcim.site,", "ZL-0005,A,dcim.location,"),
                        encoding="utf-8")
        before = _snapshot(folder)
        result = cli("inventory", "import", "--netbox", netbox, "-i", folder)
        assert result.code == 2
        assert re.search(rf"^error: {re.escape(str(path))}:12:C: termination_type: termination type "
                         r"'dcim.location' \(ezgov ends a circuit at a site", result.err, re.M)
        assert f"{netbox / 'circuits.csv'}:7:M: cf_a_end: circuit 'ZL-0005' has no A end" in result.err
        assert _snapshot(folder) == before

    def test_a_bad_address_is_named_on_its_own_row(self, cli: Cli, tmp_path: Path, sample_inventory: Path) -> None:
        netbox = _set_copy(tmp_path)
        path = netbox / "ip-addresses.csv"
        text = path.read_bytes().decode("utf-8-sig")
        text = text.replace("198.51.100.2/30", "198.51.100.2").replace("2001:db8:10::1/64", "2001:db8:10::g/64")
        path.write_text(text, encoding="utf-8-sig", newline="")
        result = cli("inventory", "import", "--netbox", netbox, "-i", _fresh(tmp_path, sample_inventory))
        assert result.code == 2
        # both in one pass: one found reading the row, one when the interface's record is checked
        assert result.err.splitlines() == [
            f"error: {path}:5:A: address: not an address with its length: '198.51.100.2'",
            f"error: {path}:3:A: address: Input is not a valid IPv6 interface: '2001:db8:10::g/64'",
            "2 problems found"]

    def test_a_missing_ezgov_fact_names_the_custom_field_to_add(self, cli: Cli, tmp_path: Path,
                                                                sample_inventory: Path) -> None:
        netbox = _set_copy(tmp_path)
        path = netbox / "devices.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(",extranet\n", ",\n"), encoding="utf-8")
        result = cli("inventory", "import", "--netbox", netbox, "-i", _fresh(tmp_path, sample_inventory))
        assert result.code == 2
        assert result.err.strip().splitlines() == [
            f"error: {path}:2:L: cf_credential_profile: missing", f"error: {path}:3:L: cf_credential_profile: missing",
            "2 problems found"]


class TestCircuitTypes:
    def test_a_type_outside_the_policy_is_refused_naming_the_allowed_ones(self, cli: Cli, tmp_path: Path,
                                                                          sample_inventory: Path) -> None:
        netbox = _set_copy(tmp_path)
        (netbox / "circuit-types.csv").write_text("name,slug\n光纤专线,fibre\n电路,mpls\n", encoding="utf-8")
        path = netbox / "circuits.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(",PON,", ",电路,"), encoding="utf-8")
        result = cli("inventory", "import", "--netbox", netbox, "-i", _fresh(tmp_path, sample_inventory))
        assert result.code == 2
        assert f"error: {path}:3:D: type: unknown circuit type 'mpls' (policy.yaml circuit_types allows: fibre, " \
               "mstp, pon, dsl, lte, microwave)" in result.err

    def test_the_policy_opens_the_list(self, cli: Cli, tmp_path: Path, sample_inventory: Path) -> None:
        netbox = _set_copy(tmp_path)
        (netbox / "circuit-types.csv").write_text("name,slug\n光纤专线,fibre\n电路,mpls\n", encoding="utf-8")
        path = netbox / "circuits.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(",PON,", ",电路,"), encoding="utf-8")
        folder = _fresh(tmp_path, sample_inventory, "extranet_roots: [ezhou-dc]\ncircuit_types: [fibre, mpls]\n")
        assert cli("inventory", "import", "--netbox", netbox, "-i", folder).code == 0
        assert load_inventory(folder).circuits["ZL-0001"].access_type == "mpls"


class TestRealNetBoxFiles:
    def test_netbox_own_import_rows_meet_no_unknown_column(self, cli: Cli, tmp_path: Path,
                                                           sample_inventory: Path) -> None:
        result = cli("inventory", "import", "--netbox", REAL, "-i", _fresh(tmp_path, sample_inventory))
        assert result.code == 2
        errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
        # what is left is references to objects of NetBox's test database, each on its row and column
        assert errors and all(re.match(rf"error: {re.escape(str(REAL))}/\w+\.csv:[2-9]:[A-Z]?:? ?\w+: ", e)
                              for e in errors), errors
        assert f"error: {REAL}/devices.csv:2:F: site: no site 'Site 1'" in errors
        assert f"error: {REAL}/prefixes.csv:2:E: scope_name: no site 'Site 1'" in errors

    def test_netbox_own_reference_objects_import(self, cli: Cli, tmp_path: Path, sample_inventory: Path) -> None:
        netbox = tmp_path / "set"
        netbox.mkdir()
        for name in ("regions", "site_groups", "tenants", "manufacturers", "platforms", "device_roles", "vrfs",
                     "providers", "circuit_types"):
            shutil.copy(REAL / f"{name}.csv", netbox)
        folder = _fresh(tmp_path, sample_inventory, "{}\n")
        result = cli("inventory", "import", "--netbox", netbox, "-i", folder)
        assert result.code == 0, result.err
        region = load_inventory(folder).regions["region-5"]
        assert (region.name, region.level.value, region.parent) == ("Region 5", "city", None)
        assert "ignored: regions.csv: comments" in result.out.splitlines()


class TestExport:
    def test_export_then_import_gives_the_same_inventory(self, cli: Cli, tmp_path: Path,
                                                         sample_inventory: Path) -> None:
        netbox = tmp_path / "out"
        assert cli("inventory", "export", "netbox", "-i", sample_inventory, "--out", netbox).code == 0
        folder = tmp_path / "inv"
        folder.mkdir()
        for name in ("credentials.yaml", "snmp.yaml", "policy.yaml"):
            shutil.copy(sample_inventory / name, folder)
        assert cli("inventory", "import", "--netbox", netbox, "-i", folder).code == 0
        before, after = load_inventory(sample_inventory), load_inventory(folder)
        for kind in NETBOX_KINDS:
            assert getattr(after, kind) == getattr(before, kind), kind

    def test_an_imported_set_exports_to_what_was_imported(self, cli: Cli, tmp_path: Path,
                                                          sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory)
        assert cli("inventory", "import", "--netbox", VILLAGES, "-i", folder).code == 0
        netbox = tmp_path / "out"
        assert cli("inventory", "export", "netbox", "-i", folder, "--out", netbox).code == 0
        again = _fresh(tmp_path / "again", sample_inventory)
        assert cli("inventory", "import", "--netbox", netbox, "-i", again).code == 0
        for kind in NETBOX_KINDS:
            assert getattr(load_inventory(again), kind) == getattr(load_inventory(folder), kind), kind

    def test_the_export_carries_the_columns_netbox_requires(self, cli: Cli, tmp_path: Path,
                                                            sample_inventory: Path) -> None:
        netbox = tmp_path / "out"
        assert cli("inventory", "export", "netbox", "-i", sample_inventory, "--out", netbox).code == 0
        # NetBox 4.6's import forms: fields declared required (status, role, device_type, type, ...)
        required = {"sites.csv": ("name", "slug", "status"), "regions.csv": ("name", "slug"),
                    "devices.csv": ("role.slug", "manufacturer", "device_type", "status", "site.slug"),
                    "interfaces.csv": ("device", "name", "type"), "ip_addresses.csv": ("address", "status"),
                    "prefixes.csv": ("prefix", "status"), "providers.csv": ("name", "slug"),
                    "circuit_types.csv": ("name", "slug"), "circuits.csv": ("cid", "provider", "type.slug", "status"),
                    "circuit_terminations.csv": ("circuit", "term_side"), "device_types.csv": ("manufacturer",
                                                                                            "model", "slug")}
        slug = re.compile(r"^[-a-zA-Z0-9_]+$")
        for name, columns in required.items():
            rows = _rows((netbox / name).read_text(encoding="utf-8"))
            assert rows, name
            for row in rows:
                assert all(row[c] for c in columns), (name, row)
                assert all(slug.match(v) for c, v in row.items() if c == "slug" or (c.endswith(".slug") and v))
        devices = _rows((netbox / "devices.csv").read_text(encoding="utf-8"))
        assert {d["status"] for d in devices} == {"active"}
        regions = [r["slug"] for r in _rows((netbox / "regions.csv").read_text(encoding="utf-8"))]
        parents = {r["slug"]: r["parent.slug"] for r in _rows((netbox / "regions.csv").read_text(encoding="utf-8"))}
        assert all(not p or regions.index(p) < regions.index(s) for s, p in parents.items())  # parents first


class TestCoverageRoots:
    def test_no_extranet_root_is_one_clear_error(self, cli: Cli, tmp_path: Path, sample_inventory: Path) -> None:
        folder = _fresh(tmp_path, sample_inventory, "{}\n")
        assert cli("inventory", "import", "--netbox", VILLAGES, "-i", folder).code == 0
        result = cli("inventory", "stats", "-i", folder)
        assert result.code == 2
        assert result.err.splitlines() == [
            f"error: {folder / 'policy.yaml'}: extranet_roots: no extranet root set: coverage is counted from the "
            "site(s) the extranet core is at (e.g. extranet_roots: [SITE-ID])"]
        assert "no active path" not in result.out + result.err


class TestExportRefusals:
    def test_an_id_netbox_cannot_take_as_a_slug_is_named(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        site = inv.sites["ez-dc"].model_copy(update={"id": "ez.dc"})
        odd = inv.model_copy(update={"sites": {**inv.sites, "ez.dc": site}})
        with pytest.raises(InventoryError) as caught:
            export_set(odd)
        assert [str(p) for p in caught.value.problems] == [
            "<export>: sites.ez.dc: not a NetBox slug (letters, digits, - and _ only) (rename it before exporting "
            "to NetBox)"]
