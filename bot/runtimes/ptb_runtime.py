"""The python-telegram-bot adapter: PTB's Updater polls, PTB's Bot performs actions.

One ``TypeHandler`` for every ``Update`` hands it to the shared pipeline
(:meth:`~bot.runtimes.base.PollingRuntime.feed`); no other PTB handler runs. PTB's poller
ends silently on a getUpdates refused with 401 (a revoked token); the getUpdates request
object (:class:`_WatchedRequest`) reports it to
:meth:`~bot.runtimes.base.PollingRuntime.token_rejected`, which stops the bot.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from http import HTTPStatus
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LabeledPrice,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.runtimes.base import PollingRuntime
from bot.runtimes.common import ALLOWED_UPDATES, POLL_TIMEOUT, Failure, Menu
from bot.runtimes.convert import to_incoming as _to_incoming
from bot.runtimes.perform import Performer
from handlers.contract import Incoming, Keyboard

__all__ = ["PtbRuntime", "PtbToolkit", "classify", "to_incoming"]

# Opt in to PTB's coming behaviour (durations as timedelta; read when a duration is read)
# instead of a deprecation warning each time a RetryAfter is looked at.
os.environ.setdefault("PTB_TIMEDELTA", "true")

_NO_UPDATES = b'{"ok": true, "result": []}'


def to_incoming(update: Update, bot_username: str) -> Incoming | None:
    """A PTB ``Update`` as the contract's :class:`Incoming` (``None``: not for us)."""
    return _to_incoming(update, bot_username)


def _seconds(value: int | float | timedelta) -> float:
    """A PTB duration (seconds or a timedelta) in seconds."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: BaseException) -> Failure:
    """What a python-telegram-bot exception means for a retry."""
    if isinstance(exc, RetryAfter):
        return Failure("flood", _seconds(exc.retry_after))
    if isinstance(exc, InvalidToken):
        return Failure("unauthorized")
    if isinstance(exc, BadRequest):  # a subclass of NetworkError: check it first
        if "message is not modified" in exc.message.lower():
            return Failure("not_modified")
        return Failure("fatal")
    if isinstance(exc, Forbidden):
        return Failure("fatal")
    if isinstance(exc, TimedOut | NetworkError):
        return Failure("transient")
    return Failure("fatal")


class PtbToolkit:
    """python-telegram-bot's keyboard, price and file types."""

    def markup(self, keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
        """An InlineKeyboardMarkup, or ``None`` for no keyboard."""
        if not keyboard:
            return None
        return InlineKeyboardMarkup([
            [InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row]
            for row in keyboard
        ])

    def price(self, label: str, amount: int) -> LabeledPrice:
        """A LabeledPrice in minor units."""
        return LabeledPrice(label, amount)

    def upload(self, content: bytes, file_name: str) -> InputFile:
        """An in-memory file."""
        return InputFile(content, filename=file_name)

    def commands(self, pairs: tuple[tuple[str, str], ...]) -> list[BotCommand]:
        """BotCommand values for (name, description) pairs."""
        return [BotCommand(name, text) for name, text in pairs]

    def chat_scope(self, chat_id: int) -> BotCommandScopeChat:
        """The menu scope of one chat."""
        return BotCommandScopeChat(chat_id)

    def classify(self, exc: BaseException) -> Failure:
        """See :func:`classify`."""
        return classify(exc)


class _WatchedRequest(HTTPXRequest):
    """PTB's getUpdates request object, calling ``on_rejected`` when the token is refused.

    The 401 is then answered to PTB as an empty batch of updates: PTB's poller would otherwise
    die of the InvalidToken (its error never retrieved) and log it; this way it keeps turning
    until the runtime, told through ``on_rejected``, stops it as on SIGTERM.
    """

    def __init__(self, on_rejected: Callable[[], None], **kwargs: Any) -> None:
        """An HTTPXRequest with ``kwargs``; ``on_rejected`` is called on a 401 answer."""
        super().__init__(**kwargs)
        self._on_rejected = on_rejected

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """One HTTP request; a 401 is reported and answered as "no updates"."""
        status, payload = await super().do_request(*args, **kwargs)
        if status == HTTPStatus.UNAUTHORIZED:
            self._on_rejected()
            return HTTPStatus.OK, _NO_UPDATES
        return status, payload


class PtbRuntime(PollingRuntime):
    """The marketplace on python-telegram-bot."""

    name = "ptb"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the Application against ``api_url`` (see :class:`PollingRuntime`)."""
        super().__init__(*args, **kwargs)
        self.application = (
            Application.builder()
            .token(self.token)
            .base_url(f"{self.api_url}/bot")
            .base_file_url(f"{self.api_url}/file/bot")
            .job_queue(None)  # the scheduler lives in bot/, not in PTB
            # PTB's default for getUpdates (one connection), watched for a revoked token
            .get_updates_request(_WatchedRequest(self.token_rejected, connection_pool_size=1))
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self._performer = Performer(self.application.bot, PtbToolkit(), self.policy)

    @property
    def performer(self) -> Performer:
        """Performs actions with PTB's Bot."""
        return self._performer

    def classify(self, exc: BaseException) -> Failure:
        """See :func:`classify`."""
        return classify(exc)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take the update into the shared pipeline."""
        await self.feed(update)

    def parse_update(self, data: dict[str, Any]) -> Update:
        """A PTB Update from the JSON Telegram posted to the webhook."""
        return Update.de_json(data, self.application.bot)

    async def _set_webhook(self, url: str, secret: str) -> None:
        """setWebhook through PTB's Bot."""
        await self.application.bot.set_webhook(url=url, secret_token=secret,
                                               allowed_updates=list(ALLOWED_UPDATES))

    async def _connect(self) -> str:
        """Initialize the Application (it calls getMe)."""
        await self.application.initialize()
        return self.application.bot.username or ""

    async def _set_commands(self, menu: Menu) -> None:
        """setMyCommands with PTB's scope types."""
        scope = (BotCommandScopeDefault() if menu.chat_id is None
                 else BotCommandScopeChat(menu.chat_id))
        await self.application.bot.set_my_commands(
            [BotCommand(name, text) for name, text in menu.commands],
            scope=scope, language_code=menu.language_code)

    async def _poll(self, stop: asyncio.Event) -> None:
        """PTB's Updater polls into the Application until ``stop``; then both stop."""
        application, updater = self.application, self.application.updater
        assert updater is not None
        await application.start()
        try:
            # PTB's bootstrap calls deleteWebhook once and raises on a network error; retry
            # the start under the shared policy, as the aiogram adapter retries deleteWebhook.
            await self._retry(partial(updater.start_polling, timeout=POLL_TIMEOUT,
                                      allowed_updates=list(ALLOWED_UPDATES)), "deleteWebhook")
            await stop.wait()  # also set by token_rejected
        finally:
            try:
                if updater.running:
                    await updater.stop()  # re-raises why polling died (a revoked token)
            finally:
                await application.stop()  # handles what the updater already fetched

    async def _close(self) -> None:
        """Shut the Application down (closes its HTTP clients)."""
        await self.application.shutdown()
        # When getMe failed (a rejected token) the Application never counted as initialized
        # and its shutdown() returns at once, but the bot's HTTP clients were already opened:
        # close them too (a no-op after a full shutdown).
        await self.application.bot.shutdown()
