"""The sandbox's state: chats, the update queue, files, command menus and pending answers.

Every change pokes a :class:`Signal`; long polls and the test users' ``wait_*`` helpers
wait on it, so nothing polls in a sleeping loop and nothing waits longer than needed.
The Bot API method implementations (``api_bot``, ``api_messages``) and the user API
(``users``) work on one :class:`World`.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import mimetypes
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.limiter import RateLimiter
from bot.sandbox.objects import Person, SandboxMessage, chat_object
from bot.sandbox.params import ApiError, Params

__all__ = ["ChatState", "Queued", "Signal", "StoredFile", "World"]


class Signal:
    """Wakes every waiter whenever something changes (no locks, no polling)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters; they re-check their predicates."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until ``predicate()`` holds; False when ``timeout`` seconds pass first."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._event.wait()
        except TimeoutError:
            return predicate()
        return True


@dataclass(slots=True)
class StoredFile:
    """Bytes the sandbox holds, addressable by file_id and by file_path."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(slots=True)
class Queued:
    """An update waiting to be confirmed by ``getUpdates``' offset."""

    update: dict[str, Any]
    forced: bool = False
    delivered: bool = False


@dataclass
class ChatState:
    """A private chat between the bot and one person."""

    person: Person
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    bot_messages: list[SandboxMessage] = field(default_factory=list)
    by_id: dict[int, SandboxMessage] = field(default_factory=dict)
    consumed: int = 0
    transcript: list[str] = field(default_factory=list)


class World:
    """Everything the sandbox Bot API server knows."""

    def __init__(
        self,
        token: str,
        *,
        time_source: Callable[[], float],
        rate_limits: bool,
        bot_name: str,
        bot_username: str,
        first_update_id: int | None = None,
    ) -> None:
        self.token = token
        self.time_source = time_source
        self.bot: dict[str, Any] = {  # the Bot API User object of the bot
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.chats: dict[int, ChatState] = {}
        self.pending: list[Queued] = []
        self.updates_log: list[dict[str, Any]] = []
        # Like Telegram's, update ids keep growing across runs (a sandbox restarted on the same
        # database must not reuse ids the bot has recorded as processed): milliseconds by default.
        start = first_update_id if first_update_id is not None else int(time_source() * 1000)
        self.update_ids = itertools.count(start)
        self.allowed_updates: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, StoredFile] = {}
        self.paths: dict[str, StoredFile] = {}
        self.file_numbers = itertools.count(1)
        self.query_numbers = itertools.count(1)
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_answers: dict[str, dict[str, Any] | None] = {}
        self.checkout_answers: dict[str, dict[str, Any] | None] = {}
        self.limiter = RateLimiter(time_source) if rate_limits else None
        self.updates_signal = Signal()
        self.changed = Signal()
        self.poll_generation = 0
        self.waiting_polls = 0
        self.stopping = False

    def now(self) -> int:
        """The current Unix time for ``date`` fields."""
        return int(self.time_source())

    # --- chats and messages -------------------------------------------------------------

    def chat_for(self, params: Params, name: str = "chat_id") -> ChatState:
        """The chat a method addresses, or the real server's error."""
        raw = params.text(name)
        if raw is None or raw == "":
            raise ApiError.bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except ValueError:
            raise ApiError.bad_request("chat not found") from None
        if chat_id not in self.chats:
            raise ApiError.bad_request("chat not found")
        return self.chats[chat_id]

    def new_message(
        self, chat: ChatState, sender: dict[str, Any], **content: Any
    ) -> dict[str, Any]:
        """Create and store a message in ``chat`` (``None`` content values are omitted)."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw = {
            "message_id": message_id,
            "from": sender,
            "chat": chat_object(chat.person),
            "date": self.now(),
        }
        raw.update({key: value for key, value in content.items() if value is not None})
        chat.messages[message_id] = raw
        return raw

    def bot_message(
        self, chat: ChatState, payload: str | None = None, **content: Any
    ) -> dict[str, Any]:
        """Record a message from the bot and wake whoever waits for it."""
        raw = self.new_message(chat, dict(self.bot), **content)
        record = SandboxMessage(raw["message_id"], chat.person.id, raw, payload)
        chat.bot_messages.append(record)
        chat.by_id[record.message_id] = record
        chat.transcript.append(f"bot: {record.describe()}")
        self.changed.notify()
        return dict(raw)

    def limit(self, chat: ChatState) -> None:
        """Apply the flood limits to one more message to ``chat`` (when switched on)."""
        if self.limiter is not None:
            self.limiter.check(chat.person.id)

    # --- updates ------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any], *, forced: bool = False) -> dict[str, Any]:
        """Queue an update (numbering it unless it has an ``update_id``)."""
        if "update_id" not in update:
            update = {"update_id": next(self.update_ids), **update}
        self.pending.append(Queued(update, forced=forced))
        self.updates_log.append(update)
        self.updates_signal.notify()
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget updates that ``offset`` confirms, as getUpdates does."""
        if offset is None:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
            return
        self.pending = [
            q
            for q in self.pending
            if q.update["update_id"] >= offset or (q.forced and not q.delivered)
        ]

    def deliverable(self) -> list[Queued]:
        """Pending updates of the allowed kinds (others are dropped, as Telegram does)."""
        if self.allowed_updates:
            allowed = set(self.allowed_updates)
            self.pending = [q for q in self.pending if _kind(q.update) in allowed]
        return self.pending

    # --- files --------------------------------------------------------------------------

    def store_file(
        self, data: bytes, kind: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        """Keep uploaded bytes under a fresh file_id and file_path."""
        number = next(self.file_numbers)
        if mime_type in (None, "", "application/octet-stream") and file_name:
            mime_type = mimetypes.guess_type(file_name)[0] or mime_type
        extension = ".jpg" if kind == "photo" else _extension(file_name)
        stored = StoredFile(
            file_id=f"SBX{kind[:3].upper()}{number}-{secrets.token_hex(6)}",
            file_unique_id=hashlib.sha256(data).hexdigest()[:16],
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type or None,
        )
        self.files[stored.file_id] = stored
        self.paths[stored.file_path] = stored
        return stored


def _kind(update: dict[str, Any]) -> str:
    """The kind of an update: its one field besides ``update_id``."""
    return next((key for key in update if key != "update_id"), "")


def _extension(file_name: str | None) -> str:
    """The extension of a file name, with its dot, or nothing."""
    if not file_name or "." not in file_name:
        return ""
    return "." + file_name.rsplit(".", 1)[1][:10]
