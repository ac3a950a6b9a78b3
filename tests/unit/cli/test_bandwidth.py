"""`ezgov bandwidth ...` in-process: the audit's output for people (a golden table per district) and for scripts
(JSON), and the input poll and test refuse before touching a device."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ezgov_infra.jobs import bandwidth
from ezgov_infra.store.history import open_history
from tests.conftest import CliResult
from tests.unit.jobs.test_bandwidth import seed


class TestAuditCommand:
    def test_table_per_district_matches_the_golden_file(self, cli: Callable[..., CliResult],
                                                        sample_inventory: Path, tmp_path: Path,
                                                        golden: Callable[[str, str], None]) -> None:
        seed(tmp_path / "state")
        done = cli("bandwidth", "audit", "-i", sample_inventory, "--no-store")
        assert done.code == 0, done.err
        golden("bandwidth/audit.txt", done.out)

    def test_json_carries_the_p95_rule_and_every_site(self, cli: Callable[..., CliResult],
                                                      sample_inventory: Path) -> None:
        done = cli("bandwidth", "audit", "-i", sample_inventory, "--format", "json")
        document = json.loads(done.out)
        assert "round(0.95 n)" in document["p95_rule"]
        assert document["run_id"] == 1 and len(document["sites"]) == document["summary"]["sites"]

    @pytest.mark.parametrize("command", ["poll", "audit"])
    def test_help_states_the_percentile_rule(self, cli: Callable[..., CliResult], command: str) -> None:
        text = " ".join(cli("bandwidth", command, "--help").out.split())
        assert "LibreNMS's index rule: sorted[round(0.95 n) - 1]" in text

    @pytest.mark.parametrize("window", ["0", "soon", "-5m"])
    def test_a_bad_window_is_a_one_line_input_error(self, cli: Callable[..., CliResult], sample_inventory: Path,
                                                   window: str) -> None:
        done = cli("bandwidth", "audit", "-i", sample_inventory, "--window", window)
        assert done.code == 2 and done.err.count("\n") == 1 and "--window" in done.err


class TestAuditOnAnEmptyHistory:
    def test_nothing_measured_is_unknown_and_no_run_is_stored(self, cli: Callable[..., CliResult],
                                                              sample_inventory: Path, tmp_path: Path) -> None:
        done = cli("bandwidth", "audit", "-i", sample_inventory, "--no-store", "--format", "json")
        assert done.code == 0, done.err
        document = json.loads(done.out)
        assert document["run_id"] is None and document["interfaces"] == []
        summary = document["summary"]
        assert (summary["with_samples"], summary["tested"], summary["interfaces_polled"]) == (0, 0, 0)
        assert summary["sites"] == len(document["sites"]) > 0
        assert all(s["p95_in_mbps"] is None and s["p95_out_mbps"] is None and s["measured_mbps"] is None
                   for s in document["sites"])
        history = tmp_path / "state" / "history.sqlite"
        if history.exists():
            with open_history(history) as opened:
                assert opened.latest_run(bandwidth.AUDIT_KIND) is None


class TestPollAndTestInput:
    def test_an_interval_shorter_than_agent_caches_is_refused(self, cli: Callable[..., CliResult],
                                                              sample_inventory: Path) -> None:
        done = cli("bandwidth", "poll", "-i", sample_inventory, "--interval", "2s", "--count", "3")
        assert done.code == 2 and "stale counters" in done.err

    def test_a_limit_that_matches_nothing_is_an_input_error(self, cli: Callable[..., CliResult],
                                                            sample_inventory: Path) -> None:
        done = cli("bandwidth", "poll", "-i", sample_inventory, "--count", "2", "--limit", "nowhere-*")
        assert done.code == 2 and "matches no device" in done.err

    def test_active_tests_need_the_lab_up(self, cli: Callable[..., CliResult], sample_inventory: Path) -> None:
        done = cli("bandwidth", "test", "taihe-gsc", "-i", sample_inventory)
        assert done.code == 1 and "lab" in done.err and "not up" in done.err

    def test_an_unknown_site_is_an_input_error(self, cli: Callable[..., CliResult], sample_inventory: Path) -> None:
        done = cli("bandwidth", "test", "atlantis-gsc", "-i", sample_inventory)
        assert done.code == 2 and "unknown site atlantis-gsc" in done.err
