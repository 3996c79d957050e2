"""Whole-ledger aggregate queries for the operator check (:mod:`core.services.ledger_check`).

Each invariant is one aggregate query, so the check reads every posting once per invariant
and never loads postings into Python; up to ``sample`` offenders of each kind are returned.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ledger import (
    GUARDED_KINDS,
    Account,
    AccountKind,
    AccountRef,
    Owner,
)
from core.ledger_audit import BalanceMismatch, Imbalance, LedgerAudit
from core.money import Money
from storage.tables.ledger import ledger_accounts as accounts
from storage.tables.ledger import ledger_holds as holds
from storage.tables.ledger import ledger_postings as postings
from storage.tables.ledger import ledger_transactions as transactions

__all__ = ["audit_ledger"]


def _ref(row: Any) -> AccountRef:
    return AccountRef(AccountKind(row.kind), Owner.parse(row.owner), row.currency)


def _account(row: Any) -> Account:
    return Account(row.id, _ref(row), Money(int(row.balance), row.currency))


async def _count(session: AsyncConnection, table: Any, *where: Any) -> int:
    return int((await session.execute(
        select(func.count()).select_from(table).where(*where))).scalar_one())


async def audit_ledger(session: AsyncConnection, sample: int = 20) -> LedgerAudit:
    """Scan the ledger: counts, per-currency totals and up to ``sample`` of each problem."""
    totals = {row.currency: int(row.total) for row in await session.execute(
        select(accounts.c.currency, func.sum(accounts.c.balance).label("total"))
        .group_by(accounts.c.currency))}

    tx_sums = (select(postings.c.transaction_id, postings.c.currency,
                      func.sum(postings.c.amount).label("total"))
               .group_by(postings.c.transaction_id, postings.c.currency)
               .having(func.sum(postings.c.amount) != 0).subquery())
    imbalances = tuple(
        Imbalance(row.transaction_id, row.key, row.currency, int(row.total))
        for row in await session.execute(
            select(tx_sums, transactions.c.key)
            .join(transactions, transactions.c.id == tx_sums.c.transaction_id)
            .order_by(tx_sums.c.transaction_id).limit(sample)))
    lonely = (select(transactions.c.id, transactions.c.key)
              .outerjoin(postings, postings.c.transaction_id == transactions.c.id)
              .group_by(transactions.c.id, transactions.c.key)
              .having(func.count(postings.c.id) < 2).limit(sample))
    imbalances += tuple(Imbalance(row.id, row.key, "-", 0)
                        for row in await session.execute(lonely))

    posted = (select(postings.c.account_id, func.sum(postings.c.amount).label("total"))
              .group_by(postings.c.account_id).subquery())
    expected = func.coalesce(posted.c.total, literal(0))
    balance_mismatches = tuple(
        BalanceMismatch(_ref(row), int(row.balance), int(row.expected))
        for row in await session.execute(
            select(accounts, expected.label("expected"))
            .outerjoin(posted, posted.c.account_id == accounts.c.id)
            .where(accounts.c.balance != expected).order_by(accounts.c.id).limit(sample)))

    held = (select(holds.c.account_id, func.sum(holds.c.amount).label("total"))
            .where(holds.c.settled_by.is_(None)).group_by(holds.c.account_id).subquery())
    held_total = func.coalesce(held.c.total, literal(0))
    hold_mismatches = tuple(
        BalanceMismatch(_ref(row), int(row.balance), int(row.expected))
        for row in await session.execute(
            select(accounts, held_total.label("expected"))
            .outerjoin(held, held.c.account_id == accounts.c.id)
            .where(accounts.c.kind == AccountKind.EXPERT_PENDING.value,
                   accounts.c.balance != held_total)
            .order_by(accounts.c.id).limit(sample)))

    negative = tuple(_account(row) for row in await session.execute(
        select(accounts).where(accounts.c.kind.in_([k.value for k in GUARDED_KINDS]),
                               accounts.c.balance < 0).order_by(accounts.c.id).limit(sample)))

    currency_mismatches = await _count(
        session, postings.join(accounts, accounts.c.id == postings.c.account_id),
        postings.c.currency != accounts.c.currency)

    return LedgerAudit(
        accounts=await _count(session, accounts),
        transactions=await _count(session, transactions),
        postings=await _count(session, postings),
        open_holds=await _count(session, holds, holds.c.settled_by.is_(None)),
        totals=totals,
        imbalances=imbalances,
        balance_mismatches=balance_mismatches,
        hold_mismatches=hold_mismatches,
        negative_guarded=negative,
        currency_mismatches=currency_mismatches,
    )
