"""Top-up intents and the wallet's escrow lookup: :class:`core.ports.PaymentsRepo`.

``mark_paid`` is a conditional UPDATE (``WHERE status = 'invoiced'``), so of two concurrent
reports of money for one intent exactly one marks it paid, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ledger import AccountKind, Owner
from core.money import Money
from core.payments import TopUpIntent, TopUpStatus
from storage.tables.ledger import ledger_accounts as accounts
from storage.tables.ledger import ledger_postings as postings
from storage.tables.payments import payment_intents as intents

__all__ = ["SqlPaymentsRepo"]


def _intent(row: Any) -> TopUpIntent:
    """A :class:`TopUpIntent` from a ``payment_intents`` row."""
    return TopUpIntent(id=row.id, user_id=row.user_id, amount=Money(int(row.amount), row.currency),
                       gateway=row.gateway, created_at=row.created_at,
                       status=TopUpStatus(row.status), paid_at=row.paid_at,
                       charge_id=row.charge_id, provider_charge_id=row.provider_charge_id)


class SqlPaymentsRepo:
    """Top-up intents on SQLAlchemy Core."""

    def __init__(self, session: AsyncConnection) -> None:
        self._session = session

    async def add(self, intent: TopUpIntent) -> TopUpIntent:
        """Insert ``intent``; return it with its id."""
        result = await self._session.execute(
            insert(intents).values(
                user_id=intent.user_id, gateway=intent.gateway, amount=intent.amount.minor,
                currency=intent.amount.currency, status=intent.status.value,
                created_at=intent.created_at, paid_at=intent.paid_at,
                charge_id=intent.charge_id, provider_charge_id=intent.provider_charge_id)
            .returning(intents.c.id))
        return replace(intent, id=int(result.scalar_one()))

    async def get(self, intent_id: int) -> TopUpIntent | None:
        """The intent with this id, if any."""
        row = (await self._session.execute(
            select(intents).where(intents.c.id == intent_id))).first()
        return _intent(row) if row else None

    async def by_charge(self, charge_id: str) -> TopUpIntent | None:
        """The intent the gateway charge ``charge_id`` paid, if any."""
        row = (await self._session.execute(
            select(intents).where(intents.c.charge_id == charge_id))).first()
        return _intent(row) if row else None

    async def mark_paid(self, intent: TopUpIntent) -> bool:
        """Store ``intent``'s payment if the row is still invoiced; False otherwise."""
        result = await self._session.execute(
            update(intents)
            .where(intents.c.id == intent.id, intents.c.status == TopUpStatus.INVOICED.value)
            .values(status=intent.status.value, paid_at=intent.paid_at,
                    charge_id=intent.charge_id, provider_charge_id=intent.provider_charge_id))
        return bool(result.rowcount)

    async def escrow_of_client(self, user_id: int) -> list[Money]:
        """What sits in the escrows this user's wallet paid into, per currency.

        The ledger knows no milestone's client, so the escrows are found through the money:
        every milestone escrow credited in a transaction that debited this user's wallet.
        """
        wallet = accounts.alias("wallet")
        debit, credit = postings.alias("debit"), postings.alias("credit")
        funded = (
            select(credit.c.account_id)
            .join(debit, debit.c.transaction_id == credit.c.transaction_id)
            .join(wallet, wallet.c.id == debit.c.account_id)
            .where(wallet.c.kind == AccountKind.CLIENT_WALLET.value,
                   wallet.c.owner == Owner.user(user_id).key,
                   debit.c.amount < 0, credit.c.amount > 0)
        )
        rows = await self._session.execute(
            select(accounts.c.currency, func.sum(accounts.c.balance).label("total"))
            .where(accounts.c.kind == AccountKind.MILESTONE_ESCROW.value,
                   accounts.c.id.in_(funded))
            .group_by(accounts.c.currency).order_by(accounts.c.currency))
        return [Money(int(row.total), row.currency) for row in rows if int(row.total or 0)]

