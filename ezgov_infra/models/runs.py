"""The vocabulary of every run: a `Result` per subject, a `Batch` of them, and the `Progress` a run reports.

A subject is whatever one run handles one at a time: a device being collected, a host in a playbook, a website,
a site under an active test, a round of counter polling. Each gets one `Result`: its `value` when it went well,
else a `category` (unreachable, auth, timeout, unsupported, parse, ...) and a `message`; `elapsed` seconds
either way. A failed subject never stops the others; the `Batch` says which failed.

`Progress` is the one hook every long run reports through (collection, playbooks, website checks, active tests,
lab bring-up, staging): `started` once, `advance` per finished subject, `note` for what is happening now,
`finished` once. The CLI draws it; tests record it; nothing below the CLI prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Result(Generic[T]):
    """One subject's outcome: `value` when ok, else `category` and `message` (a message may also qualify an ok)."""

    subject: str
    value: T | None = None
    category: str | None = None
    message: str | None = None
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        return self.category is not None


@dataclass(slots=True)
class Batch(Generic[T]):
    """The results of one run over many subjects, in the order the subjects were given."""

    title: str
    results: list[Result[T]] = field(default_factory=list)
    elapsed: float = 0.0

    def __iter__(self) -> Iterator[Result[T]]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, index: int) -> Result[T]:
        return self.results[index]

    @property
    def failed(self) -> list[Result[T]]:
        return [r for r in self.results if r.failed]

    @property
    def failed_subjects(self) -> list[str]:
        return [r.subject for r in self.results if r.failed]

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results)

    def values(self) -> dict[str, T]:
        """Each successful subject's value."""
        return {r.subject: r.value for r in self.results if r.value is not None and not r.failed}


class Progress(Protocol):
    """What a run reports while it goes. `total` is None when the number of subjects is not known ahead."""

    def started(self, title: str, total: int | None) -> None: ...

    def advance(self, result: Result[Any]) -> None: ...

    def note(self, message: str) -> None: ...

    def finished(self) -> None: ...


class NoProgress:
    """Hears everything, says nothing: the default for runs nobody watches."""

    def started(self, title: str, total: int | None) -> None:
        return None

    def advance(self, result: Result[Any]) -> None:
        return None

    def note(self, message: str) -> None:
        return None

    def finished(self) -> None:
        return None

