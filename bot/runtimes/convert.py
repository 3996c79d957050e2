"""Turn a Bot API update into the handler contract's :class:`~handlers.contract.Incoming`.

aiogram's and python-telegram-bot's types both mirror the Bot API's field names (``from``
becomes ``from_user`` in both), so one reading serves both; each adapter calls
:func:`to_incoming` with its own framework's ``Update`` and its tests feed it real objects of
that framework. Only private chats are served: the marketplace shows profiles and takes
payments, which must not happen in a group. Updates the bot does not handle become ``None``
(ignored); a message of an unsupported kind becomes :class:`~handlers.contract.Unsupported`.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.contract import (
    Callback,
    Command,
    Event,
    FileUpload,
    Incoming,
    Payment,
    PreCheckout,
    Text,
    TgUser,
    Unsupported,
)

__all__ = ["parse_command", "to_incoming"]

_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?", re.DOTALL)

# Message kinds we name in Unsupported, checked in this order (animation before document:
# an animation message carries a document too).
_KINDS = ("animation", "sticker", "voice", "video_note", "video", "audio", "location", "venue",
          "contact", "poll", "dice", "game", "story", "invoice")

OTHER_BOT = object()
"""Returned by :func:`parse_command` for ``/cmd@otherbot``."""


def parse_command(text: str, bot_username: str) -> Command | None | object:
    """``/name@bot args`` -> :class:`Command`; ``None`` for plain text; :data:`OTHER_BOT`.

    The name is lower-cased; ``@botname`` is stripped when it names this bot (any case).
    """
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    name, mention, args = match.groups()
    if mention and mention.lower() != bot_username.lower():
        return OTHER_BOT
    return Command(name.lower(), (args or "").strip())


def _user(user: Any) -> TgUser:
    """A Telegram User object as the contract's :class:`TgUser`."""
    return TgUser(id=user.id, first_name=user.first_name, last_name=user.last_name,
                  username=user.username, language_code=user.language_code)


def _private(chat: Any) -> bool:
    """True for a one-to-one chat with the bot."""
    return chat is not None and str(chat.type) == "private"


def _message_event(message: Any, bot_username: str) -> Event | None:
    """The contract event of a message, or ``None`` when it is not for this bot."""
    if message.successful_payment is not None:
        paid = message.successful_payment
        return Payment(currency=paid.currency, total_amount=paid.total_amount,
                       payload=paid.invoice_payload,
                       telegram_payment_charge_id=paid.telegram_payment_charge_id,
                       provider_payment_charge_id=paid.provider_payment_charge_id or "")
    if message.text is not None:
        command = parse_command(message.text, bot_username)
        if command is OTHER_BOT:
            return None
        return command if isinstance(command, Command) else Text(message.text)
    if message.animation is None and message.document is not None:
        doc = message.document
        return FileUpload(kind="document", file_id=doc.file_id,
                          file_unique_id=doc.file_unique_id, file_name=doc.file_name,
                          file_size=doc.file_size, mime_type=doc.mime_type,
                          caption=message.caption)
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return FileUpload(kind="photo", file_id=largest.file_id,
                          file_unique_id=largest.file_unique_id, file_size=largest.file_size,
                          mime_type="image/jpeg", caption=message.caption)
    kind = next((k for k in _KINDS if getattr(message, k, None)), "other")
    return Unsupported(kind)


def to_incoming(update: Any, bot_username: str) -> Incoming | None:
    """The :class:`Incoming` of ``update`` (an aiogram or PTB ``Update``), or ``None``."""
    if update.message is not None:
        message = update.message
        if message.from_user is None or not _private(message.chat):
            return None
        event = _message_event(message, bot_username)
        if event is None:
            return None
        return Incoming(update.update_id, _user(message.from_user), message.chat.id, event)
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is not None and not _private(message.chat):
            return None
        chat_id = message.chat.id if message is not None else query.from_user.id
        message_id = message.message_id if message is not None else None
        return Incoming(update.update_id, _user(query.from_user), chat_id,
                        Callback(id=query.id, data=query.data or "", message_id=message_id))
    if update.pre_checkout_query is not None:
        query = update.pre_checkout_query
        return Incoming(update.update_id, _user(query.from_user), query.from_user.id,
                        PreCheckout(id=query.id, currency=query.currency,
                                    total_amount=query.total_amount,
                                    payload=query.invoice_payload))
    return None
