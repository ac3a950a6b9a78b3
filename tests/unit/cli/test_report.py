"""`ezgov report figures` in-process: on the sample with nothing measured, what is known is shown and the rest is
"not yet measured"; a history run that does not exist is one located line with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


class TestFiguresWithNothingMeasured:
    def test_only_the_inventory_and_catalogue_figures_have_values(self, cli: Cli, sample_inventory: Path,
                                                                 tmp_path: Path) -> None:
        result = cli("report", "figures", "-i", sample_inventory, "--plans-dir", tmp_path / "plans",
                     "--as-of", "2019-09-01", "--format", "json")
        assert result.code == 0, result.err
        figures = {f["figure"]: f for f in json.loads(result.out)["figures"]}
        assert figures["coverage"]["source"] == "The inventory" and figures["coverage"]["pct"] is not None
        for unmeasured in ("bandwidth", "ipv6_devices"):
            assert (figures[unmeasured]["pct"], figures[unmeasured]["status"]) == (None, "unknown")
            assert figures[unmeasured]["now"] == "Not yet measured"
        assert all(f["trend"] == "No earlier figure" for f in figures.values())

    def test_the_table_is_in_the_language_asked_for(self, cli: Cli, sample_inventory: Path, tmp_path: Path) -> None:
        english = cli("report", "figures", "-i", sample_inventory, "--plans-dir", tmp_path / "plans",
                      "--as-of", "2019-09-01", "--lang", "en")
        chinese = cli("report", "figures", "-i", sample_inventory, "--plans-dir", tmp_path / "plans",
                      "--as-of", "2019-09-01", "--lang", "zh")
        assert english.code == chinese.code == 0
        assert "Required centres on the extranet" in english.out
        assert "Required centres on the extranet" not in chinese.out


class TestBadInput:
    def test_a_run_without_a_history_names_the_option_and_the_database(self, cli: Cli, sample_inventory: Path,
                                                                       tmp_path: Path) -> None:
        result = cli("report", "figures", "-i", sample_inventory, "--plans-dir", tmp_path / "plans", "--run", "abc")
        assert result.code == 2 and result.err.count("\n") == 1
        history = tmp_path / "state" / "history.sqlite"
        assert result.err == f"error: --run abc: there is no history yet ({history})\n"
