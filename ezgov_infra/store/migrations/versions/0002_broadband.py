"""The carriers' broadband tables (reports, villages, speed-test files and speed tests) beside the history.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from ezgov_infra.store.broadband import SCHEMA
from ezgov_infra.store.migrations import create, drop

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create(op, SCHEMA)


def downgrade() -> None:
    drop(op, ("broadband_speeds", "broadband_speed_files", "broadband_villages", "broadband_reports"))
