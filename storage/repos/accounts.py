"""Users, mapped to and from :class:`core.accounts.User` (roles as a comma-separated column).

Given a :class:`~storage.repos.dialogs.DialogCache` shared with the unit of work's dialog
repository, :meth:`SqlUsersRepo.get` reads the user's dialog row in the same statement (an
outer join) and leaves it in the cache, so the dispatcher's ``dialogs.get`` right after it
costs no second query.

:meth:`SqlUsersRepo.claim_update` goes one step further for the first statement of an
update: it claims the update id and reads the user and their dialog row in one ``INSERT ...
ON CONFLICT DO NOTHING RETURNING`` whose returned columns are scalar subqueries (SQLite and
PostgreSQL alike), so the dispatcher's claim, ``users.get`` and ``dialogs.get`` are one round
trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.accounts import Role, User
from storage.repos.base import dialect_insert, dialect_name
from storage.repos.dialogs import DialogCache
from storage.tables.accounts import dialog_state, processed_updates, users

__all__ = ["SqlUsersRepo", "roles_from_text", "roles_to_text"]


_GET = select(users).where(users.c.id == bindparam("user_id"))
_GET_WITH_DIALOG = (
    select(users, dialog_state.c.state.label("dialog_state"),
           dialog_state.c.draft.label("dialog_draft"), dialog_state.c.user_id.label("in_dialog"))
    .select_from(users.outerjoin(dialog_state, dialog_state.c.user_id == users.c.id))
    .where(users.c.id == bindparam("user_id")))
_DIALOG_COLUMNS = {"dialog_state": dialog_state.c.state, "dialog_draft": dialog_state.c.draft,
                   "in_dialog": dialog_state.c.user_id}


@lru_cache(maxsize=4)
def _claim_with_user(dialect: str) -> Any:
    """INSERT the update id unless known, RETURNING the user's and dialog row's columns."""
    return (
        dialect_insert(dialect, processed_updates)
        .values(update_id=bindparam("update_id"), processed_at=bindparam("processed_at"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(
            processed_updates.c.update_id,
            *(select(column).where(users.c.id == bindparam("user_id"))
              .scalar_subquery().label(column.name) for column in users.c),
            *(select(column).where(dialog_state.c.user_id == bindparam("user_id"))
              .scalar_subquery().label(label) for label, column in _DIALOG_COLUMNS.items())))


_BY_USERNAME = select(users).where(func.lower(users.c.username) == bindparam("name")).limit(1)
_INSERT = insert(users)
_UPDATE = update(users).where(users.c.id == bindparam("user_id"))


def roles_to_text(roles: Iterable[Role]) -> str:
    """Roles as stored: sorted values joined by commas (``""`` for none)."""
    return ",".join(sorted(Role(r).value for r in roles))


def roles_from_text(text: str | None) -> set[Role]:
    """The roles of a stored ``roles`` column."""
    return {Role(part) for part in (text or "").split(",") if part.strip()}


def _row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "language": user.language,
        "telegram_language": user.telegram_language,
        "roles": roles_to_text(user.roles),
        "email": user.email,
        "email_verified": user.email_verified,
        "suspended_reason": user.suspended_reason,
        "created_at": user.created_at,
        "last_seen_at": user.last_seen_at if user.last_seen_at is not None else user.created_at,
    }


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language=row["language"],
        telegram_language=row["telegram_language"],
        roles=roles_from_text(row["roles"]),
        email=row["email"],
        email_verified=bool(row["email_verified"]),
        suspended_reason=row["suspended_reason"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
    )


class SqlUsersRepo:
    """:class:`core.ports.UsersRepo` on SQLAlchemy Core."""

    def __init__(self, session: AsyncConnection, dialogs: DialogCache | None = None) -> None:
        """Bind to ``session``; with ``dialogs``, :meth:`get` also loads the dialog row."""
        self.session = session
        self.dialogs = dialogs
        self._claimed: tuple[int, User | None] | None = None  # read by claim_update

    async def claim_update(self, update_id: int, at: datetime, user_id: int) -> bool:
        """Claim ``update_id`` (see :class:`~storage.repos.updates.SqlUpdatesRepo`) and read
        user ``user_id`` with their dialog row in the same statement; the next :meth:`get` of
        that user returns what it read. False (and nothing read) for a duplicate."""
        row = (await self.session.execute(_claim_with_user(dialect_name(self.session)), {
            "update_id": update_id, "processed_at": at, "user_id": user_id})).mappings().first()
        if row is None:
            return False
        self._claimed = (user_id, self._remember(user_id, row))
        return True

    def _remember(self, user_id: int, row: RowMapping) -> User | None:
        """The user of a row joined with the dialog columns; the dialog row noted."""
        if row["id"] is None:  # no user, so no dialog row either (foreign key)
            if self.dialogs is not None:
                self.dialogs.remember(user_id, None, {})
            return None
        if self.dialogs is not None:
            if row["in_dialog"] is None:
                self.dialogs.remember(user_id, None, {})
            else:
                self.dialogs.remember(user_id, row["dialog_state"], row["dialog_draft"] or {})
        return _user(row)

    async def get(self, user_id: int) -> User | None:
        """The user with Telegram id ``user_id``, or None."""
        claimed, self._claimed = self._claimed, None
        if claimed is not None and claimed[0] == user_id:
            return claimed[1]
        if self.dialogs is None:
            result = await self.session.execute(_GET, {"user_id": user_id})
            row = result.mappings().first()
            return _user(row) if row is not None else None
        result = await self.session.execute(_GET_WITH_DIALOG, {"user_id": user_id})
        row = result.mappings().first()
        if row is None:  # no user, so no dialog row either (foreign key)
            self.dialogs.remember(user_id, None, {})
            return None
        return self._remember(user_id, row)

    async def add(self, user: User) -> None:
        """Insert a new user (``created_at`` is required)."""
        self._claimed = None
        if user.created_at is None:
            raise ValueError("a new user needs created_at")
        await self.session.execute(_INSERT, _row(user))

    async def save(self, user: User) -> None:
        """Persist every field of an existing user; LookupError if there is no such user."""
        self._claimed = None
        values = _row(user)
        del values["id"], values["created_at"]
        if values["last_seen_at"] is None:
            del values["last_seen_at"]
        values["user_id"] = user.id
        result = await self.session.execute(_UPDATE, values)
        if not result.rowcount:
            raise LookupError(f"no user {user.id} to save")

    async def by_username(self, username: str) -> User | None:
        """The user with this Telegram username (case-insensitive, a leading @ is ignored)."""
        name = username.strip().removeprefix("@").lower()
        if not name:
            return None
        result = await self.session.execute(_BY_USERNAME, {"name": name})
        row = result.mappings().first()
        return _user(row) if row is not None else None
