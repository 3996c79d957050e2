"""What core needs from storage, as Protocols; ``storage`` implements them.

A unit of work is an async context manager: it rolls back unless :meth:`UnitOfWork.commit`
was called. Repositories never commit. Feature issues add their own repositories here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from core.accounts import User
from core.rating import Award

__all__ = ["DialogRepo", "PointsRepo", "UnitOfWork", "UpdatesRepo", "UsersRepo"]


class UsersRepo(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def add(self, user: User) -> None: ...

    async def save(self, user: User) -> None:
        """Persist changes to an existing user."""

    async def by_username(self, username: str) -> User | None: ...


class UpdatesRepo(Protocol):
    async def claim(self, update_id: int, at: datetime) -> bool:
        """Record ``update_id``; False if it was already processed (a duplicate)."""




class DialogRepo(Protocol):
    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The awaited input (``None`` outside a dialog) and its draft."""

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None: ...

    async def clear(self, user_id: int) -> None: ...


class PointsRepo(Protocol):
    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        """Record ``award`` once per (user, key); True if it was new."""

    async def total(self, user_id: int) -> int: ...


class UnitOfWork(Protocol):
    users: UsersRepo
    updates: UpdatesRepo
    dialogs: DialogRepo
    points: PointsRepo

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
