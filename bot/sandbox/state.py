"""What the sandbox keeps in its database besides the bot's data: its users and its clock.

``python -m bot sandbox`` keeps the bot's data in ``data/sandbox.db`` between runs, so the
sandbox's own state must live there too, or a restart contradicts the data:

- the users added with ``:add`` (their key, Telegram id, language and role), so that they are
  there again after a restart and their ids are never handed to someone else. A new id is
  one past every id ever used: the default cast, every user ever added, and every user the
  bot's own ``users`` table knows (a database from before this was kept);
- the sandbox clock's offset (``/sandbox_time``), so that the clock does not go back while
  the stored data lies in the future.

They live in one small table of this module's own, ``sandbox_state`` (a key and a JSON value),
created on first use: it is the sandbox's, not the marketplace's, so it is not in the
migrations. :func:`reset_database` (``--reset``) starts clean: it deletes a SQLite file, or
drops every table of another database.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.engine import make_url

from bot.sandbox.cast import ChatUser
from storage import Database

__all__ = ["SandboxState", "reset_database"]

_metadata = MetaData()
sandbox_state = Table(
    "sandbox_state",
    _metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
_USERS, _LAST_ID, _OFFSET = "users", "last_id", "clock_offset_seconds"


class SandboxState:
    """The sandbox's users and clock offset, in the sandbox database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._ready = False

    async def _table(self) -> None:
        if not self._ready:
            async with self.database.engine.begin() as connection:
                await connection.run_sync(_metadata.create_all)
            self._ready = True

    async def _get(self, key: str) -> Any:
        await self._table()
        async with self.database.engine.connect() as connection:
            value = (await connection.execute(
                select(sandbox_state.c.value).where(sandbox_state.c.key == key))).scalar()
        return None if value is None else json.loads(value)

    async def _put(self, values: dict[str, Any]) -> None:
        await self._table()
        async with self.database.engine.begin() as connection:
            for key, value in values.items():
                text = json.dumps(value, ensure_ascii=False)
                done = await connection.execute(update(sandbox_state).where(
                    sandbox_state.c.key == key).values(value=text))
                if not done.rowcount:
                    await connection.execute(insert(sandbox_state).values(key=key, value=text))

    async def users(self) -> list[ChatUser]:
        """The users added with ``:add``, in the order they were added."""
        return [ChatUser(u["key"], int(u["id"]), u["first_name"], u["language_code"],
                         u.get("role", ""), last_name=u.get("last_name"))
                for u in await self._get(_USERS) or []]

    async def add_user(self, key: str, language: str, role: str,
                       known: Sequence[ChatUser]) -> ChatUser:
        """A new user with an id nobody ever had (``known``: the users being played)."""
        stored = await self.users()
        async with self.database.engine.connect() as connection:
            in_bot = (await connection.exec_driver_sql("SELECT MAX(id) FROM users")).scalar()
        last = max([int(await self._get(_LAST_ID) or 0), int(in_bot or 0),
                    *(user.id for user in (*known, *stored))])
        user = ChatUser(key, last + 1, key.title(), language, role)
        entries = [{"key": u.key, "id": u.id, "first_name": u.first_name,
                    "language_code": u.language_code, "role": u.role, "last_name": u.last_name}
                   for u in (*stored, user)]
        await self._put({_USERS: entries, _LAST_ID: user.id})
        return user

    async def offset(self) -> timedelta:
        """How far ``/sandbox_time`` has moved the clock."""
        return timedelta(seconds=float(await self._get(_OFFSET) or 0))

    async def save_offset(self, offset: timedelta) -> None:
        """Remember the clock's offset (it only grows)."""
        await self._put({_OFFSET: max(offset, await self.offset()).total_seconds()})


async def reset_database(url: str) -> None:
    """Start clean: delete a SQLite database file (and its WAL), or drop every table."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{parsed.database}{suffix}").unlink()
        return
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_drop_everything)
    finally:
        await database.dispose()


def _drop_everything(connection: Any) -> None:
    """Drop every table of the connection's schema (the sandbox database only)."""
    found = MetaData()
    found.reflect(connection)
    found.drop_all(connection)

