"""Index the holds a transaction opened, so loading a transaction does not scan every hold.

Revision ID: 0011_ledger_holds_by_transaction
Revises: 0010_field_flags
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_ledger_holds_by_transaction"
down_revision: str | None = "0010_field_flags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``ix_ledger_holds_transaction_id``."""
    op.create_index("ix_ledger_holds_transaction_id", "ledger_holds", ["transaction_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_ledger_holds_transaction_id", table_name="ledger_holds")
