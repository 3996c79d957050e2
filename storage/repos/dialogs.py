"""Dialog state: per user, the awaited input and its draft (a JSON object)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos.base import dialect_insert, dialect_name
from storage.tables.accounts import dialog_state

__all__ = ["SqlDialogRepo"]

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


class SqlDialogRepo:
    """:class:`core.ports.DialogRepo`: one row per user in a dialog."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The awaited input (None outside a dialog) and a copy of its draft."""
        row = (await self.session.execute(_GET, {"user_id": user_id})).first()
        if row is None:
            return None, {}
        return row.state, dict(row.draft or {})

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None:
        """Replace the user's state and draft (the draft must be JSON-serialisable)."""
        await self.session.execute(_set(dialect_name(self.session)),
                                   {"user_id": user_id, "state": state, "draft": dict(draft)})

    async def clear(self, user_id: int) -> None:
        """Forget the user's dialog: no awaited input, no draft."""
        await self.session.execute(_CLEAR, {"user_id": user_id})
