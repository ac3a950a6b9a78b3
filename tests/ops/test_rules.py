"""The alert rules pass promtool's checks and their unit tests (promtool's rule-test format)."""

from __future__ import annotations

import subprocess

from tests.ops.conftest import RULE_TESTS, RULES, require


class TestRules:
    def test_promtool_check_rules_passes(self) -> None:
        done = subprocess.run([require("promtool"), "check", "rules", str(RULES)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SUCCESS: 6 rules found" in done.stdout

    def test_promtool_test_rules_passes(self) -> None:
        done = subprocess.run([require("promtool"), "test", "rules", RULE_TESTS.name], capture_output=True,
                              text=True, check=False, cwd=RULE_TESTS.parent)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SUCCESS" in done.stdout
