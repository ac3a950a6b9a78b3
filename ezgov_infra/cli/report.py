"""`ezgov report`: commands are added by the issue that builds this area."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
