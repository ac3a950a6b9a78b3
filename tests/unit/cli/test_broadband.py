"""`ezgov broadband ...` in-process: import the sample's carrier files, then the golden figures and gap lists; before
any import the audit says so; a file that cannot be read is one located line with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ezgov_infra.testing.broadband import MISSPELT, SAMPLE_FILES
from tests.conftest import CliResult


@pytest.fixture
def sample_imported(cli: Callable[..., CliResult], sample_inventory: Path) -> Callable[..., CliResult]:
    files = [sample_inventory / "broadband" / f"{c.value}-{d.isoformat()}{s}" for c, d, s in SAMPLE_FILES]
    good = [str(f) for f in files if not f.name.startswith(f"{MISSPELT[0]}-2019-06-30")]
    result = cli("broadband", "import", "-i", sample_inventory, *good,
                 str(sample_inventory / "broadband" / "speedtests-2019-06.csv"))
    assert result.code == 0, result.err
    return cli


class TestSample:
    def test_figures_match_the_golden_file(self, sample_imported: Callable[..., CliResult], sample_inventory: Path,
                                           golden: Callable[[str, str], None]) -> None:
        result = sample_imported("broadband", "audit", "-i", sample_inventory, "-f", "json")
        assert result.code == 0, result.err
        data = json.loads(result.out)
        for entry in data["reports"]:
            entry["file"] = Path(entry["file"]).name
            entry.pop("imported")
        golden("broadband/audit.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def test_gap_lists_match_the_golden_file(self, sample_imported: Callable[..., CliResult],
                                             sample_inventory: Path, golden: Callable[[str, str], None]) -> None:
        result = sample_imported("broadband", "gaps", "-i", sample_inventory, "-f", "csv")
        assert result.code == 0, result.err
        golden("broadband/gaps.csv", result.out)
        huarong = sample_imported("broadband", "gaps", "-i", sample_inventory, "--district", "huarong", "-f", "csv")
        assert huarong.out.splitlines()[1:] == [line for line in result.out.splitlines() if line.startswith("huarong,")]

    def test_the_misspelt_village_is_refused_with_its_close_name(self, cli: Callable[..., CliResult],
                                                                 sample_inventory: Path,
                                                                 golden: Callable[[str, str], None]) -> None:
        path = sample_inventory / "broadband" / "unicom-2019-06-30.csv"
        result = cli("broadband", "import", "-i", sample_inventory, path)
        assert result.code == 2
        golden("broadband/misspelt.txt", result.err.replace(str(path), "unicom-2019-06-30.csv"))
        assert "红新村" in result.err and "close: 红星村" in result.err


class TestBeforeAnyImport:
    def test_the_audit_says_no_report_is_imported_yet(self, cli: Callable[..., CliResult],
                                                      sample_inventory: Path) -> None:
        result = cli("broadband", "audit", "-i", sample_inventory)
        assert result.code == 0, result.err
        assert "No carrier's report imported yet" in result.out

    def test_a_file_named_without_carrier_and_day_is_a_one_line_error(self, cli: Callable[..., CliResult],
                                                                      sample_inventory: Path, tmp_path: Path) -> None:
        path = tmp_path / "coverage.csv"
        path.write_text("区县,乡镇,村\n", encoding="utf-8")
        result = cli("broadband", "import", "-i", sample_inventory, path)
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err.startswith(f"error: {path}: cannot tell the carrier and the report day")
