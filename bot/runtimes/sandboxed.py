"""``python -m bot sandbox``: the sandbox Bot API server, the real bot against it, a chat.

No token and no internet: :class:`~bot.sandbox.server.SandboxServer` listens on 127.0.0.1,
the bot long-polls it through the same :func:`~bot.app.serve` as ``python -m bot run``, and
:func:`bot.sandbox.chat.run_chat` lets a person play the :data:`CAST` in the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from bot.app import build_app, serve
from bot.clock import OffsetClock
from bot.config import Settings

__all__ = ["CAST", "SUPPORT_USER_ID", "Player", "run_sandbox"]

log = logging.getLogger(__name__)

SUPPORT_USER_ID = 1009


@dataclass(frozen=True, slots=True)
class Player:
    """A Telegram user the person at the terminal can play."""

    id: int
    first_name: str
    language_code: str
    username: str


CAST: tuple[Player, ...] = (
    Player(1001, "Alice", "en", "alice"),  # an employer
    Player(1002, "Bob", "ru", "bob"),  # a freelancer
    Player(1003, "Olena", "uk", "olena"),  # both
    Player(SUPPORT_USER_ID, "Sam", "es", "sam_support"),  # support (an admin)
)


def sandbox_settings(base: Settings, api_url: str) -> Settings:
    """``base`` pointed at the sandbox server, with the support user among the admins."""
    return base.model_copy(update={
        "telegram_api_url": api_url,
        "admin_ids": frozenset(base.admin_ids) | {SUPPORT_USER_ID},
    })


async def run_sandbox(base: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve the sandbox, run the bot on ``base.bot_runtime`` and the terminal chat.

    ``base`` carries the sandbox token and database; the API URL and the support admin are
    filled in here. Ends when the chat ends or ``stop`` is set; the bot then finishes what it
    is doing.
    """
    from bot.sandbox.chat import run_chat
    from bot.sandbox.server import SandboxServer

    stop = stop or asyncio.Event()
    server = SandboxServer(token=base.require_token(), rate_limits=True)
    await server.start()
    users = [server.user(p.id, p.first_name, language_code=p.language_code,
                         username=p.username) for p in CAST]
    settings = sandbox_settings(base, server.url)
    app = build_app(settings, OffsetClock())
    ready = asyncio.Event()
    bot = asyncio.create_task(serve(app, stop, ready=ready))
    chat: asyncio.Task[object] | None = None
    try:
        await _first(ready.wait(), bot, stop.wait())
        if bot.done():
            bot.result()  # start-up failed: raise why
            return
        if not stop.is_set():
            chat = asyncio.create_task(run_chat(server, users))
            await _first(chat, bot, stop.wait())
    finally:
        stop.set()
        if chat is not None and not chat.done():
            chat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chat
        try:
            await bot
        finally:
            await server.stop()


async def _first(*aws: object) -> None:
    """Wait until the first of ``aws`` finishes (tasks stay running; others are cancelled)."""
    tasks = [a if isinstance(a, asyncio.Future) else asyncio.ensure_future(a)  # type: ignore
             for a in aws]
    created = [t for t, a in zip(tasks, aws, strict=True) if t is not a]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in created:
            task.cancel()
