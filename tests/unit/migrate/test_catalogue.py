"""The catalogue: systems.yaml loads like the inventory, every problem with file:line; cycles are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ezgov_infra.errors import InventoryError
from ezgov_infra.migrate.catalogue import dependency_edges, find_cycles
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.systems import load_catalogue, read_catalogue


def system(sid: str, **extra: object) -> LegacySystem:
    body: dict[str, object] = {"id": sid, "name": sid, "name_en": sid, "department": "市统计局",
                               "classification": "internal", "site": "ez-gsc", "stack": {"os": "CentOS"},
                               "vcpu": 2, "ram_gb": 4, "storage_gb": 100, "data_gb": 10}
    body.update(extra)
    return LegacySystem.model_validate(body)


class TestLegacySystem:
    def test_a_system_cannot_depend_on_itself(self) -> None:
        with pytest.raises(ValidationError, match="cannot depend on itself"):
            system("a", dependencies=[{"target": "a"}])

    def test_a_dependency_is_listed_once(self) -> None:
        with pytest.raises(ValidationError, match="listed twice"):
            system("a", dependencies=[{"target": "b"}, {"target": "b"}])

    def test_data_cannot_exceed_storage(self) -> None:
        with pytest.raises(ValidationError, match="exceeds storage_gb"):
            system("a", storage_gb=10, data_gb=20)


class TestDependencyEdges:
    def test_outbound_means_the_target_moves_first(self) -> None:
        systems = {"a": system("a", dependencies=[{"target": "b"}]), "b": system("b")}
        assert list(dependency_edges(systems)) == [("b", "a")]

    def test_inbound_means_this_system_moves_first(self) -> None:
        systems = {"a": system("a", dependencies=[{"target": "b", "direction": "inbound"}]), "b": system("b")}
        assert list(dependency_edges(systems)) == [("a", "b")]

    def test_both_directions_make_a_cycle(self) -> None:
        systems = {"a": system("a", dependencies=[{"target": "b", "direction": "both"}]), "b": system("b")}
        assert find_cycles(systems) == [["a", "b"]]


class TestSampleCatalogue:
    def test_has_a_realistic_size_and_mix(self, sample_systems: dict[str, LegacySystem]) -> None:
        assert 50 <= len(sample_systems) <= 80
        classes = {s.classification.value for s in sample_systems.values()}
        assert classes == {"public", "internal", "sensitive", "classified"}
        private = {s.network for s in sample_systems.values()} - {"extranet", "intranet"}
        assert {"edu-metro", "health-net", "hrss-net", "tax-net"} <= private

    def test_reports_its_dependency_cycles(self, sample_systems: dict[str, LegacySystem]) -> None:
        cycles = find_cycles(sample_systems)
        assert ["msa-registry", "ndrc-credit"] in cycles
        assert ["gsd-ows", "gsd-prov-link"] in cycles

    def test_has_latency_sensitive_pairs(self, sample_systems: dict[str, LegacySystem]) -> None:
        assert sum(d.latency_sensitive for s in sample_systems.values() for d in s.dependencies) >= 5


class TestLoading:
    def test_every_problem_has_file_line_and_field(self, inventory_copy: Path,
                                                   inventory: Inventory) -> None:
        (inventory_copy / "systems.yaml").write_text(
            "good:\n"
            "  name: 好\n  name_en: Good\n  department: 市统计局\n  classification: public\n  site: ez-gsc\n"
            "  stack: {os: CentOS}\n  vcpu: 2\n  ram_gb: 4\n  storage_gb: 100\n"
            "  dependencies:\n    - target: ghost\n"
            "lost:\n"
            "  name: 失\n  name_en: Lost\n  department: 市统计局\n  classification: secret\n  site: nowhere\n"
            "  stack: {os: CentOS}\n  vcpu: 2\n  ram_gb: 4\n  storage_gb: 100\n", encoding="utf-8")
        with pytest.raises(InventoryError) as caught:
            load_catalogue(inventory_copy, inventory)
        lines = [str(p).split(": ", 1)[1] for p in caught.value.problems]
        file = str(inventory_copy / "systems.yaml")
        assert str(caught.value.problems[0]).startswith(f"{file}:12: good.dependencies[0].target")
        assert "good.dependencies[0].target: unknown system 'ghost' (dependency targets are ids in systems.yaml)" \
            in lines
        assert any(line.startswith("lost.classification: Input should be") for line in lines)

    def test_unknown_site_and_network_are_reported_with_lines(self, inventory_copy: Path,
                                                              inventory: Inventory) -> None:
        (inventory_copy / "systems.yaml").write_text(
            "far:\n  name: 远\n  name_en: Far\n  department: 市统计局\n  classification: public\n"
            "  site: nowhere\n  network: cable-tv\n  stack: {os: CentOS}\n  vcpu: 2\n  ram_gb: 4\n"
            "  storage_gb: 100\n", encoding="utf-8")
        _, problems = read_catalogue(inventory_copy, inventory)
        assert [(p.line, p.path, p.message) for p in problems] == [
            (6, "far.site", "unknown site 'nowhere'"), (7, "far.network", "unknown network 'cable-tv'")]

    def test_a_missing_catalogue_says_how_to_make_one(self, tmp_path: Path, inventory: Inventory) -> None:
        with pytest.raises(InventoryError, match="ezgov migrate import"):
            load_catalogue(tmp_path, inventory)
