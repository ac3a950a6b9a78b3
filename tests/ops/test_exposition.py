"""`ezgov metrics`: promtool accepts the exposition, the figures are the report's, the endpoint answers, and the
shipped rules and dashboard name only metrics that exist."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import DASHBOARD, RULES, require
from tests.report.sample import AS_OF, SampleState

SAMPLE_LINE = re.compile(r'^(?P<name>[a-z0-9_]+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$')


def parse(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Exposition text -> metric name -> [(labels, value)]."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE_LINE.match(line)
        assert match, line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match["labels"] or ""))
        out.setdefault(match["name"], []).append((labels, float(match["value"])))
    return out


@pytest.fixture(scope="module")
def exposition(sample_state: SampleState, tmp_path_factory: pytest.TempPathFactory) -> str:
    from ezgov_infra.cli.main import main

    out = tmp_path_factory.mktemp("metrics") / "ezgov.prom"
    code = main(["metrics", "write", str(out), "-i", str(sample_state.inventory), "--state-dir",
                 str(sample_state.state_dir), "--plans-dir", str(sample_state.plans_dir)])
    assert code == 0
    return out.read_text(encoding="utf-8")


class TestPromtool:
    def test_promtool_check_metrics_passes(self, exposition: str) -> None:
        promtool = require("promtool")
        done = subprocess.run([promtool, "check", "metrics"], input=exposition, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip() == "" and done.stderr.strip() == ""  # not even a lint warning


    def test_promtool_check_metrics_passes_with_a_counter_poll_stored(self, sample_state: SampleState,
                                                                    tmp_path: Path) -> None:
        import shutil

        from ezgov_infra.cli.main import main
        from ezgov_infra.store.history import open_history

        promtool = require("promtool")
        state = tmp_path / "state"
        shutil.copytree(sample_state.state_dir, state)
        with open_history(state / "history.sqlite") as history:  # two rounds 300 s apart: 100 Mbit/s in
            poll = history.start_run("bandwidth-poll")
            history.add_samples([{"device": "ez-core-1", "interface": "eth1", "ts": 1_000.0 + 300 * n,
                                  "uptime": 100_000 + 30_000 * n, "in_octets": n * 3_750_000_000,
                                  "out_octets": n * 375_000_000, "speed_mbps": 1000} for n in range(2)], poll)
            history.finish_run(poll, "ok")
        out = tmp_path / "ezgov.prom"
        assert main(["metrics", "write", str(out), "-i", str(sample_state.inventory), "--state-dir", str(state),
                     "--plans-dir", str(sample_state.plans_dir)]) == 0
        text = out.read_text(encoding="utf-8")
        rates = {labels["direction"]: value for labels, value in parse(text)["ezgov_link_last_rate_bytes_per_second"]}
        assert rates == {"in": 12_500_000.0, "out": 1_250_000.0}  # bytes per second, as promtool wants units
        done = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0 and done.stdout.strip() == "" and done.stderr.strip() == "", done.stdout


class TestAgreesWithTheReport:
    def test_each_figure_is_the_reports(self, exposition: str, sample_state: SampleState) -> None:
        from ezgov_infra.jobs.report import build

        report = build(folder=sample_state.inventory, history_db=sample_state.state_dir / "history.sqlite",
                       lang="en", plans_dir=sample_state.plans_dir, as_of=AS_OF)
        metrics = parse(exposition)
        ratios = {labels["kpi"]: value for labels, value in metrics["ezgov_kpi_ratio"]}
        statuses = {labels["kpi"]: labels["status"] for labels, _ in metrics["ezgov_kpi_status"]}
        assert len(report.kpis) == 9  # six of the network and cloud, three of task 1's households
        for kpi in report.kpis:
            assert kpi.pct is not None
            assert round(100 * ratios[kpi.id], 1) == kpi.pct, kpi.id
            assert statuses[kpi.id] == kpi.status, kpi.id

    def test_devices_per_readiness_state_are_the_reports(self, exposition: str, sample_state: SampleState) -> None:
        from ezgov_infra.jobs.report import build

        report = build(folder=sample_state.inventory, history_db=sample_state.state_dir / "history.sqlite",
                       lang="en", plans_dir=sample_state.plans_dir, as_of=AS_OF)
        ipv6 = next(k for k in report.kpis if k.id == "ipv6_devices")
        states = [labels["state"] for labels, _ in parse(exposition)["ezgov_device_readiness_status"]]
        assert states.count("ready") == ipv6.done
        assert len(states) == ipv6.total

    def test_scores_are_the_audits(self, exposition: str, sample_state: SampleState) -> None:
        """The score of each device is the one the audit computed and printed (`ezgov ipv6 audit`)."""
        from ezgov_infra.jobs.ipv6_audit import AuditOptions, audit

        run = audit(inventory=sample_state.inventory, state_dir=sample_state.state_dir.parent / "rescore",
                    options=AuditOptions())
        audited = {d.device: d.score.score for d in run.devices if d.score is not None}
        exposed = {labels["device"]: value for labels, value in parse(exposition)["ezgov_device_readiness_score"]}
        assert exposed == {d: float(s) for d, s in audited.items()}

    def test_coverage_by_district_sums_to_the_city(self, exposition: str) -> None:
        metrics = parse(exposition)
        required = sum(v for _, v in metrics["ezgov_extranet_required_sites"])
        connected = sum(v for _, v in metrics["ezgov_extranet_connected_sites"])
        city = {labels["kpi"]: v for labels, v in metrics["ezgov_kpi_ratio"]}["coverage"]
        assert connected / required == pytest.approx(city)

    def test_every_run_kind_has_its_timestamp(self, exposition: str) -> None:
        kinds = {labels["kind"] for labels, _ in parse(exposition)["ezgov_run_timestamp_seconds"]}
        assert {"ipv6-audit", "bandwidth-audit", "web-check"} <= kinds


class TestTextFormat:
    def test_the_file_is_what_prometheus_client_writes_byte_for_byte(self, exposition: str,
                                                                     sample_state: SampleState) -> None:
        from ezgov_infra.jobs.metrics import collect
        from ezgov_infra.ops.exposition import render_reference

        families = collect(folder=sample_state.inventory, state_dir=sample_state.state_dir,
                           plans_dir=sample_state.plans_dir)
        assert render_reference(families).decode("utf-8") == exposition

    def test_awkward_label_values_and_numbers_are_written_as_the_library_writes_them(self) -> None:
        from ezgov_infra.ops.exposition import render, render_reference
        from ezgov_infra.ops.families import Family

        awkward = Family("ezgov_awkward", "help with a \\ backslash\nand a newline", ("zeta", "alpha"), [
            (('quote " here', "back\\slash\nnewline"), 0.0), (("a", "b"), -0.0), (("a", "c"), 0.0),
            (("c", "d"), float("nan")), (("e", "f"), float("inf")), (("g", "h"), -float("inf")),
            (("i", "j"), 1e22), (("k", "l"), 123456789.0), (("鄂城区", "é"), 1.5), (("m", "n"), 1.5)])
        families = [awkward, Family("ezgov_plain", "no labels", (), [((), 3.0)]),
                    Family("ezgov_sorted", "labels in order", ("a", "b"), [(("1", "2"), 7.0)]),
                    Family("ezgov_empty", "no samples", ("x",), [])]
        assert render(families) == render_reference(families)


class TestNotMeasured:
    def test_without_runs_no_run_figure_is_exposed_and_each_is_unknown(self, sample_inventory: Path,
                                                                        tmp_path: Path,
                                                                        cli: Callable[..., Any]) -> None:
        out = tmp_path / "m.prom"
        result = cli("metrics", "write", out, "-i", sample_inventory, "--state-dir", tmp_path / "state",
                     "--plans-dir", tmp_path / "no-plans")
        assert result.code == 0, result.err
        metrics = parse(out.read_text())
        ratios = {labels["kpi"] for labels, _ in metrics["ezgov_kpi_ratio"]}
        assert ratios == {"coverage", "systems_migrated", "classified_retained"}  # inventory and catalogue figures
        statuses = {labels["kpi"]: labels["status"] for labels, _ in metrics["ezgov_kpi_status"]}
        assert statuses["ipv6_devices"] == statuses["bandwidth"] == statuses["websites_ipv6"] == "unknown"
        assert statuses["systems_migrated"] == "unknown"  # no plan: as the report says
        assert "ezgov_device_readiness_score" not in metrics
        assert "ezgov_run_timestamp_seconds" not in metrics


class TestEndpoint:
    def test_serve_answers_scrapes_on_ipv6_loopback_with_the_newest_runs(self, sample_state: SampleState,
                                                                       exposition: str) -> None:
        from ezgov_infra.jobs.metrics import serve

        endpoint = serve(folder=sample_state.inventory, state_dir=sample_state.state_dir, listen="[::1]:0",
                         plans_dir=sample_state.plans_dir)
        try:
            assert endpoint.url.startswith("http://[::1]:")
            with urllib.request.urlopen(endpoint.url, timeout=30) as answer:
                assert answer.status == 200
                body = answer.read().decode()
        finally:
            endpoint.stop()
        assert parse(body)["ezgov_kpi_ratio"] == parse(exposition)["ezgov_kpi_ratio"]

    def test_a_bad_listen_address_is_bad_input(self, sample_inventory: Path, cli: Callable[..., Any]) -> None:
        result = cli("metrics", "serve", "--listen", "localhost", "-i", sample_inventory)
        assert result.code == 2
        assert "--listen localhost: expected HOST:PORT" in result.err


def exposed_names() -> set[str]:
    from ezgov_infra.ops.families import StoredRuns, build
    from ezgov_infra.ops.index import MetricsIndex

    return {f.name for f in build(MetricsIndex(digest=""), StoredRuns())}


def referenced(expr: str) -> set[str]:
    return set(re.findall(r"\bezgov_[a-z0-9_]+", expr))


class TestShippedFiles:
    def test_the_dashboard_references_only_metrics_that_exist(self) -> None:
        dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
        exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
        exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
        names = set().union(*(referenced(e) for e in exprs))
        assert len(names) >= 12
        assert names <= exposed_names(), names - exposed_names()

    def test_the_rules_reference_only_metrics_that_exist(self) -> None:
        import yaml

        rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
        names = set().union(*(referenced(r["expr"]) for g in rules["groups"] for r in g["rules"]))
        assert names and names <= exposed_names(), names - exposed_names()

    def test_every_family_name_follows_the_conventions(self) -> None:
        for name in exposed_names():
            assert re.fullmatch(r"ezgov_[a-z0-9_]+", name)
            assert not name.endswith("_total")  # gauges only
