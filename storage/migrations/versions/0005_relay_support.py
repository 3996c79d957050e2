"""Relayed messages, the support queue and audit log, e-mail codes and the e-mail outbox.

Revision ID: 0005_relay_support
Revises: 0004_market
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0005_relay_support"
down_revision: str | None = "0004_market"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UNSENT = sa.text("sent_at IS NULL AND failed_at IS NULL")
_OPEN = sa.text("status = 'open'")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    """A named foreign key (the metadata's naming convention)."""
    name = f"fk_{table}_{column}_{target.split('.')[0]}"
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete, name=op.f(name))


def upgrade() -> None:
    """Create the relay, support and e-mail tables."""
    op.create_table(
        "relay_threads",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_a", sa.BigInteger(), nullable=False),
        sa.Column("user_b", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_message_at", UTCDateTime()),
        _fk("relay_threads", "user_a", "users.id", "CASCADE"),
        _fk("relay_threads", "user_b", "users.id", "CASCADE"),
        sa.CheckConstraint("user_a < user_b", name=op.f("ck_relay_threads_ordered_pair")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_threads")),
        sa.UniqueConstraint("user_a", "user_b", name=op.f("uq_relay_threads_user_a_user_b")),
    )
    op.create_index("ix_relay_threads_user_b", "relay_threads", ["user_b"])
    op.create_table(
        "relay_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("delivered", sa.Text(), server_default="", nullable=False),
        sa.Column("file_id", sa.String(255)),
        sa.Column("file_name", sa.String(255)),
        sa.Column("flagged", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("relay_messages", "thread_id", "relay_threads.id", "CASCADE"),
        _fk("relay_messages", "sender_id", "users.id", "CASCADE"),
        sa.CheckConstraint("kind IN ('text', 'document', 'photo')",
                           name=op.f("ck_relay_messages_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_messages")),
    )
    op.create_index("ix_relay_messages_thread_id_id", "relay_messages", ["thread_id", "id"])
    op.create_table(
        "support_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("thread_id", sa.BigInteger()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("handled_by", sa.BigInteger()),
        sa.Column("handled_at", UTCDateTime()),
        sa.Column("note", sa.Text()),
        _fk("support_items", "subject_id", "users.id", "CASCADE"),
        _fk("support_items", "reporter_id", "users.id", "CASCADE"),
        _fk("support_items", "message_id", "relay_messages.id", "SET NULL"),
        _fk("support_items", "thread_id", "relay_threads.id", "SET NULL"),
        _fk("support_items", "handled_by", "users.id", "SET NULL"),
        sa.CheckConstraint("kind IN ('flag', 'report', 'fraud', 'dispute')",
                           name=op.f("ck_support_items_kind")),
        sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed')",
                           name=op.f("ck_support_items_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_items")),
        sa.UniqueConstraint("reporter_id", "message_id",
                            name=op.f("uq_support_items_reporter_id_message_id")),
    )
    op.create_index("ix_support_items_open", "support_items", ["id"],
                    postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.create_table(
        "support_audit",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_id", sa.BigInteger()),
        sa.Column("item_id", sa.BigInteger()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("support_audit", "actor_id", "users.id", "RESTRICT"),
        _fk("support_audit", "target_id", "users.id", "RESTRICT"),
        _fk("support_audit", "item_id", "support_items.id", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_audit")),
    )
    op.create_index("ix_support_audit_target_id_id", "support_audit", ["target_id", "id"])
    op.create_table(
        "email_codes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("used_at", UTCDateTime()),
        _fk("email_codes", "user_id", "users.id", "CASCADE"),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_email_codes_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_codes")),
    )
    op.create_index("ix_email_codes_user_id_id", "email_codes", ["user_id", "id"])
    op.create_table(
        "email_outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("not_before", UTCDateTime()),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("failed_at", UTCDateTime()),
        sa.Column("last_error", sa.Text()),
        _fk("email_outbox", "user_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
    )
    op.create_index("ix_email_outbox_due", "email_outbox", ["id"],
                    postgresql_where=_UNSENT, sqlite_where=_UNSENT)


def downgrade() -> None:
    """Drop the relay, support and e-mail tables."""
    op.drop_index("ix_email_outbox_due", table_name="email_outbox")
    op.drop_table("email_outbox")
    op.drop_index("ix_email_codes_user_id_id", table_name="email_codes")
    op.drop_table("email_codes")
    op.drop_index("ix_support_audit_target_id_id", table_name="support_audit")
    op.drop_table("support_audit")
    op.drop_index("ix_support_items_open", table_name="support_items")
    op.drop_table("support_items")
    op.drop_index("ix_relay_messages_thread_id_id", table_name="relay_messages")
    op.drop_table("relay_messages")
    op.drop_index("ix_relay_threads_user_b", table_name="relay_threads")
    op.drop_table("relay_threads")
