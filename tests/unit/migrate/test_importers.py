"""Import from Konveyor, Azure Migrate and ezgov CSV; errors name row and column; ezgov CSV round-trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ezgov_infra.errors import InventoryError
from ezgov_infra.migrate.formats import read_catalogue_file
from ezgov_infra.migrate.importers import read_ezgov_csv, to_ezgov_csv
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.yamlfiles import dump_plain
from tests.conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "migrate"
STATS = {"department": "市统计局", "classification": "internal", "site": "ez-dc"}


def as_yaml(systems: dict[str, LegacySystem]) -> str:
    return dump_plain({sid: s.model_dump(mode="json", exclude_defaults=True) for sid, s in systems.items()})


class TestKonveyor:
    def test_sample_matches_golden(self, golden: Callable[[str, str], None]) -> None:
        golden("migrate/import-konveyor.yaml", as_yaml(read_catalogue_file(DATA / "konveyor.csv", "konveyor", {})))

    def test_southbound_is_outbound_and_northbound_inbound(self) -> None:
        systems = read_catalogue_file(DATA / "konveyor.csv", "konveyor", {})
        assert [(d.target, d.direction.value) for d in systems["archives-portal"].dependencies] == [
            ("archives-catalogue", "outbound")]
        assert [(d.target, d.direction.value) for d in systems["archives-catalogue"].dependencies] == [
            ("veterans-services", "inbound")]

    def test_a_dependency_on_an_unknown_application_names_row_and_column(self, tmp_path: Path) -> None:
        text = (DATA / "konveyor.csv").read_text(encoding="utf-8") + \
            "2,Archives Portal,,,,Ghost App,southbound,,,,,,,,,,,,,,,,\n"
        path = tmp_path / "k.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InventoryError) as caught:
            read_catalogue_file(path, "konveyor", {})
        assert [str(p) for p in caught.value.problems] == [
            f"{path}:7: row 6, column 'Dependency': unknown application 'Ghost App' "
            "(dependencies need a record type 1 row)"]


class TestAzure:
    def test_sample_matches_golden(self, golden: Callable[[str, str], None]) -> None:
        golden("migrate/import-azure.yaml", as_yaml(read_catalogue_file(DATA / "azure.csv", "azure", STATS)))

    def test_memory_is_converted_and_disks_summed(self) -> None:
        db = read_catalogue_file(DATA / "azure.csv", "azure", STATS)["ez-stats-db01"]
        assert (db.vcpu, db.ram_gb, db.storage_gb) == (8, 32.0, 2000.0)

    def test_fields_the_file_lacks_are_named_with_a_hint(self) -> None:
        with pytest.raises(InventoryError) as caught:
            read_catalogue_file(DATA / "azure.csv", "azure", {"department": "市统计局"})
        first = str(caught.value.problems[0])
        assert first.endswith("row 1, column 'site': missing site (add the column, or give --default site=VALUE)")

    def test_a_missing_classification_is_unclassified_not_an_error(self) -> None:
        systems = read_catalogue_file(DATA / "azure.csv", "azure", {"department": "市统计局", "site": "ez-dc"})
        assert {s.classification.value for s in systems.values()} == {"unclassified"}


class TestEzgovCsv:
    def test_every_bad_cell_is_reported_at_once(self) -> None:
        with pytest.raises(InventoryError) as caught:
            read_catalogue_file(DATA / "bad.csv", "csv", {})
        assert [(p.line, p.path) for p in caught.value.problems] == [
            (3, "row 2, column 'classification'"), (3, "row 2, column 'vcpu'"), (4, "row 3, column 'dependencies'")]

    def test_the_sample_catalogue_round_trips(self, sample_systems: dict[str, LegacySystem]) -> None:
        assert read_ezgov_csv(to_ezgov_csv(sample_systems), "x.csv", {}) == sample_systems

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.fixed_dictionaries({
        "name": st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12)
        .filter(lambda s: s.strip() == s and s.strip()),
        "vcpu": st.integers(1, 64), "ram_gb": st.floats(0.5, 512, allow_nan=False),
        "data_gb": st.none() | st.floats(0, 50, allow_nan=False),
        "note": st.none() | st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
        "latency": st.booleans(), "ipv6": st.sampled_from(["full", "partial", "none", "unknown"]),
    }), min_size=1, max_size=6))
    def test_import_of_an_export_is_lossless(self, specs: list[dict[str, object]]) -> None:
        systems: dict[str, LegacySystem] = {}
        for index, spec in enumerate(specs):
            deps = [{"target": f"s{index - 1}", "latency_sensitive": spec["latency"], "note": spec["note"]}] \
                if index else []
            systems[f"s{index}"] = LegacySystem.model_validate({
                "id": f"s{index}", "name": spec["name"], "name_en": "x,\"y\"", "department": "d",
                "classification": "public", "site": "ez-gsc", "stack": {"os": "CentOS", "os_eol": "2020-11-30"},
                "vcpu": spec["vcpu"], "ram_gb": spec["ram_gb"], "storage_gb": 100, "data_gb": spec["data_gb"],
                "ipv6": spec["ipv6"], "dependencies": deps})
        assert read_ezgov_csv(to_ezgov_csv(systems), "x.csv", {}) == systems
