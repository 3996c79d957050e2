"""The outbox: notifications waiting for the sender.

Revision ID: 0003_outbox
Revises: 0002_ledger
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import JsonDocument, UTCDateTime

revision: str = "0003_outbox"
down_revision: str | None = "0002_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNSENT = sa.text("sent_at IS NULL AND failed_at IS NULL")


def upgrade() -> None:
    """Create the ``outbox`` table and its index of due rows."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("keyboard", JsonDocument),
        sa.Column("dedupe_key", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("not_before", UTCDateTime()),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("failed_at", UTCDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_outbox_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["chat_id", "id"],
                    postgresql_where=_UNSENT, sqlite_where=_UNSENT)


def downgrade() -> None:
    """Drop the outbox."""
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_table("outbox")
