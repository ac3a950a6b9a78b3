"""Move groups, waves, the cutover calendar, data transfer, and the plan file read back."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from pathlib import Path

import pytest

from ezgov_infra.errors import PlanError
from ezgov_infra.migrate.schedule import Uplink, site_uplinks, transfer, windows
from ezgov_infra.migrate.waves import move_groups, pack
from ezgov_infra.models.inventory import Inventory
from ezgov_infra.models.plan import MigrationPlan, MigrationPolicy, WaveCapacity
from ezgov_infra.models.systems import LegacySystem
from ezgov_infra.store.history import open_history
from ezgov_infra.store.systems import load_plan, measured_headroom, save_plan


def system(sid: str, deps: list[dict[str, object]] | None = None, **extra: object) -> LegacySystem:
    body: dict[str, object] = {"id": sid, "name": sid, "name_en": sid, "department": "市统计局",
                               "classification": "internal", "site": "ez-gsc", "stack": {"os": "CentOS"},
                               "vcpu": 2, "ram_gb": 4, "storage_gb": 100, "data_gb": 10,
                               "dependencies": deps or []}
    body.update(extra)
    return LegacySystem.model_validate(body)


def policy(**capacity: float) -> MigrationPolicy:
    return MigrationPolicy(capacity=WaveCapacity(**capacity))  # type: ignore[arg-type]


class TestMoveGroups:
    def test_a_cycle_is_one_group(self) -> None:
        systems = {"a": system("a", [{"target": "b"}]), "b": system("b", [{"target": "a"}]), "c": system("c")}
        groups = move_groups(systems, set(systems))
        assert sorted(g.systems for g in groups.values()) == [["a", "b"], ["c"]]

    def test_a_latency_sensitive_pair_is_one_group(self) -> None:
        systems = {"a": system("a", [{"target": "b", "latency_sensitive": True}]), "b": system("b")}
        groups = move_groups(systems, set(systems))
        assert [g.systems for g in groups.values()] == [["a", "b"]]
        assert groups["a"].why == ["latency-sensitive: a ~ b"]

    def test_whatever_lies_between_a_chatty_pair_joins_it(self) -> None:
        # a calls b calls c, and a~c are chatty: b cannot move before c nor after a, so all three go together.
        systems = {"a": system("a", [{"target": "b"}, {"target": "c", "latency_sensitive": True}]),
                   "b": system("b", [{"target": "c"}]), "c": system("c")}
        assert [g.systems for g in move_groups(systems, set(systems)).values()] == [["a", "b", "c"]]


class TestPacking:
    def test_dependencies_move_first_and_capacity_holds(self) -> None:
        systems = {f"s{i}": system(f"s{i}", [{"target": f"s{i - 1}"}] if i else None) for i in range(5)}
        groups = move_groups(systems, set(systems))
        waves = pack(groups, WaveCapacity(systems=2), windows(MigrationPolicy(), date(2019, 9, 1)))
        assert [w.groups for w in waves] == [["s0", "s1"], ["s2", "s3"], ["s4"]]

    def test_a_group_larger_than_a_wave_is_a_clear_error(self) -> None:
        systems = {"a": system("a", [{"target": "b", "direction": "both"}], vcpu=100), "b": system("b", vcpu=100)}
        with pytest.raises(PlanError, match=r"group a \(a, b\): vcpu 200 > 150"):
            pack(move_groups(systems, set(systems)), WaveCapacity(vcpu=150), windows(MigrationPolicy(),
                                                                                      date(2019, 9, 1)))

    def test_a_group_waits_for_its_earliest_day(self) -> None:
        systems = {"a": system("a"), "b": system("b")}
        groups = move_groups(systems, set(systems))
        groups["b"].earliest = datetime(2019, 9, 20)
        waves = pack(groups, WaveCapacity(), windows(MigrationPolicy(), date(2019, 9, 1)))
        assert [(w.opens.date(), w.groups) for w in waves] == [(date(2019, 9, 7), ["a"]), (date(2019, 9, 21), ["b"])]


class TestCalendar:
    def test_windows_skip_holidays_and_working_weekends(self, inventory: Inventory) -> None:
        days = windows(inventory.policy.migration, date(2019, 9, 1))
        first = [next(days)[0].date() for _ in range(5)]
        # 14 Sep is Mid-Autumn, 28-29 Sep touches a working Sunday, 5 Oct is National Day, 12 Oct a working Saturday.
        assert first == [date(2019, 9, 7), date(2019, 9, 21), date(2019, 10, 19), date(2019, 10, 26),
                         date(2019, 11, 2)]

    def test_a_window_lasts_the_policy_hours(self, inventory: Inventory) -> None:
        opens, closes = next(windows(inventory.policy.migration, date(2019, 9, 1)))
        assert (opens, closes) == (datetime(2019, 9, 7, 20), datetime(2019, 9, 8, 22))


class TestTransfer:
    def test_the_planted_50_mbps_circuit_forces_a_presync(self, inventory: Inventory,
                                                          sample_systems: dict[str, LegacySystem]) -> None:
        uplinks = site_uplinks(inventory, inventory.policy.migration, {}, None)
        assert uplinks["taihe-gsc"] == Uplink(50.0, "contracted rate of EZ-EXT-0006")
        moved = transfer(sample_systems["twp-taihe"], uplinks["taihe-gsc"], inventory.policy.migration,
                         datetime(2019, 10, 26, 20))
        # 300 GB over 35 Mbps usable is 19 h, far beyond the 4 h downtime window.
        assert moved.hours == pytest.approx(19.05, abs=0.01)
        assert moved.presync and moved.presync_start == date(2019, 10, 23)

    def test_the_core_site_reaches_the_cloud_over_their_own_circuit(self, inventory: Inventory) -> None:
        uplinks = site_uplinks(inventory, inventory.policy.migration, {}, None)
        assert uplinks["ez-dc"] == Uplink(10000.0, "contracted rate of EZ-EXT-0001")

    def test_a_short_transfer_needs_no_presync(self, inventory: Inventory,
                                               sample_systems: dict[str, LegacySystem]) -> None:
        moved = transfer(sample_systems["msa-12315"], Uplink(1000.0, "x"), inventory.policy.migration,
                         datetime(2019, 9, 7, 20))
        assert not moved.presync and moved.presync_start is None

    def test_measured_headroom_from_the_history_wins(self, tmp_path: Path, inventory: Inventory) -> None:
        db = tmp_path / "history.sqlite"
        with open_history(db) as history:
            history.record_run("bandwidth-audit", status="ok", results=[
                {"subject": "taihe-gsc", "status": "ok", "facts": {"headroom_mbps": 12.5}},
                {"subject": "taihe-ar-1", "status": "ok", "facts": {"site": "fenghuang-gsc", "headroom_mbps": 400}},
                {"subject": "ez-gsc", "status": "failed", "facts": {}},
            ])
        headroom, run_id = measured_headroom(db)
        assert headroom == {"taihe-gsc": 12.5, "fenghuang-gsc": 400.0}
        uplinks = site_uplinks(inventory, inventory.policy.migration, headroom, run_id)
        assert uplinks["taihe-gsc"] == Uplink(12.5, f"measured p95 headroom (bandwidth audit run {run_id})")
        assert uplinks["ez-gsc"].source == "contracted rate of EZ-EXT-0008"

    def test_no_history_means_no_measurements(self, tmp_path: Path) -> None:
        assert measured_headroom(tmp_path / "none.sqlite") == ({}, None)


class TestPlanFile:
    def test_a_plan_read_again_comes_validated_from_the_cache_and_an_edited_one_is_read_anew(
            self, sample_plan: MigrationPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EZGOV_CACHE_DIR", str(tmp_path / "cache"))
        path = save_plan(tmp_path / "plans", sample_plan)
        assert load_plan(tmp_path / "plans", "ezhou-2019") == sample_plan
        (kept,) = (tmp_path / "cache").rglob("*.records")
        assert load_plan(tmp_path / "plans", "ezhou-2019") == sample_plan
        # what the cache holds is what a second read returns (the file is not parsed again)
        kept.write_bytes(pickle.dumps(sample_plan.model_copy(update={"name": "as kept"})))
        assert load_plan(tmp_path / "plans", "ezhou-2019").name == "as kept"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("approver: 市大数据局局长", "approver: 市大数据局常务副局长", 1), encoding="utf-8")
        assert load_plan(tmp_path / "plans", "ezhou-2019").waves[0].approver == "市大数据局常务副局长"
        assert len(list((tmp_path / "cache").rglob("*.records"))) == 2 and kept.exists()
