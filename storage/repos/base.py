"""Helpers shared by the repositories: dialect-neutral INSERT ... ON CONFLICT.

The statements are built once per (dialect, table, columns) and executed with parameters, so
SQLAlchemy neither rebuilds nor re-keys them on every call (a measurable share of an update's
cost). Values that are SQL expressions (``func.now()``) are baked into a one-off statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from core.projects import Page

__all__ = ["dialect_insert", "dialect_name", "fetch_page", "insert_ignore", "upsert"]

T = TypeVar("T")


def dialect_name(session: AsyncConnection) -> str:
    """``"sqlite"`` or ``"postgresql"``: the backend ``session`` talks to."""
    return session.dialect.name


def dialect_insert(dialect: str, table: Table) -> Any:
    """The dialect's own INSERT construct (both have ``on_conflict_do_*``)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")


@lru_cache(maxsize=512)
def _ignoring(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    return dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=list(conflict))


@lru_cache(maxsize=512)
def _upserting(dialect: str, table: Table, conflict: tuple[str, ...],
               columns: tuple[str, ...]) -> Any:
    statement = dialect_insert(dialect, table)
    changes = {c: statement.excluded[c] for c in columns if c not in conflict}
    return statement.on_conflict_do_update(index_elements=list(conflict), set_=changes)


def _has_sql(values: Mapping[str, Any]) -> bool:
    return any(isinstance(v, ClauseElement) for v in values.values())


async def insert_ignore(session: AsyncConnection, table: Table, values: Mapping[str, Any],
                        conflict: Sequence[str]) -> bool:
    """INSERT ``values`` unless a row with the same ``conflict`` columns exists; True if inserted.

    Race-safe on both backends and never aborts the surrounding transaction: a concurrent
    insert of the same key waits for the other transaction and then reports False.
    """
    dialect = dialect_name(session)
    if _has_sql(values):
        statement = dialect_insert(dialect, table).values(**values).on_conflict_do_nothing(
            index_elements=list(conflict))
        result = await session.execute(statement)
    else:
        result = await session.execute(_ignoring(dialect, table, tuple(conflict)), dict(values))
    return bool(result.rowcount)


async def upsert(session: AsyncConnection, table: Table, values: Mapping[str, Any],
                 conflict: Sequence[str]) -> None:
    """INSERT ``values``, or UPDATE the other columns of the row with the same ``conflict`` key."""
    dialect = dialect_name(session)
    if _has_sql(values):
        statement = dialect_insert(dialect, table).values(**values)
        changes = {k: statement.excluded[k] for k in values if k not in conflict}
        await session.execute(
            statement.on_conflict_do_update(index_elements=list(conflict), set_=changes))
        return
    statement = _upserting(dialect, table, tuple(conflict), tuple(sorted(values)))
    await session.execute(statement, dict(values))


async def fetch_page(session: AsyncConnection, query: Select[Any], page: int, size: int,
                     convert: Callable[[RowMapping], T]) -> Page[T]:
    """Run ``query`` for one page (fetching one row more to know whether another follows)."""
    rows = (await session.execute(query.limit(size + 1).offset(page * size))).mappings().all()
    return Page(tuple(convert(r) for r in rows[:size]), page, len(rows) > size)
