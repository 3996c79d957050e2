"""Payout use cases on SQLite and PostgreSQL: refusals, the ledger, support, the tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import Conflict, Forbidden, InvalidInput
from core.money import Money
from core.payouts import operations as ops
from core.payouts.methods import MethodKind, PayoutMethod
from core.payouts.model import Payout
from core.payouts.provider import ProviderStatus
from core.payouts.services import add_method, cancel, request_payout, set_legal_name
from core.payouts.states import PayoutState
from core.services.ledger_check import check_ledger
from storage import Database
from tests.payouts.kit import (
    EXPERT,
    SUPPORT,
    as_user,
    default_policy,
    make_available,
    money,
    paypal,
    seed,
)

__all__ = ["default_policy"]

pytestmark = pytest.mark.usefixtures("default_policy")

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AFTER_HOLD = MONDAY + timedelta(days=3)  # Thursday 5 March, 09:00


def usd(text: str) -> Money:
    return Money.of(text, "USD")


@pytest.fixture
async def db(database: Database) -> Database:
    await seed(database, MONDAY)
    return database


async def _request(db: Database, method: PayoutMethod, amount: Money | None,
                   at: datetime = AFTER_HOLD) -> Payout:
    payout: Payout = await as_user(db, EXPERT, request_payout, method.id, amount, at)
    return payout


async def test_hold_02_a_new_method_holds_payouts_for_3_days_and_says_until_when(
        db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    with pytest.raises(Conflict) as refused:
        await _request(db, method, usd("10.00"), MONDAY + timedelta(days=3) - timedelta(seconds=1))
    assert refused.value.params["until"] == "Mar 5, 2026, 9:00:00\u202fAM UTC"
    assert (await _request(db, method, usd("10.00"))).state is PayoutState.SCHEDULED


async def test_hold_02_changing_the_legal_name_starts_the_hold_again(db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    await as_user(db, EXPERT, set_legal_name, "Boris Ivanov", AFTER_HOLD)
    with pytest.raises(Conflict):
        await _request(db, method, usd("10.00"), AFTER_HOLD + timedelta(days=1))


async def test_pay_01_only_the_available_balance_can_be_paid_out(db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    with pytest.raises(InvalidInput) as refused:
        await _request(db, method, usd("100.01"))
    assert refused.value.params == {"available": "$100.00"}
    payout = await _request(db, method, None)  # "all"
    assert payout.amount == usd("100.00")
    assert await money(db) == {"available": usd("0"), "in_flight": usd("100.00"),
                               "fees": usd("0"), "outside": usd("-100.00")}
    with pytest.raises(InvalidInput):
        await _request(db, method, usd("0.01"))


async def test_pay_05_a_suspended_account_cannot_request_payouts(db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    async with db.uow() as uow:
        user = await uow.users.get(EXPERT)
        assert user is not None
        user.suspended_reason = "fraud review"
        await uow.users.save(user)
        await uow.commit()
    with pytest.raises(Forbidden) as refused:
        await _request(db, method, usd("10.00"))
    assert refused.value.params == {"reason": "fraud review"}


async def test_pay_02_a_wire_is_only_for_payouts_above_2500_and_costs_50(db: Database) -> None:
    await as_user(db, EXPERT, set_legal_name, "Boris Ivanov", MONDAY)
    wire = await as_user(db, EXPERT, add_method, MethodKind.WIRE, "Boris Ivanov",
                         "DE89 3704 0044 0532 0130 00", MONDAY)
    assert wire.masked == "DE89 **** 3000"
    await make_available(db, usd("3000.00"), MONDAY)
    with pytest.raises(InvalidInput):
        await _request(db, wire, usd("2500.00"))
    payout = await _request(db, wire, usd("2500.01"))
    assert (payout.fee, payout.arrives) == (usd("50.00"), usd("2450.01"))
    paid = await as_user(db, SUPPORT, ops.mark_sent, payout.id, "WIRE-77", AFTER_HOLD)
    assert paid.state is PayoutState.PAID
    assert await money(db) == {"available": usd("499.99"), "in_flight": usd("0"),
                               "fees": usd("50.00"), "outside": usd("-549.99")}


async def test_pay_02_payoneer_only_where_paypal_does_not_serve_interac_only_in_canada(
        db: Database) -> None:
    for kind, details in ((MethodKind.PAYONEER, "b@example.com"),
                          (MethodKind.INTERAC, "b@example.com")):
        with pytest.raises(Forbidden):
            await as_user(db, EXPERT, add_method, kind, "Boris Ivanov", details, MONDAY)


async def test_pay_02_the_currency_must_match_the_method(database: Database) -> None:
    await seed(database, MONDAY, country="CA")
    await as_user(database, EXPERT, set_legal_name, "Boris Ivanov", MONDAY)
    interac = await as_user(database, EXPERT, add_method, MethodKind.INTERAC, "Boris Ivanov",
                            "boris@example.ca", MONDAY)
    await make_available(database, usd("100.00"), MONDAY)
    with pytest.raises(InvalidInput) as refused:
        await _request(database, interac, usd("10.00"))
    assert refused.value.params == {"currency": "CAD"}


async def test_pay_04_a_saturday_request_is_scheduled_for_the_next_business_day(
        db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    payout = await _request(db, method, usd("40.00"), saturday)
    assert payout.process_on == date(2026, 3, 9)
    async with db.uow() as uow:
        assert await ops.due_today(uow, saturday + timedelta(days=1)) == []
        assert [p.id for p in await ops.due_today(uow, saturday + timedelta(days=2))] == [
            payout.id]


async def test_pay_07_a_payout_can_be_cancelled_until_it_is_sent(db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    first = await _request(db, method, usd("30.00"))
    cancelled = await as_user(db, EXPERT, cancel, first.id, AFTER_HOLD)
    assert cancelled.state is PayoutState.CANCELLED
    assert (await money(db))["available"] == usd("100.00")
    with pytest.raises(Conflict):
        await as_user(db, EXPERT, cancel, first.id, AFTER_HOLD)
    second = await _request(db, method, usd("30.00"))
    await as_user(db, SUPPORT, ops.mark_sent, second.id, "PP-1", AFTER_HOLD)
    with pytest.raises(Conflict):
        await as_user(db, EXPERT, cancel, second.id, AFTER_HOLD)


async def test_pay_03_a_holder_not_the_legal_name_is_flagged_until_support_confirms(
        db: Database) -> None:
    method = await paypal(db, MONDAY, holder="Maria Ivanova")
    await make_available(db, usd("100.00"), MONDAY)
    payout = await _request(db, method, usd("60.00"))
    assert payout.state is PayoutState.FLAGGED
    assert (await money(db))["in_flight"] == usd("60.00")
    async with db.uow() as uow:
        assert await ops.due_today(uow, AFTER_HOLD + timedelta(days=7)) == []
    with pytest.raises(Forbidden):
        await as_user(db, EXPERT, ops.confirm, payout.id, AFTER_HOLD)
    confirmed = await as_user(db, SUPPORT, ops.confirm, payout.id, AFTER_HOLD)
    assert confirmed.state is PayoutState.SCHEDULED


async def test_pay_03_support_refuses_a_flagged_payout_and_the_money_returns(
        db: Database) -> None:
    method = await paypal(db, MONDAY, holder="Maria Ivanova")
    await make_available(db, usd("100.00"), MONDAY)
    payout = await _request(db, method, usd("60.00"))
    refused = await as_user(db, SUPPORT, ops.refuse, payout.id, "Not the account holder",
                            AFTER_HOLD)
    assert (refused.state, refused.reason) == (PayoutState.FAILED, "Not the account holder")
    assert (await money(db))["available"] == usd("100.00")


class FakeProvider:
    """An automatic provider that dedupes by payout id, as PayPal's sender_batch_id does."""

    name = "fake"
    automatic = True

    def __init__(self) -> None:
        self.batches: dict[int, str] = {}
        self.crash_after_send = False

    async def send(self, payout: Payout, method: PayoutMethod) -> str:
        assert payout.id is not None
        reference = self.batches.setdefault(payout.id, f"BATCH-{payout.id}")
        if self.crash_after_send:
            self.crash_after_send = False
            raise RuntimeError("the process died before recording")
        return reference

    async def status(self, payout: Payout) -> ProviderStatus:
        return ProviderStatus(PayoutState.PAID)


async def test_pay_07_the_tick_sends_once_even_after_a_crash_between_sent_and_recorded(
        db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    payout = await _request(db, method, usd("100.00"))
    provider = FakeProvider()
    provider.crash_after_send = True
    with pytest.raises(RuntimeError):
        async with db.uow() as uow:
            await ops.send_due(uow, provider, AFTER_HOLD)
            await uow.commit()
    for _ in range(2):
        async with db.uow() as uow:
            await ops.send_due(uow, provider, AFTER_HOLD)
            await uow.commit()
    assert provider.batches == {payout.id: f"BATCH-{payout.id}"}
    assert payout.id is not None
    async with db.uow() as uow:
        stored = await uow.payouts.get(payout.id)
        assert stored is not None and stored.state is PayoutState.SENT
        assert stored.reference == f"BATCH-{payout.id}"
        await ops.record_status(uow, stored, ProviderStatus(PayoutState.PAID), AFTER_HOLD)
        await uow.commit()
    assert await money(db) == {"available": usd("0"), "in_flight": usd("0"), "fees": usd("0"),
                               "outside": usd("0")}


async def test_pay_07_a_returned_payout_goes_back_to_available_with_the_reason(
        db: Database) -> None:
    method = await paypal(db, MONDAY)
    await make_available(db, usd("100.00"), MONDAY)
    payout = await _request(db, method, usd("100.00"))
    async with db.uow() as uow:
        await ops.send_due(uow, FakeProvider(), AFTER_HOLD)
        await uow.commit()
    assert payout.id is not None
    async with db.uow() as uow:
        stored = await uow.payouts.get(payout.id)
        assert stored is not None
        done = await ops.record_status(
            uow, stored, ProviderStatus(PayoutState.RETURNED, "UNCLAIMED"), AFTER_HOLD)
        await uow.commit()
    assert done is not None and (done.state, done.reason) == (PayoutState.RETURNED, "UNCLAIMED")
    assert (await money(db))["available"] == usd("100.00")
    async with db.uow() as uow:
        assert (await check_ledger(uow)).ok
