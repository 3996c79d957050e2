"""How the bot words what happened: the audit log, dispute outcomes, payments, drafts, menus.

Each case was found by a newcomer reading the sandbox in en, ru, uk and es (issue 10,
"Words and numbers"); each test holds one wording to what really happened, in the reader's
language and number format.
"""

from __future__ import annotations

import pytest

from core.clock import FixedClock
from core.support import AuditAction, AuditEntry
from handlers.context import HandlerSettings
from handlers.contract import Edit, Payment, PreCheckout, Send, SendInvoice
from locales import translator
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import audit_rows, open_items
from tests.milestones_kit import fixed_contract, fund_wallet, usd

PROVIDER = "284685063:TEST:provider-token"


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot with a payment provider token, in USD, with one admin."""
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), currency="USD", payment_provider_token=PROVIDER))


async def _contract(bot: BotHarness) -> tuple[ChatUser, ChatUser, int, int]:
    """Alice (employer, en), Bob (freelancer, ru), their contract and its first milestone."""
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="ru")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com", language="ru")
    contract = await fixed_contract(bot.database, bot.clock.now(), client=alice.id,
                                    expert=bob.id, first_amount=90_00)
    assert contract.id is not None
    await alice.command(f"/milestones {contract.id}")
    milestone_id = next(int(data.split(":")[2]) for _, data in alice.messages[-1].buttons()
                        if data.startswith("ms:v:"))
    return alice, bob, contract.id, milestone_id


async def _disputed(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, int, int]:
    """A funded milestone of $90.00 in dispute, whose queue item id is not the milestone's."""
    alice, bob, contract_id, milestone_id = await _contract(bot)
    await bob.command(f"/report {alice.id} asked me to pay outside")  # queue item #1
    await fund_wallet(bot.database, alice.id, usd("90.00"), bot.clock.now())
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    await alice.press_data(f"ms:dsp:{milestone_id}")
    await alice.say("Only half of it was delivered")
    await alice.press_data("msw:ds")
    lucia = bot.user(ADMIN_ID, "Lucía", "García", language_code="es")
    await lucia.sign_up("client", "Lucía", "García", "lucia@example.com", language="es")
    return alice, bob, lucia, contract_id, milestone_id


async def test_acc_03_a_dispute_decision_is_audited_with_the_milestone_in_the_readers_words(
        bot: BotHarness) -> None:
    alice, bob, lucia, _contract_id, milestone_id = await _disputed(bot)
    [_fraud, dispute] = await open_items(bot)
    assert dispute.id != milestone_id
    await lucia.command(f"/resolve {milestone_id} partial 40 Solo se entregó la mitad")
    rows = await audit_rows(bot)
    assert {(r.action, r.target_id) for r in rows[:2]} == {
        (AuditAction.RESOLVE_DISPUTE, alice.id), (AuditAction.RESOLVE_DISPUTE, bob.id)}
    assert rows[0].reason == "Solo se entregó la mitad"  # the why, as typed; no English note
    assert (rows[0].details["milestone"], rows[0].details["released"],
            rows[0].details["refunded"], rows[0].details["currency"]) == (
                milestone_id, 40_00, 50_00, "USD")
    await lucia.command(f"/audit {bob.id}")
    line = lucia.reply.splitlines()[2]
    es = translator("es")
    assert line.startswith(f"[15 ene 2026, 9:30 UTC] Lucía García (id {lucia.id}): ")
    assert es("decided the dispute about milestone #{milestone} “{title}” with {target}: "
              "{released} to the freelancer, {refunded} back to the client",
              milestone=milestone_id, title="First draft", target=f"Bob Ivanov (id {bob.id})",
              released="40,00\xa0US$", refunded="50,00\xa0US$") in line
    assert f"#{dispute.id}" not in line and "USD" not in line and "milestone #" not in line
    sam = bot.user(1010, "Sam", "Support", language_code="en")
    await sam.sign_up("expert", "Sam", "Support", "sam@example.com")
    await lucia.command("/grant_support 1010 colleague")
    await sam.command(f"/audit {alice.id}")
    assert (f"decided the dispute about milestone #{milestone_id} “First draft” with Alice "
            f"Smith (id {alice.id}): $40.00 to the freelancer, $50.00 back to the client — Solo "
            "se entregó la mitad") in sam.reply


async def test_acc_03_closing_a_queue_item_is_audited_as_the_item_with_its_kind(
        bot: BotHarness) -> None:
    alice, bob, lucia, _contract_id, _milestone_id = await _disputed(bot)
    [fraud, _dispute] = await open_items(bot)
    await lucia.forge(f"sup:c:{fraud.id}:d")
    await lucia.say("sin pruebas")
    await lucia.command("/audit")
    es = translator("es")
    assert es("dismissed queue item #{item} ({kind}) about {target}", item=fraud.id,
              kind=es("fraud report"), target=f"Alice Smith (id {alice.id})") in lucia.reply


async def test_ms_08_after_a_partial_decision_the_board_says_what_was_released_and_refunded(
        bot: BotHarness) -> None:
    alice, bob, lucia, contract_id, milestone_id = await _disputed(bot)
    await lucia.command(f"/resolve {milestone_id} partial 40 Solo se entregó la mitad")
    await alice.command(f"/milestones {contract_id}")
    board = alice.reply
    assert "— released to the freelancer" not in board
    assert "$40.00 released to the freelancer, $50.00 refunded to the client" in board
    await bob.command(f"/milestones {contract_id}")
    ru = translator("ru")
    assert ru("{released} released to the freelancer, {refunded} refunded to the client",
              released="40,00\xa0$", refunded="50,00\xa0$") in bob.reply


async def test_ms_08_a_refused_partial_release_names_the_escrow_in_the_readers_format(
        bot: BotHarness) -> None:
    _alice, _bob, lucia, _contract_id, milestone_id = await _disputed(bot)
    await lucia.command(f"/resolve {milestone_id} partial 90 todo")
    assert "90,00\xa0US$" in lucia.reply and "USD" not in lucia.reply


async def test_hold_03_a_payment_that_funds_a_milestone_says_the_money_went_into_escrow(
        bot: BotHarness) -> None:
    alice, _bob, _contract_id, milestone_id = await _contract(bot)
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    [invoice] = [a for a in alice.actions if isinstance(a, SendInvoice)]
    await alice.send(PreCheckout("q-1", invoice.currency, invoice.amount, invoice.payload))
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-1"))
    said = "\n".join(alice.replies)
    assert "Balance: $90.00" not in said
    assert ("Payment received: $90.00. It went straight into the escrow of the milestone "
            "“First draft”; your wallet balance is $0.00.") in said


async def test_hold_03_a_replayed_payment_that_funded_a_milestone_says_where_it_went(
        bot: BotHarness) -> None:
    """The same charge delivered again (a new update) moves nothing, and says the payment is
    in the milestone's escrow, not "already added to your wallet"."""
    alice, _bob, _contract_id, milestone_id = await _contract(bot)
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    [invoice] = [a for a in alice.actions if isinstance(a, SendInvoice)]
    await alice.send(PreCheckout("q-1", invoice.currency, invoice.amount, invoice.payload))
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-1"))
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-1"))
    assert alice.replies == [
        "This payment was received before: it went into the escrow of the milestone "
        "“First draft”. Nothing moved this time; your wallet balance is $0.00."]


async def test_hold_03_a_replayed_payment_that_stayed_in_the_wallet_says_so(
        bot: BotHarness) -> None:
    """The neighbour: the milestone was funded from the wallet before its invoice was paid, so
    the payment stayed in the wallet, and its replay says just that."""
    alice, _bob, _contract_id, milestone_id = await _contract(bot)
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    [invoice] = [a for a in alice.actions if isinstance(a, SendInvoice)]
    await fund_wallet(bot.database, alice.id, usd("90.00"), bot.clock.now())
    await alice.press_data(f"ms:f:{milestone_id}")  # funded from the wallet meanwhile
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-2"))
    await alice.send(Payment(invoice.currency, invoice.amount, invoice.payload, "charge-2"))
    assert alice.replies == ["This payment was already added to your wallet. Balance: $90.00."]


async def test_a_draft_says_when_it_was_created_not_posted(bot: BotHarness) -> None:
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await alice.command("/post")
    await alice.say("Gearbox housing drawings")
    await alice.say("Cast aluminium housing, STEP and PDF drawings needed.")
    await alice.press_data("pp:cat:cad")
    await alice.press_data("pp:kind:fixed")
    await alice.say("500-1000")
    await alice.press_data("pp:nodl")
    draft = alice.last_text
    assert "Posted on" not in draft and "Created on Jan 15, 2026" in draft
    await alice.press_data(alice.data_of("Publish"))
    assert "Posted on Jan 15, 2026" in alice.last_text


async def test_choosing_categories_edits_its_own_message_on_every_tap(bot: BotHarness) -> None:
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    await bob.command("/freelancer_profile")
    await bob.press_data("pf:at:professional")
    await bob.say("CAD engineer")
    await bob.say("SolidWorks, AutoCAD")
    asked = len(bob.messages)
    for code in ("cad", "design", "cad"):
        actions = await bob.press_data(f"pf:ct:{code}")
        assert [type(a) for a in actions if isinstance(a, Send | Edit)] == [Edit], code
    assert len(bob.messages) == asked
    await bob.press_data("pf:ct:cad")
    assert "✓" in " ".join(label for label, _ in bob.messages[-1].buttons())


async def test_removing_portfolio_items_edits_the_list_it_was_pressed_on(
        bot: BotHarness) -> None:
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    await bob.command("/freelancer_profile")
    await bob.press_data("pf:at:professional")
    for answer in ("CAD engineer", "SolidWorks, AutoCAD"):
        await bob.say(answer)
    await bob.press_data("pf:ct:cad")
    await bob.press_data("pf:cd")
    for answer in ("40", "Germany"):
        await bob.say(answer)
    for title in ("Gearbox housing", "Pump impeller"):
        await bob.press_data("pf:pa")
        await bob.say(title)
        await bob.say("https://example.com/" + title.split()[0].lower())
    await bob.press_data("pf:pl")
    shown = len(bob.messages)
    [first, _second] = [data for _, data in bob.messages[-1].buttons()]
    actions = await bob.press_data(first)
    assert [type(a) for a in actions if isinstance(a, Send | Edit)] == [Edit]
    assert len(bob.messages) == shown and len(bob.messages[-1].buttons()) == 1


async def test_acc_03_an_old_audit_row_without_details_is_shown_with_its_stored_words(
        bot: BotHarness) -> None:
    _alice, bob, lucia, _contract_id, _milestone_id = await _disputed(bot)
    [_fraud, dispute] = await open_items(bot)
    async with bot.database.uow() as uow:
        await uow.support.add_audit(AuditEntry(
            actor_id=lucia.id, action=AuditAction.RESOLVE_DISPUTE, created_at=bot.clock.now(),
            reason="an old note", target_id=bob.id, item_id=dispute.id))
        await uow.commit()
    await lucia.command("/audit")
    es = translator("es")
    assert es("decided a milestone dispute (queue item #{item}) with {target}",
              item=dispute.id, target=f"Bob Ivanov (id {bob.id})") + " — an old note" in (
        lucia.reply)
