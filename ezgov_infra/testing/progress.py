"""A `Progress` that keeps what a run reported, in order, so a test can say what the run told its watcher."""

from __future__ import annotations

from typing import Any

from ezgov_infra.models.runs import Result


class Recorder:
    """Records `started`, every `advance` and `note`, and `finished`."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.total: int | None = None
        self.results: list[Result[Any]] = []
        self.notes: list[str] = []
        self.starts = 0
        self.finishes = 0

    def started(self, title: str, total: int | None) -> None:
        self.title, self.total = title, total
        self.starts += 1

    def advance(self, result: Result[Any]) -> None:
        self.results.append(result)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def finished(self) -> None:
        self.finishes += 1

    @property
    def subjects(self) -> list[str]:
        return [r.subject for r in self.results]
