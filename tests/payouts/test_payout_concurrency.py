"""PAY-01: 50 simultaneous payout requests of one available balance never pay out twice.

The balance is 10.00 and each request asks 0.30: exactly floor(1000 / 30) = 33 succeed, on
SQLite and on PostgreSQL, whatever the interleaving; the rest are refused.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.ledger import InsufficientFunds
from core.money import Money
from core.payouts.services import request_payout
from core.payouts.states import PayoutState
from core.services.ledger_check import check_ledger
from storage import Database
from storage.retry import run_in_uow
from tests.payouts.kit import EXPERT, default_policy, make_available, money, paypal, seed

__all__ = ["default_policy"]

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = MONDAY + timedelta(days=3)
BALANCE, AMOUNT, REQUESTS = Money(1000, "USD"), Money(30, "USD"), 50


async def _one(db: Database, method_id: int) -> bool:
    async def work(uow: object) -> None:
        user = await uow.users.get(EXPERT)  # type: ignore[attr-defined]
        await request_payout(uow, user, method_id, AMOUNT, LATER)  # type: ignore[arg-type]

    try:
        await run_in_uow(db, work)
    except (InsufficientFunds, InvalidInput):
        return False
    return True


@pytest.mark.usefixtures("default_policy")
async def test_pay_01_50_concurrent_requests_exactly_the_affordable_ones_succeed(
        database: Database) -> None:
    await seed(database, MONDAY)
    method = await paypal(database, MONDAY)
    await make_available(database, BALANCE, MONDAY)
    assert method.id is not None
    results = await asyncio.gather(*(_one(database, method.id) for _ in range(REQUESTS)))
    succeeded = sum(results)
    assert succeeded == BALANCE.minor // AMOUNT.minor == 33
    balances = await money(database)
    assert balances["available"] == BALANCE - AMOUNT * succeeded
    assert balances["in_flight"] == AMOUNT * succeeded
    async with database.uow() as uow:
        payouts = await uow.payouts.of_user(EXPERT, limit=100)
        assert [p.state for p in payouts] == [PayoutState.SCHEDULED] * succeeded
        assert (await check_ledger(uow)).ok
