"""Fixtures for the outbox: one invented time shared by the sandbox server, the sender's flood
limiter, its sleeps and the rows' clock, so delivery runs at full speed and deterministically,
and a real framework Bot (aiogram or PTB) talking HTTP to the sandbox Bot API server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.outbox import MessageSender, OutboxSender, RetryLater, SendLimiter, TransientError
from bot.outbox_senders import AiogramSender, PtbSender
from bot.sandbox import SandboxServer
from core.accounts import User
from handlers.contract import Keyboard
from handlers.notify import notify
from storage import Database
from storage.tables.outbox import outbox
from tests.conftest import START

TOKEN = "123456:outbox-test"


class VirtualTime:
    """Seconds that pass only when someone sleeps; also a :class:`core.clock.Clock`."""

    def __init__(self, start: datetime = START) -> None:
        self.start = start
        self.seconds = 0.0

    def unix(self) -> float:
        """As ``time.time`` would tell it."""
        return self.start.timestamp() + self.seconds

    def now(self) -> datetime:
        """As the clock of the rows."""
        return self.start + timedelta(seconds=self.seconds)

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass at once (and give other tasks a turn)."""
        self.seconds += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass(slots=True)
class Probe:
    """Wraps a sender: counts sends, 429s and network errors; can fail or crash on demand."""

    inner: MessageSender
    attempts: int = 0
    delivered: list[tuple[int, str]] = field(default_factory=list)
    refused_429: int = 0
    fail_first: int = 0  # raise TransientError for the first N attempts
    refuse_once: set[str] = field(default_factory=set)  # answer 429 to these texts, once
    after_send: Callable[[int], object] | None = None  # called with the count of deliveries

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        """Pass the message on, recording what happened."""
        self.attempts += 1
        if self.attempts <= self.fail_first:
            raise TransientError("connection reset (simulated)")
        if text in self.refuse_once:
            self.refuse_once.discard(text)
            self.refused_429 += 1
            raise RetryLater(2)
        try:
            await self.inner.send_text(chat_id, text, keyboard)
        except RetryLater:
            self.refused_429 += 1
            raise
        self.delivered.append((chat_id, text))
        if self.after_send is not None:
            self.after_send(len(self.delivered))
            await asyncio.sleep(0)  # a cancellation lands here: sent, not yet marked


@pytest.fixture
def vt() -> VirtualTime:
    """The invented time, starting at the tests' START instant."""
    return VirtualTime()


@pytest.fixture
async def limited_server(vt: VirtualTime) -> AsyncIterator[SandboxServer]:
    """The sandbox Bot API server with Telegram's flood limits on, on the invented time."""
    server = SandboxServer(token=TOKEN, rate_limits=True, time_source=vt.unix)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(params=["aiogram", "ptb"])
async def framework_sender(request: pytest.FixtureRequest,
                           limited_server: SandboxServer) -> AsyncIterator[MessageSender]:
    """The outbox's sender over a real aiogram or PTB Bot pointed at the sandbox."""
    if request.param == "aiogram":
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(limited_server.url))
        aiogram_bot = Bot(TOKEN, session=session)
        try:
            yield AiogramSender(aiogram_bot)
        finally:
            await session.close()
        return
    from telegram import Bot as PtbBot

    ptb_bot = PtbBot(TOKEN, base_url=f"{limited_server.url}/bot")
    await ptb_bot.initialize()
    try:
        yield PtbSender(ptb_bot)
    finally:
        await ptb_bot.shutdown()


def make_sender(database: Database, transport: MessageSender, vt: VirtualTime, *,
                limiter: SendLimiter | None = None, **options: Any) -> OutboxSender:
    """An :class:`OutboxSender` living entirely on the invented time (``options`` are its
    keyword arguments)."""
    return OutboxSender(database, transport, vt,
                        limiter=limiter or SendLimiter(time_source=vt.unix), sleep=vt.sleep,
                        **options)


async def add_users(database: Database, server: SandboxServer | None, ids: list[int],
                    language: str = "en") -> None:
    """Users known to the bot (and chats known to the sandbox)."""
    async with database.uow() as uow:
        for user_id in ids:
            await uow.users.add(User(id=user_id, first_name=f"U{user_id}",
                                     telegram_language=language, created_at=START,
                                     last_seen_at=START))
            if server is not None:
                server.user(user_id, f"U{user_id}", language_code=language)
        await uow.commit()


async def enqueue(database: Database, messages: list[tuple[int, str]]) -> None:
    """Queue ``(recipient, text)`` notifications in one unit of work."""
    async with database.uow() as uow:
        for recipient, text in messages:
            await notify(uow, recipient, text)
        await uow.commit()


async def unsent(database: Database) -> int:
    """Rows neither sent nor failed."""
    async with database.engine.connect() as connection:
        result = await connection.execute(
            select(func.count()).select_from(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None)))
        return int(result.scalar_one())


async def deliver_everything(sender: OutboxSender, database: Database, vt: VirtualTime,
                             rounds: int = 200) -> None:
    """Drain until no row is left, letting invented time pass for retries that wait."""
    for _ in range(rounds):
        await sender.drain()
        if not await unsent(database):
            return
        await vt.sleep(1.0)
    raise AssertionError(f"{await unsent(database)} rows still unsent")
