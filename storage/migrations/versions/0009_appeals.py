"""Appeals of suspended users in the support queue: ``support_items.kind`` may be ``appeal``.

Revision ID: 0009_appeals
Revises: 0008_audit_details
Create Date: 2026-12-04

PostgreSQL swaps the CHECK constraint. SQLite cannot alter a constraint, so the table is
rebuilt (SQLite's documented procedure: new table, copy, drop, rename, indexes again), which
:func:`storage.migrate.upgrade` runs with foreign keys off and checked afterwards, so the rows
of ``support_audit`` and ``milestones`` that point at queue items keep pointing at them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0009_appeals"
down_revision: str | None = "0008_audit_details"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("status = 'open'")
OLD_KINDS = "kind IN ('flag', 'report', 'fraud', 'dispute')"
NEW_KINDS = "kind IN ('flag', 'report', 'fraud', 'dispute', 'appeal')"
COLUMNS = ("id, kind, subject_id, reporter_id, message_id, thread_id, reason, status, "
           "created_at, handled_by, handled_at, note")


def _fk(column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    name = f"fk_support_items_{column}_{target.split('.')[0]}"
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete, name=op.f(name))


def _rebuild_sqlite(kinds: str) -> None:
    """``support_items`` as in 0005_relay_support, with the CHECK of ``kinds``."""
    op.create_table(
        "support_items_new",
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
        _fk("subject_id", "users.id", "CASCADE"),
        _fk("reporter_id", "users.id", "CASCADE"),
        _fk("message_id", "relay_messages.id", "SET NULL"),
        _fk("thread_id", "relay_threads.id", "SET NULL"),
        _fk("handled_by", "users.id", "SET NULL"),
        sa.CheckConstraint(kinds, name=op.f("ck_support_items_kind")),
        sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed')",
                           name=op.f("ck_support_items_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_items")),
        sa.UniqueConstraint("reporter_id", "message_id",
                            name=op.f("uq_support_items_reporter_id_message_id")),
    )
    op.execute(f"INSERT INTO support_items_new ({COLUMNS}) SELECT {COLUMNS} FROM support_items")
    op.drop_index("ix_support_items_open", table_name="support_items")
    op.drop_table("support_items")
    op.rename_table("support_items_new", "support_items")
    op.create_index("ix_support_items_open", "support_items", ["id"],
                    postgresql_where=_OPEN, sqlite_where=_OPEN)


def _swap(kinds: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(kinds)
        return
    op.drop_constraint(op.f("ck_support_items_kind"), "support_items", type_="check")
    op.create_check_constraint(op.f("ck_support_items_kind"), "support_items", kinds)


def upgrade() -> None:
    """Allow the ``appeal`` kind."""
    _swap(NEW_KINDS)


def downgrade() -> None:
    """Drop the appeals (their audit rows lose the item) and the ``appeal`` kind."""
    op.execute("UPDATE support_audit SET item_id = NULL WHERE item_id IN "
               "(SELECT id FROM support_items WHERE kind = 'appeal')")
    op.execute("DELETE FROM support_items WHERE kind = 'appeal'")
    _swap(OLD_KINDS)
