"""Walking skeleton: users, processed updates, dialog state, points.

Revision ID: 0001_skeleton
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import JsonDocument, UTCDateTime

revision: str = "0001_skeleton"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the skeleton's tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(64)),
        sa.Column("last_name", sa.String(64)),
        sa.Column("username", sa.String(64)),
        sa.Column("language", sa.String(8)),
        sa.Column("telegram_language", sa.String(16)),
        sa.Column("roles", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("suspended_reason", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")])
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_table(
        "dialog_state",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(64)),
        sa.Column("draft", JsonDocument, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_dialog_state_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dialog_state")),
    )
    op.create_table(
        "points",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_points_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_points")),
    )


def downgrade() -> None:
    """Drop the skeleton's tables."""
    op.drop_table("points")
    op.drop_table("dialog_state")
    op.drop_table("processed_updates")
    op.drop_index("ix_users_username_lower", table_name="users")
    op.drop_table("users")
