"""Helpers shared by the repositories: dialect-neutral INSERT ... ON CONFLICT."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["dialect_name", "insert_ignore", "upsert"]


def dialect_name(session: AsyncSession) -> str:
    """``"sqlite"`` or ``"postgresql"``: the backend ``session`` talks to."""
    bind = session.get_bind()
    return bind.dialect.name


def _insert(session: AsyncSession, table: Table) -> Any:
    """The dialect's own INSERT construct (both have ``on_conflict_*``)."""
    name = dialect_name(session)
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {name!r}")


async def insert_ignore(session: AsyncSession, table: Table, values: Mapping[str, Any],
                        conflict: Sequence[str]) -> bool:
    """INSERT ``values`` unless a row with the same ``conflict`` columns exists; True if inserted.

    Race-safe on both backends and never aborts the surrounding transaction: a concurrent
    insert of the same key waits for the other transaction and then reports False.
    """
    statement = _insert(session, table).values(**values).on_conflict_do_nothing(
        index_elements=list(conflict))
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def upsert(session: AsyncSession, table: Table, values: Mapping[str, Any],
                 conflict: Sequence[str]) -> None:
    """INSERT ``values``, or UPDATE the other columns of the row with the same ``conflict`` key."""
    statement = _insert(session, table).values(**values)
    changes = {k: statement.excluded[k] for k in values if k not in conflict}
    await session.execute(
        statement.on_conflict_do_update(index_elements=list(conflict), set_=changes))
