"""Shared fixtures for the migration tests: the sample inventory loaded once, and its catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue


@pytest.fixture(scope="session")
def inventory(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


@pytest.fixture(scope="session")
def sample_systems(sample_inventory: Path, inventory: Inventory) -> dict[str, LegacySystem]:
    return load_catalogue(sample_inventory, inventory)
