"""The executive figures: status bands, trend, and the numbers for the sample against their sources."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest

from ezgov_infra.audit.coverage import compute_stats
from ezgov_infra.jobs import report
from ezgov_infra.report.build import Report, figures
from ezgov_infra.report.figures import Ratio, status_of
from ezgov_infra.store.inventory import load_inventory
from tests.report.sample import AS_OF, GENERATED, SampleState


def build(state: SampleState, lang: str = "en") -> Report:
    return report.build(folder=state.inventory, history_db=state.state_dir / "history.sqlite", lang=lang,
                        plans_dir=state.plans_dir, plan=state.plan if state.plans_dir.exists() else None,
                        as_of=AS_OF, generated=GENERATED)


class TestStatus:
    @pytest.mark.parametrize(("pct", "status"), [(100.0, "met"), (100.5, "met"), (90.0, "close"), (89.9, "off"),
                                                 (0.0, "off"), (None, "unknown")])
    def test_bands(self, pct: float | None, status: str) -> None:
        assert status_of(pct) == status

    def test_ratio_of_nothing_is_not_a_figure(self) -> None:
        assert Ratio(0, 0).pct is None
        assert Ratio(None, None).pct is None
        assert Ratio(2, 3).pct == 66.7


class TestWithoutRuns:
    def test_every_audit_figure_says_not_yet_measured(self, empty_state: SampleState) -> None:
        built = build(empty_state)
        for kpi_id in ("bandwidth", "ipv6_devices", "websites_ipv6"):
            kpi = built.kpi(kpi_id)
            assert (kpi.status, kpi.value_text, kpi.pct) == ("unknown", "Not yet measured", None)
        assert built.kpi("coverage").pct is not None
        assert built.evidence == []


class TestSampleFigures:
    def test_match_the_golden_file(self, sample_state: SampleState, golden: Callable[[str, str], None]) -> None:
        data = figures(build(sample_state))
        golden("report/figures.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")

    def test_executive_page_reads_as_the_golden_file(self, sample_state: SampleState,
                                                     golden: Callable[[str, str], None]) -> None:
        for lang in ("en", "zh"):
            rows = [f"{k.title} | {k.target} | {k.value_text} | {k.status_text} | {k.trend_text}"
                    for k in build(sample_state, lang).kpis]
            golden(f"report/executive_{lang}.txt", "\n".join(rows) + "\n")

    def test_coverage_is_the_inventory_statistic(self, sample_state: SampleState) -> None:
        stats = compute_stats(load_inventory(sample_state.inventory))
        kpi = build(sample_state).kpi("coverage")
        assert (kpi.done, kpi.total, kpi.pct) == (stats.connected, stats.required, stats.coverage_pct)

    def test_audit_figures_agree_with_the_runs_summaries(self, sample_state: SampleState) -> None:
        db = sqlite3.connect(sample_state.state_dir / "history.sqlite")
        summaries = {kind: json.loads(summary) for kind, summary in db.execute(
            "SELECT kind, summary FROM runs WHERE id IN (SELECT max(id) FROM runs GROUP BY kind)")}
        built = build(sample_state)
        ipv6 = summaries["ipv6-audit"]
        assert built.kpi("ipv6_devices").done == ipv6["by_status"].get("ready", 0)
        assert built.kpi("ipv6_devices").total == ipv6["devices"]
        bandwidth = summaries["bandwidth-audit"]
        assert (built.kpi("bandwidth").done, built.kpi("bandwidth").total) == (bandwidth["meet_target"],
                                                                               bandwidth["sites"])

    def test_two_identical_audits_show_no_change(self, sample_state: SampleState) -> None:
        kpi = build(sample_state).kpi("ipv6_devices")
        assert kpi.trend == 0.0
        assert kpi.trend_text == "No change since the last run"

    def test_websites_that_retire_do_not_count(self, sample_state: SampleState) -> None:
        inv = load_inventory(sample_state.inventory)
        staying = sum(1 for w in inv.websites.values() if w.fate.value != "retire")
        assert build(sample_state).kpi("websites_ipv6").total == staying

    def test_classified_systems_never_sit_in_a_wave(self, sample_state: SampleState) -> None:
        kpi = build(sample_state).kpi("classified_retained")
        assert kpi.total and kpi.done == kpi.total and kpi.status == "met"

    def test_names_follow_the_language(self, sample_state: SampleState) -> None:
        zh, en = build(sample_state, "zh"), build(sample_state, "en")
        names_zh = {d.name for d in zh.districts}
        names_en = {d.name for d in en.districts}
        assert "鄂城区" in names_zh and "Echeng District" in names_en
