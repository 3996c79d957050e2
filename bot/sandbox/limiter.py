"""The Bot API's flood limits as the sandbox models them: token buckets, then 429.

Telegram documents "about one message a second" in a chat, "short bursts" tolerated, and 30
messages a second overall; past that it answers ``429 Too Many Requests: retry after N`` with
``parameters.retry_after``. The sandbox makes that concrete with two kinds of
:class:`TokenBucket`:

- **per chat**: :data:`CHAT_BURST` (5) messages at once, refilled at :data:`CHAT_RATE`
  (1 a second). A person's chat with a two- or three-message reply and a few quick taps stays
  under it; a bot that keeps sending faster than one a second is refused after the burst.
- **overall**: :data:`OVERALL_BURST` (30) at once, refilled at :data:`OVERALL_RATE` (30 a
  second).

What counts is every message the bot puts in a chat (sendMessage, sendDocument, sendPhoto,
sendInvoice) and every editMessageText; answers to callback and pre-checkout queries are
free. A refused message takes no token. ``retry_after`` is the whole number of seconds (at
least 1) until both buckets hold a token again. Every refusal is recorded in
:attr:`RateLimiter.refused` (chat id, retry_after), so tests count the 429s a run produced
instead of reading logs.

The time source is injected (the server's ``time_source``), so tests move time by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from bot.sandbox.params import ApiError

__all__ = ["CHAT_BURST", "CHAT_RATE", "OVERALL_BURST", "OVERALL_RATE", "RateLimiter",
           "TokenBucket"]

CHAT_BURST = 5
"""Messages a chat may receive at once before the per-chat rate applies."""
CHAT_RATE = 1.0
"""Messages a second a chat's bucket refills with."""
OVERALL_BURST = 30
"""Messages the bot may send at once across all chats."""
OVERALL_RATE = 30.0
"""Messages a second the overall bucket refills with."""

_EPSILON = 1e-9  # float rounding: a wait this short is no wait


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` a second; a message takes one.

    Kept as the moment the bucket will be full again (the "theoretical arrival time" of the
    generic cell rate algorithm), so there is nothing to refill on a timer.
    """

    __slots__ = ("capacity", "rate", "_full_at")

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self._full_at = -math.inf

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until the bucket holds a token (0: it holds one now)."""
        wait = self._full_at - now - (self.capacity - 1) / self.rate
        return wait if wait > _EPSILON else 0.0

    def take(self, now: float) -> None:
        """Take a token at ``now`` (after :meth:`wait` said 0)."""
        self._full_at = max(self._full_at, now) + 1 / self.rate

    def full(self, now: float) -> bool:
        """Whether the bucket is full again (it then limits nothing and can be forgotten)."""
        return self._full_at <= now


class RateLimiter:
    """Refuses a message with 429 when a bucket is empty, else takes a token from each."""

    def __init__(
        self,
        time_source: Callable[[], float],
        *,
        chat_burst: int = CHAT_BURST,
        chat_rate: float = CHAT_RATE,
        overall_burst: int = OVERALL_BURST,
        overall_rate: float = OVERALL_RATE,
    ) -> None:
        self.time_source = time_source
        self.chat_burst = chat_burst
        self.chat_rate = chat_rate
        self._all = TokenBucket(overall_burst, overall_rate)
        self._chats: dict[int, TokenBucket] = {}
        self.refused: list[tuple[int, int]] = []

    def check(self, chat_id: int) -> None:
        """Record a message to ``chat_id`` or raise the 429 ``ApiError``."""
        now = self.time_source()
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= 1000:
                self._forget_full(now)
            chat = self._chats[chat_id] = TokenBucket(self.chat_burst, self.chat_rate)
        wait = max(self._all.wait(now), chat.wait(now))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            self.refused.append((chat_id, retry))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._all.take(now)
        chat.take(now)

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that are full again: they limit nothing."""
        self._chats = {key: bucket for key, bucket in self._chats.items()
                       if not bucket.full(now)}
