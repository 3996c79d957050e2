"""Top-up intents: what a user asked to pay into their wallet, and whether the money arrived.

``payment_intents`` keeps one row per invoice (:class:`core.payments.TopUpIntent`). The money
itself lives in the ledger; this table answers "may this checkout pay?" and "which intent did
this charge pay?". A gateway charge id pays at most one intent (unique), and a paid row
always names its charge (CHECK), so an intent is marked paid exactly once.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from storage.tables.base import metadata
from storage.types import UTCDateTime

__all__ = ["payment_intents"]

payment_intents = Table(
    "payment_intents",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("gateway", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),  # minor units
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime),
    Column("charge_id", String(255), unique=True),
    Column("provider_charge_id", String(255)),
    CheckConstraint("amount > 0", name="positive"),
    CheckConstraint("status IN ('invoiced', 'paid')", name="status"),
    CheckConstraint("(status = 'paid') = (charge_id IS NOT NULL AND paid_at IS NOT NULL)",
                    name="paid_has_charge"),
)
Index("ix_payment_intents_user_id", payment_intents.c.user_id, payment_intents.c.id)
