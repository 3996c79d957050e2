"""Telegram's send limits for the bot as a whole: a token bucket shared through PostgreSQL.

Each process's :class:`~bot.outbox_limiter.SendLimiter` keeps the limits for its own sends;
with several processes their outbox senders together must still stay within 30 messages a
second and one a second per chat. :class:`PostgresSendBudget` is the shared part: before each
outbox send a process takes one token from the bucket ``all`` and one from the bucket of the
chat, in one transaction, on the database server's clock (``clock_timestamp()``), so every
process reads the same time.

Replies (what the bot answers to a user's own update, :mod:`bot.runtimes.perform`) take a
token of the overall bucket only, through the retry policy's ``pace``: a reply is one answer to
one update, so only the overall limit needs sharing for it.

The buckets are kept as GCRA (the generic cell rate algorithm: a token bucket stored as one
number) with reservations: a bucket with rate ``r`` and burst ``b`` keeps its *theoretical
arrival time* ``tat``. A take at ``now`` reserves the slot ``max(tat - (b - 1) / r, now)`` and
moves ``tat`` to ``max(tat, now) + 1 / r``; the caller sleeps until its slot. One row per
bucket in the unlogged table ``send_budget`` (``key``, ``tat``), one ``INSERT ... ON CONFLICT
DO UPDATE ... RETURNING`` statement per take in autocommit, so the row is locked only for that
statement and every taker gets its own slot at once: no retries, no herd. An outbox send
reserves its chat's slot first, waits for it, and then reserves an overall slot. The table is
coordination state, not data (it is rebuilt empty after a crash, which only lets a few messages
through early), created on first use and outside the migrations; rows of chats quiet for a
minute are purged by the tick run.

A process on SQLite is alone: it uses :class:`NoSharedBudget` (its own limiter is enough).
Redis is not needed for this: a take is one short statement, at most 30 a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Database

__all__ = [
    "COUNTED",
    "NoSharedBudget",
    "PostgresSendBudget",
    "SendBudget",
    "reply_pacer",
    "send_budget_for",
]

log = logging.getLogger(__name__)

OVERALL_KEY = "all"
#: Seconds added to each per-chat interval and to the overall one per message: the server
#: counts a message when it arrives, a little after the take, and arrival delays vary.
CHAT_MARGIN = 0.1
OVERALL_MARGIN = 0.001

_CREATE = """
CREATE UNLOGGED TABLE IF NOT EXISTS send_budget (
    key varchar(40) PRIMARY KEY,
    tat double precision NOT NULL
)
"""
_RESERVE = text("""
WITH c AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
INSERT INTO send_budget AS b (key, tat)
SELECT :key, greatest(c.now, :not_before) + :interval FROM c
ON CONFLICT (key) DO UPDATE
SET tat = greatest(b.tat, (SELECT now FROM c), :not_before) + :interval
RETURNING greatest(b.tat - :interval - :tolerance, (SELECT now FROM c), :not_before) AS slot,
          (SELECT now FROM c) AS now
""")
_PURGE = text("""
DELETE FROM send_budget
WHERE key <> :overall AND tat < extract(epoch FROM clock_timestamp()) - :idle
""")


class SendBudget(Protocol):
    """Waits until the bot as a whole may send one more message (to a chat)."""

    async def take(self, chat_id: int | None) -> None:
        """Return once a message may be sent: a token of the overall bucket taken, and of
        ``chat_id``'s unless it is None (a reply, which answers the user's own update)."""


class NoSharedBudget:
    """One process: nothing to share (the process's own limiter keeps the limits)."""

    async def take(self, chat_id: int | None) -> None:
        """At once."""


class PostgresSendBudget:
    """The shared token buckets in PostgreSQL (see the module docstring)."""

    def __init__(self, database: Database, *, overall: float = 30.0, per_chat: float = 1.0,
                 burst: int = 1,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """Buckets of ``overall`` and ``per_chat`` messages a second (``burst`` overall)."""
        self.database = database
        self.overall_interval = 1.0 / overall + OVERALL_MARGIN
        self.overall_tolerance = (burst - 1) * self.overall_interval
        self.chat_interval = 1.0 / per_chat + CHAT_MARGIN
        self.sleep = sleep
        self._ready = False
        self.waited = 0.0

    async def _ensure_table(self, connection: AsyncConnection) -> None:
        if self._ready:
            return
        try:
            await connection.execute(text(_CREATE))
        except Exception:  # another process created it at the same moment
            await connection.execute(text(_CREATE))
        self._ready = True

    async def _reserve(self, key: str, interval: float, tolerance: float) -> float:
        """Reserve the next slot of one bucket; the seconds until it."""
        engine = self.database.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await self._ensure_table(connection)
            slot, now = (await connection.execute(_RESERVE, {
                "key": key, "interval": interval, "tolerance": tolerance,
                "not_before": 0.0})).one()
        return max(0.0, float(slot) - float(now))

    async def reserve(self, chat_id: int | None) -> float:
        """Reserve the next slot of the chat's bucket (unless ``chat_id`` is None), or if
        that is now, of the overall one; the seconds to wait (0.0: the message may go).

        A chat that must wait does not reserve an overall slot yet (that would hold every
        other message back until then): :meth:`take` waits for the chat's slot first.
        """
        if chat_id is not None:
            wait = await self._reserve(f"chat:{chat_id}", self.chat_interval, 0.0)
            if wait > 0:
                return wait
        return await self._reserve(OVERALL_KEY, self.overall_interval, self.overall_tolerance)

    async def take(self, chat_id: int | None) -> None:
        """Reserve the slots and sleep until them (a database error lets the send go: the
        process's own limiter and Telegram's 429 still hold)."""
        try:
            if chat_id is not None:
                await self._sleep(await self._reserve(f"chat:{chat_id}", self.chat_interval,
                                                      0.0))
            await self._sleep(await self._reserve(OVERALL_KEY, self.overall_interval,
                                                  self.overall_tolerance))
        except Exception as exc:
            log.warning("send budget: the database did not answer (%s); sending on the "
                        "process's own limits", exc)

    async def _sleep(self, wait: float) -> None:
        if wait > 0:
            self.waited += wait
            await self.sleep(wait)

    async def purge(self, idle: float = 60.0) -> int:
        """Forget the buckets of chats that have been quiet for ``idle`` seconds."""
        engine = self.database.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await self._ensure_table(connection)
            result = await connection.execute(_PURGE, {"overall": OVERALL_KEY, "idle": idle})
        return int(result.rowcount or 0)


#: What a reply does that counts against Telegram's limits (the Performer's action names).
COUNTED = frozenset({"Send", "Edit", "SendDocument", "SendPhoto", "SendInvoice"})


def send_budget_for(database: Database, overall: float = 30.0) -> SendBudget:
    """The shared budget on PostgreSQL, none on SQLite."""
    if database.dialect == "postgresql":
        return PostgresSendBudget(database, overall=overall)
    return NoSharedBudget()


def reply_pacer(budget: SendBudget) -> Callable[[str], Awaitable[None]] | None:
    """The retry policy's ``pace`` for replies: an overall token before each counted send
    (None when there is nothing to share)."""
    if isinstance(budget, NoSharedBudget):
        return None

    async def pace(what: str) -> None:
        if what in COUNTED:
            await budget.take(None)

    return pace
