"""Payouts: payout profiles (legal name, HOLD-02 hold), payout methods, payouts, bonuses,
Hire Direct requests and Bring-a-Client invitations (PAY-06).

Revision ID: 0012_payouts
Revises: 0011_ledger_holds_by_transaction
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0012_payouts"
down_revision: str | None = "0011_ledger_holds_by_transaction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = ("requested", "scheduled", "flagged", "sent", "paid", "failed", "returned",
          "cancelled")
KINDS = ("paypal", "payoneer", "wire", "interac")


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    """Create ``payout_profiles``, ``payout_methods``, ``payouts`` and ``bonuses``."""
    op.create_table(
        "payout_profiles",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("legal_name", sa.String(64)),
        sa.Column("hold_until", UTCDateTime()),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_payout_profiles_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_payout_profiles")),
    )
    op.create_table(
        "payout_methods",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("details", sa.String(254), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint(f"kind IN ({_in(KINDS)})", name=op.f("ck_payout_methods_kind")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_payout_methods_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_methods")),
    )
    op.create_index("ix_payout_methods_user_id", "payout_methods", ["user_id"])
    op.create_table(
        "payouts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("method_id", sa.BigInteger(), nullable=False),
        sa.Column("method_kind", sa.String(16), nullable=False),
        sa.Column("method_masked", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("process_on", sa.Date(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("reference", sa.String(255)),
        sa.Column("reason", sa.String(500)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount > 0 AND fee >= 0 AND fee < amount",
                           name=op.f("ck_payouts_amounts")),
        sa.CheckConstraint(f"state IN ({_in(STATES)})", name=op.f("ck_payouts_state")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payouts_user_id_users")),
        sa.ForeignKeyConstraint(["method_id"], ["payout_methods.id"],
                                name=op.f("fk_payouts_method_id_payout_methods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    op.create_index("ix_payouts_user_id", "payouts", ["user_id", "id"])
    op.create_index("ix_payouts_state", "payouts", ["state", "process_on"])
    op.create_table(
        "bonuses",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("expert_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime()),
        sa.Column("intent_id", sa.BigInteger()),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bonuses_positive")),
        sa.CheckConstraint("kind IN ('bonus', 'expense')", name=op.f("ck_bonuses_kind")),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"],
                                name=op.f("fk_bonuses_contract_id_contracts")),
        sa.ForeignKeyConstraint(["client_id"], ["users.id"],
                                name=op.f("fk_bonuses_client_id_users")),
        sa.ForeignKeyConstraint(["expert_id"], ["users.id"],
                                name=op.f("fk_bonuses_expert_id_users")),
        sa.ForeignKeyConstraint(["intent_id"], ["payment_intents.id"],
                                name=op.f("fk_bonuses_intent_id_payment_intents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonuses")),
        sa.UniqueConstraint("intent_id", name=op.f("uq_bonuses_intent_id")),
    )
    op.create_table(
        "direct_hires",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("expert_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("salary", sa.BigInteger()),
        sa.Column("fee", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("offered_by", sa.BigInteger()),
        sa.Column("paid_at", UTCDateTime()),
        sa.Column("intent_id", sa.BigInteger()),
        sa.ForeignKeyConstraint(["client_id"], ["users.id"],
                                name=op.f("fk_direct_hires_client_id_users")),
        sa.ForeignKeyConstraint(["expert_id"], ["users.id"],
                                name=op.f("fk_direct_hires_expert_id_users")),
        sa.ForeignKeyConstraint(["offered_by"], ["users.id"],
                                name=op.f("fk_direct_hires_offered_by_users")),
        sa.ForeignKeyConstraint(["intent_id"], ["payment_intents.id"],
                                name=op.f("fk_direct_hires_intent_id_payment_intents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_hires")),
        sa.UniqueConstraint("client_id", "expert_id",
                            name=op.f("uq_direct_hires_client_id_expert_id")),
        sa.UniqueConstraint("intent_id", name=op.f("uq_direct_hires_intent_id")),
    )
    op.create_table(
        "bac_invites",
        sa.Column("expert_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["users.id"],
                                name=op.f("fk_bac_invites_expert_id_users")),
        sa.PrimaryKeyConstraint("expert_id", name=op.f("pk_bac_invites")),
        sa.UniqueConstraint("token", name=op.f("uq_bac_invites_token")),
    )
    op.create_table(
        "bac_clients",
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("expert_id", sa.BigInteger(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["users.id"],
                                name=op.f("fk_bac_clients_client_id_users")),
        sa.ForeignKeyConstraint(["expert_id"], ["users.id"],
                                name=op.f("fk_bac_clients_expert_id_users")),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_bac_clients")),
    )
    op.create_index("ix_bac_clients_expert_id", "bac_clients", ["expert_id"])


def downgrade() -> None:
    """Drop the payout tables."""
    op.drop_index("ix_bac_clients_expert_id", table_name="bac_clients")
    op.drop_table("bac_clients")
    op.drop_table("bac_invites")
    op.drop_table("direct_hires")
    op.drop_table("bonuses")
    op.drop_index("ix_payouts_state", table_name="payouts")
    op.drop_index("ix_payouts_user_id", table_name="payouts")
    op.drop_table("payouts")
    op.drop_index("ix_payout_methods_user_id", table_name="payout_methods")
    op.drop_table("payout_methods")
    op.drop_table("payout_profiles")
