"""The outbox repository: notifications in, due rows out to the sender.

Writing (:meth:`SqlOutboxRepo.add`) happens inside the unit of work of the change that causes
the notification. Reading is the sender's: :meth:`SqlOutboxRepo.claim_due` takes due rows with
``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one writer at a time anyway) and leases them
by moving ``not_before`` forward, so several sender processes never take the same row while
its lease runs. A sender that dies leaves its rows to be taken again when the lease ends.

Listeners registered with :func:`on_outbox_commit` are called after a transaction that wrote
an outbox row commits, so a sender in the same process wakes at once instead of polling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, insert, null, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.repos.base import insert_ignore
from storage.tables.outbox import outbox

__all__ = ["OutboxRow", "SqlOutboxRepo", "on_outbox_commit"]

#: How many rows per claimed chat one claim takes at most, on average.
CHAT_BACKLOG = 20

Listener = Callable[[], None]
_listeners: WeakKeyDictionary[Engine, list[Listener]] = WeakKeyDictionary()


def on_outbox_commit(engine: AsyncEngine, listener: Listener) -> Callable[[], None]:
    """Call ``listener`` after every commit that wrote an outbox row; returns an unsubscriber."""
    listeners = _listeners.setdefault(engine.sync_engine, [])
    listeners.append(listener)
    return lambda: listeners.remove(listener) if listener in listeners else None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A claimed notification, ready to send."""

    id: int
    user_id: int
    chat_id: int
    text: str
    keyboard: list[list[dict[str, str]]] | None
    attempts: int


class SqlOutboxRepo:
    """:class:`core.ports.OutboxRepo` on the ``outbox`` table, plus the sender's queries."""

    def __init__(self, session: AsyncConnection,
                 after_commit: list[Callable[[], None]] | None = None) -> None:
        """Bind to ``session``; the unit of work calls ``after_commit`` once it committed."""
        self.session = session
        self._after_commit = after_commit

    async def add(self, *, user_id: int, chat_id: int, text: str,
                  keyboard: list[list[dict[str, str]]] | None,
                  dedupe_key: str | None) -> bool:
        """Queue a rendered message, due at once; False (nothing written) if the key was used."""
        values: dict[str, Any] = {
            "user_id": user_id, "chat_id": chat_id, "text": text,
            "keyboard": null() if keyboard is None else keyboard, "dedupe_key": dedupe_key,
        }
        if dedupe_key is None:
            await self.session.execute(insert(outbox).values(**values))
            written = True
        else:
            written = await insert_ignore(self.session, outbox, values, ["dedupe_key"])
        if written:
            self._wake_after_commit()
        return written

    def _wake_after_commit(self) -> None:
        """Tell this engine's listeners once this transaction commits."""
        if self._after_commit is not None and self._wake not in self._after_commit:
            self._after_commit.append(self._wake)

    def _wake(self) -> None:
        for listener in list(_listeners.get(self.session.sync_engine, ())):
            listener()

    async def claim_due(self, at: datetime, limit: int, lease: timedelta) -> list[OutboxRow]:
        """Take the due rows of up to ``limit`` chats, oldest first, and lease them until
        ``at + lease``.

        A chat is taken whole, by locking its oldest unsent row (``FOR UPDATE SKIP LOCKED``):
        while one sender holds or leases that row, no other sender takes any row of the chat.
        So two processes do not write to one chat at once (Telegram's 1/s per chat holds), and
        a chat whose oldest message waits for a retry waits as a whole (its order holds). At
        most ``limit * CHAT_BACKLOG`` rows are taken; a chat with more is taken in parts.
        """
        unsent = (outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
        due = or_(outbox.c.not_before.is_(None), outbox.c.not_before <= at)
        heads = select(func.min(outbox.c.id)).where(*unsent).group_by(outbox.c.chat_id)
        owned = (await self.session.execute(
            select(outbox.c.chat_id).where(outbox.c.id.in_(heads), due)
            .order_by(outbox.c.id).limit(limit)
            .with_for_update(skip_locked=True))).scalars().all()
        if not owned:
            return []
        result = await self.session.execute(
            select(outbox.c.id, outbox.c.user_id, outbox.c.chat_id, outbox.c.text,
                   outbox.c.keyboard, outbox.c.attempts)
            .where(outbox.c.chat_id.in_(owned), *unsent, due)
            .order_by(outbox.c.id).limit(limit * CHAT_BACKLOG)
            .with_for_update(skip_locked=True))
        rows = [OutboxRow(*row) for row in result.all()]
        await self.session.execute(
            update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
            .values(not_before=at + lease))
        return rows

    async def mark_sent(self, row_id: int, at: datetime) -> None:
        """Record that Telegram accepted the message."""
        await self.session.execute(
            update(outbox).where(outbox.c.id == row_id, outbox.c.sent_at.is_(None))
            .values(sent_at=at, attempts=outbox.c.attempts + 1, last_error=None))

    async def defer(self, row_id: int, until: datetime, error: str) -> None:
        """Record a failed try and make the row due again at ``until``."""
        await self.session.execute(
            update(outbox).where(outbox.c.id == row_id, outbox.c.sent_at.is_(None))
            .values(not_before=until, attempts=outbox.c.attempts + 1, last_error=error[:500]))

    async def fail(self, row_id: int, at: datetime, error: str) -> None:
        """Give up on a message Telegram refuses for good; it is never tried again."""
        await self.session.execute(
            update(outbox).where(outbox.c.id == row_id, outbox.c.sent_at.is_(None))
            .values(failed_at=at, attempts=outbox.c.attempts + 1, last_error=error[:500]))

    async def release(self, row_ids: Iterable[int], leased_until: datetime) -> None:
        """Make leased rows that were never tried due at once, unless someone else's lease
        (a different ``not_before``) has replaced ours meanwhile."""
        ids: Sequence[int] = list(row_ids)
        if ids:
            await self.session.execute(
                update(outbox).where(outbox.c.id.in_(ids), outbox.c.sent_at.is_(None),
                                     outbox.c.failed_at.is_(None),
                                     outbox.c.not_before == leased_until)
                .values(not_before=None))

    async def purge_sent(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` rows sent before ``before`` (oldest first); return how many.

        Failed rows are kept (an operator may want to read why); unsent rows are never touched.
        """
        batch = (select(outbox.c.id).where(outbox.c.sent_at.is_not(None),
                                           outbox.c.sent_at < before)
                 .order_by(outbox.c.id).limit(limit))
        ids = list((await self.session.execute(batch)).scalars().all())
        if not ids:
            return 0
        await self.session.execute(delete(outbox).where(outbox.c.id.in_(ids)))
        return len(ids)

    async def backlog(self, at: datetime) -> int:
        """Unsent rows due at ``at`` (the metrics' outbox backlog)."""
        due = or_(outbox.c.not_before.is_(None), outbox.c.not_before <= at)
        return int((await self.session.execute(
            select(func.count()).select_from(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None), due))
        ).scalar_one())
