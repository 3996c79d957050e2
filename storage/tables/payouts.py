"""Payouts (issue 13): payout profiles (legal name, HOLD-02), payout methods and payouts.

A payout's money is in the ledger ("payouts in flight" from request to its end); this table
keeps its state (PAY-07), its business day (PAY-04) and the provider's reference. ``version``
makes every state change a conditional UPDATE, so two concurrent changes cannot both apply.
Method details are sensitive: they are stored here and shown masked everywhere else.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
)

from storage.tables.base import metadata
from storage.types import UTCDateTime

__all__ = ["STATES", "bac_clients", "bac_invites", "bonuses", "direct_hires", "payout_methods",
           "payout_profiles", "payouts"]

_ID = BigInteger().with_variant(Integer, "sqlite")
STATES = ("requested", "scheduled", "flagged", "sent", "paid", "failed", "returned",
          "cancelled")
KINDS = ("paypal", "payoneer", "wire", "interac")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


payout_profiles = Table(
    "payout_profiles",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("legal_name", String(64)),
    Column("hold_until", UTCDateTime),
)

payout_methods = Table(
    "payout_methods",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("holder", String(64), nullable=False),
    Column("details", String(254), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("removed", Boolean, nullable=False, server_default=false()),
    CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind"),
)
Index("ix_payout_methods_user_id", payout_methods.c.user_id)

payouts = Table(
    "payouts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("method_id", BigInteger, ForeignKey("payout_methods.id"), nullable=False),
    Column("method_kind", String(16), nullable=False),
    Column("method_masked", String(64), nullable=False),
    Column("amount", BigInteger, nullable=False),  # minor units
    Column("fee", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", String(16), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("process_on", Date, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("reference", String(255)),
    Column("reason", String(500)),
    Column("version", Integer, nullable=False),
    CheckConstraint("amount > 0 AND fee >= 0 AND fee < amount", name="amounts"),
    CheckConstraint(f"state IN ({_in(STATES)})", name="state"),
)
Index("ix_payouts_user_id", payouts.c.user_id, payouts.c.id)
Index("ix_payouts_state", payouts.c.state, payouts.c.process_on)

bonuses = Table(
    "bonuses",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("contract_id", BigInteger, ForeignKey("contracts.id"), nullable=False),
    Column("client_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("expert_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note", String(500), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime),
    Column("intent_id", BigInteger, ForeignKey("payment_intents.id"), unique=True),
    CheckConstraint("amount > 0", name="positive"),
    CheckConstraint("kind IN ('bonus', 'expense')", name="kind"),
)

direct_hires = Table(  # PAY-06 Hire Direct: one request per pair
    "direct_hires",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("client_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("expert_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("salary", BigInteger),
    Column("fee", BigInteger),
    Column("currency", String(3)),
    Column("offered_by", BigInteger, ForeignKey("users.id")),
    Column("paid_at", UTCDateTime),
    Column("intent_id", BigInteger, ForeignKey("payment_intents.id"), unique=True),
    UniqueConstraint("client_id", "expert_id"),
)

bac_invites = Table(  # PAY-06 Bring-a-Client: a freelancer's invitation token
    "bac_invites",
    metadata,
    Column("expert_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("token", String(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

bac_clients = Table(  # a user who signed up through an invitation link (once)
    "bac_clients",
    metadata,
    Column("client_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("expert_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
)
Index("ix_bac_clients_expert_id", bac_clients.c.expert_id)
