"""Edits racing each other in real processes: the outcome is always one the edits could have had one after the
other, and the inventory stays valid.

Each test forks its processes after the imports are done and releases them together at a barrier, so their
reads of the inventory overlap as they do when two people edit at once.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from ezgov_infra.jobs import inventory as jobs
from ezgov_infra.store.inventory import read_inventory

ROUNDS = 3
NEW_DEVICE = {"site": "taihe-gsc", "role": "access", "platform": "frr", "credential_profile": "extranet"}


def _child(barrier: multiprocessing.synchronize.Barrier, queue: Any, call: Callable[[], Any]) -> None:
    barrier.wait()
    try:
        call()
    except Exception as exc:  # what a command would have ended with; reported to the parent by type and text
        queue.put((type(exc).__name__, str(exc), traceback.format_exc()))
    else:
        queue.put(("ok", "", ""))


def race(*calls: Callable[[], Any]) -> list[tuple[str, str, str]]:
    """Run each call in its own process, all released at once; returns (outcome, message, traceback) per call."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(calls))
    queue = context.Queue()
    processes = [context.Process(target=_child, args=(barrier, queue, call)) for call in calls]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=60) for _ in calls]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return outcomes


def assert_valid(folder: Path) -> None:
    _, problems = read_inventory(folder)
    assert problems == []


def devices(folder: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((folder / "devices.yaml").read_text(encoding="utf-8")))


@pytest.fixture
def folder(inventory_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EZGOV_STATE_DIR", str(tmp_path / "state"))
    return inventory_copy


class TestRacingEdits:
    def test_of_two_adds_of_one_id_exactly_one_succeeds(self, folder: Path) -> None:
        for n in range(ROUNDS):
            rid = f"race-{n}"
            outcomes = race(*(partial(jobs.add, folder, "devices", rid, {**NEW_DEVICE, "serial": serial})
                              for serial in ("first", "second", "third")))
            kinds = sorted(o[0] for o in outcomes)
            assert kinds == ["InputError", "InputError", "ok"], outcomes
            assert all("exists already" in o[1] for o in outcomes if o[0] == "InputError")
            assert devices(folder)[rid]["serial"] in ("first", "second", "third")
        assert_valid(folder)

    def test_two_devices_never_get_one_management_address(self, folder: Path) -> None:
        for n in range(ROUNDS):
            address = f"198.51.100.{200 + n}/24"
            outcomes = race(*(partial(jobs.add, folder, "devices", rid, {**NEW_DEVICE, "mgmt_ipv4": address})
                              for rid in (f"ip-a-{n}", f"ip-b-{n}")))
            assert sorted(o[0] for o in outcomes) == ["InventoryError", "ok"], outcomes
            holders = [rid for rid, body in devices(folder).items() if body.get("mgmt_ipv4") == address]
            assert len(holders) == 1
        assert_valid(folder)

    def test_an_import_racing_a_set_never_gives_one_address_to_two_devices(self, folder: Path,
                                                                           tmp_path: Path) -> None:
        for n in range(ROUNDS):
            address = f"198.51.100.{210 + n}/24"
            csv = tmp_path / f"new-{n}.csv"
            csv.write_text("name,role,site,platform,primary_ip4,cf_credential_profile\n"
                           f"imported-{n},access,taihe-gsc,frr,{address},extranet\n", encoding="utf-8")
            outcomes = race(partial(jobs.import_kind, folder, "devices", csv),
                            partial(jobs.set_fields, folder, "taihe-ar-1", {"mgmt_ipv4": address}))
            assert sorted(o[0] for o in outcomes) == ["InventoryError", "ok"], outcomes
            holders = [rid for rid, body in devices(folder).items() if body.get("mgmt_ipv4") == address]
            assert len(holders) == 1
        assert_valid(folder)

    def test_an_import_racing_a_set_of_the_same_record_ends_as_one_after_the_other(self, folder: Path,
                                                                                    tmp_path: Path) -> None:
        # the import rewrites taihe-ar-1's model; the set gives it a serial. One after the other, either the set
        # lands on the imported record, or the import (a whole record per row) puts back the serial its row has
        exported = jobs.export_kind(folder, "devices", "csv")
        changed = next(line.split(",")[0] for line in exported.splitlines() if ",MSR3620," in line)
        for n in range(ROUNDS):
            in_row = devices(folder)[changed].get("serial")
            csv = tmp_path / f"devices-{n}.csv"
            csv.write_text(jobs.export_kind(folder, "devices", "csv").replace(",MSR3620,", f",MODEL-{n},", 1)
                           .replace(f",MODEL-{n - 1},", f",MODEL-{n},", 1), encoding="utf-8")
            outcomes = race(partial(jobs.import_kind, folder, "devices", csv),
                            partial(jobs.set_fields, folder, changed, {"serial": f"SN-{n}"}))
            assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
            body = devices(folder)[changed]
            assert body["model"] == f"MODEL-{n}"
            assert body.get("serial") in (f"SN-{n}", in_row)
        assert_valid(folder)

    def test_a_remove_racing_an_add_never_leaves_a_dangling_reference(self, folder: Path) -> None:
        for n in range(ROUNDS):
            site = f"race-site-{n}"
            jobs.add(folder, "sites", site, {"name": "测试", "name_en": "Test", "region": "taihe",
                                             "category": "department", "setting": "rural"})
            outcomes = race(partial(jobs.remove, folder, f"sites/{site}"),
                            partial(jobs.add, folder, "devices", f"on-{site}", {**NEW_DEVICE, "site": site}))
            assert sorted(o[0] for o in outcomes) in (["InputError", "ok"], ["InventoryError", "ok"]), outcomes
            assert_valid(folder)

    def test_a_set_racing_a_remove_of_its_record_ends_in_a_clear_error_never_a_traceback(self, folder: Path) -> None:
        for n in range(ROUNDS):
            rid = f"doomed-{n}"
            jobs.add(folder, "devices", rid, NEW_DEVICE)
            outcomes = race(partial(jobs.remove, folder, f"devices/{rid}"),
                            partial(jobs.set_fields, folder, f"devices/{rid}", {"serial": "X"}))
            kinds = sorted(o[0] for o in outcomes)
            # the set first and then the remove, or the remove first and the set told there is no such device
            assert kinds in (["ok", "ok"], ["InputError", "ok"]), outcomes
            assert rid not in devices(folder)
        assert_valid(folder)
