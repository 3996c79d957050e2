"""Processed updates: each Telegram update id is claimed once, in the update's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.repos.base import insert_ignore
from storage.tables.accounts import processed_updates

__all__ = ["SqlUpdatesRepo"]


class SqlUpdatesRepo:
    """:class:`core.ports.UpdatesRepo`: INSERT ... ON CONFLICT DO NOTHING, race-safe."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def claim(self, update_id: int, at: datetime) -> bool:
        """Record ``update_id``; False if it is already recorded (a duplicate delivery).

        The transaction stays usable after a False on both backends. A concurrent claim of
        the same id waits for the other transaction: False if it commits, True if it rolls back.
        """
        return await insert_ignore(self.session, processed_updates,
                                   {"update_id": update_id, "processed_at": at}, ["update_id"])
