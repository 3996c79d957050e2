"""The payout conversations through the real dispatcher: methods, legal name, /payout,
/payouts, cancelling, and support's /payouts_queue (PAY-01..05, PAY-07, HOLD-02)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from core.clock import FixedClock
from core.money import Money
from core.payouts.states import PayoutState
from core.profiles import AccountType, FreelancerProfile
from core.services.ledger import Leg, available_account, gateway_account, transfer
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import audit_rows, deliver
from tests.payouts.kit import default_policy

__all__ = ["default_policy"]

pytestmark = pytest.mark.usefixtures("default_policy")


async def _freelancer(bot: BotHarness) -> ChatUser:
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en", username="bob")
    await bob.sign_up("expert", "Boris", "Ivanov", "bob@example.com")
    return bob


async def _earn(bot: BotHarness, user_id: int, amount: str, key: str = "earned") -> None:
    async with bot.database.uow() as uow:
        await transfer(uow, key=key, kind="seed", at=bot.clock.now(),
                       legs=Leg(gateway_account("USD"), available_account(user_id, "USD"),
                                Money.of(amount, "USD")))
        await uow.commit()


def said(user: ChatUser) -> str:
    """The replies and the callback answer (a refusal of a button press is an alert)."""
    answer = user.answer
    return user.reply + "\n" + (answer.text or "" if answer else "")


async def _add_paypal(bob: ChatUser, holder: str, email: str) -> None:
    await bob.command("/payout_methods")
    await bob.press("Add PayPal")
    assert "account holder's full name" in bob.reply
    await bob.say(holder)
    await bob.say("not an e-mail")
    assert "does not look like an e-mail address" in bob.reply
    await bob.say(email)


async def test_hold_02_pay_01_pay_04_pay_07_a_freelancer_adds_paypal_and_withdraws(
        bot: BotHarness, clock: FixedClock) -> None:
    bob = await _freelancer(bot)
    await bob.command("/payout")
    assert "Add a payout method first" in bob.reply
    await bob.command("/legal_name")
    await bob.say("Boris Ivanov")
    assert "Your legal name is now: Boris Ivanov" in bob.reply
    await _add_paypal(bob, "Boris Ivanov", "boris@example.com")
    assert "Saved: PayPal b***@example.com" in bob.reply
    assert "on hold until Jan 18, 2026, 9:30" in bob.reply  # HOLD-02: 3 days
    await bob.command("/payout_methods")
    assert "b***@example.com (holder Boris Ivanov)" in bob.reply
    assert "boris@example.com" not in bob.reply
    await _earn(bot, bob.id, "100.00")
    await bob.command("/wallet")
    assert "Service fee: 10% of every payment released to you." in bob.reply  # FEE-01
    await bob.command("/payout 40")
    await bob.press("PayPal b***@example.com")
    assert "security hold until Jan 18, 2026" in said(bob)
    clock.advance(timedelta(days=3))  # Sunday 18 January
    await bob.command("/payout")
    assert "Earnings available: $100.00" in bob.reply
    await bob.say("100.01")
    await bob.press("PayPal b***@example.com")
    assert "at most $100.00" in said(bob)  # PAY-01
    await bob.command("/payout 40")
    await bob.press("PayPal b***@example.com")
    # PAY-04: Monday 19 January 2026 is Martin Luther King Jr. Day.
    assert "Fee: $0.00" in bob.reply and "You receive: $40.00" in bob.reply
    assert "Processed on: Tuesday, January 20, 2026" in bob.reply
    await bob.press("Confirm the payout")
    assert "Payout #1 requested: $40.00 left your available balance" in bob.reply
    await bob.command("/payouts")
    assert "#1 · scheduled · $40.00 (fee $0.00) · PayPal b***@example.com" in bob.reply
    await bob.press("Cancel payout #1")
    assert "Payout #1 cancelled: $40.00 is back" in bob.reply
    await bob.command("/payouts")
    assert "#1 · cancelled" in bob.reply and not bob.messages[-1].buttons()


async def test_pay_05_a_suspended_freelancer_is_told_why_there_is_no_payout(
        bot: BotHarness, clock: FixedClock) -> None:
    bob = await _freelancer(bot)
    await _add_paypal(bob, "Boris Ivanov", "boris@example.com")
    await _earn(bot, bob.id, "100.00")
    clock.advance(timedelta(days=3))
    await bot.suspend(bob.id, "chargeback review")
    await bob.command("/payout 10")  # PAY-05: refused at once, before any button
    assert ("suspended, so it cannot request payouts. Contact support. Reason: chargeback review"
            in said(bob))


async def test_pay_03_a_name_mismatch_waits_for_support_who_confirms_and_pays_by_hand(
        bot: BotHarness, clock: FixedClock) -> None:
    sam = bot.user(ADMIN_ID, "Sam", language_code="en")
    await sam.sign_up("both", "Sam", "Support", "sam@example.com")
    bob = await _freelancer(bot)
    await bob.command("/legal_name")
    await bob.say("Boris Ivanov")
    await _add_paypal(bob, "Maria Ivanova", "maria@example.com")
    await _earn(bot, bob.id, "100.00")
    clock.advance(timedelta(days=3, hours=1))
    await bob.command("/payout all")
    await bob.press("PayPal m***@example.com")
    assert "support must confirm this payout" in bob.reply
    await bob.press("Confirm the payout")
    assert "waiting for support to confirm the account holder" in bob.reply
    await bob.command("/payouts_queue")
    assert bob.reply == "/payouts_queue is for support staff only."
    await sam.command("/payouts_queue")
    assert "maria@example.com, holder Maria Ivanova; legal name Boris Ivanov" in sam.reply
    await sam.press("Confirm #1")
    assert "Payout #1 is now scheduled" in sam.reply
    await deliver(bot)
    assert "Support confirmed your payout #1 of $100.00" in bob.last_text
    clock.advance(timedelta(days=2))  # Tuesday 20 January: due
    await sam.command("/payouts_queue")
    await sam.press("Sent #1")
    await sam.say("PP-7781")
    assert "Payout #1 is now paid" in sam.reply
    await deliver(bot)
    assert "Your payout #1 was sent: $100.00 (reference PP-7781)" in bob.last_text
    async with bot.database.uow() as uow:
        payout = await uow.payouts.get(1)
    assert payout is not None and payout.state is PayoutState.PAID
    assert any("payout #1: sent by hand, reference PP-7781" in row.reason
               for row in await audit_rows(bot))


async def test_pay_03_support_refuses_and_the_freelancer_is_told_what_to_do(
        bot: BotHarness, clock: FixedClock) -> None:
    sam = bot.user(ADMIN_ID, "Sam", language_code="en")
    await sam.sign_up("both", "Sam", "Support", "sam@example.com")
    bob = await _freelancer(bot)
    await _add_paypal(bob, "Maria Ivanova", "maria@example.com")
    await _earn(bot, bob.id, "100.00")
    clock.advance(timedelta(days=3, hours=1))
    await bob.command("/payout 30")
    await bob.press("PayPal m***@example.com")
    await bob.press("Confirm the payout")
    await sam.command("/payouts_queue")
    await sam.press("Refuse #1")
    await sam.say("The account is not in your name")
    assert "Payout #1 is now failed" in sam.reply
    await deliver(bot)
    assert "refused your payout #1 of $30.00." in bob.last_text
    assert "Reason: The account is not in your name" in bob.last_text
    assert "Add a payout method in your own name" in bob.last_text
    assert bob.last_text.endswith("Reason: The account is not in your name")


async def test_payout_details_are_never_logged_while_adding_and_paying(
        bot: BotHarness, clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sam = bot.user(ADMIN_ID, "Sam", language_code="en")
    await sam.sign_up("both", "Sam", "Support", "sam@example.com")
    bob = await _freelancer(bot)
    await _add_paypal(bob, "Maria Ivanova", "canary.paypal@example.com")
    await bob.command("/payout_methods")
    await bob.press("Add Wire transfer")
    await bob.say("Boris Ivanov")
    await bob.say("DE89 3704 0044 0532 0130 00")
    await _earn(bot, bob.id, "3000.00")
    clock.advance(timedelta(days=3, hours=1))
    await bob.command("/payout 2600")
    await bob.press("Wire transfer DE89 **** 3000")
    await bob.press("Confirm the payout")
    await bob.command("/payout 100")
    await bob.press("PayPal c***@example.com")
    await bob.press("Confirm the payout")
    await sam.command("/payouts_queue")
    assert "canary.paypal@example.com" in sam.reply  # support reads it in full, in the chat
    await sam.press("Confirm #2")
    await deliver(bot)
    text = caplog.text
    assert "canary.paypal" not in text and "DE89370400440532013000" not in text
    assert "3704 0044" not in text


async def test_fee_01_pay_02_admins_see_the_fees_taken_per_week_and_in_total(
        bot: BotHarness, clock: FixedClock) -> None:
    sam = bot.user(ADMIN_ID, "Sam", language_code="en")
    await sam.sign_up("both", "Sam", "Support", "sam@example.com")
    bob = await _freelancer(bot)
    await bob.command("/legal_name")
    await bob.say("Boris Ivanov")
    await bob.command("/payout_methods")
    await bob.press("Add Wire transfer")
    await bob.say("Boris Ivanov")
    await bob.say("DE89 3704 0044 0532 0130 01")
    assert "not a valid IBAN" in bob.reply
    await bob.say("DE89 3704 0044 0532 0130 00")
    assert "Saved: Wire transfer DE89 **** 3000" in bob.reply
    await _earn(bot, bob.id, "3000.00")
    clock.advance(timedelta(days=4))  # Monday 19 January (a holiday): Tuesday it is
    await bob.command("/payout 2500")
    await bob.press("Wire transfer DE89 **** 3000")
    assert "only for payouts above $2,500.00" in said(bob)
    await bob.command("/payout 2600")
    await bob.press("Wire transfer DE89 **** 3000")
    assert "Fee: $50.00" in bob.reply and "You receive: $2,550.00" in bob.reply
    await bob.press("Confirm the payout")
    clock.advance(timedelta(days=1))
    await sam.command("/payouts_queue")
    assert "DE89370400440532013000" in sam.reply
    await sam.press("Sent #1")
    await sam.say("WIRE-1")
    await sam.command("/fees")
    assert "Week of Jan 19, 2026: $50.00" in sam.reply
    assert "In these weeks: $50.00" in sam.reply and "All time: $50.00" in sam.reply
    await bob.command("/fees")
    assert bob.reply == "/fees is for support staff only."


async def test_pay_02_the_owner_reads_a_method_in_full_once_and_nobody_else_can(
        bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bob = await _freelancer(bot)
    await _add_paypal(bob, "Boris Ivanov", "canary.owner@example.com")
    await bob.command("/payout_methods")
    assert "canary.owner@example.com" not in bob.reply  # the card stays masked
    await bob.press("Show details PayPal c***@example.com")
    assert bob.reply == "PayPal, holder Boris Ivanov: canary.owner@example.com"
    await bob.command("/payout_methods")
    assert "canary.owner@example.com" not in bob.reply  # shown once, in that message only
    eve = bot.user(1009, "Eve", "Evans", language_code="en")
    await eve.sign_up("expert", "Eve", "Evans", "eve@example.com")
    await eve.forge(f"pom:show:{bob.data_of('Show details PayPal c***@example.com')[9:]}")
    assert "does not exist or is not yours" in said(eve)
    assert all("canary.owner" not in m.text for m in eve.messages)
    assert "canary.owner" not in caplog.text


async def _canadian(bot: BotHarness, clock: FixedClock) -> ChatUser:
    """Bob in Canada with a PayPal (USD) and an Interac (CAD) method, CAD 500 and USD 100."""
    bob = await _freelancer(bot)
    async with bot.database.uow() as uow:
        await uow.market.profiles.save_freelancer(FreelancerProfile(
            user_id=bob.id, account_type=AccountType.PROFESSIONAL, headline="Engineer",
            created_at=bot.clock.now(), country="CA"))
        await uow.commit()
    await bob.command("/legal_name")
    await bob.say("Boris Ivanov")
    await _add_paypal(bob, "Boris Ivanov", "bob.paypal@example.com")
    await bob.command("/payout_methods")
    await bob.press("Add Interac e-Transfer")
    await bob.say("Boris Ivanov")
    await bob.say("bob.interac@example.ca")
    async with bot.database.uow() as uow:
        for amount in (Money.of("500.00", "CAD"), Money.of("100.00", "USD")):
            await transfer(uow, key=f"earned-{amount.currency}", kind="seed",
                           at=bot.clock.now(), legs=Leg(
                               gateway_account(amount.currency),
                               available_account(bob.id, amount.currency), amount))
        await uow.commit()
    clock.advance(timedelta(days=3, hours=1))
    return bob


async def test_pay_02_payout_amount_is_read_in_the_currency_of_the_method_chosen(
        bot: BotHarness, clock: FixedClock) -> None:
    bob = await _canadian(bot, clock)
    await bob.command("/payout 200")
    await bob.press("Interac e-Transfer b***@example.ca")
    assert "Payout of CA$200.00 with Interac e-Transfer" in bob.reply, said(bob)
    await bob.press("Confirm the payout")
    assert "Payout #1 requested: CA$200.00 left your available balance" in bob.reply
    await bob.command("/payout 50")  # the same typed amount is USD for the PayPal method
    await bob.press("PayPal b***@example.com")
    assert "Payout of $50.00 with PayPal" in bob.reply, said(bob)
    await bob.command("/payout")
    assert "Earnings available: $100.00" in bob.reply and "CA$300.00" in bob.reply
