"""`ezgov ipv6 web` against the website lab: real nsd, real nginx with TLS, IPv4 and IPv6 in namespaces.

Each sample site (ezgov_infra/lab/websites/sites.yaml) gets exactly the verdicts it was built for, with the
evidence in the JSON output; broken sites give clear per-site results; the run lands in the history database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ezgov_infra.lab import websites
from ezgov_infra.lab.ns import alive
from tests.conftest import REPO

pytestmark = pytest.mark.lab

# the checks each site fails; every other check passes, is blocked by a failed one, or has nothing to judge
EXPECTED_FAILURES: dict[str, set[str]] = {
    "www.ezhou.test": set(),
    "echeng.ezhou.test": set(),
    "huarong.ezhou.test": {"web.reachable", "web.equivalence"},
    "lzh.ezhou.test": {"web.equivalence"},
    "gedian.ezhou.test": {"dns.ns-aaaa"},
    "linkong.ezhou.test": {"web.deep-links"},
    "edu.ezhou.test": {"web.aaaa"},
    "health.ezhou.test": {"web.aaaa"},
    "hrss.ezhou.test": {"web.aaaa"},
    "fenghuang.ezhou.test": {"web.aaaa"},
    "gulou.ezhou.test": {"web.aaaa"},
}


def _missing_prerequisites() -> list[str]:
    missing = [] if os.geteuid() == 0 else ["root"]
    return missing + [tool for tool in ("ip", "nsd", "nginx", "openssl") if shutil.which(tool) is None]


@pytest.fixture(scope="session")
def web_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[websites.WebLab]:
    """The website lab for the whole session; removed afterwards, also when tests fail."""
    missing = _missing_prerequisites()
    if missing:
        message = f"website lab needs {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    state_dir = tmp_path_factory.mktemp("web-lab-state")
    try:
        lab = websites.up(state_dir)
        yield lab
    finally:
        websites.down(state_dir)


def ezgov(*args: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EZGOV_STATE_DIR": str(state_dir), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "ezgov_infra", *args], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=300, check=False)


def _state_dir(lab: websites.WebLab) -> Path:
    return Path(lab.state_dir).parents[1]


@pytest.fixture(scope="session")
def sample_run(web_lab: websites.WebLab) -> dict[str, Any]:
    """`ezgov ipv6 web --lab --format json` over the sample inventory's websites."""
    done = ezgov("ipv6", "web", "--lab", "--probes", "3", "--format", "json", state_dir=_state_dir(web_lab))
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def site(run: dict[str, Any], host: str) -> dict[str, Any]:
    return next(s for s in run["sites"] if s["host"] == host)


class TestSampleWebsites:
    def test_every_inventory_website_is_checked(self, sample_run: dict[str, Any]) -> None:
        assert sorted(s["host"] for s in sample_run["sites"]) == sorted(EXPECTED_FAILURES)

    @pytest.mark.parametrize("host", sorted(EXPECTED_FAILURES))
    def test_each_site_fails_exactly_the_checks_it_was_built_for(self, sample_run: dict[str, Any],
                                                                 host: str) -> None:
        checks = site(sample_run, host)["checks"]
        assert {rule for rule, c in checks.items() if c["status"] == "fail"} == EXPECTED_FAILURES[host]
        for rule, check in checks.items():
            assert check["reason"], rule
            if check["status"] == "fail":
                assert check["evidence"], rule

    def test_dual_stack_sites_are_ready_with_full_marks(self, sample_run: dict[str, Any]) -> None:
        for host in ("www.ezhou.test", "echeng.ezhou.test"):
            assert (site(sample_run, host)["readiness"], site(sample_run, host)["score"]) == ("ready", 100.0)

    def test_https_closed_on_ipv6_shows_the_refused_address_and_the_port_sets(self,
                                                                               sample_run: dict[str, Any]) -> None:
        checks = site(sample_run, "huarong.ezhou.test")["checks"]
        assert "refused" in checks["web.reachable"]["evidence"]["2001:db8:ffff::1:3"]["443"].lower()
        assert checks["web.reachable"]["evidence"]["2001:db8:ffff::1:3"]["80"] == "HTTP 200"
        assert checks["web.equivalence"]["evidence"]["ports"] == {"ipv4": [80, 443], "ipv6": [80]}

    def test_different_content_over_ipv6_shows_difference_and_diff(self, sample_run: dict[str, Any]) -> None:
        evidence = site(sample_run, "lzh.ezhou.test")["checks"]["web.equivalence"]["evidence"]
        assert evidence["difference"] > evidence["threshold"] == 0.10
        assert any(line.startswith("+") and "IPv6" in line for line in evidence["diff"])

    def test_nonces_from_the_web_server_do_not_count_as_different_content(self,
                                                                            sample_run: dict[str, Any]) -> None:
        evidence = site(sample_run, "www.ezhou.test")["checks"]["web.equivalence"]["evidence"]
        assert evidence["difference"] == 0.0
        assert evidence["headers_differ"] == {}

    def test_one_name_server_without_aaaa_is_named(self, sample_run: dict[str, Any]) -> None:
        evidence = site(sample_run, "gedian.ezhou.test")["checks"]["dns.ns-aaaa"]["evidence"]
        assert evidence["with_aaaa"] == ["ns1.ezhou.test."]
        assert evidence["name_servers"]["ns3.ezhou.test."] == {"a": ["203.0.113.195"], "aaaa": []}

    def test_the_delegated_zone_is_checked_from_its_parent_over_ipv6(self, sample_run: dict[str, Any]) -> None:
        check = site(sample_run, "gedian.ezhou.test")["checks"]["dns.delegation"]
        assert check["status"] == "pass"
        assert check["evidence"]["links"][0]["parent"] == "ezhou.test."

    def test_deep_links_only_over_ipv4_give_per_level_ratios(self, sample_run: dict[str, Any]) -> None:
        levels = site(sample_run, "linkong.ezhou.test")["checks"]["web.deep-links"]["evidence"]["levels"]
        assert {level: (v["counted"], v["ipv6_ok"]) for level, v in levels.items()} == {"2": (3, 0), "3": (5, 0)}

    def test_robots_txt_keeps_the_crawl_out_of_disallowed_paths(self, sample_run: dict[str, Any]) -> None:
        levels = site(sample_run, "www.ezhou.test")["checks"]["web.deep-links"]["evidence"]["levels"]
        assert levels["2"]["robots_disallowed"] == 1
        assert levels["2"]["checked"] == 3

    def test_mapped_and_missing_aaaa_are_told_apart(self, sample_run: dict[str, Any]) -> None:
        assert "IPv4-mapped" in site(sample_run, "health.ezhou.test")["checks"]["web.aaaa"]["reason"]
        assert "no AAAA record" in site(sample_run, "edu.ezhou.test")["checks"]["web.aaaa"]["reason"]

    def test_a_name_missing_from_dns_fails_that_site_only(self, sample_run: dict[str, Any]) -> None:
        gulou = site(sample_run, "gulou.ezhou.test")
        assert (gulou["status"], gulou["category"]) == ("failed", "dns-nxdomain")
        assert sample_run["summary"]["failed"] == 1

    def test_the_run_is_stored_with_a_result_per_site_and_a_finding_per_failed_check(
            self, web_lab: websites.WebLab, sample_run: dict[str, Any]) -> None:
        from ezgov_infra.store.history import open_history

        with open_history(_state_dir(web_lab) / "history.sqlite") as history:
            run = history.run(sample_run["run_id"])
            results = history.results(sample_run["run_id"])
            findings = history.findings(sample_run["run_id"])
        assert run is not None and run["kind"] == "web-check"
        assert len(results) == len(EXPECTED_FAILURES)
        assert sorted((f["subject"], f["rule"]) for f in findings) == sorted(
            (host, rule) for host, rules in EXPECTED_FAILURES.items() for rule in rules)
        assert all("body" not in fetch for r in results for fetch in r["facts"]["homepage"].values())


class TestBrokenSites:
    def _run(self, lab: websites.WebLab, *args: str) -> dict[str, Any]:
        done = ezgov("ipv6", "web", "--lab", "--probes", "2", "--format", "json", *args, state_dir=_state_dir(lab))
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def test_redirect_loop_huge_page_untrusted_tls_and_bad_name_each_get_a_clear_result(
            self, web_lab: websites.WebLab) -> None:
        run = self._run(web_lab, "loop.ezhou.test", "huge.ezhou.test", "badtls.ezhou.test", "bad..name")
        probes = {s["host"]: s["checks"]["web.success-rate"] for s in run["sites"]}
        assert probes["loop.ezhou.test"]["reason"].count("redirect loop") == 1
        assert "larger than" in probes["huge.ezhou.test"]["reason"]
        assert "CERTIFICATE_VERIFY_FAILED" in probes["badtls.ezhou.test"]["reason"]
        bad = site(run, "bad..name")
        assert (bad["status"], bad["category"]) == ("failed", "bad-hostname")

    def test_a_resolver_that_never_answers_gives_a_dns_timeout(self, web_lab: websites.WebLab) -> None:
        run = self._run(web_lab, "--resolver", "2001:db8:ffff::1:1", "--dns-timeout", "0.5", "www.ezhou.test")
        assert (site(run, "www.ezhou.test")["status"], site(run, "www.ezhou.test")["category"]) == (
            "failed", "dns-timeout")

    def test_a_resolver_that_is_not_an_address_is_bad_input(self, web_lab: websites.WebLab) -> None:
        done = ezgov("ipv6", "web", "--resolver", "ns1.ezhou.test", "www.ezhou.test", state_dir=_state_dir(web_lab))
        assert done.returncode == 2
        assert "--resolver: 'ns1.ezhou.test' is not an IP address" in done.stderr


class TestLifecycle:
    def test_up_again_returns_the_running_lab(self, web_lab: websites.WebLab) -> None:
        assert websites.up(_state_dir(web_lab)).pids == web_lab.pids

    def test_down_removes_namespaces_bridge_and_daemons_and_frees_the_lock(self, web_lab: websites.WebLab) -> None:
        import fcntl

        state_dir = _state_dir(web_lab)
        assert websites.down(state_dir) is True
        namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
        assert not any(name in namespaces for name in websites.NAMESPACES)
        assert subprocess.run(["ip", "link", "show", websites.BRIDGE], capture_output=True).returncode != 0
        assert all(not Path(f"/proc/{pid}").exists() or not alive(pid, start)
                   for pid, start in web_lab.pids.values())
        with open(websites.LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(lock, fcntl.LOCK_UN)
        assert websites.state(state_dir) is None
