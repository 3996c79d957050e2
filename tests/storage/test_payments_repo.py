"""Top-up intents in the database, on SQLite and PostgreSQL: stored, paid once, escrow lookup."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from core.accounts import User
from core.ids import require_id
from core.money import Money
from core.payments import GatewayPayment, TopUpIntent, TopUpStatus
from core.services.ledger import fund_escrow, refund_escrow, top_up, wallet_account
from core.services.ledger_check import check_ledger
from core.services.payments import open_top_up, settle_payment
from storage import Database
from storage.retry import run_in_uow
from storage.uow import SqlUnitOfWork

AT = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
ANN, BEN = 1, 2


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


@pytest.fixture
async def people(database: Database) -> Database:
    """Ann and Ben exist (intents reference users)."""
    async with database.uow() as uow:
        for user_id in (ANN, BEN):
            await uow.users.add(User(id=user_id, created_at=AT, last_seen_at=AT))
        await uow.commit()
    return database


async def _open(database: Database, user_id: int = ANN, amount: str = "50") -> TopUpIntent:
    async with database.uow() as uow:
        intent = await open_top_up(uow, User(id=user_id), usd(amount), "telegram", AT)
        await uow.commit()
    return intent


async def test_an_intent_is_stored_and_read_back(people: Database) -> None:
    first, second = await _open(people), await _open(people, BEN, "12.34")
    assert require_id(second) == require_id(first) + 1
    async with people.uow() as uow:
        assert await uow.payments.get(require_id(first)) == first
        stored = await uow.payments.get(require_id(second))
        assert stored is not None and stored.amount == Money(1234, "USD")
        assert stored.status is TopUpStatus.INVOICED and stored.created_at == AT
        assert await uow.payments.get(999) is None
        assert await uow.payments.by_charge("nope") is None


async def test_an_intent_is_marked_paid_only_once(people: Database) -> None:
    intent = await _open(people)
    async with people.uow() as uow:
        assert await uow.payments.mark_paid(intent.paid("ch-1", "prov-1", AT))
        assert not await uow.payments.mark_paid(intent.paid("ch-2", "prov-2", AT))
        await uow.commit()
    async with people.uow() as uow:
        paid = await uow.payments.by_charge("ch-1")
        assert paid is not None and paid.id == intent.id
        assert (paid.status, paid.paid_at, paid.provider_charge_id) == (
            TopUpStatus.PAID, AT, "prov-1")
        assert await uow.payments.by_charge("ch-2") is None


async def test_one_charge_cannot_pay_two_intents(people: Database) -> None:
    first, second = await _open(people), await _open(people)
    async with people.uow() as uow:
        assert await uow.payments.mark_paid(first.paid("ch-1", "", AT))
        with pytest.raises(IntegrityError):
            await uow.payments.mark_paid(second.paid("ch-1", "", AT))


async def test_concurrent_reports_of_one_charge_credit_once(people: Database) -> None:
    intent = await _open(people)
    payment = GatewayPayment(payer_id=ANN, payload=intent.payload, currency="USD",
                             total_minor=5000, charge_id="tg-1")

    async def settle() -> bool:
        async def work(uow: SqlUnitOfWork) -> bool:
            return (await settle_payment(uow, payment, AT)).replayed
        return await run_in_uow(people, work)

    replays = await asyncio.gather(*(settle() for _ in range(5)))
    assert sorted(replays) == [False, True, True, True, True]
    async with people.uow() as uow:
        assert await uow.ledger.balance(wallet_account(ANN, "USD")) == usd("50")
        paid = await uow.payments.get(require_id(intent))
        assert paid is not None and paid.charge_id == "tg-1"
        assert (await check_ledger(uow)).ok


async def test_escrow_of_client_sums_the_escrows_their_wallet_funded(people: Database) -> None:
    async with people.uow() as uow:
        await top_up(uow, user_id=ANN, amount=usd("100"), charge_id="a", at=AT)
        await top_up(uow, user_id=BEN, amount=usd("30"), charge_id="b", at=AT)
        await fund_escrow(uow, client_id=ANN, milestone_id=7, amount=usd("60"), key="f7", at=AT)
        await fund_escrow(uow, client_id=ANN, milestone_id=8, amount=usd("15"), key="f8", at=AT)
        await fund_escrow(uow, client_id=BEN, milestone_id=9, amount=usd("30"), key="f9", at=AT)
        await refund_escrow(uow, milestone_id=8, client_id=ANN, amount=usd("15"), key="r8",
                            at=AT)
        await uow.commit()
    async with people.uow() as uow:
        assert await uow.payments.escrow_of_client(ANN) == [usd("60")]
        assert await uow.payments.escrow_of_client(BEN) == [usd("30")]
        assert await uow.payments.escrow_of_client(3) == []


async def test_the_intent_keeps_its_fields_through_a_round_trip(people: Database) -> None:
    intent = await _open(people, amount="0.01")
    async with people.uow() as uow:
        again = await uow.payments.get(require_id(intent))
    assert again == replace(intent) and again.payload == f"topup:{intent.id}:{ANN}"
