"""Shared fixtures for the migration tests: the sample inventory, its catalogue, golden-file comparison."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue
from tests.conftest import check_golden

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
    return lambda name, actual: check_golden(f"migrate/{name}", actual)
