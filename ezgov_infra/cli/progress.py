"""The CLI's one progress drawer: any run's `Progress` drawn on stderr, so stdout stays clean for --format json.

    drawer = Drawer(bar="count")                       # a bar, and `  ok   device` / `  FAIL device (why)` lines
    run = ipv6_audit.audit(..., progress=drawer)

A command chooses how the run looks: `bar` is "count" (done/total and time taken), "rounds" (done/total and time
left), "spinner" (no total) or None (lines only); `line` gives the line printed when a subject finishes (None: no
line for it); `status` the bar's text after each event. A `note` shows in the bar while there is one, else as an
indented line of its own. Every string a formatter returns is rich markup: data in it goes through `escape`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from ezgov_infra.models.runs import Result

Line = Callable[[Result[Any], "Drawer"], str | None]
Status = Callable[["Drawer"], str]


def outcome_line(result: Result[Any], drawer: Drawer) -> str:
    """`  ok   subject`, or `  FAIL subject (category)`: the default for a batch of devices."""
    from ezgov_infra.cli.render import escape

    if not result.failed:
        return f"  ok   {escape(result.subject)}"
    return f"  FAIL {escape(result.subject)} ({escape(result.category or '')})"


class Drawer:
    """Draws started / advance / note / finished. `title` overrides the run's own; `tally` names what each finished
    subject counts as in `counts` (default: its category, or `ok`)."""

    def __init__(self, *, bar: str | None = None, title: str | None = None, line: Line | None = outcome_line,
                 status: Status | None = None, tally: Callable[[Result[Any]], str] | None = None,
                 highlight: bool = True) -> None:
        if bar not in (None, "count", "rounds", "spinner"):
            raise ValueError(f"unknown bar {bar!r}")
        self.bar_kind, self.fixed_title, self.line, self.status = bar, title, line, status
        self.tally = tally or (lambda r: r.category or "ok")
        self.highlight = highlight
        self.title = title or ""
        self.total: int | None = None
        self.done = 0
        self.activity = ""
        self.last: Result[Any] | None = None
        self.counts: Counter[str] = Counter()
        self._bar: Any = None
        self._task: Any = None
        self._console: Any = None

    # -- the Progress protocol -----------------------------------------------------------------------------------
    def started(self, title: str, total: int | None) -> None:
        self.title, self.total = self.fixed_title or title, total
        if self.bar_kind is None:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns: tuple[Any, ...]
        if self.bar_kind == "spinner":
            columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        elif self.bar_kind == "rounds":
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        self._bar = Progress(*columns, console=self.console(), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self._description(), total=total)

    def advance(self, result: Result[Any]) -> None:
        self.done += 1
        self.last = result
        self.counts[self.tally(result)] += 1
        text = self.line(result, self) if self.line else None
        if text is not None:
            self.console().print(text, highlight=self.highlight)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._description())

    def note(self, message: str) -> None:
        self.activity = message
        if self._bar is not None:
            self._bar.update(self._task, description=self._description())
            return
        sys.stderr.write(f"  {message}\n")
        sys.stderr.flush()

    def finished(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    # -- drawing -------------------------------------------------------------------------------------------------
    def console(self) -> Any:
        if self._bar is not None:
            return self._bar.console
        if self._console is None:
            from ezgov_infra.cli.render import console

            self._console = console(stderr=True)
        return self._console

    def _description(self) -> str:
        if self.status is not None:
            return self.status(self)
        from ezgov_infra.cli.render import escape

        return escape(self.title)


def playbook_drawer(title: str) -> Drawer:
    """A playbook as it runs: spinner, the task running and outcome counts; a red line per failed host and task."""
    from ezgov_infra.cli.render import escape

    def status(drawer: Drawer) -> str:
        if not drawer.activity and not drawer.counts:
            return escape(drawer.title)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(drawer.counts.items()))
        return f"{escape(drawer.title)}: {escape(drawer.activity)} [{counts}]"

    def line(result: Result[Any], drawer: Drawer) -> str | None:
        if not result.failed:
            return None
        return f"[red]{result.category}[/red] {escape(result.subject)}: {escape(result.message or '')}"

    return Drawer(bar="spinner", title=title, line=line, status=status, tally=lambda r: str(r.value))


def steps_drawer(title: str) -> Drawer:
    """One slow job told in steps (a PDF's layout): a spinner with the title and the step under way."""
    from ezgov_infra.cli.render import escape

    def status(drawer: Drawer) -> str:
        return f"{escape(drawer.title)}: {escape(drawer.activity)}" if drawer.activity else escape(drawer.title)

    return Drawer(bar="spinner", title=title, line=None, status=status)
