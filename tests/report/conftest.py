"""Browser and PDF tests of the readiness report: they need Debian tools (poppler-utils, chromium).

With CI=true a missing tool fails the test; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.report.sample import SampleState, make_sample_state


def need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian package {package}; `make system-deps` installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def sample_state(tmp_path_factory: pytest.TempPathFactory) -> SampleState:
    return make_sample_state(tmp_path_factory.mktemp("report-sample"))
