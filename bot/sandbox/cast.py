"""The users the terminal chat plays: alice the employer, bob the freelancer, sam from support.

Runtimes put :func:`admin_ids` into ``ADMIN_IDS`` and call :func:`register_users` before the
bot starts, so that per-chat command menus (chat scope) find their chats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.sandbox.server import SandboxServer
from bot.sandbox.users import SandboxUser

__all__ = ["DEFAULT_USERS", "ChatUser", "admin_ids", "as_chat_users", "register_users"]


@dataclass(frozen=True, slots=True)
class ChatUser:
    """A Telegram user the person at the terminal can play."""

    key: str
    id: int
    first_name: str
    language_code: str
    role: str = ""
    admin: bool = False
    last_name: str | None = None


DEFAULT_USERS: tuple[ChatUser, ...] = (
    ChatUser("alice", 1001, "Alice", "en", "employer", last_name="Smith"),
    ChatUser("bob", 1002, "Bob", "ru", "freelancer", last_name="Ivanov"),
    ChatUser("sam", 1003, "Sam", "en", "support", admin=True),
)


def admin_ids(users: tuple[ChatUser, ...] | list[ChatUser] = DEFAULT_USERS) -> list[int]:
    """The ids to put in ``ADMIN_IDS``."""
    return [user.id for user in users if user.admin]


def register_users(
    server: SandboxServer, users: tuple[ChatUser, ...] | list[ChatUser] = DEFAULT_USERS
) -> dict[str, SandboxUser]:
    """Create the users' chats on the server (idempotent)."""
    return {
        user.key: server.user(
            user.id,
            user.first_name,
            language_code=user.language_code,
            username=user.key,
            last_name=user.last_name,
        )
        for user in users
    }


def as_chat_users(users: Sequence[ChatUser | SandboxUser]) -> list[ChatUser]:
    """Accept ready :class:`SandboxUser` objects too; their key is the lower-case first name."""
    cast: list[ChatUser] = []
    for user in users:
        if isinstance(user, SandboxUser):
            person = user.person
            key = person.first_name.lower().replace(" ", "_")
            if any(known.key == key for known in cast):
                key = (person.username or str(person.id)).lower()
            user = ChatUser(
                key,
                person.id,
                person.first_name,
                person.language_code or "en",
                last_name=person.last_name,
            )
        cast.append(user)
    return cast
