"""A real Prometheus (Debian's package) scrapes `ezgov metrics serve` on loopback and answers queries with the
sample's coverage and device readiness, as the readiness report has them."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import require
from tests.report.sample import AS_OF, SampleState

WAIT_SECONDS = 90.0


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextlib.contextmanager
def exporter(state: SampleState) -> Iterator[str]:
    """`ezgov metrics serve` as its own process on [::1] (a free port it picks); yields its host:port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ezgov_infra", "metrics", "serve", "--listen", "[::1]:0", "-i", str(state.inventory),
         "--state-dir", str(state.state_dir), "--plans-dir", str(state.plans_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("serving http://"), line + process.stderr.read()
        yield line.split("//", 1)[1].split("/", 1)[0]
    finally:
        stop(process)


@contextlib.contextmanager
def prometheus(target: str, folder: Path) -> Iterator[str]:
    """Prometheus on 127.0.0.1 (a free port) with a temporary data folder, scraping `target` every second."""
    binary = require("prometheus")
    config = folder / "prometheus.yml"
    config.write_text(f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                      f"  - job_name: ezgov\n    scrape_timeout: 1s\n    static_configs:\n"
                      f"      - targets: ['{target}']\n")
    listen = f"127.0.0.1:{free_port('127.0.0.1')}"
    log = (folder / "prometheus.log").open("w")
    process = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
                                f"--web.listen-address={listen}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://{listen}"
    finally:
        stop(process)
        log.close()


def query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        body = json.loads(answer.read())
    assert body["status"] == "success", body
    return list(body["data"]["result"])


def wait_for(base: str, promql: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with contextlib.suppress(OSError):
            found = query(base, promql)
            if found:
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"Prometheus at {base} has no result for {promql} after {WAIT_SECONDS:.0f} s")
        time.sleep(0.5)


class TestRealPrometheus:
    def test_prometheus_scrapes_the_samples_coverage_and_readiness(self, sample_state: SampleState,
                                                                   tmp_path: Path) -> None:
        from ezgov_infra.jobs.report import build

        report = build(folder=sample_state.inventory, history_db=sample_state.state_dir / "history.sqlite",
                       lang="en", plans_dir=sample_state.plans_dir, as_of=AS_OF)
        figures = {k.id: k for k in report.kpis}
        with exporter(sample_state) as target, prometheus(target, tmp_path) as base:
            up = wait_for(base, 'up{job="ezgov"} == 1')
            assert up[0]["metric"]["instance"] == target
            coverage = wait_for(base, 'ezgov_kpi_ratio{kpi="coverage"}')
            ready = wait_for(base, 'count by (state) (ezgov_device_readiness_status)')
            per_district = wait_for(base, 'sum(ezgov_extranet_connected_sites) / sum(ezgov_extranet_required_sites)')
        assert round(100 * float(coverage[0]["value"][1]), 1) == figures["coverage"].pct
        assert float(per_district[0]["value"][1]) == pytest.approx(float(coverage[0]["value"][1]))
        states = {r["metric"]["state"]: int(r["value"][1]) for r in ready}
        assert states["ready"] == figures["ipv6_devices"].done
        assert sum(states.values()) == figures["ipv6_devices"].total
        print(f"Prometheus: coverage {float(coverage[0]['value'][1]):.1%}, devices by readiness {states}")
