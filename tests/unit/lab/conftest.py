"""Shared pieces of the lab's unit tests: the sample's topology and golden files kept beside the tests."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from ezgov_infra.lab.topology import Topology, from_inventory
from ezgov_infra.store.inventory import load_inventory

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
RECORDED = HERE / "recorded"


@pytest.fixture(scope="session")
def topology(sample_inventory: Path) -> Topology:
    return from_inventory(load_inventory(sample_inventory), "ezhou")


def compare_golden(name: str, actual: str) -> None:
    """Compare with `golden/<name>`; EZGOV_UPDATE_GOLDEN=1 rewrites it. A mismatch prints the diff."""
    path = GOLDEN / name
    if os.environ.get("EZGOV_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"golden file {path} is missing (run with EZGOV_UPDATE_GOLDEN=1 to create it)"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(path), "actual"))
        pytest.fail(f"output differs from golden file {name}:\n{diff}")
