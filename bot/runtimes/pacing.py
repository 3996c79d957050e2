"""Per-chat pacing of the bot's own replies, so Telegram never has to answer 429.

Telegram allows about one message a second in a chat and tolerates short bursts (the sandbox
models it as 5 at once, then 1 a second: :mod:`bot.sandbox.limiter`). The replies to one
update (an edit and the next question, a list in several messages) and the replies to a few
quick taps in a row would run past that if sent as fast as the handlers return them.
:class:`ChatPacer` keeps a token bucket per chat on the bot's side: :data:`REPLY_BURST` (3)
replies at once, then :data:`REPLY_RATE` (1) a second, a little under Telegram's so the
outbox's notifications to the same chat still fit. Each reply reserves its moment before it
waits, so concurrent senders to one chat queue up instead of bursting together. The time
source and the sleep are injected (``RetryPolicy.time_source`` and ``RetryPolicy.sleep``),
so tests move a fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

__all__ = ["REPLY_BURST", "REPLY_RATE", "ChatPacer"]

REPLY_BURST = 3
"""Replies a chat may get at once."""
REPLY_RATE = 1.0
"""Replies a second a chat gets after its burst."""

_MARGIN = 0.001  # a hair slower than the rate, against rounding on either side
_EPSILON = 1e-9


class ChatPacer:
    """A token bucket per chat: :meth:`wait` returns when a reply to that chat may go.

    ``burst=None`` paces nothing (for a server without flood limits).
    """

    def __init__(self, burst: int | None = REPLY_BURST, rate: float = REPLY_RATE, *,
                 time_source: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.burst = burst
        self.interval = 1 / rate + _MARGIN
        self.time_source = time_source
        self.sleep = sleep
        self._full_at: dict[int, float] = {}  # when each chat's bucket is full again

    def reserve(self, chat_id: int) -> float:
        """Take the next free moment for a reply to ``chat_id``; seconds until it comes."""
        if self.burst is None:  # not paced
            return 0.0
        now = self.time_source()
        if len(self._full_at) > 1000:
            self._full_at = {c: t for c, t in self._full_at.items() if t > now}
        full_at = self._full_at.get(chat_id, -math.inf)
        delay = full_at - now - (self.burst - 1) * self.interval
        self._full_at[chat_id] = max(full_at, now) + self.interval
        return delay if delay > _EPSILON else 0.0

    async def wait(self, chat_id: int) -> None:
        """Return once a reply to ``chat_id`` keeps within the pace (at once if it does)."""
        delay = self.reserve(chat_id)
        if delay > 0:
            await self.sleep(delay)
