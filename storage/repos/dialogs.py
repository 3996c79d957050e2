"""Dialog state: per user, the awaited input and its draft (a JSON object)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos.base import upsert
from storage.tables.accounts import dialog_state

__all__ = ["SqlDialogRepo"]


class SqlDialogRepo:
    """:class:`core.ports.DialogRepo`: one row per user in a dialog."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The awaited input (None outside a dialog) and a copy of its draft."""
        result = await self.session.execute(
            select(dialog_state.c.state, dialog_state.c.draft)
            .where(dialog_state.c.user_id == user_id))
        row = result.first()
        if row is None:
            return None, {}
        return row.state, dict(row.draft or {})

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None:
        """Replace the user's state and draft (the draft must be JSON-serialisable)."""
        await upsert(self.session, dialog_state,
                     {"user_id": user_id, "state": state, "draft": dict(draft),
                      "updated_at": func.now()}, ["user_id"])

    async def clear(self, user_id: int) -> None:
        """Forget the user's dialog: no awaited input, no draft."""
        await self.session.execute(delete(dialog_state).where(dialog_state.c.user_id == user_id))
