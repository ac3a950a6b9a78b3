"""`ezgov metrics ...` in-process: the exposition written for the sample parses with Prometheus' own client parser,
and a bad listen address is one located line with exit code 2 (nothing is served)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


class TestWrite:
    def test_the_exposition_parses_and_says_what_it_wrote(self, cli: Cli, sample_inventory: Path,
                                                          tmp_path: Path) -> None:
        out = tmp_path / "ezgov.prom"
        result = cli("metrics", "write", out, "-i", sample_inventory, "--plans-dir", tmp_path / "plans")
        assert result.code == 0, result.err
        text = out.read_text(encoding="utf-8")
        families = {f.name: f for f in text_string_to_metric_families(text)}
        samples = sum(len(f.samples) for f in families.values())
        assert f"wrote {out} ({len(families)} families, {samples} samples, {len(text.encode())} bytes)" in result.out
        assert all(name.startswith("ezgov_") for name in families)
        coverage = [s for s in families["ezgov_kpi_ratio"].samples if s.labels["kpi"] == "coverage"]
        assert len(coverage) == 1 and 0 < coverage[0].value <= 1


class TestServe:
    def test_a_listen_address_without_a_port_is_refused_before_serving(self, cli: Cli,
                                                                       sample_inventory: Path) -> None:
        result = cli("metrics", "serve", "-i", sample_inventory, "--listen", "nohost:")
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err.startswith("error: --listen nohost:: expected HOST:PORT")
