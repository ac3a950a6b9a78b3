"""A sample state (offline audits, recorded website check, migration plan) shared by the report's unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report.sample import SampleState, make_sample_state


@pytest.fixture(scope="session")
def sample_state(tmp_path_factory: pytest.TempPathFactory) -> SampleState:
    return make_sample_state(tmp_path_factory.mktemp("report-sample"))


@pytest.fixture
def empty_state(tmp_path: Path, sample_inventory: Path) -> SampleState:
    return SampleState(sample_inventory, tmp_path / "state", tmp_path / "plans", "none")
