"""Hire Direct and Bring-a-Client (PAY-06) as the client, the freelancer and support see them:
the 13.5% fee, support's salary step, the wallet or an invoice (HOLD-03), the pair's messages
no longer masked or flagged (MSG-03), the ``?start=bac<token>`` link, the marks in /audit."""

from __future__ import annotations

import re

import pytest

from core.circumvention import MASK
from core.clock import FixedClock
from core.money import Money
from core.payouts.direct import contract_is_bring_a_client, hire_direct_fee, pair_exempt
from core.services.ledger import fees_account, wallet_account
from handlers.context import HandlerSettings
from handlers.contract import Payment, PreCheckout, SendInvoice
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import audit_rows, contract_between, deliver, open_items
from tests.milestones_kit import fund_wallet


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), payment_provider_token="provider-token"))


def usd(text: str) -> Money:
    return Money.of(text, "USD")


async def _contract(bot: BotHarness, client_id: int, expert_id: int,
                    status: str = "offered") -> int:
    """A contract between the two; ``offered`` (not yet accepted) keeps MSG-03 masking on."""
    return await contract_between(bot, client_id, expert_id, status)


async def _people(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    """Alice (client), Bob (freelancer) with an offered contract, and Sam (the admin)."""
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en")
    sam = bot.user(ADMIN_ID, "Sam", "Support", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    await sam.sign_up("both", "Sam", "Support", "sam@example.com")
    await _contract(bot, alice.id, bob.id)
    return alice, bob, sam


async def _ask_and_offer(alice: ChatUser, sam: ChatUser, salary: str = "40000") -> None:
    await alice.command("/hire_direct")
    await alice.press("Bob Ivanov")
    assert "Your request to hire Bob Ivanov directly is with support" in alice.reply
    await sam.command("/hire_direct_queue")
    assert "Hire Direct #1: Alice Smith wants to hire Bob Ivanov." in sam.reply
    await sam.press("Set the salary for #1")
    await sam.say(salary)


async def _fees(bot: BotHarness) -> Money:
    async with bot.database.uow() as uow:
        return await uow.ledger.balance(fees_account("USD"))


async def _exempt(bot: BotHarness, a: int, b: int) -> bool:
    async with bot.database.uow() as uow:
        return await pair_exempt(uow, a, b)


@pytest.mark.parametrize(("salary", "fee"), [
    ("40000", "5400.00"),  # the rule's example
    ("1.00", "0.14"),  # 13.5 cents: half up
    ("0.10", "0.01"),  # 1.35 cents: down
    ("0.30", "0.04"),  # 4.05 cents: down
    ("123456.78", "16666.67"),  # 1,666,666.53 cents: down
])
def test_pay_06_the_hire_direct_fee_is_13_5_percent_rounded_half_up_to_the_cent(
        salary: str, fee: str) -> None:
    assert hire_direct_fee(usd(salary)) == usd(fee)


async def test_pay_06_the_client_asks_support_sets_the_salary_the_wallet_pays_the_fee(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam = await _people(bot)
    await fund_wallet(bot.database, alice.id, usd("6000.00"), clock.now())
    await _ask_and_offer(alice, sam)
    assert "Hire Direct #1: salary $40,000.00, fee $5,400.00 (13.5%)" in sam.reply
    await deliver(bot)
    assert "hiring Bob Ivanov directly at $40,000.00" in alice.last_text
    assert "The Hire Direct fee is 13.5%: $5,400.00" in alice.last_text
    assert not await _exempt(bot, alice.id, bob.id)  # not before it is paid
    await alice.press("Pay the Hire Direct fee")
    assert "Paid: the Hire Direct fee of $5,400.00." in alice.reply
    assert await _fees(bot) == usd("5400.00")  # FEE-01's account
    async with bot.database.uow() as uow:
        assert await uow.ledger.balance(wallet_account(alice.id, "USD")) == usd("600.00")
    await deliver(bot)
    assert "You and Bob Ivanov are now hired direct" in alice.last_text
    assert "You and Alice Smith are now hired direct" in bob.last_text
    assert await _exempt(bot, alice.id, bob.id) and await _exempt(bot, bob.id, alice.id)
    await alice.forge("hd:p:1")  # a second press (an old button) charges nothing
    assert "already paid" in alice.reply
    assert await _fees(bot) == usd("5400.00")


async def test_pay_06_hold_03_a_short_wallet_gets_an_invoice_for_the_shortfall(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam = await _people(bot)
    await fund_wallet(bot.database, alice.id, usd("400.00"), clock.now())
    await _ask_and_offer(alice, sam)
    await deliver(bot)
    await alice.press("Pay the Hire Direct fee")
    assert "Your wallet is $5,000.00 short" in alice.reply
    invoice = next(a for a in alice.actions if isinstance(a, SendInvoice))
    assert invoice.amount == 500000
    assert not await _exempt(bot, alice.id, bob.id)
    await alice.send(PreCheckout("q-1", invoice.currency, invoice.amount, invoice.payload))
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-hd1"))
    assert "Paid: the Hire Direct fee of $5,400.00." in alice.reply
    assert await _fees(bot) == usd("5400.00")
    assert await _exempt(bot, alice.id, bob.id)


async def test_pay_06_msg_03_messages_between_a_pair_hired_direct_are_neither_masked_nor_flagged(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam = await _people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("Write to me at bob@example.com")
    await deliver(bot)
    assert MASK in alice.last_text  # before: masked and flagged (MSG-03)
    assert len(await open_items(bot)) == 1
    await fund_wallet(bot.database, alice.id, usd("6000.00"), clock.now())
    await _ask_and_offer(alice, sam)
    await deliver(bot)
    await alice.press("Pay the Hire Direct fee")
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("Call me on +1 415 555 2671 or bob@example.com")
    assert "⚠️" not in bob.reply
    await deliver(bot)
    assert alice.last_text.endswith("Call me on +1 415 555 2671 or bob@example.com")
    await alice.forge(f"msg:new:{bob.id}")
    await alice.say("Sure, my paypal.me/alice is for the salary")
    await deliver(bot)
    assert bob.last_text.endswith("Sure, my paypal.me/alice is for the salary")
    assert len(await open_items(bot)) == 1  # no new flag


async def test_pay_06_a_client_who_joins_through_the_bac_link_is_marked_with_their_contracts(
        bot: BotHarness) -> None:
    alice, bob, sam = await _people(bot)
    await bob.command("/invite_client")
    match = re.search(r"https://t\.me/\w+\?start=(bac[0-9a-f]+)", bob.reply)
    assert match is not None
    carol = bot.user(1003, "Carol", "Jones", language_code="en")
    await carol.command(f"/start {match.group(1)}")
    await carol.sign_up("client", "Carol", "Jones", "carol@example.com")
    assert "You joined through Bob Ivanov's invitation" in carol.reply
    await deliver(bot)
    assert "Carol Jones joined through your invitation link" in bob.last_text
    assert await _exempt(bot, carol.id, bob.id)
    assert not await _exempt(bot, alice.id, bob.id)
    await carol.forge(f"msg:new:{bob.id}")
    await carol.say("Same e-mail as always: carol@example.com")
    await deliver(bot)
    assert bob.last_text.endswith("Same e-mail as always: carol@example.com")
    assert await open_items(bot) == []
    theirs = await _contract(bot, carol.id, bob.id)
    other = await _contract(bot, alice.id, bob.id, "active")
    async with bot.database.uow() as uow:
        for contract_id, expected in ((theirs, True), (other, False)):
            contract = await uow.market.contracts.get(contract_id)
            assert contract is not None
            assert await contract_is_bring_a_client(uow, contract) is expected
    # an existing user opening the link is not marked; the link of a stranger does nothing
    await alice.command(f"/start {match.group(1)}")
    assert "for clients new to the marketplace" in alice.reply
    assert not await _exempt(bot, alice.id, bob.id)
    dan = bot.user(1004, "Dan", "Brown", language_code="en")
    await dan.command("/start bacdeadbeef")
    await dan.sign_up("client", "Dan", "Brown", "dan@example.com")
    assert "This invitation link is not valid." in dan.reply


async def test_pay_06_support_sees_both_marks_in_audit(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam = await _people(bot)
    await fund_wallet(bot.database, alice.id, usd("6000.00"), clock.now())
    await _ask_and_offer(alice, sam)
    await deliver(bot)
    await alice.press("Pay the Hire Direct fee")
    await bob.command("/invite_client")
    match = re.search(r"\?start=(bac[0-9a-f]+)", bob.reply)
    assert match is not None
    carol = bot.user(1003, "Carol", "Jones", language_code="en")
    await carol.command(f"/start {match.group(1)}")
    await carol.sign_up("client", "Carol", "Jones", "carol@example.com")
    await sam.command("/audit")
    assert "Hire Direct" in sam.reply and "Bring-a-Client" in sam.reply
    reasons = [row.reason for row in await audit_rows(bot, bob.id)]
    assert any("fee paid" in r and f"user {alice.id} and user {bob.id}" in r for r in reasons)
    assert any("salary 40000.00 USD, fee 5400.00 USD" in r for r in reasons)
    assert any(f"user {carol.id} joined through the invitation of user {bob.id}" in r
               for r in reasons)


async def test_pay_06_only_the_client_asks_only_support_sets_the_salary_forged_buttons_refused(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam = await _people(bot)
    carol = bot.user(1003, "Carol", "Jones", language_code="en")
    await carol.sign_up("client", "Carol", "Jones", "carol@example.com")
    await bob.command("/hire_direct")  # the freelancer has no client side of a contract
    assert "only a freelancer you have a contract with" in bob.reply
    await carol.forge("hd:r:1")  # someone else's contract
    assert "only a freelancer you have a contract with" in carol.reply
    await alice.command("/hire_direct")
    await alice.press("Bob Ivanov")
    await alice.forge("hd:p:1")  # before support set the salary
    assert "Support has not set the salary" in alice.reply
    await alice.command("/hire_direct_queue")  # not staff
    assert "Hire Direct #1" not in alice.reply
    await alice.forge("hd:s:1")
    answer = alice.answer
    assert answer is not None and answer.alert
    assert await bot.dialog(alice.id) == (None, {})
    await bob.forge("hd:s:1")
    assert await bot.dialog(bob.id) == (None, {})
    await sam.command("/hire_direct_queue")
    await sam.press("Set the salary for #1")
    await sam.say("zero")
    assert await bot.dialog(sam.id) != (None, {})  # asked again
    await sam.say("40000")
    await deliver(bot)
    await fund_wallet(bot.database, carol.id, usd("6000.00"), clock.now())
    await carol.forge("hd:p:1")  # not her request
    assert "does not exist or is not yours" in carol.reply
    await bob.forge("hd:p:1")
    assert "does not exist or is not yours" in bob.reply
    await alice.forge("hd:x:1")
    assert alice.answer is not None
    assert await _fees(bot) == usd("0.00")
    assert not await _exempt(bot, alice.id, bob.id)
