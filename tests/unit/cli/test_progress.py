"""The one progress drawer: what a run looks like on stderr, whatever the run (stdout stays untouched)."""

from __future__ import annotations

from typing import Any

import pytest

from ezgov_infra.cli.progress import Drawer, playbook_drawer
from ezgov_infra.models.runs import Result


class TestLines:
    def test_notes_without_a_bar_are_indented_lines(self, capsys: pytest.CaptureFixture[str]) -> None:
        drawer = Drawer()
        drawer.note("ez-core-1: namespace ezlab-ez-core-1")
        drawer.note("website lab removed")
        captured = capsys.readouterr()
        assert captured.err == "  ez-core-1: namespace ezlab-ez-core-1\n  website lab removed\n"
        assert captured.out == ""

    def test_a_batch_draws_ok_and_fail_per_subject_with_the_category(self,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
        drawer = Drawer(bar="count")
        drawer.started("IPv6 audit", 2)
        drawer.advance(Result("ez-core-1", value=object()))
        drawer.advance(Result("ez-agg-[2]", category="timeout", message="no result within 90 s"))
        drawer.finished()
        captured = capsys.readouterr()
        assert "  ok   ez-core-1\n" in captured.err
        assert "  FAIL ez-agg-[2] (timeout)\n" in captured.err  # data is printed verbatim, never as markup
        assert captured.out == "" and (drawer.done, drawer.total) == (2, 2)
        assert drawer.counts == {"ok": 1, "timeout": 1}

    def test_a_line_formatter_sees_how_far_the_run_is(self, capsys: pytest.CaptureFixture[str]) -> None:
        def line(result: Result[Any], drawer: Drawer) -> str:
            return f"[{drawer.done}/{drawer.total}] {result.subject}: {result.value} Mbps"

        drawer = Drawer(line=line, highlight=False)
        drawer.started("active tests", 2)
        drawer.advance(Result("site-a", value=95.5))
        drawer.advance(Result("site-b", value=9.8))
        drawer.finished()
        assert capsys.readouterr().err == "[1/2] site-a: 95.5 Mbps\n[2/2] site-b: 9.8 Mbps\n"

    def test_a_subject_without_a_line_prints_nothing(self, capsys: pytest.CaptureFixture[str]) -> None:
        drawer = Drawer(line=None)
        drawer.started("polling", 3)
        drawer.advance(Result("round 1", value=1))
        drawer.finished()
        assert capsys.readouterr().err == ""


class TestBars:
    def test_the_bar_text_follows_the_notes_and_the_outcomes(self) -> None:
        drawer = playbook_drawer("plan-a wave w1 execute")
        drawer.started("migration_cutover", None)
        assert drawer.title == "plan-a wave w1 execute"  # the command names what it draws
        assert drawer.status is not None and drawer.status(drawer) == "plan-a wave w1 execute"
        drawer.note("Sync the data folder")
        drawer.advance(Result("ez-core-1", value="changed", message="Sync the data folder"))
        drawer.advance(Result("ez-cloud-gw-1", value="ok", message="Sync the data folder"))
        assert drawer.status(drawer) == "plan-a wave w1 execute: Sync the data folder [changed 1, ok 1]"
        drawer.finished()

    def test_a_playbook_prints_a_line_only_for_a_failed_host(self, capsys: pytest.CaptureFixture[str]) -> None:
        drawer = playbook_drawer("ipv6_enable")
        drawer.started("ipv6_enable", None)
        drawer.note("Enable IPv6 forwarding")
        drawer.advance(Result("ez-core-1", value="ok", message="Enable IPv6 forwarding"))
        drawer.advance(Result("ez-agg-1", value="unreachable", category="unreachable",
                              message="Enable IPv6 forwarding"))
        drawer.finished()
        # off a terminal the bar itself leaves only the blank line rich ends a transient display with
        assert capsys.readouterr().err == "unreachable ez-agg-1: Enable IPv6 forwarding\n\n"

    def test_notes_go_into_a_running_bar_not_onto_lines(self, capsys: pytest.CaptureFixture[str]) -> None:
        drawer = Drawer(bar="spinner", line=None)
        drawer.started("run", None)
        drawer.note("a task")
        drawer.finished()
        assert drawer.activity == "a task" and capsys.readouterr().err.strip() == ""

    def test_an_unknown_bar_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown bar"):
            Drawer(bar="pie")
