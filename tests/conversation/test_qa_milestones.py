"""QA of the milestone dialogs and board: long boards, due dates, /cancel half-way."""

from __future__ import annotations

import pytest

from core.clock import FixedClock
from core.services.ledger_check import check_ledger
from handlers.context import HandlerSettings
from locales import translator
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.milestones_kit import fixed_contract, fund_wallet, usd

TEXT_LIMIT, BUTTON_LIMIT = 4096, 100


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot in USD, with one admin."""
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), currency="USD"))


async def _people(bot: BotHarness, language: str) -> tuple[ChatUser, ChatUser, int]:
    """A client and a freelancer speaking ``language``, with a fixed-price contract."""
    alice = bot.user(1001, "Alice", "Smith", language_code=language)
    bob = bot.user(1002, "Bob", "Ivanov", language_code=language)
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com", language=language)
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com", language=language)
    contract = await fixed_contract(bot.database, bot.clock.now(), client=alice.id,
                                    expert=bob.id)
    assert contract.id is not None
    return alice, bob, contract.id


async def _count(bot: BotHarness, contract_id: int) -> int:
    async with bot.database.uow() as uow:
        return len(await uow.milestones.for_contract(contract_id))


async def test_ms_01_a_board_of_31_long_milestones_fits_one_telegram_message(
        bot: BotHarness) -> None:
    alice, _bob, contract_id = await _people(bot, "ru")
    title = ("Очень длинное название этапа работы " * 3)[:98]
    for i in range(30):
        await alice.command(f"/milestones {contract_id}")
        await alice.press_data(f"ms:new:{contract_id}")
        await alice.say(f"{i:02d}{title}")
        await alice.press_data("msx:k")
        await alice.say("30")
        await alice.say("2026-03-01")
    await alice.command(f"/milestones {contract_id}")
    board = alice.messages[-1]
    assert len(board.text) <= TEXT_LIMIT, len(board.text)
    assert len(board.buttons()) <= BUTTON_LIMIT
    assert sum(1 for _, data in board.buttons() if data.startswith("ms:v:")) == 31


async def test_ms_01_a_board_too_long_for_one_message_says_how_many_more(
        bot: BotHarness) -> None:
    alice, _bob, contract_id = await _people(bot, "uk")
    for i in range(45):
        await alice.command(f"/milestones {contract_id}")
        await alice.press_data(f"ms:new:{contract_id}")
        await alice.say(f"{i:02d} " + "Дуже довга назва етапу роботи " * 3)
        await alice.press_data("msx:k")
        await alice.say("30")
        await alice.say("2026-03-01")
    await alice.command(f"/milestones {contract_id}")
    board = alice.messages[-1]
    assert len(board.text) <= TEXT_LIMIT
    assert "… і ще" in board.text.splitlines()[-1]
    assert sum(1 for _, data in board.buttons() if data.startswith("ms:v:")) == 46


@pytest.mark.parametrize("language", ["en", "ru", "uk", "es"])
async def test_ms_01_due_dates_are_iso_or_day_first_with_dots_and_the_prompt_says_so(
        bot: BotHarness, language: str) -> None:
    _alice, bob, contract_id = await _people(bot, language)
    t = translator(language)
    await bob.command(f"/milestones {contract_id}")
    await bob.press_data(f"ms:new:{contract_id}")
    await bob.say("Drawings")
    await bob.press_data("msx:k")
    await bob.say("50")
    assert t("The due date? Send it as YYYY-MM-DD or DD.MM.YYYY, for example {example}.",
             example="2026-01-29") == bob.reply
    refusal = t("Please send the due date as YYYY-MM-DD or DD.MM.YYYY, for example {example}.",
                example="2026-01-29")
    for typed in ("01/03/2026", "31.02.2026", "tomorrow", "2026-02-30"):  # "01/03": which month?
        await bob.say(typed)
        assert refusal in bob.reply, typed
        assert (await bot.dialog(bob.id))[0] == "milestones.due"
    await bob.say("2020-01-01")
    assert t("The due date cannot be in the past.") in bob.reply
    await bob.say("1.3.2026")
    assert (await bot.dialog(bob.id))[0] is None
    async with bot.database.uow() as uow:
        proposed = (await uow.milestones.for_contract(contract_id))[-1]
    assert proposed.due_date.isoformat() == "2026-03-01"


async def test_ms_02_cancel_at_the_due_date_writes_no_milestone(bot: BotHarness) -> None:
    _alice, bob, contract_id = await _people(bot, "es")
    await bob.command(f"/milestones {contract_id}")
    before = await _count(bot, contract_id)
    await bob.press_data(f"ms:new:{contract_id}")
    await bob.say("Planos")
    await bob.say("Todas las vistas")
    await bob.say("1.000,50")
    await bob.command("/cancel")
    assert await bot.dialog(bob.id) == (None, {})
    assert await _count(bot, contract_id) == before
    async with bot.database.uow() as uow:
        assert (await check_ledger(uow)).ok


async def _funded_and_started(bot: BotHarness, alice: ChatUser, bob: ChatUser,
                              contract_id: int, description: str = "") -> int:
    """The first milestone, described, funded from the wallet and started by the freelancer."""
    await alice.command(f"/milestones {contract_id}")
    milestone_id = int(alice.data_of("1. First draft").split(":")[2])
    if description:
        await alice.press_data(f"ms:v:{milestone_id}")
        await alice.press_data(f"ms:ed:{milestone_id}")
        await alice.press_data("msx:k")
        await alice.say(description)
        await alice.press_data("msx:k")
        await alice.press_data("msx:k")
    await fund_wallet(bot.database, alice.id, usd("100.00"), bot.clock.now())
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    await bob.command(f"/milestones {contract_id}")
    await bob.press_data(f"ms:v:{milestone_id}")
    await bob.press_data(f"ms:st:{milestone_id}")
    return milestone_id


async def test_ms_06_a_too_long_submission_message_is_refused_and_the_dialog_recovers(
        bot: BotHarness) -> None:
    alice, bob, contract_id = await _people(bot, "ru")
    milestone_id = await _funded_and_started(bot, alice, bob, contract_id)
    await bob.press_data(f"ms:sub:{milestone_id}")
    await bob.say("x" * 5000)
    ru = translator("ru")
    assert ru("The text is too long (at most {limit} characters).", limit=3000) in bob.reply
    await bob.say("All views, dimensioned")
    await bob.press_data("msw:ss")
    assert ru("Submitted: the client reviews “{title}”.", title="First draft") == bob.reply
    async with bot.database.uow() as uow:
        stored = await uow.milestones.get(milestone_id)
    assert stored is not None and stored.state.value == "submitted"


async def test_ms_06_a_card_with_the_longest_description_and_submission_fits_one_message(
        bot: BotHarness) -> None:
    alice, bob, contract_id = await _people(bot, "uk")
    milestone_id = await _funded_and_started(bot, alice, bob, contract_id, "д" * 2000)
    await bob.press_data(f"ms:sub:{milestone_id}")
    await bob.say("р" * 3000)
    await bob.press_data("msw:ss")
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:v:{milestone_id}")
    assert "р" * 500 in alice.last_text and "д" * 500 in alice.last_text
    assert len(alice.last_text) <= TEXT_LIMIT, len(alice.last_text)


async def test_ms_02_approve_on_a_card_shown_before_the_proposal_was_edited_approves_nothing(
        bot: BotHarness) -> None:
    alice, bob, contract_id = await _people(bot, "es")
    await bob.command(f"/milestones {contract_id}")
    await bob.press_data(f"ms:new:{contract_id}")
    await bob.say("Planos")
    await bob.press_data("msx:k")
    await bob.say("100")
    await bob.say("2026-03-01")
    milestone_id = int(bob.messages[-1].buttons()[0][1].split(":")[2])
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:v:{milestone_id}")
    stale_card = alice.messages[-1]
    await bob.press_data(f"ms:v:{milestone_id}")
    await bob.press_data(f"ms:ed:{milestone_id}")
    for _ in range(2):
        await bob.press_data("msx:k")
    await bob.say("5000")
    await bob.press_data("msx:k")
    es = translator("es")
    approve = next(data for label, data in stale_card.buttons() if label == es("Approve"))
    await alice.forge(approve, stale_card.id)
    async with bot.database.uow() as uow:
        stored = await uow.milestones.get(milestone_id)
    assert stored is not None and stored.state.value == "proposed"
    assert alice.answer is not None and alice.answer.text == es(
        "The freelancer has changed this proposal since you opened it. Read it again, then "
        "approve or decline.")
    assert "5000,00" in alice.last_text.replace(".", "")
    await alice.press(es("Approve"))  # the card now shows the terms she approves
    async with bot.database.uow() as uow:
        stored = await uow.milestones.get(milestone_id)
    assert stored is not None and stored.state.value == "approved"


async def test_ms_04_approve_change_on_an_old_card_does_not_approve_a_newer_request(
        bot: BotHarness) -> None:
    alice, bob, contract_id = await _people(bot, "ru")
    milestone_id = await _funded_and_started(bot, alice, bob, contract_id)

    async def ask_for(amount: str) -> None:
        await bob.command(f"/milestones {contract_id}")
        await bob.press_data(f"ms:v:{milestone_id}")
        await bob.press_data(f"ms:chg:{milestone_id}")
        await bob.press_data("msx:cf:a")
        await bob.say(amount)
        await bob.press_data("msx:cs")

    await ask_for("150")
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:v:{milestone_id}")
    old_card = alice.messages[-1]
    old_approve = next(d for _, d in old_card.buttons() if d.startswith("ms:ac:"))
    await alice.forge(f"ms:dc:{milestone_id}")  # declined from another message
    await ask_for("900")
    await fund_wallet(bot.database, alice.id, usd("1000.00"), bot.clock.now())
    await alice.forge(old_approve, old_card.id)
    async with bot.database.uow() as uow:
        stored = await uow.milestones.get(milestone_id)
    assert stored is not None and stored.request is not None
    assert stored.amount == usd("100.00") and stored.escrow == usd("100.00")
    ru = translator("ru")
    assert alice.answer is not None and alice.answer.text == ru(
        "The freelancer has asked for another change since you opened this. Read it again, "
        "then approve or decline.")
    await alice.press(ru("Approve the change"))
    async with bot.database.uow() as uow:
        stored = await uow.milestones.get(milestone_id)
    assert stored is not None and stored.escrow == usd("900.00")
    async with bot.database.uow() as uow:
        assert (await check_ledger(uow)).ok
