"""Offline collection: the sample's saved outputs give facts for all non-lab devices, and the generator that
wrote them reproduces them byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from ezgov_infra.collect.snapshot import collect, read_outputs
from ezgov_infra.errors import UnreachableError
from ezgov_infra.models.facts import Source
from ezgov_infra.models.inventory import Collection
from ezgov_infra.store.inventory import load_inventory
from ezgov_infra.testing.replay import recorded_outputs
from ezgov_infra.testing.snapshots import render_snapshots


class TestSampleSnapshots:
    def test_every_offline_device_parses_consistently_with_the_inventory(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        offline = [d for d in inv.devices.values() if d.collection is Collection.offline]
        assert len(offline) == 82
        for device in offline:
            facts = collect(device, inventory=sample_inventory)
            assert facts.source is Source.offline and facts.platform == device.platform
            wanted = {a for i in inv.interfaces.values() if i.device == device.id for a in i.ipv6}
            seen = {a for i in facts.interfaces for a in i.ipv6_global}
            assert wanted <= seen, device.id
            extra = seen - wanted - ({device.mgmt_ipv6} if device.mgmt_ipv6 else set())
            assert not extra, f"{device.id}: IPv6 the inventory does not give: {extra}"

    def test_the_generator_reproduces_the_committed_snapshots(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        rendered = render_snapshots(inv)
        for device_id, outputs in rendered.items():
            assert recorded_outputs(sample_inventory / "snapshots" / device_id) == outputs, device_id

    def test_the_planted_faults_are_present(self, sample_inventory: Path) -> None:
        inv = load_inventory(sample_inventory)
        facts = {d.id: collect(d, inventory=sample_inventory) for d in inv.devices.values() if not d.lab}
        assert sum(f.routing.ipv6_forwarding is False and f.has_ipv6 for f in facts.values()) == 1
        assert sum(f.management.ipv6_acl is False and f.has_ipv6 for f in facts.values()) >= 3
        assert sum(f.management.snmp_versions == ["2c"] for f in facts.values()) >= 3


class TestFolders:
    def test_a_missing_folder_is_unreachable(self, tmp_path: Path) -> None:
        with pytest.raises(UnreachableError, match="no snapshot folder"):
            read_outputs(tmp_path / "nope", "huawei_vrp")

    def test_only_the_profiles_keys_are_read(self, tmp_path: Path) -> None:
        (tmp_path / "config.txt").write_text("#\n sysname r\n#\n")
        (tmp_path / "notes.txt").write_text("not an output")
        assert set(read_outputs(tmp_path, "huawei_vrp")) == {"config"}
