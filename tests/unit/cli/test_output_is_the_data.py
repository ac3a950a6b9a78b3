"""Output is exactly the data: tables print fields verbatim, CSV carries raw values, JSON is valid JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from ipaddress import IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezgov_infra.cli.render import print_table, to_csv, to_json, visible
from ezgov_infra.store.csvfiles import export_csv, neutralise, read_csv, restore
from tests.conftest import SAMPLE, CliResult

Cli = Callable[..., CliResult]
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def table_text(capsys: pytest.CaptureFixture[str], value: str) -> str:
    capsys.readouterr()
    print_table([{"field": value}], ["field"])
    return capsys.readouterr().out


# segments that spell emoji codes between colons (`:100:`, `:a:`, `:ab:`...), mixed with any segment at all
SEGMENTS = st.one_of(st.sampled_from([0, 0x100, 0xA, 0xB, 0xAB, 0xCD, 0x1, 0x8, 0x1234]),
                     st.integers(min_value=0, max_value=0xFFFF))
ADDRESSES = st.one_of(st.lists(SEGMENTS, min_size=8, max_size=8).map(
    lambda segs: IPv6Address(sum(seg << (16 * (7 - i)) for i, seg in enumerate(segs)))),
    st.integers(min_value=0, max_value=2**128 - 1).map(IPv6Address))


def ipv6_forms(address: IPv6Address, length: int) -> list[str]:
    network = IPv6Network((int(address), length), strict=False)
    return [str(address), address.exploded, str(IPv6Interface((address, length))), str(network),
            network.exploded, f"[{address}]:830"]


class TestTables:
    def test_an_ipv6_address_with_100_in_it_is_not_an_emoji(self, capsys: pytest.CaptureFixture[str]) -> None:
        out = table_text(capsys, "2001:db8:500:100::1/64")
        assert "2001:db8:500:100::1/64" in out and "\N{HUNDRED POINTS SYMBOL}" not in out

    @pytest.mark.parametrize("code", [":100:", ":a:", ":b:", ":ab:", ":cd:", ":smile:", "[bold]x[/bold]", "[red]"])
    def test_emoji_codes_and_markup_print_as_written(self, capsys: pytest.CaptureFixture[str], code: str) -> None:
        assert f"x{code}y" in table_text(capsys, f"x{code}y")

    def test_an_escape_sequence_in_a_field_is_shown_not_sent(self, capsys: pytest.CaptureFixture[str]) -> None:
        out = table_text(capsys, "core\x1b[2J\x1b]0;pwned\x07-1")
        assert "\x1b" not in out and "\x07" not in out
        assert "core\\x1b[2J\\x1b]0;pwned\\x07-1" in out

    def test_a_title_is_data_too(self, capsys: pytest.CaptureFixture[str]) -> None:
        print_table([{"a": "x" * 40}], ["a"], title="plan :100: [b]x[/b]")
        assert "plan :100: [b]x[/b]" in capsys.readouterr().out

    @QUICK
    @given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t and t.strip()))
    def test_any_string_prints_verbatim(self, capsys: pytest.CaptureFixture[str], value: str) -> None:
        out = table_text(capsys, value)
        assert visible(value) in out
        assert "\x1b" not in out

    @QUICK
    @given(ADDRESSES, st.integers(min_value=0, max_value=128))
    def test_every_ipv6_form_prints_verbatim(self, capsys: pytest.CaptureFixture[str], address: IPv6Address,
                                             length: int) -> None:
        for form in ipv6_forms(address, length):
            assert form in table_text(capsys, form)

    def test_every_table_view_of_the_sample_shows_its_100_addresses(self, cli: Cli, sample_inventory: Path) -> None:
        for args in (("inventory", "list", "prefixes"), ("inventory", "list", "devices"),
                     ("inventory", "show", "2001:db8:100:100::/64"), ("ipv6", "plan")):
            result = cli(*args, "-i", sample_inventory)
            assert result.code == 0, result.err
            assert "\N{HUNDRED POINTS SYMBOL}" not in result.out and ":100::" in result.out, args


    def test_audit_views_show_an_address_with_100_in_it_verbatim(self, cli: Cli, inventory_copy: Path,
                                                                  tmp_path: Path) -> None:
        saved = tmp_path / "saved"
        shutil.copytree(SAMPLE / "snapshots", saved)
        snapshot = saved / "ez-core-2"
        for name, old in (("config.txt", "ipv6 address 2001:DB8:0:1::25/127"),
                          ("interfaces_v6.txt", "[IPv6 Address] 2001:DB8:0:1::25\n")):
            text = (snapshot / name).read_text(encoding="utf-8")
            assert old in text
            (snapshot / name).write_text(text.replace(old, old.replace("0:1::25", "EEEE:100::25")), encoding="utf-8")
        audit = cli("ipv6", "audit", "-i", inventory_copy, "--offline", saved, "--limit",
                    "device:ez-core-2")
        assert audit.code in (0, 1), audit.err
        for args in (("ipv6", "findings"), ("ipv6", "findings", "--format", "csv")):
            result = cli(*args)
            assert result.code == 0, result.err
            assert "2001:db8:eeee:100::25 on GigabitEthernet0/0/10" in result.out, args
            assert "\N{HUNDRED POINTS SYMBOL}" not in result.out, args


class TestCsv:
    def test_numbers_are_raw(self) -> None:
        text = to_csv([{"mbps": 1000.0, "sites": 12000, "name": "a"}])
        assert text.splitlines()[1] == "1000.0,12000,a"

    @pytest.mark.parametrize("cell", ["=cmd|' /c calc'!A1", "+HYPERLINK(\"http://x\")", "-2+3", "@SUM(A1)",
                                      "\tx", "'=already quoted"])
    def test_formula_cells_are_neutralised_and_read_back(self, cell: str) -> None:
        written = neutralise(cell)
        assert written.startswith("'")
        assert restore(written) == cell
        assert next(csv.reader(io.StringIO(to_csv([{"c": cell}])))) == ["c"]
        assert list(csv.reader(io.StringIO(to_csv([{"c": cell}]))))[1] == [written]

    @pytest.mark.parametrize("cell", ["-30.5", "+8", "2001:db8::1", "ez-core-1", "", "1e5"])
    def test_ordinary_cells_and_signed_numbers_are_left_alone(self, cell: str) -> None:
        assert neutralise(cell) == cell

    def test_the_inventory_export_neutralises_and_the_import_restores(self, tmp_path: Path) -> None:
        rows = [{"hostname": "a.gov.cn", "id": "a.gov.cn", "name": "=cmd|' /c calc'!A1", "name_en": "+HYPERLINK(1)",
                 "department": "@x", "region": "ezhou", "fate": "keep"}]
        text = export_csv("websites", rows)
        assert "'=cmd" in text and "'+HYPERLINK" in text and "'@x" in text
        path = tmp_path / "websites.csv"
        path.write_text(text, encoding="utf-8")
        records, problems = read_csv("websites", path)
        assert problems == []
        assert records["a.gov.cn"]["name"] == "=cmd|' /c calc'!A1"
        assert records["a.gov.cn"]["name_en"] == "+HYPERLINK(1)" and records["a.gov.cn"]["department"] == "@x"

    def test_the_csv_of_a_listing_carries_no_display_formatting(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "list", "circuits", "-i", sample_inventory, "-f", "csv")
        assert result.code == 0
        rows = list(csv.DictReader(io.StringIO(result.out)))
        assert rows and all("," not in r["contracted_mbps"] for r in rows)
        assert any(r["contracted_mbps"] == "10000" for r in rows)

    def test_bandwidth_rows_for_csv_are_numbers(self) -> None:
        from ezgov_infra.cli.bandwidth import numbers
        from ezgov_infra.cli.options import Format

        assert numbers(Format.csv)(1000.0) == 1000.0
        assert numbers(Format.table)(1000.0) == "1,000.0"
        assert to_csv([{"measured": numbers(Format.csv)(1000.0)}]).splitlines()[1] == "1000.0"


class TestNumbersAndFormats:
    @pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
    def test_a_coordinate_that_is_no_number_is_refused(self, cli: Cli, inventory_copy: Path, value: str) -> None:
        sites = inventory_copy / "sites.yaml"
        text = sites.read_text(encoding="utf-8")
        sites.write_text(text + f"zz-site:\n  name: 测试\n  name_en: Test\n  region: ezhou\n  category: department\n"
                         f"  setting: urban\n  coordinates: [{value}, 114.8]\n", encoding="utf-8")
        result = cli("inventory", "validate", "-i", inventory_copy)
        assert result.code == 2 and "zz-site.coordinates" in result.err and "sites.yaml:" in result.err

    def test_a_coordinate_that_is_no_number_is_refused_from_csv(self, cli: Cli, inventory_copy: Path,
                                                                tmp_path: Path) -> None:
        path = tmp_path / "sites.csv"
        path.write_text("slug,name,region,latitude,longitude,cf_name_en,cf_category,cf_setting\n"
                        "zz-site,测试,ezhou,nan,114.8,Test,department,urban\n", encoding="utf-8")
        result = cli("inventory", "import", "sites", path, "-i", inventory_copy)
        assert result.code == 2 and "sites.csv:2: latitude: Input should be a finite number" in result.err

    def test_json_output_is_always_json(self) -> None:
        assert json.loads(to_json({"x": float("nan"), "y": float("inf"), "z": 1.5})) == {"x": None, "y": None,
                                                                                         "z": 1.5}

    def test_validate_prints_json_when_asked(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "validate", "-i", sample_inventory, "--format", "json")
        assert result.code == 0 and json.loads(result.out)["valid"] is True

    def test_the_ansible_inventory_comes_out_as_json_when_asked(self, cli: Cli, sample_inventory: Path) -> None:
        result = cli("inventory", "export", "ansible", "-i", sample_inventory, "--format", "json")
        assert result.code == 0, result.err
        assert "all" in json.loads(result.out)
        assert cli("inventory", "export", "ansible", "-i", sample_inventory).out.startswith("# Ansible")
        refused = cli("inventory", "export", "ansible", "-i", sample_inventory, "--format", "csv")
        assert refused.code == 2 and "yaml or json" in refused.err
