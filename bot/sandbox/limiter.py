"""The Bot API's flood limits: 30 messages per second overall and 1 per second per chat.

A sliding one-second window over the moments of accepted messages. The time source is
injected, so tests move time by hand instead of waiting for the wall clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from bot.sandbox.params import ApiError

__all__ = ["RateLimiter"]


class RateLimiter:
    """Refuses a message with 429 when it would exceed a limit, else records it."""

    def __init__(
        self,
        time_source: Callable[[], float],
        *,
        overall: int = 30,
        per_chat: int = 1,
        window: float = 1.0,
    ) -> None:
        self.time_source = time_source
        self.overall = overall
        self.per_chat = per_chat
        self.window = window
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def _retry_after(self, moments: deque[float], limit: int, now: float) -> int | None:
        """Seconds until ``moments`` has room under ``limit``, or None if it has room now."""
        while moments and moments[0] <= now - self.window:
            moments.popleft()
        if len(moments) < limit:
            return None
        return max(1, math.ceil(moments[len(moments) - limit] + self.window - now))

    def check(self, chat_id: int) -> None:
        """Record a message to ``chat_id`` or raise the 429 ``ApiError``."""
        now = self.time_source()
        chat = self._chats.setdefault(chat_id, deque())
        waits = [
            wait
            for wait in (
                self._retry_after(self._all, self.overall, now),
                self._retry_after(chat, self.per_chat, now),
            )
            if wait is not None
        ]
        if waits:
            retry = max(waits)
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._all.append(now)
        chat.append(now)
