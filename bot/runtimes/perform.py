"""Perform the handler contract's actions with a framework's Bot.

aiogram's ``Bot`` and python-telegram-bot's ``Bot`` have the same method and keyword names for
everything the marketplace sends (they both follow the Bot API), so one :class:`Performer`
drives both. What differs is passed in a :class:`Toolkit`: how to build an inline keyboard, a
price, an uploaded file, and how to read the framework's exceptions. Messages and edits keep to
a per-chat pace (:class:`~bot.runtimes.pacing.ChatPacer`) so that Telegram need not refuse
them with 429.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.runtimes.common import DEFAULT_RETRY, Failure, RetryPolicy, call_with_retry
from bot.runtimes.pacing import ChatPacer
from handlers.contract import (
    Action,
    AnswerCallback,
    AnswerPreCheckout,
    Callback,
    Edit,
    Incoming,
    Keyboard,
    Send,
    SendDocument,
    SendInvoice,
    SendPhoto,
    SetMenu,
)

__all__ = ["Performer", "Toolkit"]

log = logging.getLogger(__name__)

_PACED = (Send, Edit, SendDocument, SendPhoto, SendInvoice)
"""The actions Telegram counts against a chat's flood limit (answers to queries are free)."""


class Toolkit(Protocol):
    """The framework-specific pieces a :class:`Performer` needs."""

    def markup(self, keyboard: Keyboard | None) -> Any:
        """The framework's InlineKeyboardMarkup for ``keyboard`` (``None`` for none)."""

    def price(self, label: str, amount: int) -> Any:
        """The framework's LabeledPrice (``amount`` in minor units)."""

    def upload(self, content: bytes, file_name: str) -> Any:
        """The framework's in-memory file to upload."""

    def classify(self, exc: BaseException) -> Failure:
        """What a raised exception means (429, network, not modified, ...)."""

    def commands(self, pairs: tuple[tuple[str, str], ...]) -> list[Any]:
        """The framework's BotCommand list for (name, description) pairs."""

    def chat_scope(self, chat_id: int) -> Any:
        """The framework's BotCommandScopeChat for ``chat_id``."""


class Performer:
    """Sends what the handlers asked for, with retries, for one bot."""

    def __init__(self, bot: Any, toolkit: Toolkit, policy: RetryPolicy = DEFAULT_RETRY) -> None:
        """Send with ``bot``, build payloads with ``toolkit``, retry as ``policy`` says."""
        self.bot = bot
        self.toolkit = toolkit
        self.policy = policy
        self.pacer = ChatPacer(policy.reply_burst, policy.reply_rate,
                               time_source=policy.time_source, sleep=policy.sleep)

    async def perform_all(self, incoming: Incoming, actions: list[Action]) -> None:
        """Perform ``actions`` in order; a failed one is logged and the rest still go out."""
        for action in actions:
            await self.perform(incoming, action)

    async def perform(self, incoming: Incoming, action: Action) -> None:
        """Perform one action, retrying on 429 and network errors."""
        call = self._call(incoming, action)
        if call is None:
            return
        what = type(action).__name__
        if isinstance(action, _PACED):  # a message in a chat: keep to the per-chat pace
            await self.pacer.wait(action.chat_id or incoming.chat_id)
        try:
            await call_with_retry(call, self.toolkit.classify, self.policy, what=what)
        except Exception as exc:
            failure = self.toolkit.classify(exc)
            if failure.kind == "not_modified":
                return
            if failure.kind == "fatal":
                log.warning("%s for update %s refused: %s", what, incoming.update_id, exc)
            else:
                log.error("%s for update %s failed (%s)", what, incoming.update_id, failure.kind)

    def _call(self, incoming: Incoming, action: Action) -> Callable[[], Awaitable[Any]] | None:
        """A zero-argument function making the Bot API request for ``action``."""
        bot, kit = self.bot, self.toolkit
        event = incoming.event
        if isinstance(action, Edit):
            message_id = action.message_id
            if message_id is None and isinstance(event, Callback):
                message_id = event.message_id
            if message_id is None:  # nothing to edit: say it in a new message instead
                return self._call(incoming, Send(action.text, action.keyboard, action.chat_id))
            return lambda: bot.edit_message_text(
                text=action.text, chat_id=action.chat_id or incoming.chat_id,
                message_id=message_id, reply_markup=kit.markup(action.keyboard))
        if isinstance(action, AnswerCallback):
            if not isinstance(event, Callback):
                return None
            return lambda: bot.answer_callback_query(
                callback_query_id=event.id, text=action.text, show_alert=action.alert)
        if isinstance(action, AnswerPreCheckout):
            return lambda: bot.answer_pre_checkout_query(
                pre_checkout_query_id=action.query_id, ok=action.ok, error_message=action.error)
        chat_id = action.chat_id or incoming.chat_id
        if isinstance(action, Send):
            return lambda: bot.send_message(chat_id=chat_id, text=action.text,
                                            reply_markup=kit.markup(action.keyboard))
        if isinstance(action, SendDocument):
            return lambda: bot.send_document(
                chat_id=chat_id, document=_document(kit, action), caption=action.caption,
                reply_markup=kit.markup(action.keyboard))
        if isinstance(action, SendPhoto):
            return lambda: bot.send_photo(chat_id=chat_id, photo=action.file_id,
                                          caption=action.caption,
                                          reply_markup=kit.markup(action.keyboard))
        if isinstance(action, SendInvoice):
            return lambda: bot.send_invoice(
                chat_id=chat_id, title=action.title, description=action.description,
                payload=action.payload, currency=action.currency,
                prices=[kit.price(action.label, action.amount)],
                provider_token=action.provider_token or None)
        if isinstance(action, SetMenu):
            return lambda: bot.set_my_commands(commands=kit.commands(action.commands),
                                               scope=kit.chat_scope(chat_id))
        raise TypeError(f"unknown action {action!r}")


def _document(kit: Toolkit, action: SendDocument) -> Any:
    """A file id to resend, or the content to upload."""
    if action.file_id:
        return action.file_id
    if action.content is None:
        raise ValueError("SendDocument needs a file_id or content")
    return kit.upload(action.content, action.file_name or "document")
