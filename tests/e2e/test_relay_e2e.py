"""Relayed messages end to end on aiogram and on PTB against the sandbox (MSG-01..03, PAY-06).

Alice (employer, English) and Bob (freelancer, Russian) sign up over HTTP, then talk through
the bot: text both ways with the Reply button, a document passed on by its file id, contact
details masked before a contract with Bob warned in Russian, and Alice's report reaching the
support queue. Relayed messages reach the recipient through the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.outbox import MessageSender, OutboxSender
from bot.outbox_senders import AiogramSender, PtbSender
from bot.sandbox import SandboxUser
from core.circumvention import MASK
from core.support import ItemKind
from locales import translator
from tests.e2e.conftest import TOKEN, Running
from tests.e2e.test_bot import onboard

pytestmark = pytest.mark.e2e

WAIT = 10.0


@contextlib.asynccontextmanager
async def _framework_sender(runtime: str, url: str) -> AsyncIterator[MessageSender]:
    """The outbox's transport over the runtime's own framework, pointed at the sandbox."""
    if runtime == "aiogram":
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(url))
        try:
            yield AiogramSender(Bot(TOKEN, session=session))
        finally:
            await session.close()
        return
    from telegram import Bot as PtbBot

    bot = PtbBot(TOKEN, base_url=f"{url}/bot")
    await bot.initialize()
    try:
        yield PtbSender(bot)
    finally:
        await bot.shutdown()


@pytest.fixture
async def delivering(running: Running, runtime: str) -> AsyncIterator[Running]:
    """The running bot plus an outbox sender delivering its notifications."""
    async with _framework_sender(runtime, running.server.url) as transport:
        sender = OutboxSender(running.app.db, transport, running.app.clock, poll_interval=0.05)
        task = asyncio.create_task(sender.run())
        try:
            yield running
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _write(user: SandboxUser, recipient_id: int, name: str, language: str) -> None:
    """Press the Message button of the recipient's profile card (its callback data)."""
    prompt = translator(language)("Type your message to {name}: text, a document or a photo. "
                                  "Send /cancel to stop.", name=name)
    await user.press_data(user.messages[-1], f"msg:new:{recipient_id}")
    await user.wait_message(WAIT, predicate=lambda m: m.text == prompt)


async def test_msg_01_two_users_talk_through_the_bot_in_their_own_languages(
        delivering: Running) -> None:
    running = delivering
    server = running.server
    alice = server.user(1001, "Alice", language_code="en", username="alice")
    bob = server.user(1002, "Bob", language_code="ru", username="bob")
    await onboard(alice, "en", 1, None, "Liddell", "alice@example.com")
    await onboard(bob, "ru", 0, "Борис", "Иванов", "bob@example.com")
    en, ru = translator("en"), translator("ru")

    await _write(bob, alice.id, "Alice Liddell", "ru")
    await bob.send("Здравствуйте! Hello, I can start tomorrow.")
    sent = ru("Sent to {name}: type another message, or send /cancel to stop.",
              name="Alice Liddell")
    await bob.wait_message(WAIT, predicate=lambda m: m.text == sent)
    relayed = await alice.wait_message(WAIT, predicate=lambda m: "Борис Иванов" in (m.text or ""))
    assert relayed.text == en("✉️ {name} wrote:\n\n{text}", name="Борис Иванов",
                              text="Здравствуйте! Hello, I can start tomorrow.")
    assert [label for label, _ in relayed.buttons[0]] == [en("Reply"), en("Report")]

    await alice.press(relayed, en("Reply"))
    await alice.wait_message(WAIT, predicate=lambda m: "Борис Иванов" in (m.text or ""))
    await alice.send("Great, see you tomorrow.")
    back = await bob.wait_message(WAIT, predicate=lambda m: "Great" in (m.text or ""))
    assert back.text == ru("✉️ {name} wrote:\n\n{text}", name="Alice Liddell",
                           text="Great, see you tomorrow.")

    await bob.upload_document(b"%PDF-1.4 portfolio", "portfolio.pdf", "application/pdf")
    notice = await alice.wait_message(WAIT, predicate=lambda m: "portfolio.pdf" in (m.text or ""))
    await alice.press(notice, en("Open the file"))
    document = await alice.wait_message(WAIT, predicate=lambda m: m.document is not None)
    assert document.document is not None
    assert document.document["file_name"] == "portfolio.pdf"

    await bob.send("Пишите на bob at mail dot ru")
    warning = await bob.wait_message(WAIT, predicate=lambda m: "⚠️" in (m.text or ""))
    assert "вне платформы" in (warning.text or "")
    masked = await alice.wait_message(WAIT, predicate=lambda m: MASK in (m.text or ""))
    assert "mail dot ru" not in (masked.text or "")

    await alice.press(masked, en("Report"))
    why = en("Why are you reporting this message? Choose a reason or type your own. "
             "Send /cancel to stop.")
    reasons = await alice.wait_message(WAIT, predicate=lambda m: m.text == why)
    await alice.press(reasons, en("Asks to pay outside the platform"))
    thanks = en("Thank you. Support will look at this message.")
    await alice.wait_message(WAIT, predicate=lambda m: m.text == thanks)
    async with running.app.db.uow() as uow:
        items = (await uow.support.open_items(0, 10)).items
    assert sorted(item.kind for item in items) == [ItemKind.FLAG, ItemKind.REPORT]
