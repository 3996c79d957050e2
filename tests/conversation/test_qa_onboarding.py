"""QA of onboarding as a demanding user: what a half-signed-up user is told.

Each test here was a real misbehaviour found by driving the conversations in all four languages.
"""

from __future__ import annotations

import pytest

from locales import translator
from tests.conversation.harness import BotHarness

NOT_SIGNED_UP = "You have not signed up yet. Send /start to begin."


@pytest.mark.parametrize("language", ["en", "ru", "uk", "es"])
@pytest.mark.parametrize("command", ["/post", "/freelancer_profile", "/employer_profile"])
async def test_acc_01_a_user_without_a_role_is_sent_to_start_not_to_profile(
        bot: BotHarness, language: str, command: str) -> None:
    """Before a role is chosen, /profile says "not signed up": the marketplace must agree."""
    zed = bot.user(7001, "Zed", language_code=language)
    await zed.command("/start")
    await zed.command("/cancel")
    await zed.command(command)
    assert zed.reply == translator(language)(NOT_SIGNED_UP)
    await zed.command("/profile")
    assert zed.reply == translator(language)(NOT_SIGNED_UP)
    assert await bot.dialog(zed.id) == (None, {})


@pytest.mark.parametrize("language", ["en", "ru", "uk", "es"])
async def test_acc_01_the_missing_role_is_named_as_the_role_buttons_name_it(
        bot: BotHarness, language: str) -> None:
    """A freelancer told to add "the employer role" must find that word in /profile."""
    zed = bot.user(7002, "Zed", language_code=language)
    await zed.sign_up("expert", "Zed", "Kay", "zed@example.com", language=language)
    await zed.command("/profile")
    role_word = translator(language)("employer")
    await zed.press_data("prof:edit:roles")
    assert any(role_word in label.lower() for label in zed.buttons()), zed.buttons()
    await zed.command("/cancel")
    await zed.command("/post")
    assert role_word in zed.reply, zed.reply


@pytest.mark.parametrize("language", ["en", "ru", "uk", "es"])
async def test_acc_01_an_e_mail_typed_where_the_last_name_is_asked_is_not_kept_as_the_name(
        bot: BotHarness, language: str) -> None:
    """Typing ahead (or resuming with /start) puts the e-mail at the name step: re-ask."""
    zed = bot.user(7003, "Zed", language_code=language)
    await zed.command("/start")
    await zed.press_data("start:role:expert")
    await zed.say("Zed")
    await zed.say("zed@example.com")
    tr = translator(language)
    assert zed.reply.startswith(tr("That looks like an e-mail address, not a name.")
                                + "\n"), zed.reply
    assert (await bot.stored(zed.id)).last_name is None
    assert (await bot.dialog(zed.id))[0] == "start.last_name"


async def test_the_ukrainian_name_limit_reads_grammatically(bot: BotHarness) -> None:
    """"не більше ніж 64 символів" mixes two constructions; "не більше 64 символів" is right."""
    zed = bot.user(7004, "Zed", language_code="uk")
    await zed.command("/start")
    await zed.press_data("start:role:expert")
    await zed.say("Я" * 65)
    assert zed.reply.startswith("Ім’я задовге (не більше 64 символів).\n"), zed.reply
