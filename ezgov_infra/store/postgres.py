"""PostgreSQL as the shared history store (`EZGOV_DATABASE_URL=postgresql://...`): the only module importing
psycopg (3).

`connect(url)` opens one autocommit connection whose rows are dicts, brings the schema to the newest Alembic
revision first (under an advisory lock, so workers starting together migrate once), and speaks the `Sql` seam of
`store.history`: `?` parameters are turned into psycopg's `%s`, and `transaction()` is one PostgreSQL transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row

from ezgov_infra.errors import EzgovError
from ezgov_infra.store import migrations

_PARAM = re.compile(r"\?")


def _pg(sql: str) -> str:
    return _PARAM.sub("%s", sql.replace("%", "%%"))


class PostgresSql:
    """The `Sql` of one psycopg connection."""

    dialect = "postgresql"

    def __init__(self, connection: psycopg.Connection[dict[str, Any]]) -> None:
        self.connection = connection

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.connection.cursor() as cursor:
            cursor.execute(_pg(sql), tuple(args))
            return list(cursor.fetchall())

    def tuples(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(_pg(sql), tuple(args))
            return list(cursor.fetchall())

    def run(self, sql: str, args: Sequence[Any] = ()) -> None:
        self.connection.execute(_pg(sql), tuple(args))

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(_pg(sql), rows)

    def insert(self, sql: str, args: Sequence[Any]) -> int:
        row = self.connection.execute(_pg(sql), tuple(args)).fetchone()
        assert row is not None
        return int(row["id"])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@contextmanager
def connect(url: str) -> Iterator[PostgresSql]:
    """A connection to the history in PostgreSQL, its schema brought up to date; closed when the block leaves."""
    try:
        connection = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
    except psycopg.Error as exc:
        raise EzgovError(f"EZGOV_DATABASE_URL {_redacted(url)}: cannot connect ({str(exc).strip()})") from exc
    try:
        current = None
        try:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            current = found["version_num"] if found else None
        except psycopg.errors.UndefinedTable:
            pass
        if current != migrations.HEAD:
            migrations.upgrade(url)
        yield PostgresSql(connection)
    except psycopg.Error as exc:
        raise EzgovError(f"history database {_redacted(url)}: {str(exc).strip()}") from exc
    finally:
        connection.close()
