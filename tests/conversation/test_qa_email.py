"""QA of e-mail verification (RAT-01): a code already in the mailbox can always be typed."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from storage.tables.support import email_outbox
from tests.conversation.harness import BotHarness


async def _last_code(bot: BotHarness) -> str:
    async with bot.database.uow() as uow:
        body = (await uow.session.execute(
            select(email_outbox.c.body).order_by(email_outbox.c.id.desc()))).scalars().first()
    found = re.search(r"\b(\d{6})\b", body or "")
    assert found is not None
    return found.group(1)


async def test_rat_01_asking_again_too_soon_still_lets_the_user_type_the_code_already_sent(
        bot: BotHarness) -> None:
    boris = bot.user(2, "Борис", "Петров", language_code="ru")
    await boris.sign_up("expert", "Борис", "Петров", "b@example.com", language="ru")
    await boris.command("/verify_email")
    code = await _last_code(bot)
    await boris.command("/cancel")
    bot.clock.advance(timedelta(seconds=20))
    await boris.command("/verify_email")
    assert "40 с" in boris.reply and "b@example.com" in boris.reply
    await boris.say(f"{code[:3]}-{code[3:]}")
    assert (await bot.stored(boris.id)).email_verified
    assert "+20" in boris.reply


async def test_rat_01_asking_too_soon_without_a_usable_code_changes_nothing(
        bot: BotHarness) -> None:
    ana = bot.user(3, "Ana", "García", language_code="es")
    await ana.sign_up("expert", "Ana", "García", "a@example.com", language="es")
    await ana.command("/verify_email")
    await ana.command("/profile")
    await ana.press_data("prof:edit:email")
    await ana.say("nueva@example.com")  # the pending code was for the old address
    await ana.command("/verify_email")
    assert "60 s" in ana.reply
    assert await bot.dialog(ana.id) == (None, {})
