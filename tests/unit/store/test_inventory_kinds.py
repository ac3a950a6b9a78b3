"""`load_inventory(kinds=...)`: only the kinds asked for, and only of an inventory known to pass every check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ezgov_infra.errors import InventoryError
from ezgov_infra.store.inventory import load_inventory

KINDS = ("regions", "sites", "devices")


def test_a_checked_inventory_gives_the_kinds_asked_for(inventory_copy: Path) -> None:
    whole = load_inventory(inventory_copy)  # checked: remembered clean
    assert whole.interfaces and whole.circuits
    part = load_inventory(inventory_copy, kinds=KINDS)
    for kind in KINDS:
        assert getattr(part, kind) == getattr(whole, kind)
    assert part.policy == whole.policy
    assert not part.interfaces and not part.circuits  # not read


def test_a_changed_inventory_is_read_whole_and_its_problems_reported(inventory_copy: Path) -> None:
    load_inventory(inventory_copy)
    path = inventory_copy / "circuits.yaml"
    circuits = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = next(iter(circuits))
    circuits[first]["a_end"] = "no-such-device:ge0"
    path.write_text(yaml.safe_dump(circuits, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InventoryError) as whole:
        load_inventory(inventory_copy)
    with pytest.raises(InventoryError) as part:
        load_inventory(inventory_copy, kinds=KINDS)
    assert [str(p) for p in part.value.problems] == [str(p) for p in whole.value.problems]
    assert any("no-such-device" in str(p) for p in part.value.problems)


def test_an_unchecked_inventory_is_read_whole(inventory_copy: Path) -> None:
    with (inventory_copy / "circuits.yaml").open("a", encoding="utf-8") as file:
        file.write(f"# {inventory_copy}\n")  # bytes never seen: nothing remembered, everything read and checked
    part = load_inventory(inventory_copy, kinds=KINDS)
    assert part.interfaces == load_inventory(inventory_copy).interfaces
