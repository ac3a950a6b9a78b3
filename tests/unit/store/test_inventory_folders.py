"""A kind kept as a folder of files (`devices/*.yaml`, one per district): loaded, located and edited as one."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ezgov_infra.errors import InventoryError
from ezgov_infra.store import journal, yamlfiles
from ezgov_infra.store.inventory import load_inventory, read_inventory
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def split_by_district(folder: Path, kind: str) -> dict[str, list[str]]:
    """Move `<kind>.yaml` into `<kind>/<district>.yaml`; returns district -> ids, as written."""
    inventory = load_inventory(folder)
    records = yaml.safe_load((folder / f"{kind}.yaml").read_text(encoding="utf-8"))
    parts: dict[str, dict[str, object]] = defaultdict(dict)
    for rid, body in records.items():
        site = inventory.devices[rid].site if kind == "devices" else rid
        parts[inventory.site_district(site) or "city"][rid] = body
    (folder / kind).mkdir()
    for district, part in parts.items():
        (folder / kind / f"{district}.yaml").write_text(yaml.safe_dump(part, allow_unicode=True), encoding="utf-8")
    (folder / f"{kind}.yaml").unlink()
    return {district: sorted(part) for district, part in parts.items()}


class TestLoading:
    def test_a_folder_of_files_loads_the_same_inventory_as_one_file(self, inventory_copy: Path) -> None:
        whole = load_inventory(inventory_copy)
        split_by_district(inventory_copy, "devices")
        split_by_district(inventory_copy, "sites")
        assert load_inventory(inventory_copy) == whole

    def test_a_problem_names_the_district_file_and_its_line(self, inventory_copy: Path) -> None:
        parts = split_by_district(inventory_copy, "devices")
        district = sorted(parts)[0]
        path = inventory_copy / "devices" / f"{district}.yaml"
        text = path.read_text(encoding="utf-8")
        line = text.count("\n") + 2
        path.write_text(text + "zz-dev:\n  site: no-such-site\n  role: access\n  platform: frr\n"
                        "  credential_profile: lab\n", encoding="utf-8")
        _, problems = read_inventory(inventory_copy)
        assert [(p.file, p.line, p.path) for p in problems] == [(str(path), line, "zz-dev.site")]

    def test_an_id_in_two_files_is_reported_in_the_second_naming_the_first(self, inventory_copy: Path) -> None:
        parts = split_by_district(inventory_copy, "devices")
        first, second = sorted(parts)[:2]
        device = parts[first][0]
        body = yaml.safe_load((inventory_copy / "devices" / f"{first}.yaml").read_text(encoding="utf-8"))[device]
        with (inventory_copy / "devices" / f"{second}.yaml").open("a", encoding="utf-8") as handle:
            handle.write(yaml.safe_dump({device: body}, allow_unicode=True))
        with pytest.raises(InventoryError) as caught:
            load_inventory(inventory_copy)
        (problem,) = caught.value.problems
        assert problem.file == str(inventory_copy / "devices" / f"{second}.yaml")
        assert problem.line is not None
        assert f"also in {inventory_copy / 'devices' / f'{first}.yaml'}:" in problem.message


class TestCache:
    def test_an_edited_file_is_validated_again_and_the_others_come_from_the_cache(
            self, inventory_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EZGOV_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setattr(yamlfiles, "_RECORDS_MIN_BYTES", 0)
        parts = split_by_district(inventory_copy, "devices")
        whole = load_inventory(inventory_copy)
        cached = sorted((tmp_path / "cache").rglob("*.records"))
        assert cached  # every valid file kept validated
        assert load_inventory(inventory_copy) == whole  # now from the cache
        district = sorted(parts)[0]
        path = inventory_copy / "devices" / f"{district}.yaml"
        device = parts[district][0]
        records = yaml.safe_load(path.read_text(encoding="utf-8"))
        records[device]["role"] = "tower"
        path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
        with pytest.raises(InventoryError) as caught:
            load_inventory(inventory_copy)
        assert [(p.file, p.path) for p in caught.value.problems] == [(str(path), f"{device}.role")]


    def test_a_cold_read_validates_the_files_in_worker_processes_with_the_same_result(
            self, inventory_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from ezgov_infra.store import inventory as store

        whole = load_inventory(inventory_copy)
        split_by_district(inventory_copy, "devices")
        split_by_district(inventory_copy, "sites")
        monkeypatch.setenv("EZGOV_CACHE_DIR", str(tmp_path / "cold"))
        monkeypatch.setattr(yamlfiles, "_RECORDS_MIN_BYTES", 0)
        monkeypatch.setattr(store, "_PARALLEL_MIN_BYTES", 0)
        writers = tmp_path / "writers"
        keep = yamlfiles._keep_records

        def noted(path: Path, records: dict[str, object]) -> None:
            with writers.open("a") as handle:
                handle.write(f"{os.getpid()}\n")
            keep(path, records)

        monkeypatch.setattr(yamlfiles, "_keep_records", noted)
        assert load_inventory(inventory_copy) == whole
        files = [p for p in inventory_copy.rglob("*.yaml") if p.name not in ("policy.yaml", "systems.yaml")]
        pids = writers.read_text().split()
        assert len(pids) == len(files) and str(os.getpid()) not in pids  # every file validated by a worker
        assert len(list((tmp_path / "cold").rglob("*.records"))) == len(files)


class TestEdits:
    def test_add_set_and_remove_write_to_the_file_each_record_lives_in(self, cli: Cli, inventory_copy: Path) -> None:
        parts = split_by_district(inventory_copy, "devices")
        inventory = load_inventory(inventory_copy)
        district = next(d for d in sorted(parts) if d != "city")
        device = inventory.devices[parts[district][0]]
        home = inventory_copy / "devices" / f"{district}.yaml"
        others = {p: p.read_bytes() for p in (inventory_copy / "devices").iterdir() if p != home}

        added = cli("inventory", "add", "devices", "zz-new", f"site={device.site}", "role=access",
                    "platform=frr", "credential_profile=lab", "-i", inventory_copy)
        assert added.code == 0, added.err
        assert "zz-new" in yaml.safe_load(home.read_text(encoding="utf-8"))
        changed = cli("inventory", "set", device.id, "model=NEW-1", "-i", inventory_copy)
        assert changed.code == 0, changed.err
        assert yaml.safe_load(home.read_text(encoding="utf-8"))[device.id]["model"] == "NEW-1"
        removed = cli("inventory", "remove", "devices/zz-new", "-i", inventory_copy)
        assert removed.code == 0, removed.err
        assert "zz-new" not in yaml.safe_load(home.read_text(encoding="utf-8"))
        assert {p: p.read_bytes() for p in (inventory_copy / "devices").iterdir() if p != home} == others
        assert not (inventory_copy / "devices.yaml").exists()
        assert load_inventory(inventory_copy).devices[device.id].model == "NEW-1"

    def test_a_device_of_a_district_with_no_file_yet_gets_its_own(self, cli: Cli, inventory_copy: Path) -> None:
        split_by_district(inventory_copy, "devices")
        for args in (("regions", "zz-district", "name=新区", "name_en=New District", "level=district",
                      "kind=district", "parent=ezhou"),
                     ("sites", "zz-site", "name=新区中心", "name_en=New Centre", "region=zz-district",
                      "category=department", "setting=urban"),
                     ("devices", "zz-new", "site=zz-site", "role=access", "platform=frr",
                      "credential_profile=lab")):
            added = cli("inventory", "add", *args, "-i", inventory_copy)
            assert added.code == 0, added.err
        assert list(yaml.safe_load((inventory_copy / "devices" / "zz-district.yaml").read_text())) == ["zz-new"]
        assert "zz-site" in yaml.safe_load((inventory_copy / "sites.yaml").read_text())


class TestJournal:
    def test_a_journal_renames_into_subfolders_and_refuses_names_outside(self, tmp_path: Path) -> None:
        (tmp_path / "devices").mkdir()
        (tmp_path / "devices" / "a.yaml").write_text("old a\n")
        (tmp_path / "devices" / ".a.yaml.txn-x1.tmp").write_text("new a\n")
        (tmp_path / ".s.yaml.txn-x2.tmp").write_text("new s\n")
        (tmp_path / journal.JOURNAL).write_text(json.dumps(
            {"rename": [["devices/.a.yaml.txn-x1.tmp", "devices/a.yaml"], [".s.yaml.txn-x2.tmp", "../s.yaml"]]}))
        assert journal.recover(tmp_path)
        assert (tmp_path / "devices" / "a.yaml").read_text() == "new a\n"
        assert not (tmp_path.parent / "s.yaml").exists()
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["devices",
                                                                                          "devices/a.yaml"]

    def test_a_commit_across_subfolders_leaves_no_temporaries(self, tmp_path: Path) -> None:
        journal.commit(tmp_path, {"devices/a.yaml": "a\n", "sites/b.yaml": "b\n", "c.yaml": "c\n"})
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
            "c.yaml", "devices/a.yaml", "sites/b.yaml"]
