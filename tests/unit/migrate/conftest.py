"""Shared fixtures for the migration tests: the sample inventory loaded once, its catalogue, and its plan (one per
test module: some tests amend it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.jobs import migration
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import MigrationPlan
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.store.systems import load_catalogue


@pytest.fixture(scope="session")
def inventory(sample_inventory: Path) -> Inventory:
    return load_inventory(sample_inventory)


@pytest.fixture(scope="session")
def sample_systems(sample_inventory: Path, inventory: Inventory) -> dict[str, LegacySystem]:
    return load_catalogue(sample_inventory, inventory)


@pytest.fixture(scope="module")
def sample_plan(sample_inventory: Path, tmp_path_factory: pytest.TempPathFactory) -> MigrationPlan:
    plan, _ = migration.make_plan(folder=sample_inventory, name="ezhou-2019", write=False,
                                  plans_dir=tmp_path_factory.mktemp("plans"))
    return plan
