"""Relayed-message threads and messages: :class:`core.ports.RelayRepo` on SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.contracts import ContractStatus
from core.messages import Message, MessageKind, Relation, Thread
from core.projects import Page
from storage.repos.base import fetch_page, insert_ignore
from storage.tables.market import applications, contracts, projects
from storage.tables.support import relay_messages, relay_threads

__all__ = ["SqlRelayRepo"]

#: A contract "exists" for MSG-03 once the expert accepted the offer.
ACCEPTED = (ContractStatus.ACTIVE.value, ContractStatus.ENDED.value)


def _thread(row: RowMapping) -> Thread:
    return Thread(user_a=row["user_a"], user_b=row["user_b"], created_at=row["created_at"],
                  last_message_at=row["last_message_at"], id=row["id"])


def _message(row: RowMapping) -> Message:
    return Message(thread_id=row["thread_id"], sender_id=row["sender_id"],
                   kind=MessageKind(row["kind"]), created_at=row["created_at"], text=row["text"],
                   delivered=row["delivered"], file_id=row["file_id"],
                   file_name=row["file_name"], flagged=bool(row["flagged"]), id=row["id"])


class SqlRelayRepo:
    """Threads (one per pair of users) and their messages."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def relation(self, sender_id: int, recipient_id: int) -> Relation:
        """What joins the two users: an application either way, an accepted contract."""
        pair = {sender_id, recipient_id}
        applied = await self.session.execute(
            select(applications.c.id)
            .join(projects, projects.c.id == applications.c.project_id)
            .where(or_(and_(applications.c.freelancer_id == sender_id,
                            projects.c.owner_id == recipient_id),
                       and_(applications.c.freelancer_id == recipient_id,
                            projects.c.owner_id == sender_id)))
            .limit(1))
        contracted = await self.session.execute(
            select(contracts.c.id)
            .where(contracts.c.client_id.in_(pair), contracts.c.expert_id.in_(pair),
                   contracts.c.status.in_(ACCEPTED))
            .limit(1))
        return Relation(application=applied.first() is not None,
                        contract=contracted.first() is not None)

    async def thread_between(self, a: int, b: int) -> Thread | None:
        """The pair's thread, whichever of them is given first."""
        low, high = sorted((a, b))
        result = await self.session.execute(
            select(relay_threads).where(relay_threads.c.user_a == low,
                                        relay_threads.c.user_b == high))
        row = result.mappings().first()
        return _thread(row) if row is not None else None

    async def add_thread(self, thread: Thread) -> Thread:
        """Store the pair's thread; if a concurrent update stored it first, return that one."""
        await insert_ignore(self.session, relay_threads,
                            {"user_a": thread.user_a, "user_b": thread.user_b,
                             "created_at": thread.created_at,
                             "last_message_at": thread.last_message_at},
                            ["user_a", "user_b"])
        stored = await self.thread_between(thread.user_a, thread.user_b)
        assert stored is not None
        return stored

    async def get_thread(self, thread_id: int) -> Thread | None:
        """The thread with this id, or None."""
        result = await self.session.execute(
            select(relay_threads).where(relay_threads.c.id == thread_id))
        row = result.mappings().first()
        return _thread(row) if row is not None else None

    async def touch_thread(self, thread_id: int, at: datetime) -> None:
        """Record ``at`` as the time of the thread's newest message."""
        await self.session.execute(
            update(relay_threads).where(relay_threads.c.id == thread_id)
            .values(last_message_at=at))

    async def threads_of(self, user_id: int, page: int, page_size: int) -> Page[Thread]:
        """The user's threads, the most recently active first."""
        active = func.coalesce(relay_threads.c.last_message_at, relay_threads.c.created_at)
        query = (select(relay_threads)
                 .where(or_(relay_threads.c.user_a == user_id, relay_threads.c.user_b == user_id))
                 .order_by(active.desc(), relay_threads.c.id.desc()))
        return await fetch_page(self.session, query, page, page_size, _thread)

    async def add_message(self, message: Message) -> Message:
        """Store a message; returns it with its id."""
        values: dict[str, Any] = {
            "thread_id": message.thread_id, "sender_id": message.sender_id,
            "kind": message.kind.value, "text": message.text, "delivered": message.delivered,
            "file_id": message.file_id, "file_name": message.file_name,
            "flagged": message.flagged, "created_at": message.created_at,
        }
        result = await self.session.execute(
            insert(relay_messages).values(**values).returning(relay_messages.c.id))
        message.id = int(result.scalar_one())
        return message

    async def get_message(self, message_id: int) -> Message | None:
        """The message with this id, or None."""
        result = await self.session.execute(
            select(relay_messages).where(relay_messages.c.id == message_id))
        row = result.mappings().first()
        return _message(row) if row is not None else None

    async def messages(self, thread_id: int, page: int, page_size: int) -> Page[Message]:
        """The thread's messages, newest first."""
        query = (select(relay_messages).where(relay_messages.c.thread_id == thread_id)
                 .order_by(relay_messages.c.id.desc()))
        return await fetch_page(self.session, query, page, page_size, _message)

