"""The history schema: runs, results, findings, samples.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from ezgov_infra.store.history import SCHEMA
from ezgov_infra.store.migrations import create, drop

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create(op, SCHEMA)


def downgrade() -> None:
    drop(op, ("samples", "findings", "results", "runs"))
