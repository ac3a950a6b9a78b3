"""One option vocabulary across every command (README, "Options every command speaks"): a short flag means the
same long option everywhere, and the documented ones mean what the README says."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import typer

from ezgov_infra.cli.main import app
from tests.conftest import REPO

DOCUMENTED = {"-o": "--out", "-f": "--format", "-l": "--limit", "-i": "--inventory"}


def short_flags() -> dict[str, set[tuple[str, str]]]:
    """short flag -> {(command path, long option)} over the whole command tree."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def walk(command: Any, path: str) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}".strip())
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for flag in param.opts + param.secondary_opts:
                if len(flag) == 2 and flag.startswith("-"):
                    found[flag].add((path, longs[0] if longs else "?"))

    walk(typer.main.get_command(app), "")
    return found


class TestOneVocabulary:
    def test_each_short_flag_names_one_long_option_in_every_command(self) -> None:
        mixed = {flag: sorted(uses) for flag, uses in short_flags().items() if len({u[1] for u in uses}) > 1}
        assert mixed == {}

    def test_the_documented_flags_mean_what_the_readme_says(self) -> None:
        flags = short_flags()
        for short, long in DOCUMENTED.items():
            assert flags[short], f"{short} is used by no command"
            assert {u[1] for u in flags[short]} == {long}, sorted(flags[short])

    def test_the_readme_documents_them(self) -> None:
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        for short, long in DOCUMENTED.items():
            assert f"`{short}`, `{long}" in readme
