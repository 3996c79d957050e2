"""``/bonus``: a client pays a bonus (FEE-01 kept) or an expense (no fee) on a contract, from
the wallet or through an invoice for the shortfall (HOLD-03); the freelancer's money is
pending until HOLD-01's fifth day."""

from __future__ import annotations

import pytest

from core.clock import FixedClock
from core.holds import available_at
from core.ledger import Owner
from core.money import Money
from core.services.ledger import fees_account
from handlers.context import HandlerSettings
from handlers.contract import Payment, PreCheckout, SendInvoice
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import deliver
from tests.milestones_kit import fixed_contract, fund_wallet
from tests.payouts.kit import default_policy

__all__ = ["default_policy"]

pytestmark = pytest.mark.usefixtures("default_policy")


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), payment_provider_token="provider-token"))


def usd(text: str) -> Money:
    return Money.of(text, "USD")


async def _people(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    await fixed_contract(bot.database, bot.clock.now(), client=alice.id, expert=bob.id)
    return alice, bob


async def _bonus(alice: ChatUser, kind: str, amount: str, note: str) -> None:
    await alice.command("/bonus")
    await alice.press(alice.buttons()[0])
    await alice.press(kind)
    await alice.say(amount)
    await alice.say(note)


async def _holds(bot: BotHarness, user_id: int) -> list[tuple[Money, object]]:
    async with bot.database.uow() as uow:
        return [(h.amount, h.clears_at) for h in await uow.ledger.open_holds(Owner.user(user_id))]


async def test_fee_01_hold_01_a_bonus_from_the_wallet_keeps_the_fee_and_waits_5_days(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob = await _people(bot)
    await fund_wallet(bot.database, alice.id, usd("100.00"), clock.now())
    await _bonus(alice, "Bonus", "50", "Great drawings, thank you")
    assert "Pay $50.00 to the freelancer? Note: Great drawings, thank you" in alice.reply
    assert "Service fee: $5.00; the freelancer gets $45.00" in alice.reply
    await alice.press("Pay $50.00")
    assert "Paid: $50.00 to the freelancer" in alice.reply
    assert await _holds(bot, bob.id) == [(usd("45.00"), available_at(clock.now()))]
    async with bot.database.uow() as uow:
        assert await uow.ledger.balance(fees_account("USD")) == usd("5.00")
    await deliver(bot)
    assert "Alice Smith paid you a bonus of $50.00." in bob.last_text
    assert bob.last_text.endswith("Note: Great drawings, thank you")
    assert "After the service fee of $5.00, $45.00 is available on 2026-01-20" in bob.last_text


async def test_hold_03_an_expense_with_a_short_wallet_is_invoiced_and_paid_on_payment(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob = await _people(bot)
    await fund_wallet(bot.database, alice.id, usd("10.00"), clock.now())
    await _bonus(alice, "Expense reimbursement", "30", "Courier for the samples")
    assert "Service fee: $0.00; the freelancer gets $30.00" in alice.reply
    await alice.press("Pay $30.00")
    assert "Your wallet is $20.00 short" in alice.reply
    invoice = next(a for a in alice.actions if isinstance(a, SendInvoice))
    assert invoice.amount == 2000
    await alice.send(PreCheckout("q-1", invoice.currency, invoice.amount, invoice.payload))
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-b1"))
    assert "The bonus of $30.00 is paid" in alice.reply
    assert await _holds(bot, bob.id) == [(usd("30.00"), available_at(clock.now()))]
    await deliver(bot)
    assert "Alice Smith reimbursed your expense of $30.00. It is available" in (
        bob.last_text)
    assert bob.last_text.endswith("Note: Courier for the samples")


async def test_a_freelancer_cannot_pay_a_bonus_on_someone_elses_contract(
        bot: BotHarness) -> None:
    alice, bob = await _people(bot)
    await bob.command("/bonus")
    assert "no active or ended contracts" in bob.reply
    await bob.forge("bon:k:1:b")
    await bob.say("10")
    await bob.say("mine")
    await bob.press("Pay $10.00")
    answer = bob.answer
    assert answer is not None and "does not exist or is not available" in (answer.text or "")
