"""Both frameworks' real HTTP requests are accepted by the sandbox and parse its answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN


@pytest.fixture
async def aiogram_bot(server: SandboxServer) -> AsyncIterator[Bot]:
    """An aiogram Bot pointed at the sandbox."""
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    yield bot
    await bot.session.close()


@pytest.fixture
async def ptb_bot(server: SandboxServer) -> AsyncIterator[telegram.Bot]:
    """A python-telegram-bot Bot pointed at the sandbox."""
    bot = telegram.Bot(TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")
    async with bot:
        yield bot


async def test_aiogram_bot_can_use_every_method_the_bot_needs(
    server: SandboxServer, aiogram_bot: Bot
) -> None:
    alice = server.user(1001, "Alice", language_code="ru")
    me = await aiogram_bot.get_me()
    assert me.username == "sandbox_bot"
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="yes")]]
    )
    sent = await aiogram_bot.send_message(
        alice.id, "Hi <b>Alice</b>", reply_markup=keyboard, parse_mode="HTML"
    )
    assert sent.text == "Hi Alice" and sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "yes"
    document = await aiogram_bot.send_document(
        alice.id, BufferedInputFile(b"report", filename="r.txt"), caption="report"
    )
    assert document.document is not None and document.document.file_name == "r.txt"
    file = await aiogram_bot.get_file(document.document.file_id)
    downloaded = await aiogram_bot.download_file(file.file_path or "")
    assert downloaded is not None and downloaded.read() == b"report"
    edited = await aiogram_bot.edit_message_text(
        "Bye", chat_id=alice.id, message_id=sent.message_id
    )
    assert not isinstance(edited, bool) and edited.text == "Bye"
    assert await aiogram_bot.set_my_commands(
        [BotCommand(command="start", description="Начать")],
        scope=BotCommandScopeChat(chat_id=alice.id),
        language_code="ru",
    )
    assert server.commands({"type": "chat", "chat_id": alice.id}, "ru") == [
        {"command": "start", "description": "Начать"}
    ]
    await alice.command("/start")
    [update] = await aiogram_bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "/start"
    assert [m.text for m in alice.messages] == ["Bye", "report"]


async def test_ptb_bot_can_use_every_method_the_bot_needs(
    server: SandboxServer, ptb_bot: telegram.Bot
) -> None:
    bob = server.user(1002, "Bob", language_code="ru")
    me = await ptb_bot.get_me()
    assert me.username == "sandbox_bot"
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("Да", callback_data="yes")]]
    )
    sent = await ptb_bot.send_message(bob.id, "Привет", reply_markup=keyboard)
    assert sent.text == "Привет" and sent.reply_markup == keyboard
    document = await ptb_bot.send_document(bob.id, b"report", filename="r.txt")
    assert document.document is not None and document.document.file_name == "r.txt"
    file = await ptb_bot.get_file(document.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"report")
    edited = await ptb_bot.edit_message_reply_markup(bob.id, sent.message_id, reply_markup=None)
    assert isinstance(edited, telegram.Message) and edited.reply_markup is None
    assert await ptb_bot.set_my_commands(
        [telegram.BotCommand("help", "Помощь")],
        scope=telegram.BotCommandScopeChat(bob.id),
        language_code="ru",
    )
    assert server.commands({"type": "chat", "chat_id": bob.id}, "ru") == [
        {"command": "help", "description": "Помощь"}
    ]
    await bob.send("hello")
    [update] = await ptb_bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "hello"
    assert bob.messages[0].buttons == []


async def test_ptb_bot_sends_invoices_and_answers_queries(
    server: SandboxServer, ptb_bot: telegram.Bot
) -> None:
    bob = server.user(1002, "Bob")
    await ptb_bot.send_invoice(
        bob.id, "Deposit", "Milestone", "hold:9", "XTR", [telegram.LabeledPrice("Work", 300)]
    )
    invoice = await bob.wait_message()
    assert invoice.invoice is not None and invoice.invoice["total_amount"] == 300
    payment = asyncio.create_task(bob.pay(invoice))
    [query] = await ptb_bot.get_updates(timeout=5)
    assert query.pre_checkout_query is not None
    await ptb_bot.answer_pre_checkout_query(
        query.pre_checkout_query.id, ok=False, error_message="Sold out"
    )
    result = await payment
    assert (result.ok, result.error) == (False, "Sold out")
