"""Users, mapped to and from :class:`core.accounts.User` (roles as a comma-separated column).

Given a :class:`~storage.repos.dialogs.DialogCache` shared with the unit of work's dialog
repository, :meth:`SqlUsersRepo.get` reads the user's dialog row in the same statement (an
outer join) and leaves it in the cache, so the dispatcher's ``dialogs.get`` right after it
costs no second query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.accounts import Role, User
from storage.repos.dialogs import DialogCache
from storage.tables.accounts import dialog_state, users

__all__ = ["SqlUsersRepo", "roles_from_text", "roles_to_text"]


_GET = select(users).where(users.c.id == bindparam("user_id"))
_GET_WITH_DIALOG = (
    select(users, dialog_state.c.state.label("dialog_state"),
           dialog_state.c.draft.label("dialog_draft"), dialog_state.c.user_id.label("in_dialog"))
    .select_from(users.outerjoin(dialog_state, dialog_state.c.user_id == users.c.id))
    .where(users.c.id == bindparam("user_id")))
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

    async def get(self, user_id: int) -> User | None:
        """The user with Telegram id ``user_id``, or None."""
        if self.dialogs is None:
            result = await self.session.execute(_GET, {"user_id": user_id})
            row = result.mappings().first()
            return _user(row) if row is not None else None
        result = await self.session.execute(_GET_WITH_DIALOG, {"user_id": user_id})
        row = result.mappings().first()
        if row is None:  # no user, so no dialog row either (foreign key)
            self.dialogs.remember(user_id, None, {})
            return None
        if row["in_dialog"] is None:
            self.dialogs.remember(user_id, None, {})
        else:
            self.dialogs.remember(user_id, row["dialog_state"], row["dialog_draft"] or {})
        return _user(row)

    async def add(self, user: User) -> None:
        """Insert a new user (``created_at`` is required)."""
        if user.created_at is None:
            raise ValueError("a new user needs created_at")
        await self.session.execute(_INSERT, _row(user))

    async def save(self, user: User) -> None:
        """Persist every field of an existing user; LookupError if there is no such user."""
        values = _row(user)
        del values["id"], values["created_at"]
        if values["last_seen_at"] is None:
            del values["last_seen_at"]
        values["user_id"] = user.id
        result = await self.session.execute(_UPDATE, values)
        if not result.rowcount:  # type: ignore[attr-defined]
            raise LookupError(f"no user {user.id} to save")

    async def by_username(self, username: str) -> User | None:
        """The user with this Telegram username (case-insensitive, a leading @ is ignored)."""
        name = username.strip().removeprefix("@").lower()
        if not name:
            return None
        result = await self.session.execute(_BY_USERNAME, {"name": name})
        row = result.mappings().first()
        return _user(row) if row is not None else None
