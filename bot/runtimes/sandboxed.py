"""``python -m bot sandbox``: the sandbox Bot API server, the real bot against it, a chat.

No token and no internet: :class:`~bot.sandbox.server.SandboxServer` listens on 127.0.0.1,
the bot long-polls it through the same :func:`~bot.app.serve` as ``python -m bot run``, a
local SMTP server (:class:`~bot.sandbox.smtp.MailCatcher`) catches its e-mail and prints it,
and
:func:`bot.sandbox.chat.run_chat` lets a person play the users of
:data:`bot.sandbox.cast.DEFAULT_USERS` in the terminal (sam from support is an admin), and
the users added with ``:add`` before. Those users and the clock's offset (``/sandbox_time``)
are kept in the sandbox database (:mod:`bot.sandbox.state`), so a restart neither hands an
id to a second person nor moves the clock back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import build_app, serve
from bot.config import Settings
from bot.runtimes.common import DEFAULT_RETRY, UNPACED
from bot.sandbox.smtp import MailCatcher, format_mail
from bot.sandbox.state import SandboxState
from bot.scheduler import SandboxClock
from storage import Database

__all__ = ["run_sandbox", "sandbox_settings"]


def sandbox_settings(base: Settings, api_url: str, admins: list[int]) -> Settings:
    """``base`` pointed at the sandbox server, with the sandbox's support users as admins."""
    return base.model_copy(update={
        "telegram_api_url": api_url,
        "admin_ids": frozenset(base.admin_ids) | set(admins),
    })


async def run_sandbox(base: Settings, stop: asyncio.Event | None = None, *,
                      rate_limits: bool = True, **chat_io: Callable[..., Any]) -> None:
    """Serve the sandbox, run the bot on ``base.bot_runtime`` and the terminal chat.

    ``base`` carries the sandbox token and database; the API URL and the support admin are
    filled in here. ``chat_io`` may replace the chat's ``input_fn`` and ``output_fn`` (tests
    script them). Ends when the chat ends or ``stop`` is set; the bot then finishes what it
    is doing and everything closes.
    """
    from bot.sandbox.cast import DEFAULT_USERS, admin_ids, register_users
    from bot.sandbox.chat import run_chat
    from bot.sandbox.server import SandboxServer

    stop = stop or asyncio.Event()
    store = Database(base.database_url)  # the sandbox's own state lives in its database
    await store.migrate()
    state = SandboxState(store)
    defaults = {user.key for user in DEFAULT_USERS}
    cast = [*DEFAULT_USERS, *(u for u in await state.users() if u.key not in defaults)]
    clock = SandboxClock(await state.offset())  # /sandbox_time runs the ticks
    saving: set[asyncio.Task[None]] = set()

    def remember_offset() -> None:
        """The clock moved: keep its offset with the database."""
        task = asyncio.get_running_loop().create_task(state.save_offset(clock.offset))
        saving.add(task)
        task.add_done_callback(saving.discard)

    clock.listeners.append(remember_offset)
    server = SandboxServer(token=base.require_token(), rate_limits=rate_limits)
    await server.start()
    register_users(server, cast)  # before the bot starts: admins' menus need chats
    settings = sandbox_settings(base, server.url, admin_ids(cast))
    catcher = await _catch_mail(settings, chat_io.get("output_fn", print))
    if catcher is not None:  # e-mail (verification codes) is shown in the chat
        settings = settings.model_copy(update={"smtp_url": catcher.url})
    app = build_app(settings, clock, sandbox=True)
    if settings.payout_provider == "manual":  # payouts go all the way in a trial
        from bot.sandbox.payouts import SandboxPayouts
        from handlers.payouts.ticks import use_provider

        use_provider(SandboxPayouts())
    ready = asyncio.Event()
    # With the flood limits off there is nothing to keep to: replies are not paced.
    policy = DEFAULT_RETRY if rate_limits else UNPACED
    bot = asyncio.create_task(serve(app, stop, ready=ready, policy=policy))
    chat: asyncio.Task[None] | None = None
    try:
        await _first(ready.wait(), bot, stop.wait())
        if bot.done() or stop.is_set():
            return
        chat = asyncio.create_task(run_chat(server, cast, **chat_io, state=state))
        await _first(chat, bot, stop.wait())
        if chat.done():
            chat.result()
    finally:
        stop.set()
        if chat is not None and not chat.done():
            chat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chat
        try:
            await bot  # raises why the bot stopped, if it failed
        finally:
            await asyncio.gather(*saving, return_exceptions=True)
            await store.dispose()
            if catcher is not None:
                await catcher.stop()
            await server.stop()


async def _catch_mail(settings: Settings, output: Callable[[str], Any]) -> MailCatcher | None:
    """A local SMTP catcher that prints every e-mail, unless ``SMTP_URL`` points elsewhere."""
    if settings.smtp_url:
        return None
    catcher = await MailCatcher().start()
    catcher.on_mail(lambda mail: output(format_mail(mail)))
    return catcher


async def _first(*waitables: Awaitable[Any]) -> None:
    """Wait until one of ``waitables`` finishes; cancel the helper tasks made for the others."""
    tasks, made = [], []
    for waitable in waitables:
        if isinstance(waitable, asyncio.Future):
            tasks.append(waitable)
        else:
            task = asyncio.ensure_future(waitable)
            tasks.append(task)
            made.append(task)
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in made:
            task.cancel()
