"""`ezgov ipv6 ...` in-process: the address plan check, the audit offline on the sample, and the history views
(runs, findings, diff)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

SUBSET = ["--limit", "device:changgang-*,device:dushan-ar-1,device:bishidu-ar-1,device:ez-core-2,device:yanji-ar-1"]


def stable(document: dict[str, Any]) -> str:
    """The audit's JSON without what changes from run to run (times, run id)."""
    for key in ("started", "elapsed", "run_id"):
        document.pop(key, None)
    for device in document["devices"]:
        device.pop("elapsed", None)
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class TestOfflineAudit:
    def test_json_output_matches_the_golden_file(self, sample_inventory: Path, cli: Callable[..., Any],
                                                 golden: Callable[[str, str], None]) -> None:
        result = cli("ipv6", "audit", "-i", sample_inventory, *SUBSET, "--format", "json")
        assert result.code == 0, result.err
        golden("audit/offline-subset.json", stable(json.loads(result.out)))

    def test_the_summary_lists_statuses_and_top_findings(self, sample_inventory: Path, cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "audit", "-i", sample_inventory)
        assert result.code == 0, result.err
        assert "Devices by status" in result.out and "Top findings" in result.out
        assert "82 audited, 0 failed, 11 skipped" in result.out.replace("\n", " ")

    def test_a_device_without_outputs_fails_the_run_with_exit_1(self, sample_inventory: Path, cli: Callable[..., Any],
                                                                 tmp_path: Path) -> None:
        folder = tmp_path / "saved"
        shutil.copytree(sample_inventory / "snapshots" / "ez-core-2", folder / "ez-core-2")
        (folder / "changgang-ar-1").mkdir(parents=True)
        result = cli("ipv6", "audit", "-i", sample_inventory, "--offline", folder,
                     "--limit", "device:ez-core-2,changgang-ar-1",
                     "--format", "json")
        assert result.code == 1
        outcome = {d["device"]: (d["ok"], d["category"]) for d in json.loads(result.out)["devices"]}
        assert outcome == {"changgang-ar-1": (False, "unreachable"), "ez-core-2": (True, None)}

    def test_an_unknown_limit_key_is_bad_input(self, sample_inventory: Path, cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "audit", "-i", sample_inventory, "--limit", "vendor:huawei")
        assert result.code == 2 and "unknown key 'vendor'" in result.err


class TestHistory:
    def test_runs_findings_and_diff(self, sample_inventory: Path, cli: Callable[..., Any], tmp_path: Path) -> None:
        assert cli("ipv6", "audit", "-i", sample_inventory, *SUBSET, "--format", "json").code == 0
        fixed = tmp_path / "fixed"
        shutil.copytree(sample_inventory / "snapshots", fixed)
        config = fixed / "dushan-ar-1" / "config.txt"
        config.write_text(config.read_text().replace("ip ssh version 2\n", "ipv6 unicast-routing\nip ssh version 2\n"))
        assert cli("ipv6", "audit", "-i", sample_inventory, "--offline", fixed, *SUBSET, "--format", "json").code == 0
        runs = json.loads(cli("ipv6", "runs", "--format", "json").out)
        assert [r["run"] for r in runs] == [2, 1] and runs[0]["mode"] == "offline"
        critical = json.loads(cli("ipv6", "findings", "--run", "1", "--severity", "critical", "--format",
                                  "json").out)
        assert {f["severity"] for f in critical} == {"critical"}
        assert any(f["device"] == "dushan-ar-1" and f["rule"] == "V6-FWD-001" for f in critical)
        changes = json.loads(cli("ipv6", "diff", "1", "2", "--format", "json").out)
        assert {"device": "dushan-ar-1", "rule": "V6-FWD-001"}.items() <= changes["fixed"][0].items() or any(
            f["rule"] == "V6-FWD-001" and f["device"] == "dushan-ar-1" for f in changes["fixed"])
        assert changes["new"] == []

    def test_findings_before_any_run_is_a_clear_error(self, sample_inventory: Path, cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "findings")
        assert result.code == 1 and "no IPv6 audit in the history yet" in result.err


class TestInsufficientEvidence:
    def test_a_device_with_only_version_and_ipv4_outputs_is_unknown_everywhere(self, sample_inventory: Path,
                                                                               cli: Callable[..., Any],
                                                                               tmp_path: Path) -> None:
        from ezgov_infra.jobs.report import read_history
        from ezgov_infra.report.sources import device_readiness
        from ezgov_infra.store.history import open_history
        from ezgov_infra.store.inventory import load_inventory

        folder = tmp_path / "saved"
        shutil.copytree(sample_inventory / "snapshots" / "ez-core-2", folder / "ez-core-2")
        (folder / "changgang-ar-1").mkdir(parents=True)
        for name in ("version.txt", "interfaces_v4.txt"):
            shutil.copy(sample_inventory / "snapshots" / "changgang-ar-1" / name, folder / "changgang-ar-1" / name)
        result = cli("ipv6", "audit", "-i", sample_inventory, "--offline", folder,
                     "--limit", "device:ez-core-2,changgang-ar-1",
                     "--format", "json")
        assert result.code == 0, result.err
        run = json.loads(result.out)
        device = next(d for d in run["devices"] if d["device"] == "changgang-ar-1")
        assert device["score"]["readiness"] == "unknown" and device["score"]["score"] is None
        assert device["findings"] == [] and device["message"].startswith("insufficient evidence: collect config")
        site = next(s for s in run["sites"] if s["id"] == "changgang-gsc")
        assert (site["readiness"], site["score"], site["unknown"]) == ("unknown", None, 1)
        assert run["city"]["unknown"] == 1 and run["city"]["devices"] == 2
        table = cli("ipv6", "audit", "-i", sample_inventory, "--offline", folder, "--limit", "device:changgang-ar-1")
        assert "unknown" in table.out and "insufficient evidence" in table.out
        state = Path(__import__("os").environ["EZGOV_STATE_DIR"])
        with open_history(state / "history.sqlite") as history:
            stored = history.runs("ipv6-audit", limit=1)[0]
        assert stored["summary"]["by_status"] == {"unknown": 1}
        _, _, _, latest = read_history(state / "history.sqlite", "latest")  # a limited run: left out of figures
        assert device_readiness(latest["ipv6-audit"], load_inventory(sample_inventory)) == {"changgang-ar-1": "unknown"}


class TestPlan:
    def test_the_sample_conforms_to_its_address_plan(self, sample_inventory: Path, cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "plan", "-i", sample_inventory, "--check")
        assert result.code == 0, result.err
        assert "no deviations" in result.out

    def test_a_root_prefix_too_small_for_the_tree_names_the_level_that_runs_out(self, sample_inventory: Path,
                                                                                cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "plan", "-i", sample_inventory, "--prefix", "2001:db8::/60")
        assert result.code == 2 and result.err.count("\n") == 1
        assert "exhausted at level 'district'" in result.err and "2001:db8::/60" in result.err

    def test_a_prefix_that_is_not_one_is_a_one_line_error_naming_the_option(self, sample_inventory: Path,
                                                                            cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "plan", "-i", sample_inventory, "--prefix", "nonsense")
        assert result.code == 2 and result.err.count("\n") == 1
        assert result.err.startswith("error: --prefix: not an IPv6 prefix")


class TestOfflineDocument:
    def test_an_offline_audit_names_its_mode_scope_and_each_device_source(self, sample_inventory: Path,
                                                                          cli: Callable[..., Any]) -> None:
        result = cli("ipv6", "audit", "-i", sample_inventory, "--offline", sample_inventory / "snapshots",
                     "--limit", "device:ez-core-2", "--format", "json")
        assert result.code == 0, result.err
        document = json.loads(result.out)
        assert {"run_id", "started", "elapsed", "scope", "mode", "devices", "sites", "districts", "city",
                "skipped"} <= set(document)
        assert (document["mode"], document["scope"]) == ("offline", "device:ez-core-2")
        [device] = document["devices"]
        assert device["device"] == "ez-core-2" and device["ok"] is True and device["category"] is None
        assert {"site", "platform", "source", "facts", "findings", "score", "message"} <= set(device)
        assert [s["id"] for s in document["sites"]] == [device["site"]]
        assert document["city"]["devices"] == 1


class TestFindingsInChinese:
    def test_the_listing_speaks_the_reports_language(self, sample_inventory: Path, cli: Callable[..., Any]) -> None:
        from tests.report.latin import english_words

        assert cli("ipv6", "audit", "-i", sample_inventory, *SUBSET, "--format", "json").code == 0
        rows = json.loads(cli("ipv6", "findings", "--lang", "zh", "--format", "json").out)
        assert rows and {r["severity"] for r in rows} <= {"严重", "高", "中", "低", "提示"}
        prose = [r["message"] for r in rows] + [r["remedy"].splitlines()[0] for r in rows if r["remedy"]]
        prose += [r["category"] for r in rows]
        assert english_words(prose) == {}, english_words(prose)
