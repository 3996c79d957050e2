"""Processed updates: each Telegram update id is claimed once, in the update's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.repos.accounts import SqlUsersRepo
from storage.repos.base import insert_ignore
from storage.tables.accounts import processed_updates

__all__ = ["SqlUpdatesRepo"]


class SqlUpdatesRepo:
    """:class:`core.ports.UpdatesRepo`: INSERT ... ON CONFLICT DO NOTHING, race-safe."""

    def __init__(self, session: AsyncConnection, users: SqlUsersRepo | None = None) -> None:
        """Bind to ``session``; with ``users``, a claim naming the user also reads them."""
        self.session = session
        self.users = users

    async def claim(self, update_id: int, at: datetime, *, user_id: int | None = None) -> bool:
        """Record ``update_id``; False if it is already recorded (a duplicate delivery).

        The transaction stays usable after a False on both backends. A concurrent claim of
        the same id waits for the other transaction: False if it commits, True if it rolls back.
        With ``user_id`` (and the unit of work's users repository), the same statement reads
        that user and their dialog state for the ``users.get`` that follows.
        """
        if user_id is not None and self.users is not None:
            return await self.users.claim_update(update_id, at, user_id)
        return await insert_ignore(self.session, processed_updates,
                                   {"update_id": update_id, "processed_at": at}, ["update_id"])
