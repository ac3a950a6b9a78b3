"""`ezgov report figures` in-process: on the sample with nothing measured, what is known is shown and the rest is
"not yet measured"; a history run that does not exist is one located line with exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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


class TestPdfProgress:
    def test_a_log_gets_one_line_when_the_layout_starts(self, cli: Cli, sample_inventory: Path,
                                                        tmp_path: Path) -> None:
        out = tmp_path / "brief.pdf"
        result = cli("report", "readiness", "-i", sample_inventory, "--plans-dir", tmp_path / "plans",
                     "--as-of", "2019-09-01", "--lang", "en", "--format", "pdf", "--brief", "-o", out)
        assert result.code == 0, result.err
        assert result.err == "laying out the PDF (en) ...\n"
        assert out.read_bytes().startswith(b"%PDF-")

    def test_a_terminal_gets_a_line_that_follows_the_pages(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from ezgov_infra.cli import report as command
        from ezgov_infra.cli.progress import Drawer

        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        drawer = command._pdf_progress(command.ReportFormat.pdf, command.Lang.zh)
        assert isinstance(drawer, Drawer) and drawer.bar_kind == "spinner"
        drawer.started("PDF (zh)", None)
        drawer.note("laying out page 7")
        try:
            assert drawer._description() == "PDF (zh): laying out page 7"
        finally:
            drawer.finished()
        assert command._pdf_progress(command.ReportFormat.html, command.Lang.zh) is None
