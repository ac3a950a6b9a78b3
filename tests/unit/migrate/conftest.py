"""Shared fixtures for the migration tests: the sample inventory, its catalogue, golden-file comparison."""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "inventories" / "ezhou"
GOLDEN = ROOT / "tests" / "golden" / "migrate"
DATA = ROOT / "tests" / "data" / "migrate"


@pytest.fixture(scope="session")
def sample_inventory() -> Inventory:
    return load_inventory(SAMPLE)


@pytest.fixture(scope="session")
def sample_systems(sample_inventory: Inventory) -> dict[str, LegacySystem]:
    return load_catalogue(SAMPLE, sample_inventory)


@pytest.fixture
def inventory_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample inventory."""
    folder = tmp_path / "ezhou"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("snapshots"))
    return folder


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with `tests/golden/migrate/<name>`; EZGOV_UPDATE_GOLDEN=1 rewrites the file instead."""

    def compare(name: str, actual: str) -> None:
        path = GOLDEN / name
        if os.environ.get("EZGOV_UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"golden file {path} missing (run with EZGOV_UPDATE_GOLDEN=1 to create it)"
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                f"golden/{name}", "actual"))
            pytest.fail(f"output differs from golden/{name}:\n{diff}")

    return compare
