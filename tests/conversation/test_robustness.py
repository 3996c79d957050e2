"""Forged buttons, duplicated updates and suspended accounts (ACC-02) change nothing."""

from __future__ import annotations

import itertools

import pytest

from core.accounts import Role
from core.clock import FixedClock
from handlers.context import Context, HandlerSettings
from handlers.contract import (
    Action,
    AnswerCallback,
    AnswerPreCheckout,
    Incoming,
    PreCheckout,
    Text,
)
from storage import Database
from tests.conversation.harness import BotHarness, ChatUser

FORGED = [
    "nope:1",            # a prefix nobody routes
    "lang:de",           # a language we do not have
    "lang:",             # malformed
    "lang:ru:extra",
    "prof:edit:password",
    "prof:edit",
    "prof:role:admin",   # staff roles cannot be chosen
    "prof:role:both",    # another step's button: no role choice is awaited
    "start:role:both",   # sign-up is over
    "start:lang:ru",
    "start:same",
    "start:lang:ru:x",
    "lang:ру",           # look-alike letters
    "start::both",
    "prof:edit:first:x",
    "menu:profile:x",
    "menu:wallet",
    "menu:",
    ":",
    "x" * 64,
]


async def _signed_up(bot: BotHarness) -> ChatUser:
    ann = bot.user(1, "Ann", "Lee", language_code="en")
    await ann.sign_up(role="expert", first="Ann", last="Lee", email="ann@example.com")
    return ann


@pytest.mark.parametrize("data", FORGED)
async def test_a_forged_button_changes_nothing_and_is_answered(bot: BotHarness,
                                                               data: str) -> None:
    ann = await _signed_up(bot)
    before = await bot.snapshot(1)
    actions = await ann.forge(data)
    assert actions == [AnswerCallback(
        "This button is no longer valid. Send /help to see what you can do.", alert=True)]
    assert await bot.snapshot(1) == before


async def test_another_steps_button_during_sign_up_changes_nothing(bot: BotHarness) -> None:
    bob = bot.user(2, "Bob", language_code="de")
    await bob.command("/start")
    before = await bot.snapshot(2)
    for data in ("start:role:both", "start:same", "prof:edit:email", "prof:role:client"):
        await bob.forge(data)
        assert bob.answer is not None and bob.answer.alert
        assert await bot.snapshot(2) == before
    old_language_button = bob.data_of("English")
    await bob.press("English")
    before = await bot.snapshot(2)
    await bob.forge(old_language_button)  # pressed again, after the step moved on
    assert bob.answer is not None and "no longer valid" in (bob.answer.text or "")
    assert await bot.snapshot(2) == before


async def test_every_button_press_gets_exactly_one_callback_answer(bot: BotHarness) -> None:
    ann = await _signed_up(bot)
    await ann.command("/profile")
    for label in ("Edit first name", "Change roles"):
        actions = await ann.press(label)
        assert sum(isinstance(a, AnswerCallback) for a in actions) == 1


async def test_a_duplicated_update_has_no_second_effect(bot: BotHarness) -> None:
    ann = await _signed_up(bot)
    await ann.command("/profile")
    await ann.press("Edit first name")
    await ann.say("Anna")
    update_id = ann.last_update_id
    assert (await bot.stored(1)).first_name == "Anna"
    await ann.press("Edit first name")
    before = await bot.snapshot(1)
    assert await ann.send(Text("Annabel"), update_id=update_id) == []
    assert await bot.snapshot(1) == before  # still awaiting the name, still "Anna"
    await ann.say("Annabel")
    assert (await bot.stored(1)).first_name == "Annabel"


async def test_acc_02_a_suspended_user_gets_the_reason_on_actions(bot: BotHarness) -> None:
    ann = await _signed_up(bot)
    await bot.suspend(1, "unpaid invoice")
    reason = ("Your account is suspended. Send /appeal to ask support to review it. "
              "Reason: unpaid invoice")
    await ann.command("/profile")
    assert "First name: Ann" in ann.reply  # reading is allowed
    before = await bot.snapshot(1)
    await ann.press("Edit e-mail")
    assert ann.answer == AnswerCallback(reason, alert=True)
    await ann.press("Change roles")
    assert ann.answer == AnswerCallback(reason, alert=True)
    assert await bot.snapshot(1) == before


async def test_acc_02_a_suspended_user_in_a_dialog_changes_nothing(bot: BotHarness) -> None:
    ann = await _signed_up(bot)
    await ann.command("/profile")
    await ann.press("Edit last name")
    await bot.suspend(1, "fraud review")
    await ann.say("Smith")
    assert ann.reply == ("Your account is suspended. Send /appeal to ask support to review it. "
                         "Reason: fraud review")
    assert (await bot.stored(1)).last_name == "Lee"


async def test_acc_02_a_suspended_newcomer_cannot_pick_a_role(bot: BotHarness) -> None:
    cy = bot.user(3, "Cy", language_code="ru")
    await cy.command("/start")
    await bot.suspend(3, "спам")
    await cy.press("Я фрилансер")
    assert cy.answer == AnswerCallback(
        "Ваш аккаунт заблокирован. Чтобы попросить поддержку пересмотреть решение, "
        "отправьте /appeal. Причина: спам", alert=True)
    assert (await bot.stored(3)).roles == set()


async def test_acc_01_admin_ids_alone_decide_who_is_admin(
        conversation_db: Database, clock: FixedClock) -> None:
    """An admin removed from ADMIN_IDS loses the role even after a handler saved it."""
    admin_bot = BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset({77})))
    ada = admin_bot.user(77, "Ada", "Admin", username="ada")
    await ada.sign_up("both", "Ada", "Admin", "ada@example.com")  # saves the user row
    await ada.command("/ledger_check")
    assert "for administrators only" not in ada.reply

    plain_bot = BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset()))
    plain_bot.update_ids = itertools.count(50_000)  # Telegram's ids keep growing
    ada_again = plain_bot.user(77, "Ada", "Admin", username="ada")
    await ada_again.command("/ledger_check")
    assert ada_again.reply == "/ledger_check is for administrators only."
    assert Role.ADMIN not in (await plain_bot.stored(77)).roles


async def _boom(incoming: Incoming, ctx: Context) -> list[Action]:
    """A handler with a bug."""
    raise RuntimeError("a bug")


async def test_an_unexpected_error_is_told_in_the_chosen_language_and_changes_nothing(
        bot: BotHarness) -> None:
    """A bug rolls everything back and apologises in the language the user picked."""
    olga = bot.user(321, "Olga", language_code="en")
    await olga.sign_up("expert", "Olga", "Petrova", "olga@example.com")
    await olga.command("/language")
    await olga.press_data("lang:ru")
    routes = bot.dispatcher.router  # this harness's own table (build_router() makes a new one)
    routes.commands["boom"] = _boom
    routes.special["pre_checkout"] = _boom
    try:
        await olga.command("/boom")
        assert "Что-то пошло не так" in olga.reply
        actions = await olga.send(PreCheckout("q1", "USD", 5000, "topup:1:321"))
        answer = actions[0]
        assert isinstance(answer, AnswerPreCheckout)
        assert actions == [AnswerPreCheckout("q1", ok=False, error=answer.error)]
        assert "Что-то пошло не так" in (answer.error or "")
    finally:
        del routes.commands["boom"]
