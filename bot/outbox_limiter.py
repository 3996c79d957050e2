"""The outbox sender's flood limiter: Telegram's limits kept on our side.

At most ``overall`` messages in any ``window`` (30 a second) and ``per_chat`` per chat (one a
second). A message's :class:`Slot` is held from the moment its request starts until one window
after its answer arrived: the server saw the message somewhere in between, so two messages
can never look closer than the window to it, however long the requests took. Pure
bookkeeping over an injected time source, so tests move time by hand.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SendLimiter", "Slot"]


@dataclass(slots=True)
class Slot:
    """One message's claim on the limits: from the start of its request to one window after
    its answer (``end`` is None while the request is open)."""

    chat_id: int
    end: float | None = None


class SendLimiter:
    """Telegram's flood limits on our side, so that the server never has to refuse.

    Pure bookkeeping over an injected ``time_source`` (seconds, monotonic): ask
    :meth:`wait_time`, then :meth:`start` a slot and :meth:`finish` it when the answer came.
    """

    def __init__(self, *, overall: int = 30, per_chat: int = 1, window: float = 1.0,
                 margin: float = 0.001,
                 time_source: Callable[[], float] = time.monotonic) -> None:
        self.overall = overall
        self.per_chat = per_chat
        self.window = window + margin  # a hair more than Telegram's, against rounding
        self.time_source = time_source
        self._all: deque[Slot] = deque()
        self._chats: dict[int, deque[Slot]] = {}
        self._paused_until = -math.inf

    def wait_time(self, chat_id: int) -> float:
        """Seconds until a message to ``chat_id`` may start: 0 now, ``inf`` until a request
        that is still open finishes."""
        now = self.time_source()
        chat = self._chats.get(chat_id)
        waits = [self._paused_until - now, self._room(self._all, self.overall, now)]
        if chat is not None:
            waits.append(self._room(chat, self.per_chat, now))
            if not chat:
                del self._chats[chat_id]
        return max(0.0, *waits)

    def _room(self, slots: deque[Slot], limit: int, now: float) -> float:
        """Seconds until ``slots`` holds fewer than ``limit`` live slots (after pruning)."""
        while slots and slots[0].end is not None and slots[0].end + self.window <= now:
            slots.popleft()
        live = [s for s in slots if s.end is None or s.end + self.window > now]
        if len(live) < limit:
            return 0.0
        ends = sorted(math.inf if s.end is None else s.end + self.window - now for s in live)
        return ends[len(live) - limit]

    def start(self, chat_id: int) -> Slot:
        """Take a slot for a message to ``chat_id`` (after :meth:`wait_time` said 0)."""
        slot = Slot(chat_id)
        self._all.append(slot)
        self._chats.setdefault(chat_id, deque()).append(slot)
        if len(self._chats) > 4 * self.overall + 1000:
            self._forget_quiet_chats()
        return slot

    def _forget_quiet_chats(self) -> None:
        """Drop the chats whose slots have all expired (they no longer limit anything)."""
        now = self.time_source()
        for chat_id, slots in list(self._chats.items()):
            self._room(slots, self.per_chat, now)  # drops the expired slots
            if not slots:
                del self._chats[chat_id]

    def finish(self, slot: Slot) -> None:
        """The answer to ``slot``'s request arrived (or the request failed)."""
        if slot.end is None:
            slot.end = self.time_source()

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (after a 429 or a network error)."""
        self._paused_until = max(self._paused_until, self.time_source() + seconds)
