"""Notifications: messages a user did not just ask for, queued in the outbox.

:func:`notify` renders the message in the *recipient's* stored language (not the actor's) and
writes it to the outbox inside the caller's unit of work, so the notification exists exactly
when the change that causes it is committed, and not at all if that change rolls back.
``bot.outbox`` delivers it later, within Telegram's limits. A ``dedupe_key`` makes a repeated
call (a tick run twice, a retried update) a no-op.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.accounts import pick_language
from core.money import Money, format_money
from core.ports import UnitOfWork
from handlers.contract import Button, Keyboard
from handlers.formats import day, moment
from locales import translator

__all__ = ["JsonKeyboard", "keyboard_from_json", "keyboard_to_json", "notify"]

JsonKeyboard = list[list[dict[str, str]]]


async def notify(uow: UnitOfWork, recipient_id: int, message: str, /,
                 keyboard: Keyboard | None = None, dedupe_key: str | None = None,
                 **params: Any) -> bool:
    """Queue ``message`` for ``recipient_id``, rendered in the recipient's language.

    Args:
        uow: the unit of work of the change that causes the notification.
        recipient_id: the user to tell; their private chat receives the message.
        message: a msgid marked with ``N_``; ``params`` fill its ``{named}`` fields
            (a :class:`~core.money.Money` is written in the recipient's number format, a date
            or an instant in their date format, as :mod:`handlers.formats` writes them).
        keyboard: inline buttons whose labels are msgids too (translated the same way).
        dedupe_key: a key unique to this notification (``"hold-cleared:812"``).

    Returns:
        False if ``dedupe_key`` was used before (nothing is written), else True.

    Raises:
        LookupError: the recipient is not a known user (a programming error).
    """
    recipient = await uow.users.get(recipient_id)
    if recipient is None:
        raise LookupError(f"cannot notify unknown user {recipient_id}")
    language = pick_language(recipient.language, recipient.telegram_language)
    tr = translator(language)
    values = {name: _written(value, language) for name, value in params.items()}
    rendered = None
    if keyboard:
        rendered = tuple(tuple(Button(tr(b.label), data=b.data, url=b.url) for b in row)
                         for row in keyboard)
    return await uow.outbox.add(user_id=recipient.id, chat_id=recipient.id,
                                text=tr(message, **values),
                                keyboard=keyboard_to_json(rendered), dedupe_key=dedupe_key)


def keyboard_to_json(keyboard: Keyboard | None) -> JsonKeyboard | None:
    """A keyboard as JSON-ready rows of ``{"label", "data" | "url"}``."""
    if not keyboard:
        return None
    return [[_button_json(b) for b in row] for row in keyboard]


def _button_json(button: Button) -> dict[str, str]:
    """One button as ``{"label", "data"}`` or ``{"label", "url"}``."""
    if button.data is not None:
        return {"label": button.label, "data": button.data}
    return {"label": button.label, "url": button.url or ""}


def keyboard_from_json(rows: JsonKeyboard | None) -> Keyboard | None:
    """The inverse of :func:`keyboard_to_json`."""
    if not rows:
        return None
    return tuple(tuple(Button(b["label"], data=b.get("data"), url=b.get("url")) for b in row)
                 for row in rows)


def _written(value: Any, language: str) -> Any:
    """Money, dates and instants in the recipient's format (``handlers.formats``)."""
    if isinstance(value, Money):
        return format_money(value, language)
    if isinstance(value, datetime):
        return moment(value, language)
    if isinstance(value, date):
        return day(value, language)
    return value
