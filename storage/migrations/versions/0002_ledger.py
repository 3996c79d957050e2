"""The double-entry ledger: accounts, transactions, postings, holds, append-only triggers.

Triggers refuse UPDATE and DELETE on ``ledger_postings`` and ``ledger_transactions``;
``ledger_holds`` rows cannot be deleted and are settled at most once. (TRUNCATE, like DROP,
stays an administrator's tool: the test suite empties its PostgreSQL schema with it.)
The guarded kinds are spelled out here (not imported) so this revision never changes.

Revision ID: 0002_ledger
Revises: 0001_skeleton
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0002_ledger"
down_revision: str | None = "0001_skeleton"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = ("'client_wallet', 'expert_available', 'expert_pending', 'gateway_clearing', "
         "'milestone_escrow', 'payout_in_flight', 'platform_fees'")
GUARDED = ("'client_wallet', 'expert_available', 'expert_pending', 'milestone_escrow', "
           "'payout_in_flight'")
APPEND_ONLY = ("ledger_postings", "ledger_transactions")

SQLITE_TRIGGERS = [
    *(f"""CREATE TRIGGER {table}_no_{op_name} BEFORE {op_name.upper()} ON {table}
          BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op_name.upper()} refused'); END"""
      for table in APPEND_ONLY for op_name in ("update", "delete")),
    """CREATE TRIGGER ledger_holds_no_delete BEFORE DELETE ON ledger_holds
       BEGIN SELECT RAISE(ABORT, 'ledger_holds: DELETE refused'); END""",
    """CREATE TRIGGER ledger_holds_settle_once BEFORE UPDATE ON ledger_holds
       WHEN OLD.settled_by IS NOT NULL OR NEW.id IS NOT OLD.id
         OR NEW.account_id IS NOT OLD.account_id OR NEW.amount IS NOT OLD.amount
         OR NEW.clears_at IS NOT OLD.clears_at OR NEW.transaction_id IS NOT OLD.transaction_id
         OR NEW.created_at IS NOT OLD.created_at
       BEGIN SELECT RAISE(ABORT, 'ledger_holds: a hold is settled once, nothing else changes');
       END""",
]

POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
           USING ERRCODE = 'restrict_violation';
       END $$""",
    *(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
          FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""" for table in APPEND_ONLY),
    """CREATE FUNCTION ledger_hold_settle_once() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR OLD.settled_by IS NOT NULL
            OR (NEW.id, NEW.account_id, NEW.transaction_id, NEW.amount, NEW.clears_at,
                NEW.created_at)
               IS DISTINCT FROM (OLD.id, OLD.account_id, OLD.transaction_id, OLD.amount,
                                 OLD.clears_at, OLD.created_at) THEN
           RAISE EXCEPTION 'ledger_holds: a hold is settled once, nothing else changes (%)',
             TG_OP USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER ledger_holds_settle_once BEFORE UPDATE OR DELETE ON ledger_holds
       FOR EACH ROW EXECUTE FUNCTION ledger_hold_settle_once()""",
]


def upgrade() -> None:
    """Create the ledger's tables and its append-only triggers."""
    op.create_table(
        "ledger_accounts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("kind", "owner", "currency",
                            name=op.f("uq_ledger_accounts_kind_owner_currency")),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_ledger_accounts_kind")),
        sa.CheckConstraint(f"kind NOT IN ({GUARDED}) OR balance >= 0",
                           name=op.f("ck_ledger_accounts_guarded_not_negative")),
    )
    op.create_index("ix_ledger_accounts_owner", "ledger_accounts", ["owner"])
    op.create_table(
        "ledger_transactions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("memo", sa.Text(), server_default="", nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("key", name=op.f("uq_ledger_transactions_key")),
    )
    op.create_table(
        "ledger_holds",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("transaction_id", Id, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("clears_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("settled_by", Id),
        sa.Column("settled_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_holds")),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_holds_account_id_ledger_accounts")),
        sa.ForeignKeyConstraint(["transaction_id"], ["ledger_transactions.id"],
                                name=op.f("fk_ledger_holds_transaction_id_ledger_transactions")),
        sa.ForeignKeyConstraint(["settled_by"], ["ledger_transactions.id"],
                                name=op.f("fk_ledger_holds_settled_by_ledger_transactions")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_holds_positive")),
    )
    op.create_index("ix_ledger_holds_open_due", "ledger_holds", ["clears_at"],
                    sqlite_where=sa.text("settled_by IS NULL"),
                    postgresql_where=sa.text("settled_by IS NULL"))
    op.create_index("ix_ledger_holds_account_id", "ledger_holds", ["account_id"])
    op.create_table(
        "ledger_postings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("transaction_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hold_id", Id),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
        sa.ForeignKeyConstraint(["transaction_id"], ["ledger_transactions.id"],
                                name=op.f("fk_ledger_postings_transaction_id_ledger_transactions")),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_postings_account_id_ledger_accounts")),
        sa.ForeignKeyConstraint(["hold_id"], ["ledger_holds.id"],
                                name=op.f("fk_ledger_postings_hold_id_ledger_holds")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_postings_not_zero")),
    )
    op.create_index("ix_ledger_postings_account_id_id", "ledger_postings", ["account_id", "id"])
    op.create_index("ix_ledger_postings_transaction_id", "ledger_postings", ["transaction_id"])
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Drop the ledger (triggers go with their tables; PostgreSQL functions explicitly)."""
    op.drop_index("ix_ledger_postings_transaction_id", table_name="ledger_postings")
    op.drop_index("ix_ledger_postings_account_id_id", table_name="ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_holds_account_id", table_name="ledger_holds")
    op.drop_index("ix_ledger_holds_open_due", table_name="ledger_holds")
    op.drop_table("ledger_holds")
    op.drop_table("ledger_transactions")
    op.drop_index("ix_ledger_accounts_owner", table_name="ledger_accounts")
    op.drop_table("ledger_accounts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_hold_settle_once()")
        op.execute("DROP FUNCTION IF EXISTS ledger_refuse_change()")
