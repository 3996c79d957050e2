"""Milestones through the real dispatcher: the board, dialogs, invoices, disputes, ticks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FixedClock
from core.ledger import Owner
from core.milestones import Milestone, MilestoneState
from core.money import format_money
from core.support import ItemKind
from handlers.context import HandlerSettings
from handlers.contract import Payment, PreCheckout, SendDocument, SendInvoice, SendPhoto
from handlers.jobs import run_ticks
from locales import translator
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import deliver, open_items
from tests.fakes import present
from tests.milestones_kit import balances, fixed_contract, fund_wallet, usd

S = MilestoneState
PROVIDER = "284685063:TEST:provider-token"


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot with a payment provider token, in USD, with one admin."""
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), currency="USD", payment_provider_token=PROVIDER))


async def _people(bot: BotHarness) -> tuple[ChatUser, ChatUser, int]:
    """Alice (employer, en) and Bob (freelancer, ru) with a fixed-price contract."""
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="ru")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com", language="ru")
    contract = await fixed_contract(bot.database, bot.clock.now(), client=alice.id,
                                    expert=bob.id)
    assert contract.id is not None
    return alice, bob, contract.id


async def _milestone(bot: BotHarness, milestone_id: int) -> Milestone:
    async with bot.database.uow() as uow:
        return present(await uow.milestones.get(milestone_id))


def _ids(user: ChatUser, prefix: str) -> list[int]:
    """Milestone ids of the buttons ``ms:<prefix>:<id>`` on the newest keyboard."""
    for message in reversed(user.messages):
        found = [int(d.split(":")[2]) for _, d in message.buttons() if d.startswith(
            f"ms:{prefix}:")]
        if found:
            return found
    return []


async def _open(user: ChatUser, contract_id: int, milestone_id: int) -> None:
    """The milestone's card, reached through /milestones and the board."""
    await user.command(f"/milestones {contract_id}")
    await user.press_data(f"ms:v:{milestone_id}")


async def _pay(user: ChatUser, invoice: SendInvoice, charge: str) -> None:
    await user.send(PreCheckout(f"q-{charge}", invoice.currency, invoice.amount,
                                invoice.payload))
    await user.send(Payment(invoice.currency, invoice.amount, invoice.payload, charge))


async def test_ms_02_ms_05_ms_06_propose_approve_fund_short_submit_revise_accept(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id = await _people(bot)
    ru = translator("ru")
    await bob.command("/milestones")
    await bob.press_data(f"ms:b:{contract_id}")
    assert "First draft" in bob.last_text
    await bob.press_data(f"ms:new:{contract_id}")
    await bob.say("Drawings of the housing")
    await bob.press_data("msx:k")  # skip the description
    await bob.say("24")
    assert ru("A milestone must be at least {minimum}.",
              minimum=format_money(usd("25.00"), "ru")) in bob.reply
    await bob.say("250")
    await bob.say("2026-02-01")
    assert "Drawings of the housing" in bob.reply
    assert await bot.dialog(bob.id) == (None, {})
    assert await deliver(bot) == 1
    assert "Bob Ivanov proposed a milestone: “Drawings of the housing”, $250.00" in (
        alice.last_text)
    await alice.press("Open the milestone")
    await alice.press("Approve")
    assert alice.answer is not None and alice.answer.text == "Approved."
    milestone_id = _ids(alice, "f")[0]
    await deliver(bot)
    assert bob.last_text == ru("👍 {name} approved the milestone “{title}”. Work starts once "
                               "it is funded.", name="Alice Smith",
                               title="Drawings of the housing")
    await fund_wallet(bot.database, alice.id, usd("100.00"), clock.now())
    await alice.press("Fund $250.00")
    invoices = [a for a in alice.actions if isinstance(a, SendInvoice)]
    assert [(i.amount, i.currency) for i in invoices] == [(150_00, "USD")]
    assert "Your wallet is $150.00 short" in alice.reply
    assert (await _milestone(bot, milestone_id)).state is S.APPROVED
    await _pay(alice, invoices[0], "charge-1")
    assert "is funded: $250.00 is in escrow" in alice.reply
    assert (await _milestone(bot, milestone_id)).state is S.FUNDED
    assert (await balances(bot.database, milestone_id, alice.id, bob.id))["escrow"] == usd(
        "250.00")
    await deliver(bot)
    await bob.press_data(f"ms:v:{milestone_id}")
    await bob.press_data(f"ms:st:{milestone_id}")
    await bob.press_data(f"ms:sub:{milestone_id}")
    await bob.say("All views, dimensioned")
    await bob.document("housing.pdf")
    await bob.press_data("msw:ss")
    assert (await _milestone(bot, milestone_id)).state is S.SUBMITTED
    await deliver(bot)
    assert "submitted work for the milestone “Drawings of the housing”" in alice.last_text
    await alice.press("Open the milestone")
    assert "All views, dimensioned" in alice.last_text and "1 file attached" in alice.last_text
    await alice.press("Show the files")
    assert [type(a) for a in alice.actions] == [type(alice.actions[0]), SendDocument]
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press("Ask for a revision")
    await alice.say("Add the section view")
    await deliver(bot)
    assert "Add the section view" in bob.last_text
    await bob.press_data(f"ms:sub:{milestone_id}")
    await bob.photo("section")
    await bob.press_data("msw:ss")
    await deliver(bot)
    await alice.press("Open the milestone")
    await alice.press("Accept and release $250.00")
    assert "Release $250.00 to the freelancer?" in alice.last_text
    await alice.press("Accept and release $250.00")
    assert (await _milestone(bot, milestone_id)).state is S.RELEASED
    money = await balances(bot.database, milestone_id, alice.id, bob.id)
    assert (money["escrow"], money["pending"]) == (usd("0"), usd("225.00"))  # FEE-01: 10%
    await deliver(bot)  # FEE-01: the release shows gross, fee and net (Bob reads Russian)
    assert all(f"{amount}\xa0$" in bob.last_text for amount in ("250,00", "25,00", "225,00"))


async def test_ms_04_a_change_request_with_a_higher_amount_is_charged_on_approval(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id = await _people(bot)
    await alice.command(f"/milestones {contract_id}")
    milestone_id = _ids(alice, "v")[0]
    await fund_wallet(bot.database, alice.id, usd("120.00"), clock.now())
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press("Fund $100.00")
    await _open(bob, contract_id, milestone_id)
    await bob.press_data(f"ms:chg:{milestone_id}")
    await bob.press_data("msx:cf:a")
    await bob.say("90")
    assert translator("ru")("A change can only raise the amount.") in bob.reply or (
        await bot.dialog(bob.id))[0] == "milestones.change"
    await bob.press_data("msx:cf:a")
    await bob.say("150")
    await bob.press_data("msx:cf:t")
    await bob.say("First draft and BOM")
    await bob.press_data("msx:cs")
    await deliver(bot)
    assert "asks to change the milestone “First draft”" in alice.last_text
    await alice.press("Open the milestone")
    assert "Amount: $150.00" in alice.last_text
    await alice.press("Approve the change")  # the wallet has $20.00 of the $50.00
    invoice = next(a for a in alice.actions if isinstance(a, SendInvoice))
    assert invoice.amount == 30_00
    await _pay(alice, invoice, "charge-2")
    assert "the escrow now holds $150.00" in alice.reply
    stored = await _milestone(bot, milestone_id)
    assert (stored.title, stored.amount, stored.escrow) == ("First draft and BOM",
                                                            usd("150.00"), usd("150.00"))


async def test_ms_08_a_dispute_reaches_the_queue_and_support_resolves_it(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id = await _people(bot)
    admin = bot.user(ADMIN_ID, "Sam", "Admin", language_code="en")
    await admin.sign_up("client", "Sam", "Admin", "sam@example.com")
    await alice.command(f"/milestones {contract_id}")
    milestone_id = _ids(alice, "v")[0]
    await fund_wallet(bot.database, alice.id, usd("100.00"), clock.now())
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    await _open(alice, contract_id, milestone_id)
    await alice.press_data(f"ms:dsp:{milestone_id}")
    await alice.say("Nothing was delivered in two weeks")
    await alice.photo("screenshot of the chat")
    await alice.press_data("msw:ds")
    assert (await _milestone(bot, milestone_id)).state is S.DISPUTED
    items = await open_items(bot)
    assert [(i.kind, i.reporter_id, i.subject_id) for i in items] == [
        (ItemKind.DISPUTE, alice.id, bob.id)]
    await deliver(bot)
    assert "Nothing was delivered in two weeks" in bob.last_text
    await admin.command("/queue")
    await admin.press_data(f"sup:i:{items[0].id}")
    assert "milestone dispute" in admin.last_text
    await admin.press("Open the dispute")
    assert ("opened a dispute — Nothing was delivered in two weeks screenshot of the chat "
            "[1 file]") in admin.reply
    assert any(isinstance(a, SendPhoto) for a in admin.actions)
    await alice.command(f"/resolve {milestone_id} refund mine")
    assert alice.reply == "/resolve is for support staff only."
    await admin.command(f"/resolve {milestone_id} partial 30 A third was delivered")
    assert "$30.00 released to the freelancer, $70.00 refunded to the client" in admin.reply
    await deliver(bot)
    assert "A third was delivered" in alice.last_text and "A third was delivered" in (
        bob.last_text)
    money = await balances(bot.database, milestone_id, alice.id, bob.id)
    assert (money["wallet"], money["pending"], money["escrow"]) == (usd("70.00"), usd("27.00"),
                                                                    usd("0"))
    assert not await open_items(bot)
    await alice.command("/wallet")
    assert "Dispute decided by support · +$70.00" in alice.reply


async def test_ms_09_reminders_and_auto_release_run_from_the_registered_ticks(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id = await _people(bot)
    await alice.command(f"/milestones {contract_id}")
    milestone_id = _ids(alice, "v")[0]
    await fund_wallet(bot.database, alice.id, usd("100.00"), clock.now())
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    await _open(bob, contract_id, milestone_id)
    await bob.press_data(f"ms:sub:{milestone_id}")
    await bob.say("Done")
    await bob.press_data("msw:ss")
    submitted = clock.now()
    await deliver(bot)
    for offset, expected in ((timedelta(days=11), 1), (timedelta(days=11), 0),
                             (timedelta(days=13), 1), (timedelta(days=14), 2)):
        await run_ticks(bot.database.uow, submitted + offset)
        assert await deliver(bot) == expected, offset
        if offset == timedelta(days=11) and expected:
            assert alice.last_text.startswith("⏰ Reminder")
    assert (await _milestone(bot, milestone_id)).state is S.RELEASED
    assert "released to the freelancer automatically" in alice.last_text
    async with bot.database.uow() as uow:
        holds = await uow.ledger.open_holds(Owner.user(bob.id))
    assert [h.amount for h in holds] == [usd("90.00")]  # FEE-01: the net
