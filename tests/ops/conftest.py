"""Operations tests: Prometheus' own tools (promtool, prometheus) judge what ezgov exposes and ships.

With CI=true a missing tool fails these tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import REPO
from tests.report.sample import SampleState, make_sample_state

RULES = REPO / "ops" / "prometheus" / "ezgov.rules.yml"
RULE_TESTS = REPO / "ops" / "prometheus" / "ezgov.rules.test.yml"
DASHBOARD = REPO / "ops" / "grafana" / "ezgov.json"


def require(tool: str) -> str:
    """The tool's path; skip here, fail in CI, when it is not installed (Debian package prometheus)."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian package prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def sample_state(tmp_path_factory: pytest.TempPathFactory) -> SampleState:
    return make_sample_state(tmp_path_factory.mktemp("ops-sample"))
