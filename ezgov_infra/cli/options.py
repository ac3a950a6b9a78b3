"""Options shared by every command group, typed once, and the settings the root callback resolved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ezgov_infra.config import DEFAULT_INVENTORY, DEFAULT_PLANS_DIR, DEFAULT_STATE_DIR, Settings, resolve_settings
from ezgov_infra.models.kinds import Format

if TYPE_CHECKING:
    from ezgov_infra.models.selector import Selector




# A command's own --inventory/--state-dir/--plans-dir override the root's (`ezgov --inventory DIR ...`); the
# environment and the defaults are read once, by the root callback (see `ezgov_infra.config`).
InventoryOpt = Annotated[
    Path | None,
    typer.Option("--inventory", "-i", help="Inventory folder (default: the root option, EZGOV_INVENTORY, "
                 f"{DEFAULT_INVENTORY}).", show_default=False),
]
StateDirOpt = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Run state: history database, lab, artifacts (default: the root option, "
                 f"EZGOV_STATE_DIR, {DEFAULT_STATE_DIR}).", show_default=False),
]
PlansOpt = Annotated[
    Path | None,
    typer.Option("--plans-dir", help="Folder of migration plans (default: the root option, EZGOV_PLANS_DIR, "
                 f"{DEFAULT_PLANS_DIR}).", show_default=False),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]

LIMIT_HELP = ("Only subjects matching KEY:GLOB (e.g. district:liangzihu, role:core, platform:frr; a bare glob "
              "matches any key). Commas give alternatives; repeated --limit options must all match. An unknown "
              "key, or a term that matches nothing, is an error.")
LimitOpt = Annotated[list[str] | None, typer.Option("--limit", "-l", metavar="KEY:GLOB[,KEY:GLOB]", help=LIMIT_HELP,
                                                    show_default=False)]


def resolved(ctx: typer.Context, *, inventory: Path | None = None, state_dir: Path | None = None,
             plans_dir: Path | None = None) -> Settings:
    """The root's settings (`ctx.obj`), with the command's own options where given."""
    root = ctx.find_root().obj
    resolved = root if isinstance(root, Settings) else resolve_settings()
    return resolved.overridden(inventory=inventory, state_dir=state_dir, plans_dir=plans_dir)


def limit_selector(options: list[str] | None) -> Selector:
    """The `--limit` options as one selector (everything when none is given)."""
    from ezgov_infra.models.selector import parse_limit

    return parse_limit(options or ())
