"""Milestones of fixed-price contracts, their history, and the invoices that fund them.

- ``milestones``: one row per milestone (:class:`core.milestones.Milestone`); amounts in minor
  units of the contract's currency. The database backs the domain's rules with CHECKs: a
  known state and author, a positive amount, money totals that never exceed what was funded,
  and an escrow that is full exactly in the escrow states. A pending request (change or
  removal, MS-03/MS-04) is a JSON document. ``from_offer`` marks the milestone made from a
  contract offer's first-milestone term: at most one per contract (a partial unique index).
- ``milestone_events``: append-only history (submissions with files, comments, disputes,
  resolutions), read by support for disputes (MS-08).
- ``milestone_invoices``: which payment intent (``payment_intents``) funds which milestone
  or which approved change, when the client's wallet was short.
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
    Text,
    false,
)

from storage.tables.base import metadata
from storage.types import JsonDocument, UTCDateTime

__all__ = ["milestone_events", "milestone_invoices", "milestones"]

Id = BigInteger().with_variant(Integer, "sqlite")

STATES = ("proposed", "declined", "approved", "funded", "in_progress", "submitted",
          "revision_requested", "released", "refunded", "disputed", "removed")
ESCROW_STATES = ("funded", "in_progress", "submitted", "revision_requested", "disputed")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


milestones = Table(
    "milestones",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contract_id", BigInteger, ForeignKey("contracts.id", ondelete="RESTRICT"),
           nullable=False),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("state", String(24), nullable=False),
    Column("author", String(8), nullable=False),
    Column("from_offer", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("funded", BigInteger, nullable=False, server_default="0"),
    Column("released", BigInteger, nullable=False, server_default="0"),
    Column("refunded", BigInteger, nullable=False, server_default="0"),
    Column("submitted_at", UTCDateTime),
    Column("submissions", Integer, nullable=False, server_default="0"),
    Column("reminders_sent", Integer, nullable=False, server_default="0"),
    Column("request", JsonDocument),
    Column("requests_made", Integer, nullable=False, server_default="0"),
    Column("dispute_item_id", BigInteger,
           ForeignKey("support_items.id", ondelete="SET NULL")),
    CheckConstraint(f"state IN ({_in(STATES)})", name="state"),
    CheckConstraint("author IN ('expert', 'client')", name="author"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("released >= 0 AND refunded >= 0 AND released + refunded <= funded",
                    name="money"),
    CheckConstraint(f"(state IN ({_in(ESCROW_STATES)}) AND funded - released - refunded = amount)"
                    f" OR (state NOT IN ({_in(ESCROW_STATES)}) AND funded = released + refunded)",
                    name="escrow"),
    CheckConstraint("(state = 'submitted') = (submitted_at IS NOT NULL)", name="submitted"),
    CheckConstraint("reminders_sent BETWEEN 0 AND 2", name="reminders"),
)
Index("ix_milestones_contract_id_id", milestones.c.contract_id, milestones.c.id)
Index("ix_milestones_submitted", milestones.c.submitted_at,
      postgresql_where=milestones.c.state == "submitted",
      sqlite_where=milestones.c.state == "submitted")
Index("ix_milestones_one_from_offer", milestones.c.contract_id, unique=True,
      postgresql_where=milestones.c.from_offer, sqlite_where=milestones.c.from_offer)

milestone_events = Table(
    "milestone_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("milestone_id", BigInteger, ForeignKey("milestones.id", ondelete="CASCADE"),
           nullable=False),
    Column("action", String(24), nullable=False),
    Column("actor", String(8), nullable=False),
    Column("actor_id", BigInteger, ForeignKey("users.id", ondelete="SET NULL")),
    Column("at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False, server_default=""),
    Column("files", JsonDocument),
    Column("amount", BigInteger),
    CheckConstraint("actor IN ('expert', 'client', 'support', 'system')", name="actor"),
)
Index("ix_milestone_events_milestone_id_id", milestone_events.c.milestone_id,
      milestone_events.c.id)

milestone_invoices = Table(
    "milestone_invoices",
    metadata,
    Column("intent_id", BigInteger, ForeignKey("payment_intents.id", ondelete="CASCADE"),
           primary_key=True),
    Column("milestone_id", BigInteger, ForeignKey("milestones.id", ondelete="CASCADE"),
           nullable=False),
    Column("request_number", Integer),
)
