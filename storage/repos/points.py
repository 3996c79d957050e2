"""Rating points (RAT-01): each award recorded once per (user, key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.rating import Award
from storage.repos.base import insert_ignore
from storage.tables.accounts import points

__all__ = ["SqlPointsRepo"]

_TOTAL = select(func.coalesce(func.sum(points.c.points), 0)).where(
    points.c.user_id == bindparam("user_id"))


class SqlPointsRepo:
    """:class:`core.ports.PointsRepo` on the ``points`` table."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        """Record ``award`` for ``user_id`` unless its key was awarded before; True if new."""
        return await insert_ignore(
            self.session, points,
            {"user_id": user_id, "key": award.key, "points": award.points,
             "reason": award.reason, "created_at": at},
            ["user_id", "key"])

    async def total(self, user_id: int) -> int:
        """The sum of the user's points (0 for none)."""
        result = await self.session.execute(_TOTAL, {"user_id": user_id})
        return int(result.scalar_one())
