"""PayPal Payouts adapter against a local fake of the PayPal API (no network).

PAY-07's automatic provider: OAuth2 client credentials, a batch per payout keyed by
``sender_batch_id``, and the item status; with an expired token, 5xx answers, a duplicate
request (a crash between sent and recorded) and a returned (unclaimed) payout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.paypal import PayPalError, PayPalPayouts
from core.money import Money
from core.payouts import operations as ops
from core.payouts.model import Payout
from core.payouts.services import request_payout
from core.payouts.states import PayoutState
from storage import Database
from tests.payouts.fake_paypal import FakePayPal
from tests.payouts.kit import EXPERT, as_user, default_policy, make_available, money, paypal, seed

__all__ = ["default_policy"]

pytestmark = pytest.mark.usefixtures("default_policy")

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = MONDAY + timedelta(days=3)


@pytest.fixture
async def fake() -> AsyncIterator[FakePayPal]:
    server = FakePayPal()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def adapter(fake: FakePayPal) -> PayPalPayouts:
    return PayPalPayouts(fake.url, fake.client_id, fake.client_secret)


async def _payout(database: Database) -> Payout:
    await seed(database, MONDAY)
    method = await paypal(database, MONDAY)
    await make_available(database, Money.of("100.00", "USD"), MONDAY)
    payout: Payout = await as_user(database, EXPERT, request_payout, method.id, None, LATER)
    return payout


async def _tick(database: Database, adapter: PayPalPayouts) -> list[Payout]:
    async with database.uow() as uow:
        sent = await ops.send_due(uow, adapter, LATER)
        await uow.commit()
    return sent


async def _refresh(database: Database, payout: Payout) -> Payout:
    assert payout.id is not None
    async with database.uow() as uow:
        stored = await uow.payouts.get(payout.id)
    assert stored is not None
    return stored


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_pay_07_paypal_sends_the_batch_and_settles_it_when_paid(
        database: Database, fake: FakePayPal, adapter: PayPalPayouts) -> None:
    payout = await _payout(database)
    [sent] = await _tick(database, adapter)
    assert sent.reference == "BATCH1" and sent.state is PayoutState.SENT
    batch = fake.batches[f"payout-{payout.id}"]
    assert batch["items"][0]["receiver"] == "boris@example.com"
    assert batch["items"][0]["amount"] == {"value": "100.00", "currency": "USD"}
    assert (await adapter.status(sent)).state is PayoutState.SENT
    fake.set_status("BATCH1", "SUCCESS")
    async with database.uow() as uow:
        done = await ops.record_status(uow, sent, await adapter.status(sent), LATER)
        await uow.commit()
    assert done is not None and done.state is PayoutState.PAID
    assert (await money(database))["in_flight"] == Money.zero("USD")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_pay_07_paypal_an_expired_token_is_renewed_once(
        database: Database, fake: FakePayPal, adapter: PayPalPayouts) -> None:
    await _payout(database)
    await adapter._call("GET", "/v1/payments/payouts/none")  # a first token
    fake.expire_tokens()
    [sent] = await _tick(database, adapter)
    assert sent.reference == "BATCH1" and fake.tokens_issued == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_pay_07_paypal_5xx_is_retried_with_the_same_sender_batch_id(
        database: Database, fake: FakePayPal, adapter: PayPalPayouts) -> None:
    payout = await _payout(database)
    fake.fail_next = 2
    [sent] = await _tick(database, adapter)
    assert sent.reference == "BATCH1" and fake.create_calls == 3
    fake.fail_next = 10
    payout = await _refresh(database, payout)
    with pytest.raises(PayPalError):
        await _tick_again(database, adapter)


async def _tick_again(database: Database, adapter: PayPalPayouts) -> None:
    """A second payout, while PayPal keeps failing: the tick raises and records nothing."""
    await make_available(database, Money.of("10.00", "USD"), LATER, key="more")
    async with database.uow() as uow:
        methods = await uow.payouts.methods_of(EXPERT)
    await as_user(database, EXPERT, request_payout, methods[0].id, None, LATER)
    await _tick(database, adapter)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_pay_07_paypal_a_duplicate_request_returns_the_original_batch(
        database: Database, fake: FakePayPal, adapter: PayPalPayouts) -> None:
    payout = await _payout(database)
    async with database.uow() as uow:  # the process dies after PayPal accepted the batch
        due = await ops.due_today(uow, LATER)
        method = await uow.payouts.method(payout.method_id)
        assert method is not None
        await adapter.send(due[0], method)
    [sent] = await _tick(database, adapter)  # the next run: PayPal refuses the repeat
    assert sent.reference == "BATCH1" and len(fake.batches) == 1 and fake.create_calls == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_pay_07_paypal_a_returned_unclaimed_payout_goes_back_to_available(
        database: Database, fake: FakePayPal, adapter: PayPalPayouts) -> None:
    await _payout(database)
    [sent] = await _tick(database, adapter)
    fake.set_status("BATCH1", "UNCLAIMED")
    assert (await adapter.status(sent)).state is PayoutState.SENT  # still claimable
    fake.set_status("BATCH1", "RETURNED")
    async with database.uow() as uow:
        done = await ops.record_status(uow, sent, await adapter.status(sent), LATER)
        await uow.commit()
    assert done is not None and done.state is PayoutState.RETURNED
    assert (await money(database))["available"] == Money.of("100.00", "USD")
