"""Top-up intents: invoices sent through the payment gateway and whether they were paid.

Revision ID: 0006_payments
Revises: 0005_relay_support
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0006_payments"
down_revision: str | None = "0005_relay_support"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``payment_intents``."""
    op.create_table(
        "payment_intents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("gateway", sa.String(32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime()),
        sa.Column("charge_id", sa.String(255)),
        sa.Column("provider_charge_id", sa.String(255)),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_intents_positive")),
        sa.CheckConstraint("status IN ('invoiced', 'paid')",
                           name=op.f("ck_payment_intents_status")),
        sa.CheckConstraint(
            "(status = 'paid') = (charge_id IS NOT NULL AND paid_at IS NOT NULL)",
            name=op.f("ck_payment_intents_paid_has_charge")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_payment_intents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_intents")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_payment_intents_charge_id")),
    )
    op.create_index("ix_payment_intents_user_id", "payment_intents", ["user_id", "id"])


def downgrade() -> None:
    """Drop ``payment_intents``."""
    op.drop_index("ix_payment_intents_user_id", table_name="payment_intents")
    op.drop_table("payment_intents")
