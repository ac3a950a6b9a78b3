"""The vocabulary of runs: a Result per subject and a Batch that names its failures."""

from __future__ import annotations

from ezgov_infra.models.runs import Batch, NoProgress, Result


class TestResult:
    def test_a_result_with_a_category_is_failed(self) -> None:
        assert Result("r1", category="auth", message="r1: wrong password").failed

    def test_a_result_with_a_value_and_a_message_is_still_ok(self) -> None:
        result = Result("r1", value=3, message="not found on the agent: eth9")
        assert not result.failed and result.value == 3


class TestBatch:
    def batch(self) -> Batch[int]:
        return Batch("probe", [Result("a", 1), Result("b", category="timeout", message="b: no answer"),
                               Result("c", 3), Result("d", category="unreachable")], elapsed=2.5)

    def test_failures_keep_the_order_the_subjects_were_given(self) -> None:
        batch = self.batch()
        assert batch.failed_subjects == ["b", "d"]
        assert [r.category for r in batch.failed] == ["timeout", "unreachable"]
        assert not batch.ok

    def test_values_are_those_of_the_subjects_that_went_well(self) -> None:
        assert self.batch().values() == {"a": 1, "c": 3}

    def test_a_batch_reads_like_its_list_of_results(self) -> None:
        batch = self.batch()
        assert len(batch) == 4 and batch[2].subject == "c" and [r.subject for r in batch] == ["a", "b", "c", "d"]

    def test_an_empty_batch_is_ok(self) -> None:
        assert Batch("nothing").ok


class TestNoProgress:
    def test_it_hears_every_event_and_says_nothing(self, capsys: object) -> None:
        quiet = NoProgress()
        quiet.started("run", 1)
        quiet.note("working")
        quiet.advance(Result("a", 1))
        quiet.finished()
        assert capsys.readouterr().err == "" and capsys.readouterr().out == ""  # type: ignore[attr-defined]
