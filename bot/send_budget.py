"""Telegram's send limits for the bot as a whole: a token bucket shared through PostgreSQL.

Each process's :class:`~bot.outbox_limiter.SendLimiter` keeps the limits for its own sends;
with several processes their outbox senders together must still stay within 30 messages a
second and one a second per chat. :class:`PostgresSendBudget` is the shared part: before each
outbox send a process takes one token from the bucket ``all`` and one from the bucket of the
chat, in one transaction, on the database server's clock (``clock_timestamp()``), so every
process reads the same time.

The buckets are kept as GCRA (the generic cell rate algorithm, a token bucket stored as one
number): a bucket with rate ``r`` and burst ``b`` keeps its *theoretical arrival time*
``tat``. A take at ``now`` is allowed when ``max(tat, now) - now <= (b - 1) / r``, and moves
``tat`` to ``max(tat, now) + 1 / r``; otherwise the caller waits for the difference. One row
per bucket in the unlogged table ``send_budget`` (``key``, ``tat``): an ``INSERT ... ON
CONFLICT DO UPDATE ... WHERE`` takes a token or returns nothing, atomically, without an
explicit lock. Both takes run in one transaction, so a refused overall token gives the chat's
token back (rollback). The table is coordination state, not data (it is rebuilt empty after a
crash, which only lets a few messages through early), created on first use and outside the
migrations; rows of chats quiet for a minute are purged by the outbox purge tick.

A process on SQLite is alone: it uses :class:`NoSharedBudget` (its own limiter is enough).
Redis is not needed for this: the bucket costs one short transaction per message, at most 30 a
second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Database

__all__ = ["NoSharedBudget", "PostgresSendBudget", "SendBudget", "send_budget_for"]

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
_TAKE = text("""
INSERT INTO send_budget AS b (key, tat)
VALUES (:key, extract(epoch FROM clock_timestamp()) + :interval)
ON CONFLICT (key) DO UPDATE
SET tat = greatest(b.tat, extract(epoch FROM clock_timestamp())) + :interval
WHERE greatest(b.tat, extract(epoch FROM clock_timestamp()))
      - extract(epoch FROM clock_timestamp()) <= :tolerance
RETURNING tat
""")
_WAIT = text("""
SELECT tat - extract(epoch FROM clock_timestamp()) - :tolerance
FROM send_budget WHERE key = :key
""")
_PURGE = text("""
DELETE FROM send_budget
WHERE key <> :overall AND tat < extract(epoch FROM clock_timestamp()) - :idle
""")


class SendBudget(Protocol):
    """Waits until the bot as a whole may send one more message to a chat."""

    async def take(self, chat_id: int) -> None:
        """Return once a message to ``chat_id`` may be sent (a token of each bucket taken)."""


class NoSharedBudget:
    """One process: nothing to share (the process's own limiter keeps the limits)."""

    async def take(self, chat_id: int) -> None:
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
            await connection.commit()
        except Exception:  # another process created it at the same moment
            await connection.rollback()
            await connection.execute(text(_CREATE))
            await connection.commit()
        self._ready = True

    async def try_take(self, chat_id: int) -> float:
        """Take a token of the chat's bucket and of the overall one, or neither: 0.0 when
        taken, else the seconds to wait before trying again."""
        async with self.database.engine.connect() as connection:
            await self._ensure_table(connection)
            async with connection.begin() as transaction:
                chat = f"chat:{chat_id}"
                if (await connection.execute(_TAKE, {
                        "key": chat, "interval": self.chat_interval, "tolerance": 0.0,
                })).first() is None:
                    wait = (await connection.execute(_WAIT, {"key": chat, "tolerance": 0.0})
                            ).scalar()
                    await transaction.rollback()
                    return max(float(wait or 0.0), 0.001)
                if (await connection.execute(_TAKE, {
                        "key": OVERALL_KEY, "interval": self.overall_interval,
                        "tolerance": self.overall_tolerance,
                })).first() is None:
                    wait = (await connection.execute(_WAIT, {
                        "key": OVERALL_KEY, "tolerance": self.overall_tolerance})).scalar()
                    await transaction.rollback()
                    return max(float(wait or 0.0), 0.001)
        return 0.0

    async def take(self, chat_id: int) -> None:
        """Wait until both buckets give a token (a database error lets the send go: the
        process's own limiter and Telegram's 429 still hold)."""
        while True:
            try:
                wait = await self.try_take(chat_id)
            except Exception as exc:
                log.warning("send budget: the database did not answer (%s); sending on the "
                            "process's own limits", exc)
                return
            if wait <= 0:
                return
            self.waited += wait
            await self.sleep(wait)

    async def purge(self, idle: float = 60.0) -> int:
        """Forget the buckets of chats that have been quiet for ``idle`` seconds."""
        async with self.database.engine.connect() as connection:
            await self._ensure_table(connection)
            async with connection.begin():
                result = await connection.execute(_PURGE, {"overall": OVERALL_KEY,
                                                           "idle": idle})
        return int(result.rowcount or 0)


def send_budget_for(database: Database, overall: float = 30.0) -> SendBudget:
    """The shared budget on PostgreSQL, none on SQLite."""
    if database.dialect == "postgresql":
        return PostgresSendBudget(database, overall=overall)
    return NoSharedBudget()
