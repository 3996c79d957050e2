"""The outbox's :class:`~bot.outbox.MessageSender` for an aiogram Bot and for a PTB Bot.

Both send with ``send_message`` and read their framework's exceptions through the runtime's
classifier (:func:`bot.runtimes.aiogram_runtime.classify`, :func:`bot.runtimes.ptb_runtime.
classify`), so the outbox and the replies agree on what an error means:
``TelegramRetryAfter``/``RetryAfter`` -> :class:`~bot.outbox.RetryLater`; network errors,
timeouts, Telegram's 5xx and a rejected token -> :class:`~bot.outbox.TransientError` (retried
later; a token problem stops everything anyway); anything else, such as a blocked bot or a
chat that is gone -> :class:`~bot.outbox.PermanentError`.
"""

from __future__ import annotations

from typing import Any

from bot.outbox import PermanentError, RetryLater, TransientError
from bot.runtimes.perform import Toolkit
from handlers.contract import Keyboard

__all__ = ["AiogramSender", "BotSender", "PtbSender"]


class BotSender:
    """Sends outbox messages with a framework's Bot, reading errors with its toolkit."""

    def __init__(self, bot: Any, toolkit: Toolkit) -> None:
        self.bot = bot
        self.toolkit = toolkit

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        """sendMessage; a failure is raised as RetryLater, TransientError or PermanentError."""
        try:
            await self.bot.send_message(chat_id=chat_id, text=text,
                                        reply_markup=self.toolkit.markup(keyboard))
        except Exception as exc:
            failure = self.toolkit.classify(exc)
            if failure.kind == "flood":
                raise RetryLater(failure.retry_after) from exc
            if failure.kind in ("transient", "unauthorized"):
                raise TransientError(str(exc)) from exc
            raise PermanentError(str(exc)) from exc


class AiogramSender(BotSender):
    """For an ``aiogram.Bot``."""

    def __init__(self, bot: Any) -> None:
        from bot.runtimes.aiogram_runtime import AiogramToolkit

        super().__init__(bot, AiogramToolkit())


class PtbSender(BotSender):
    """For a ``telegram.Bot`` (python-telegram-bot)."""

    def __init__(self, bot: Any) -> None:
        from bot.runtimes.ptb_runtime import PtbToolkit

        super().__init__(bot, PtbToolkit())

