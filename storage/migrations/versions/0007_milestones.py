"""Milestones of fixed-price contracts, their history, and the invoices that fund them.

Revision ID: 0007_milestones
Revises: 0006_payments
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import JsonDocument, UTCDateTime

revision: str = "0007_milestones"
down_revision: str | None = "0006_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = ("proposed", "declined", "approved", "funded", "in_progress", "submitted",
          "revision_requested", "released", "refunded", "disputed", "removed")
ESCROW_STATES = ("funded", "in_progress", "submitted", "revision_requested", "disputed")
_SUBMITTED = sa.text("state = 'submitted'")
_FROM_OFFER = sa.text("from_offer")


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    """A named foreign key (the metadata's naming convention)."""
    name = f"fk_{table}_{column}_{target.split('.')[0]}"
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete, name=op.f(name))


def _ck(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    """Create ``milestones``, ``milestone_events`` and ``milestone_invoices``."""
    op.create_table(
        "milestones",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("author", sa.String(8), nullable=False),
        sa.Column("from_offer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("funded", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("released", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunded", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("submitted_at", UTCDateTime()),
        sa.Column("submissions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("request", JsonDocument),
        sa.Column("requests_made", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dispute_item_id", sa.BigInteger()),
        _fk("milestones", "contract_id", "contracts.id", "RESTRICT"),
        _fk("milestones", "dispute_item_id", "support_items.id", "SET NULL"),
        _ck("milestones", "state", f"state IN ({_in(STATES)})"),
        _ck("milestones", "author", "author IN ('expert', 'client')"),
        _ck("milestones", "amount_positive", "amount > 0"),
        _ck("milestones", "money",
            "released >= 0 AND refunded >= 0 AND released + refunded <= funded"),
        _ck("milestones", "escrow",
            f"(state IN ({_in(ESCROW_STATES)}) AND funded - released - refunded = amount)"
            f" OR (state NOT IN ({_in(ESCROW_STATES)}) AND funded = released + refunded)"),
        _ck("milestones", "submitted", "(state = 'submitted') = (submitted_at IS NOT NULL)"),
        _ck("milestones", "reminders", "reminders_sent BETWEEN 0 AND 2"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    op.create_index("ix_milestones_contract_id_id", "milestones", ["contract_id", "id"])
    op.create_index("ix_milestones_submitted", "milestones", ["submitted_at"],
                    postgresql_where=_SUBMITTED, sqlite_where=_SUBMITTED)
    op.create_index("ix_milestones_one_from_offer", "milestones", ["contract_id"], unique=True,
                    postgresql_where=_FROM_OFFER, sqlite_where=_FROM_OFFER)
    op.create_table(
        "milestone_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("milestone_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(8), nullable=False),
        sa.Column("actor_id", sa.BigInteger()),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("files", JsonDocument),
        sa.Column("amount", sa.BigInteger()),
        _fk("milestone_events", "milestone_id", "milestones.id", "CASCADE"),
        _fk("milestone_events", "actor_id", "users.id", "SET NULL"),
        _ck("milestone_events", "actor", "actor IN ('expert', 'client', 'support', 'system')"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_events")),
    )
    op.create_index("ix_milestone_events_milestone_id_id", "milestone_events",
                    ["milestone_id", "id"])
    op.create_table(
        "milestone_invoices",
        sa.Column("intent_id", sa.BigInteger(), nullable=False),
        sa.Column("milestone_id", sa.BigInteger(), nullable=False),
        sa.Column("request_number", sa.Integer()),
        _fk("milestone_invoices", "intent_id", "payment_intents.id", "CASCADE"),
        _fk("milestone_invoices", "milestone_id", "milestones.id", "CASCADE"),
        sa.PrimaryKeyConstraint("intent_id", name=op.f("pk_milestone_invoices")),
    )


def downgrade() -> None:
    """Drop the milestone tables."""
    op.drop_table("milestone_invoices")
    op.drop_index("ix_milestone_events_milestone_id_id", table_name="milestone_events")
    op.drop_table("milestone_events")
    op.drop_index("ix_milestones_one_from_offer", table_name="milestones")
    op.drop_index("ix_milestones_submitted", table_name="milestones")
    op.drop_index("ix_milestones_contract_id_id", table_name="milestones")
    op.drop_table("milestones")
