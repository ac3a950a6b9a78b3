"""Evidence rules: what the collected outputs could not tell, said as a finding instead of guessed."""

from __future__ import annotations

from collections.abc import Iterator

from ezgov_infra.audit.rules import Context, Rule, rule
from ezgov_infra.models.findings import Finding
from ezgov_infra.models.kinds import Category, Severity


@rule("V6-DATA-001", "Every line of the collected outputs was read", Severity.low, Category.data_plane,
      "A line the parser cannot read may hide an address or a protocol; the facts it carried are unknown, and "
      "the rules that need them stay silent on that interface.")
def unreadable(r: Rule, ctx: Context) -> Iterator[Finding]:
    for problem in ctx.facts.unreadable:
        yield r.finding(ctx, f"unreadable line {problem.output}.txt:{problem.line}: {problem.reason}",
                        {"file": f"{problem.output}.txt", "line": problem.line, "text": problem.text,
                         "interface": problem.interface},
                        "Check the saved output (a truncated capture, a paging artefact, or a form ezgov does not "
                        "know yet) and collect it again.")
