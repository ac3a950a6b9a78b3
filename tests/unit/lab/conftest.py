"""Shared pieces of the lab's unit tests: the sample's topology and the outputs recorded from a running lab.

Golden files are kept with every other area's under tests/golden/lab/ and compared by tests/conftest.py's checker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.lab.topology import Topology, from_inventory
from ezgov_infra.store.inventory import load_inventory

RECORDED = Path(__file__).resolve().parent / "recorded"


@pytest.fixture(scope="session")
def topology(sample_inventory: Path) -> Topology:
    return from_inventory(load_inventory(sample_inventory), "ezhou")
