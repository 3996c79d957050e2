"""A conversation harness: the real dispatcher, routes and database, no Telegram.

:class:`BotHarness` wraps :class:`handlers.dispatch.Dispatcher` over a migrated database and
plays the Telegram side: it numbers updates, keeps each private chat's messages (applying
``Send`` and ``Edit`` as Telegram would, an edit without a keyboard removing the buttons), and
lets a :class:`ChatUser` press buttons by their label. Tests read the replies as plain text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from core.accounts import User
from core.clock import FixedClock
from handlers import build_router
from handlers.context import HandlerSettings
from handlers.contract import (
    Action,
    AnswerCallback,
    Callback,
    Command,
    Edit,
    Event,
    FileUpload,
    Incoming,
    Keyboard,
    Send,
    SetMenu,
    Text,
    TgUser,
    Unsupported,
)
from handlers.dispatch import Dispatcher
from storage import Database

__all__ = ["BotHarness", "ChatUser", "Message"]


@dataclass(slots=True)
class Message:
    """A message the bot sent into a chat, as it stands now."""

    id: int
    text: str
    keyboard: Keyboard | None = None

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every callback button, row by row."""
        rows = self.keyboard or ()
        return [(b.label, b.data) for row in rows for b in row if b.data is not None]


@dataclass(slots=True)
class ChatUser:
    """One Telegram user talking to the bot in a private chat."""

    bot: BotHarness
    tg: TgUser
    messages: list[Message] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    last_update_id: int = 0
    menu: tuple[tuple[str, str], ...] | None = None  # the chat's own menu (SetMenu); None: unset
    menus_set: int = 0

    @property
    def id(self) -> int:
        """The Telegram id (also the private chat id)."""
        return self.tg.id

    async def send(self, event: Event, update_id: int | None = None) -> list[Action]:
        """Deliver ``event`` (a fresh update id unless one is given) and apply the replies."""
        if update_id is None:
            update_id = next(self.bot.update_ids)
        self.last_update_id = update_id
        incoming = Incoming(update_id=update_id, user=self.tg, chat_id=self.tg.id, event=event)
        self.actions = await self.bot.dispatcher.process(incoming)
        pressed = event.message_id if isinstance(event, Callback) else None
        for action in self.actions:
            self.bot.apply(self, action, pressed)
        return self.actions

    async def command(self, line: str) -> list[Action]:
        """Send ``/name args`` (the leading slash is optional)."""
        name, _, args = line.removeprefix("/").partition(" ")
        return await self.send(Command(name.lower(), args))

    async def say(self, text: str) -> list[Action]:
        """Type plain text."""
        return await self.send(Text(text))

    async def press(self, label: str) -> list[Action]:
        """Press the newest button with ``label`` (a leading tick is ignored)."""
        for message in reversed(self.messages):
            for text, data in message.buttons():
                if label in (text, text.removeprefix("✓ ")):
                    return await self.send(Callback(f"cb{self.bot.next_id()}", data, message.id))
        raise AssertionError(f"no button {label!r}; buttons: {self.buttons()}")

    async def forge(self, data: str, message_id: int | None = None) -> list[Action]:
        """Send callback data no button carried (a forged or stale press)."""
        if message_id is None and self.messages:
            message_id = self.messages[-1].id
        return await self.send(Callback(f"cb{self.bot.next_id()}", data, message_id))

    async def photo(self, caption: str | None = None) -> list[Action]:
        """Send a photo."""
        n = self.bot.next_id()
        return await self.send(FileUpload("photo", f"photo{n}", f"u{n}", caption=caption))

    async def document(self, name: str = "cv.pdf") -> list[Action]:
        """Send a document."""
        n = self.bot.next_id()
        return await self.send(FileUpload("document", f"doc{n}", f"u{n}", file_name=name))

    async def sticker(self) -> list[Action]:
        """Send something the bot does not support."""
        return await self.send(Unsupported("sticker"))

    def buttons(self) -> list[str]:
        """Labels of the buttons on the newest message that has any."""
        for message in reversed(self.messages):
            if message.keyboard:
                return [label for label, _ in message.buttons()]
        return []

    async def press_data(self, data: str) -> list[Action]:
        """Press the newest button carrying ``data`` (whatever its label's language)."""
        for message in reversed(self.messages):
            if any(d == data for _, d in message.buttons()):
                return await self.send(Callback(f"cb{self.bot.next_id()}", data, message.id))
        raise AssertionError(f"no button with data {data!r}")

    async def sign_up(self, role: str = "both", first: str = "Ann", last: str = "Lee",
                      email: str = "ann@example.com", language: str = "en") -> None:
        """Go through /start with buttons by their data (any interface language)."""
        await self.command("/start")
        if any(d.startswith("start:lang:") for m in self.messages[-1:] for _, d in m.buttons()):
            await self.press_data(f"start:lang:{language}")
        await self.press_data(f"start:role:{role}")
        for answer in (first, last, email):
            await self.say(answer)
        assert await self.bot.dialog(self.id) == (None, {}), self.reply

    def data_of(self, label: str) -> str:
        """The callback data of the newest button with ``label``."""
        for message in reversed(self.messages):
            for text, data in message.buttons():
                if label in (text, text.removeprefix("✓ ")):
                    return data
        raise AssertionError(f"no button {label!r}")

    @property
    def replies(self) -> list[str]:
        """Texts sent or edited in answer to the last update."""
        return [a.text for a in self.actions if isinstance(a, Send | Edit)]

    @property
    def reply(self) -> str:
        """All texts of the last answer, joined by newlines."""
        return "\n".join(self.replies)

    @property
    def answer(self) -> AnswerCallback | None:
        """The answerCallbackQuery of the last update, if it was a button press."""
        return next((a for a in self.actions if isinstance(a, AnswerCallback)), None)

    @property
    def last_text(self) -> str:
        """The newest message in the chat."""
        return self.messages[-1].text if self.messages else ""


class BotHarness:
    """The bot under test: a dispatcher plus the Telegram chats it talks to."""

    def __init__(self, database: Database, clock: FixedClock,
                 settings: HandlerSettings | None = None) -> None:
        """Route through every feature over ``database``, with time from ``clock``."""
        self.database = database
        self.clock = clock
        self.settings = settings or HandlerSettings()
        self.dispatcher = Dispatcher(build_router(), database.uow, clock, self.settings)
        self.update_ids = itertools.count(1000)
        self._ids = itertools.count(1)
        self.users: dict[int, ChatUser] = {}

    async def stored(self, user_id: int) -> User:
        """The user as the database has it now."""
        async with self.database.uow() as uow:
            user = await uow.users.get(user_id)
        assert user is not None, f"no user {user_id}"
        return user

    async def dialog(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The user's stored dialog state and draft."""
        async with self.database.uow() as uow:
            return await uow.dialogs.get(user_id)

    async def points(self, user_id: int) -> int:
        """The user's rating points."""
        async with self.database.uow() as uow:
            return await uow.points.total(user_id)

    async def snapshot(self, user_id: int) -> tuple[User, tuple[str | None, dict[str, Any]], int]:
        """Everything the account conversations can change, to compare before and after."""
        return (await self.stored(user_id), await self.dialog(user_id),
                await self.points(user_id))

    async def suspend(self, user_id: int, reason: str) -> None:
        """Set ``suspended_reason`` straight in the database (as support will, ACC-02)."""
        async with self.database.uow() as uow:
            user = await uow.users.get(user_id)
            assert user is not None
            user.suspended_reason = reason
            await uow.users.save(user)
            await uow.commit()

    def next_id(self) -> int:
        """A fresh number for message, file and callback ids."""
        return next(self._ids)

    def user(self, user_id: int, first_name: str, last_name: str | None = None,
             language_code: str | None = "en", username: str | None = None) -> ChatUser:
        """A Telegram user as Telegram reports them."""
        tg = TgUser(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = ChatUser(self, tg)
        return self.users[user_id]

    def apply(self, sender: ChatUser, action: Action, pressed: int | None) -> None:
        """Perform ``action`` on the chats as Telegram would."""
        if not isinstance(action, Send | Edit | SetMenu):
            return
        chat = sender if action.chat_id is None else self.users.get(action.chat_id)
        if chat is None:
            return
        if isinstance(action, SetMenu):
            chat.menu, chat.menus_set = action.commands, chat.menus_set + 1
            return
        if isinstance(action, Send):
            chat.messages.append(Message(self.next_id(), action.text, action.keyboard))
            return
        target = action.message_id if action.message_id is not None else pressed
        for message in chat.messages:
            if message.id == target:
                message.text, message.keyboard = action.text, action.keyboard
                return
        raise AssertionError(f"edit of unknown message {target}")
