"""Dialog state: per user, the awaited input and its draft (a JSON object).

A :class:`DialogCache` (one per unit of work, emptied at its commit and rollback) holds the
rows already read in the transaction, by :meth:`SqlDialogRepo.get` or by the users
repository's ``get`` (which joins the dialog row); ``set`` and ``clear`` drop the user's entry,
so a later read sees the row exactly as stored (JSON round trip included).
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.repos.base import dialect_insert, dialect_name
from storage.tables.accounts import dialog_state

__all__ = ["DialogCache", "SqlDialogRepo"]

_GET = select(dialog_state.c.state, dialog_state.c.draft).where(
    dialog_state.c.user_id == bindparam("user_id"))
_CLEAR = delete(dialog_state).where(dialog_state.c.user_id == bindparam("user_id"))


@lru_cache(maxsize=4)
def _set(dialect: str) -> Any:
    """INSERT the row, or replace state and draft; ``updated_at`` is the database's now."""
    statement = dialect_insert(dialect, dialog_state).values(updated_at=func.now())
    return statement.on_conflict_do_update(
        index_elements=["user_id"],
        set_={"state": statement.excluded.state, "draft": statement.excluded.draft,
              "updated_at": func.now()})


class DialogCache:
    """The dialog rows known in the current transaction: user id -> (state, draft)."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[str | None, dict[str, Any]]] = {}

    def remember(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None:
        """Note the user's stored state and draft (a copy of it)."""
        self._rows[user_id] = (state, _copy(draft))

    def recall(self, user_id: int) -> tuple[str | None, dict[str, Any]] | None:
        """The noted state and a fresh copy of the draft, or None if not known."""
        known = self._rows.get(user_id)
        return None if known is None else (known[0], _copy(known[1]))

    def drop(self, user_id: int) -> None:
        """Forget the user's entry (its row is being written)."""
        self._rows.pop(user_id, None)

    def forget(self) -> None:
        """Drop everything (the transaction ended)."""
        self._rows.clear()


def _copy(draft: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a JSON object that shares no mutable part with ``draft``."""
    return {key: deepcopy(value) if isinstance(value, dict | list) else value
            for key, value in draft.items()}


class SqlDialogRepo:
    """:class:`core.ports.DialogRepo`: one row per user in a dialog."""

    def __init__(self, session: AsyncConnection, cache: DialogCache | None = None) -> None:
        """Bind to ``session``; ``cache`` is the unit of work's :class:`DialogCache`."""
        self.session = session
        self.cache = cache if cache is not None else DialogCache()

    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The awaited input (None outside a dialog) and a copy of its draft."""
        known = self.cache.recall(user_id)
        if known is not None:
            return known
        row = (await self.session.execute(_GET, {"user_id": user_id})).first()
        state, draft = (None, {}) if row is None else (row.state, dict(row.draft or {}))
        self.cache.remember(user_id, state, draft)
        return state, draft

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None:
        """Replace the user's state and draft (the draft must be JSON-serialisable)."""
        self.cache.drop(user_id)
        await self.session.execute(_set(dialect_name(self.session)),
                                   {"user_id": user_id, "state": state, "draft": dict(draft)})

    async def clear(self, user_id: int) -> None:
        """Forget the user's dialog: no awaited input, no draft."""
        self.cache.drop(user_id)
        await self.session.execute(_CLEAR, {"user_id": user_id})
