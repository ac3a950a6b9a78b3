"""The history schema's migrations, kept by Alembic: the only module (with its `env.py` and `versions/`) that
imports alembic and SQLAlchemy.

Revision `0001` is the schema `store.history` has always created in SQLite, written for PostgreSQL with the same
tables, columns and keys (64-bit integers, double-precision times). A later change to the schema is a new file in
`versions/` and a new `HEAD`; `store.postgres` upgrades a database to `HEAD` when it connects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD = "0002"


def sqlalchemy_url(url: str) -> str:
    """`postgresql://...` as SQLAlchemy names the psycopg 3 driver (`postgresql+psycopg://...`)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create(op: Any, *, sqlite: str, postgresql: str) -> None:
    """A revision's `upgrade`: run its DDL script for the database's dialect, statement by statement."""
    script = sqlite if op.get_bind().dialect.name == "sqlite" else postgresql
    for statement in (part.strip() for part in script.split(";")):
        if statement:
            op.execute(statement)


def drop(op: Any, tables: tuple[str, ...]) -> None:
    """A revision's `downgrade`: drop its tables (dependants first)."""
    for table in tables:
        op.execute(f"DROP TABLE IF EXISTS {table}")


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` (PostgreSQL, or `sqlite:///file`) to `revision`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["url"] = sqlalchemy_url(url)
    command.upgrade(config, revision)
