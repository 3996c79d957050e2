"""Contracts support marks managed-service (PAY-02: the Interac e-Transfer fee applies).

Revision ID: 0013_managed_service
Revises: 0012_payouts
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_managed_service"
down_revision: str | None = "0012_payouts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``contracts.managed_service`` (false: a private project)."""
    op.add_column("contracts", sa.Column("managed_service", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    """Drop ``contracts.managed_service``."""
    op.drop_column("contracts", "managed_service")  # SQLite 3.35+ drops it in place
