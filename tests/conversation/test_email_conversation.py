"""E-mail verification end to end over local SMTP (aiosmtpd), and RAT-01's daily visit point."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.mail import MailSender, SmtpMailer
from bot.sandbox.smtp import CaughtMail, MailCatcher
from core.rating import visit_day
from tests.conversation.harness import BotHarness


async def _mail(bot: BotHarness, catcher: MailCatcher) -> CaughtMail:
    """Run the e-mail outbox sender once and return the newest caught e-mail."""
    sender = MailSender(bot.database, SmtpMailer.from_url(catcher.url), bot.clock)
    count = len(catcher.mails)
    assert await sender.drain() == 1
    return await catcher.next_mail(count)


def _code(mail: CaughtMail) -> str:
    found = re.search(r"\b(\d{6})\b", mail.body)
    assert found is not None, mail.body
    return found.group(1)


async def test_rat_01_the_code_from_a_real_smtp_mail_verifies_the_email_for_20_points(
        bot: BotHarness) -> None:
    alice = bot.user(1, "Alice", "Smith")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await alice.command("/verify_email")
    assert "alice@example.com" in alice.reply
    async with MailCatcher() as catcher:
        mail = await _mail(bot, catcher)
    assert mail.recipients == ("alice@example.com",)
    code = _code(mail)
    assert code in mail.subject and "15 minutes" in mail.body
    before = await bot.points(alice.id)
    await alice.say("12345")
    assert "6 digits" in alice.reply
    await alice.say("000000" if code != "000000" else "111111")
    assert "4 attempts left" in alice.reply
    await alice.say(f"{code[:3]} {code[3:]}")
    assert "+20 rating points" in alice.reply
    assert await bot.points(alice.id) == before + 20
    assert (await bot.stored(alice.id)).email_verified
    assert await bot.dialog(alice.id) == (None, {})
    await alice.command("/verify_email")
    assert "already verified" in alice.reply


async def test_rat_01_the_code_mail_is_in_the_users_language_and_resends_are_limited(
        bot: BotHarness) -> None:
    boris = bot.user(2, "Борис", "Петров", language_code="ru")
    await boris.sign_up("expert", "Борис", "Петров", "boris@example.com")
    await boris.command("/verify_email")
    await boris.command("/verify_email")
    assert "60" in boris.reply or "59" in boris.reply
    async with MailCatcher() as catcher:
        mail = await _mail(bot, catcher)
        assert "код" in mail.subject.lower() and "15 минут" in mail.body
        bot.clock.advance(timedelta(minutes=16))
        await boris.say(_code(mail))
        assert "истёк" in boris.reply or "истек" in boris.reply
        await boris.press_data("em:send")
        fresh = await _mail(bot, catcher)
    await boris.say(_code(fresh))
    assert (await bot.stored(boris.id)).email_verified


async def test_rat_01_daily_visit_counts_once_per_utc_day(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 3, 1, 23, 50, tzinfo=UTC))
    ann = bot.user(3, "Ann")
    await ann.command("/help")
    await ann.command("/help")
    bot.clock.advance(timedelta(minutes=9))  # 23:59, still 1 March
    await ann.command("/profile")
    assert await bot.points(ann.id) == 1
    bot.clock.advance(timedelta(minutes=2))  # 00:01 UTC, 2 March
    await ann.command("/help")
    assert await bot.points(ann.id) == 2
    async with bot.database.uow() as uow:
        again = await uow.points.award(ann.id, visit_day("2026-03-02"), bot.clock.now())
    assert again is False
