"""The ledger's tables: accounts (maintained balances), transactions, postings, holds.

The invariants of :mod:`core.ledger` are enforced a second time here:

* ``ledger_accounts``: one row per (kind, owner, currency); a CHECK constraint keeps guarded
  kinds (wallets, escrow, pending, available, payouts in flight) at zero or above.
* ``ledger_transactions``: the idempotency key is unique; ``content_hash`` tells a repeat from
  a conflicting reuse of the key.
* ``ledger_postings``: append-only. Migration ``0002_ledger`` installs triggers that refuse
  UPDATE and DELETE on postings and transactions (SQLite and PostgreSQL alike). Amounts are
  never zero.
* ``ledger_holds``: one per pending credit, with its clearing instant; it may be settled once
  (cleared or reversed), by the transaction recorded in ``settled_by``, and never deleted.

Ids are BIGINT on PostgreSQL and INTEGER (the rowid) on SQLite.
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
    Text,
    UniqueConstraint,
    text,
)

from core.ledger import GUARDED_KINDS, AccountKind
from storage.tables.base import metadata
from storage.types import UTCDateTime

__all__ = ["GUARDED_SQL", "ledger_accounts", "ledger_holds", "ledger_postings",
           "ledger_transactions"]

Id = BigInteger().with_variant(Integer(), "sqlite")

#: SQL list of the guarded kinds, for CHECK constraints and queries.
GUARDED_SQL = ", ".join(f"'{kind.value}'" for kind in sorted(GUARDED_KINDS))
KINDS_SQL = ", ".join(f"'{kind.value}'" for kind in AccountKind)

ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("owner", String(64), nullable=False),  # user:<id>, milestone:<id>, platform
    Column("currency", String(3), nullable=False),
    Column("balance", BigInteger, nullable=False, server_default=text("0")),
    UniqueConstraint("kind", "owner", "currency"),
    CheckConstraint(f"kind IN ({KINDS_SQL})", name="kind"),
    CheckConstraint(f"kind NOT IN ({GUARDED_SQL}) OR balance >= 0", name="guarded_not_negative"),
)
Index("ix_ledger_accounts_owner", ledger_accounts.c.owner)

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("memo", Text, nullable=False, server_default=""),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

ledger_holds = Table(
    "ledger_holds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("transaction_id", Id, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("clears_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("settled_by", Id, ForeignKey("ledger_transactions.id")),
    Column("settled_at", UTCDateTime),
    CheckConstraint("amount > 0", name="positive"),
)
Index("ix_ledger_holds_open_due", ledger_holds.c.clears_at,
      sqlite_where=ledger_holds.c.settled_by.is_(None),
      postgresql_where=ledger_holds.c.settled_by.is_(None))
Index("ix_ledger_holds_account_id", ledger_holds.c.account_id)
Index("ix_ledger_holds_transaction_id", ledger_holds.c.transaction_id)

ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("transaction_id", Id, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("account_id", Id, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("hold_id", Id, ForeignKey("ledger_holds.id")),  # opened (credit) or settled (debit)
    CheckConstraint("amount <> 0", name="not_zero"),
)
Index("ix_ledger_postings_account_id_id", ledger_postings.c.account_id, ledger_postings.c.id)
Index("ix_ledger_postings_transaction_id", ledger_postings.c.transaction_id)
