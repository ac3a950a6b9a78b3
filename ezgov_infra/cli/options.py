"""Options shared by every command group, typed once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"


class DataFormat(StrEnum):
    csv = "csv"
    json = "json"
    yaml = "yaml"


InventoryOpt = Annotated[
    Path,
    typer.Option("--inventory", "-i", envvar="EZGOV_INVENTORY", help="Inventory folder.", show_default=True),
]
StateDirOpt = Annotated[
    Path,
    typer.Option("--state-dir", envvar="EZGOV_STATE_DIR", help="Run state: history database, lab, artifacts."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]

DEFAULT_INVENTORY = Path("inventories/ezhou")
DEFAULT_STATE_DIR = Path(".ezgov")
