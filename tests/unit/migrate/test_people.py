"""People in the plan: owners, departments and contacts per system, an approver and on-call contacts per wave, a
go/no-go step, and sign-offs recorded in the plan's history (under the plans folder's lock) that execution needs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from ezgov_infra.errors import InputError
from ezgov_infra.jobs import cutover, migration
from ezgov_infra.models.plan import MigrationPlan, StepKind, WaveStatus
from ezgov_infra.store.systems import load_plan
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture
def plans(sample_inventory: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    migration.make_plan(folder=sample_inventory, name="p", plans_dir=folder)
    return folder


class TestPeopleInThePlan:
    def test_each_wave_names_its_approver_and_on_call_and_each_system_its_owner(
            self, sample_plan: MigrationPlan) -> None:
        first, second = sample_plan.waves[0], sample_plan.waves[1]
        assert first.approver == "市大数据局局长"  # policy.yaml wave_approvers
        assert second.approver == "市大数据局分管副局长"  # the default approver
        assert first.on_call == ["政务云运维值班组", "电子政务外网运维值班组"]
        people = {p.system: p for w in sample_plan.waves for p in w.people}
        assert set(people) == {s for w in sample_plan.waves for s in w.systems}
        assert people["ca-assistance"].owner == "社会救助科"
        assert people["ca-assistance"].department == "市民政局"
        assert people["ca-assistance"].contact == "办公室"

    def test_every_wave_has_a_go_no_go_owned_by_its_approver_before_its_window(
            self, sample_plan: MigrationPlan) -> None:
        for wave in sample_plan.waves:
            go = [s for s in wave.steps if s.kind is StepKind.go_no_go]
            assert len(go) == 1 and go[0].owner == wave.approver
            assert go[0].starts is not None and go[0].starts < wave.window_start
            assert any("社会救助科" in n for w in sample_plan.waves for s in w.steps for n in s.notes)

    def test_no_step_is_dated_before_the_plan_starts(self, sample_plan: MigrationPlan) -> None:
        first_day = datetime.combine(sample_plan.start, datetime.min.time())
        dated = [s for w in sample_plan.waves for s in w.steps if s.starts is not None]
        assert dated and all(s.starts is not None and s.starts >= first_day for s in dated)


class TestSignOff:
    def test_a_sign_off_is_recorded_in_the_history_with_who_and_when(self, plans: Path) -> None:
        done = cutover.sign_off(name="p", wave="W02", by="市大数据局分管副局长", plans_dir=plans,
                                note="pre-checks seen")
        wave = load_plan(plans, "p").waves[1]
        assert wave.status is WaveStatus.signed_off
        assert wave.signoff is not None and wave.signoff.by == "市大数据局分管副局长"
        assert wave.history[-1].at == done.at and "pre-checks seen" in wave.history[-1].note

    def test_a_deputy_may_sign_and_the_history_says_for_whom(self, plans: Path) -> None:
        cutover.sign_off(name="p", wave="1", by="值班副主任", plans_dir=plans)
        note = load_plan(plans, "p").waves[0].history[-1].note
        assert "signed by 值班副主任 for the planned approver 市大数据局局长" in note

    def test_an_executed_wave_and_a_blank_name_are_refused(self, plans: Path) -> None:
        with pytest.raises(InputError, match="--by"):
            cutover.sign_off(name="p", wave="W01", by="  ", plans_dir=plans)
        cutover.record_outcome(plans, "p", "W01", WaveStatus.executed, "execute: done")
        with pytest.raises(InputError, match="executed already"):
            cutover.sign_off(name="p", wave="W01", by="someone", plans_dir=plans)

    def test_a_run_after_the_sign_off_needs_a_new_one(self, plans: Path) -> None:
        cutover.sign_off(name="p", wave="W02", by="a", plans_dir=plans)
        cutover.record_outcome(plans, "p", "W02", WaveStatus.rolled_back, "execute: rolled back")
        assert load_plan(plans, "p").waves[1].signoff is None

    def test_sign_offs_at_the_same_time_are_all_kept(self, plans: Path) -> None:
        def sign(wave: str) -> None:
            for n in range(6):
                cutover.sign_off(name="p", wave=wave, by=f"approver {n}", plans_dir=plans)

        workers = [threading.Thread(target=sign, args=(w,)) for w in ("W02", "W03")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        waves = load_plan(plans, "p").waves
        assert [len(waves[i].history) for i in (1, 2)] == [6, 6]


class TestExecuteNeedsTheSignOff:
    def test_without_a_sign_off_execute_is_refused_naming_the_command(self, cli: Cli, plans: Path) -> None:
        result = cli("migrate", "execute", "p", "--wave", "W02", "--plans-dir", plans)
        assert result.code == 2
        assert "wave W02 has no sign-off (approver: 市大数据局分管副局长): refused" in result.err
        assert "ezgov migrate signoff p --wave W02 --by NAME" in result.err
        assert load_plan(plans, "p").waves[1].history == []

    def test_signed_off_or_forced_it_goes_on_to_the_runbook(self, cli: Cli, plans: Path) -> None:
        # no runbook here: getting as far as reading it shows the sign-off check let the wave through
        forced = cli("migrate", "execute", "p", "--wave", "W02", "--force", "--plans-dir", plans)
        assert forced.code == 2 and "sign-off" not in forced.err and "cutover" in forced.err
        signed = cli("migrate", "signoff", "p", "--wave", "W02", "--by", "主任", "--plans-dir", plans)
        assert signed.code == 0, signed.err
        again = cli("migrate", "execute", "p", "--wave", "W02", "--plans-dir", plans)
        assert again.code == 2 and "sign-off" not in again.err

    def test_show_lists_the_sign_off(self, cli: Cli, plans: Path) -> None:
        cli("migrate", "signoff", "p", "--wave", "W03", "--by", "主任", "--plans-dir", plans)
        shown = cli("migrate", "show", "p", "--plans-dir", plans, "--format", "json")
        assert '"signed_off"' in shown.out and "主任" in shown.out
        wave = cli("migrate", "show", "p", "--wave", "W03", "--plans-dir", plans)
        assert "signed_off by 主任: go for wave W03" in wave.out


class TestTheReportShowsTheSignOff:
    @pytest.mark.parametrize(("lang", "expected"), [("en", "Signed off · signed off by 主任 at "),
                                                     ("zh", "已签认 · 主任 于 ")])
    def test_a_signed_wave_names_who_signed_it(self, plans: Path, sample_inventory: Path, tmp_path: Path, lang: str,
                                                expected: str) -> None:
        from ezgov_infra.jobs.report import load_sources
        from ezgov_infra.report.text import Text
        from ezgov_infra.report.timeline import wave_bars

        cutover.sign_off(name="p", wave="W01", by="主任", plans_dir=plans)
        start = load_plan(plans, "p").start
        sources = load_sources(folder=sample_inventory, history_db=tmp_path / "history.sqlite", plans_dir=plans,
                               plan="p", as_of=start)
        bars = wave_bars(sources, Text(lang))
        assert bars[0].status_text.startswith(expected)
        assert bars[1].status_text == Text(lang)("wave.planned")
