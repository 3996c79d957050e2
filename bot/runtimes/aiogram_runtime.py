"""The aiogram adapter: aiogram's polling delivers updates, aiogram's Bot performs actions.

aiogram's ``Dispatcher`` is used only as the long-polling loop (with its own backoff on
getUpdates errors): an outer middleware on ``update`` hands every update to the shared
pipeline (:meth:`~bot.runtimes.base.PollingRuntime.feed`) and nothing else in aiogram runs.
aiogram retries a getUpdates refused with 401 forever; a session middleware reports it to
:meth:`~bot.runtimes.base.PollingRuntime.token_rejected` instead, which stops the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    TelegramObject,
    Update,
)

from bot.runtimes.base import PollingRuntime
from bot.runtimes.common import ALLOWED_UPDATES, POLL_TIMEOUT, Failure, Menu
from bot.runtimes.convert import to_incoming as _to_incoming
from bot.runtimes.perform import Performer
from handlers.contract import Incoming, Keyboard

__all__ = ["AiogramRuntime", "AiogramToolkit", "classify", "to_incoming"]


def to_incoming(update: Update, bot_username: str) -> Incoming | None:
    """An aiogram ``Update`` as the contract's :class:`Incoming` (``None``: not for us)."""
    return _to_incoming(update, bot_username)


def classify(exc: BaseException) -> Failure:
    """What an aiogram exception means for a retry."""
    if isinstance(exc, TelegramRetryAfter):
        return Failure("flood", float(exc.retry_after))
    if isinstance(exc, TelegramUnauthorizedError):
        return Failure("unauthorized")
    if isinstance(exc, TelegramEntityTooLarge):
        return Failure("fatal")
    if isinstance(exc, TelegramNetworkError | TelegramServerError):
        return Failure("transient")
    if isinstance(exc, TelegramBadRequest) and "message is not modified" in exc.message:
        return Failure("not_modified")
    return Failure("fatal")


class AiogramToolkit:
    """aiogram's keyboard, price and file types."""

    def markup(self, keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
        """An InlineKeyboardMarkup, or ``None`` for no keyboard."""
        if not keyboard:
            return None
        return InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.data, url=b.url) for b in row]
            for row in keyboard
        ])

    def price(self, label: str, amount: int) -> LabeledPrice:
        """A LabeledPrice in minor units."""
        return LabeledPrice(label=label, amount=amount)

    def upload(self, content: bytes, file_name: str) -> BufferedInputFile:
        """An in-memory file."""
        return BufferedInputFile(content, filename=file_name)

    def commands(self, pairs: tuple[tuple[str, str], ...]) -> list[BotCommand]:
        """BotCommand values for (name, description) pairs."""
        return [BotCommand(command=name, description=text) for name, text in pairs]

    def chat_scope(self, chat_id: int) -> BotCommandScopeChat:
        """The menu scope of one chat."""
        return BotCommandScopeChat(chat_id=chat_id)

    def classify(self, exc: BaseException) -> Failure:
        """See :func:`classify`."""
        return classify(exc)


class AiogramRuntime(PollingRuntime):
    """The marketplace on aiogram."""

    name = "aiogram"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the Bot and Dispatcher against ``api_url`` (see :class:`PollingRuntime`)."""
        super().__init__(*args, **kwargs)
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.api_url))
        self.bot = Bot(self.token, session=session)
        self.dispatcher = Dispatcher()
        self.dispatcher.update.outer_middleware(self._intercept)
        self.bot.session.middleware(self._watch_token)
        self._performer = Performer(self.bot, AiogramToolkit(), self.policy)

    @property
    def performer(self) -> Performer:
        """Performs actions with aiogram's Bot."""
        return self._performer

    def classify(self, exc: BaseException) -> Failure:
        """See :func:`classify`."""
        return classify(exc)

    async def _intercept(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                         event: TelegramObject, data: dict[str, Any]) -> Any:
        """Take the update away from aiogram's routing and into the shared pipeline."""
        if not isinstance(event, Update):  # never on the update observer: leave it to aiogram
            return await handler(event, data)
        await self.feed(event)
        return None

    async def _watch_token(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                           method: TelegramMethod[Any]) -> Response[Any]:
        """Report a getUpdates refused with 401 (a revoked token) instead of retrying it."""
        try:
            return await make_request(bot, method)
        except TelegramUnauthorizedError:
            if isinstance(method, GetUpdates):
                self.token_rejected()
            raise

    def parse_update(self, data: dict[str, Any]) -> Update:
        """An aiogram Update from the JSON Telegram posted to the webhook."""
        return Update.model_validate(data, context={"bot": self.bot})

    async def _set_webhook(self, url: str, secret: str) -> None:
        """setWebhook through aiogram."""
        await self.bot.set_webhook(url=url, secret_token=secret,
                                   allowed_updates=list(ALLOWED_UPDATES))

    async def _connect(self) -> str:
        """getMe through aiogram (cached by the Bot)."""
        me = await self.bot.me()
        return me.username or ""

    async def _set_commands(self, menu: Menu) -> None:
        """setMyCommands with aiogram's scope types."""
        scope = (BotCommandScopeDefault() if menu.chat_id is None
                 else BotCommandScopeChat(chat_id=menu.chat_id))
        await self.bot.set_my_commands(
            [BotCommand(command=name, description=text) for name, text in menu.commands],
            scope=scope, language_code=menu.language_code)

    async def _poll(self, stop: asyncio.Event) -> None:
        """aiogram's polling loop, stopped through ``Dispatcher.stop_polling`` on ``stop``."""
        # getUpdates is refused while a webhook is set; PTB's Updater removes it too.
        await self._retry(self.bot.delete_webhook, "deleteWebhook")
        polling = asyncio.create_task(self.dispatcher.start_polling(
            self.bot, polling_timeout=POLL_TIMEOUT, handle_as_tasks=False,
            allowed_updates=list(ALLOWED_UPDATES), handle_signals=False,
            close_bot_session=False))
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not polling.done():
                await self._stop_polling(polling)
        if not polling.cancelled():
            polling.result()

    async def _stop_polling(self, polling: asyncio.Task[None]) -> None:
        """Ask aiogram to stop (or cancel it if it has not really started yet)."""
        try:
            await self.dispatcher.stop_polling()
        except RuntimeError:  # "Polling is not started": still inside its start-up
            polling.cancel()
        try:
            await polling
        except asyncio.CancelledError:
            pass

    async def _close(self) -> None:
        """Close aiogram's aiohttp session."""
        await self.bot.session.close()
