"""Retrying a whole unit of work when the database asks for it.

PostgreSQL may abort a transaction with a serialization failure (SQLSTATE 40001) or pick it
as a deadlock victim (40P01); SQLite may still report "database is locked" past its busy
timeout. None of them changed anything, and running the same work again in a fresh unit of
work is the documented remedy. :func:`run_in_uow` does exactly that::

    async def pay(uow):
        return await transfer(uow, key=..., kind=..., legs=..., at=clock.now())

    posted = await run_in_uow(db, pay, retries=5)

The function runs in a new unit of work on each attempt and the unit is committed when it
returns, so it must not commit itself and must be safe to run again (ledger posts are: they
are idempotent by key). Domain refusals (:class:`core.errors.DomainError`) and every other
error propagate at once, after the rollback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from sqlalchemy.exc import DBAPIError

from storage.uow import SqlUnitOfWork

__all__ = ["RETRYABLE_SQLSTATES", "is_retryable", "run_in_uow"]

T = TypeVar("T")

#: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
BACKOFF_SECONDS = 0.005


class _HasUow(Protocol):
    def uow(self) -> SqlUnitOfWork: ...


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error, looking through SQLAlchemy's and asyncpg's wrappers."""
    seen: BaseException | None = error
    while seen is not None:
        for attribute in ("sqlstate", "pgcode"):
            code = getattr(seen, attribute, None)
            if isinstance(code, str):
                return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def is_retryable(error: BaseException) -> bool:
    """True for errors after which the same work may simply be run again."""
    if not isinstance(error, DBAPIError):
        return False
    if _sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


async def run_in_uow(database: _HasUow, work: Callable[[SqlUnitOfWork], Awaitable[T]], *,
                     retries: int = 5) -> T:
    """Run ``work`` in a fresh unit of work and commit; retry up to ``retries`` more times."""
    attempt = 0
    while True:
        try:
            async with database.uow() as uow:
                result = await work(uow)
                await uow.commit()
                return result
        except DBAPIError as error:
            if attempt >= retries or not is_retryable(error):
                raise
        attempt += 1
        await asyncio.sleep(BACKOFF_SECONDS * 2 ** attempt)
