"""Sector clouds (task 6): departments' own clouds joined to the city cloud where they are, or moved; the plan and
the report count 纳入统一管理 (connected) apart from 迁移上云 (moved)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from ezgov_infra.errors import PlanError
from ezgov_infra.jobs import migration
from ezgov_infra.migrate.runbook import SECTOR, build_runbook
from ezgov_infra.models.plan import MigrationPlan


def with_policy(inventory: Path, change: Callable[[dict[str, object]], None]) -> None:
    path = inventory / "policy.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document["migration"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


class TestConnectWithoutMoving:
    def test_the_sample_counts_connected_apart_from_moved(self, sample_plan: MigrationPlan,
                                                          golden: Callable[[str, str], None]) -> None:
        counts = {"moved": sample_plan.summary["moving"], "connected": sample_plan.summary["connected"],
                  "sector_clouds": [s.model_dump(mode="json") for s in sample_plan.sector_clouds]}
        golden("migrate/sector-clouds.yaml", yaml.safe_dump(counts, allow_unicode=True, sort_keys=True))
        assert counts["connected"] == 2
        assert not {"edu-cloud-exam", "edu-cloud-platform"} & set(sample_plan.wave_of())

    def test_a_connected_sector_cloud_has_its_interconnect_addressing_and_monitoring_steps(
            self, sample_plan: MigrationPlan) -> None:
        section = next(s for s in build_runbook(sample_plan) if s.kind == "sector_cloud")
        assert [s.action for s in section.steps[:3]] == [a for a, _, _ in SECTOR]
        assert {s.system for s in section.steps[3:]} == {"edu-cloud-exam", "edu-cloud-platform"}
        assert section.sector is not None and section.sector.interconnect is None  # no circuit yet: not invented
        assert section.sector.prefix is not None and section.sector.prefix.startswith("2001:db8:")

    def test_moving_the_sector_cloud_puts_its_systems_in_waves(self, inventory_copy: Path, tmp_path: Path) -> None:
        with_policy(inventory_copy, lambda m: m.update(sector_clouds={"ez-edu-cloud": "move"}))
        plan, _ = migration.make_plan(folder=inventory_copy, name="p", plans_dir=tmp_path, write=False)
        assert plan.summary["connected"] == 0 and not plan.connected
        placed = set(plan.wave_of()) | {h.system for h in plan.held}
        assert {"edu-cloud-exam", "edu-cloud-platform"} <= placed

    def test_naming_a_site_that_is_not_a_sector_cloud_is_an_error(self, inventory_copy: Path,
                                                                  tmp_path: Path) -> None:
        with_policy(inventory_copy, lambda m: m.update(sector_clouds={"ez-gsc": "connect"}))
        with pytest.raises(PlanError, match="names ez-gsc: not a site of category sector_cloud"):
            migration.make_plan(folder=inventory_copy, name="p", plans_dir=tmp_path, write=False)

    @pytest.mark.parametrize(("lang", "expected"), [("zh", "纳入统一管理（接入、不迁移）：2 个系统"),
                                                     ("en", "without moving: 2 systems")])
    def test_the_report_counts_both(self, sample_inventory: Path, tmp_path: Path, lang: str,
                                    expected: str) -> None:
        from ezgov_infra.jobs import report
        from ezgov_infra.report.render import render_markdown

        plan, _ = migration.make_plan(folder=sample_inventory, name="ezhou-2019", plans_dir=tmp_path / "plans")
        built = report.build(folder=sample_inventory, history_db=tmp_path / "none.sqlite", lang=lang,
                             plans_dir=tmp_path / "plans", plan="ezhou-2019", as_of=date(2019, 12, 1))
        assert built.schedule.moved == plan.summary["moving"] and built.schedule.connected == 2
        text = render_markdown(built)
        assert expected in text
        moved = f"：{plan.summary['moving']} 个系统列入批次" if lang == "zh" else f": {plan.summary['moving']} systems"
        assert moved in text
