"""The interactive terminal chat of ``python -m bot sandbox``: one person plays many users.

Type text or ``/commands`` as the current user; the bot's messages to every user print as
they arrive, their inline buttons numbered from 1. Chat commands (``:help`` lists them)::

    #2  or  :press 2 [message_id]   press button 2 of the message last shown to this user
    :user bob                       switch user (``:user`` alone lists them)
    :add carol uk [role]            add a user (an id never used before, language uk)
    :file path/to/cv.pdf            upload a document; ``:photo path.png`` sends a photo
    :pay [message_id]               pay the current user's latest invoice (or that one)
    :menu                           the command menu Telegram would show this user
    :quit                           leave (end of input too)

:func:`run_chat` takes ``input_fn`` (an async ``prompt -> line``, raising ``EOFError`` at
the end) and ``output_fn`` so tests drive it with a script and capture what it prints; by
default both are a :class:`~bot.sandbox.terminal.Terminal`. ``#N`` presses a button of the
message the current user was shown last (a new message or an edit, such as the one a press
just changed), or of ``message_id``; the chat says which message it pressed. The
default users are :data:`DEFAULT_USERS`: alice the employer (en), bob the freelancer (ru) and
sam from support (en, ``admin=True``: put his id in ``ADMIN_IDS``). Call
:func:`register_users` before the bot starts so per-chat command menus find their chats.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.sandbox.cast import DEFAULT_USERS, ChatUser, admin_ids, as_chat_users, register_users
from bot.sandbox.objects import SandboxMessage
from bot.sandbox.render import render_message
from bot.sandbox.server import SandboxServer
from bot.sandbox.terminal import Terminal
from bot.sandbox.users import SandboxUser

if TYPE_CHECKING:
    from bot.sandbox.state import SandboxState

__all__ = ["DEFAULT_USERS", "ChatUser", "admin_ids", "register_users", "run_chat"]

InputFn = Callable[[str], Awaitable[str]]
OutputFn = Callable[[str], None]

HELP = """Type text or /commands as the current user. Chat commands:
  #N or :press N [message_id]  press button N of the message shown last (or of that one)
  :user NAME                   switch user; :user alone lists users
  :add NAME LANG [ROLE]        add a user
  :file PATH                   upload a document    :photo PATH   send a photo
  :pay [message_id]            pay the latest invoice (or that one)
  :menu                        show this user's command menu
  :help                        this help            :quit         leave"""


class _Chat:
    """The state of one terminal session."""

    def __init__(self, server: SandboxServer, users: list[ChatUser], output: OutputFn,
                 state: SandboxState | None = None) -> None:
        self.server = server
        self.output = output
        self.state = state
        self.roster = {user.key: user for user in users}
        self.users = register_users(server, users)
        self.current = users[0].key
        self.shown: dict[tuple[int, int], int] = {}
        self.focus: dict[str, int] = {}  # user key -> id of the message shown to them last

    @property
    def user(self) -> SandboxUser:
        """The user being played."""
        return self.users[self.current]

    # --- printing what the bot sends ----------------------------------------------------

    def _news(self) -> list[tuple[str, bool, SandboxMessage]]:
        """Messages and edits not printed yet: (recipient, is an edit, message)."""
        news = []
        for key, user in self.users.items():
            for message in user.messages:
                seen = self.shown.get((user.id, message.message_id))
                if seen is None or seen < message.version:
                    news.append((key, seen is not None, message))
        return news

    def print_news(self) -> None:
        """Print new messages and edits, labelled with their recipient."""
        for key, edited, message in self._news():
            self.shown[(message.chat_id, message.message_id)] = message.version
            self.focus[key] = message.message_id
            self.output(render_message(message, key, edited=edited))

    async def watch(self) -> None:
        """Print the bot's messages as they arrive."""
        while True:
            await self.server.world.changed.wait_for(lambda: bool(self._news()), None)
            self.print_news()

    # --- commands -----------------------------------------------------------------------

    def describe_users(self) -> str:
        """One line per user, the current one marked."""
        lines = []
        for key, user in self.roster.items():
            mark = "*" if key == self.current else " "
            extra = ", admin" if user.admin else ""
            role = f" {user.role}" if user.role else ""
            lines.append(f" {mark} {key}: {user.first_name}{role} ({user.language_code}{extra})")
        return "\n".join(lines)

    def switch(self, args: list[str]) -> str:
        """``:user NAME``."""
        if not args:
            return self.describe_users()
        key = args[0].lower()
        if key not in self.users:
            return f"no user {key!r}; users: {', '.join(self.users)} (add one with :add)"
        self.current = key
        return f"now playing {key}"

    async def add(self, args: list[str]) -> str:
        """``:add NAME LANG [ROLE]``: with a state, the user is kept and the id never reused."""
        if len(args) < 2:
            return "usage: :add NAME LANG [ROLE]"
        key, language, role = args[0].lower(), args[1].lower(), " ".join(args[2:])
        if key in self.users:
            return f"{key} already exists"
        if self.state is not None:
            new = await self.state.add_user(key, language, role, list(self.roster.values()))
        else:
            new = ChatUser(key, max(u.id for u in self.roster.values()) + 1, key.title(),
                           language, role)
        self.roster[key] = new
        self.users.update(register_users(self.server, [new]))
        self.current = key
        return f"added {key} (id {new.id}, {language}); now playing {key}"

    async def press(self, args: list[str]) -> str:
        """``#N`` or ``:press N [message_id]``."""
        if not args or not args[0].isdigit():
            return "usage: #N or :press N [message_id]"
        number = int(args[0])
        target = self._target(args[1] if len(args) > 1 else None)
        if isinstance(target, str):
            return target
        self.focus[self.current] = target.message_id
        buttons = target.flat_buttons
        if not 1 <= number <= len(buttons):
            if not buttons:
                return (f"#{target.message_id}, the message {self.current} was shown last, "
                        "has no buttons (:press N MESSAGE_ID presses another)")
            return f"no button {number} on #{target.message_id} (it has {len(buttons)})"
        button = buttons[number - 1]
        if "callback_data" not in button:
            return f"[{number}] opens {button.get('url', 'something outside the chat')}"
        pressed = f"{self.current} pressed [{number}] {button['text']} on #{target.message_id}"
        try:
            answer = await self.user.press(target, number - 1, timeout=10)
        except TimeoutError:
            return f"{pressed}; the bot did not answer the button press within 10s"
        if answer.text:
            return f"{pressed} ({'alert' if answer.show_alert else 'toast'}: {answer.text})"
        return pressed

    def _target(self, message_id: str | None) -> SandboxMessage | str:
        """The message with this id, else the one the current user was shown last; or why
        there is none."""
        messages = {str(m.message_id): m for m in self.user.messages}
        if message_id is not None:
            found = messages.get(message_id)
            if found is None or not found.flat_buttons:
                return f"{self.current} has no message with buttons numbered {message_id}"
            return found
        last = self.focus.get(self.current)
        if last is None or str(last) not in messages:
            return f"{self.current} has no message with buttons"
        return messages[str(last)]

    async def upload(self, args: list[str], kind: str) -> str:
        """``:file PATH`` and ``:photo PATH``."""
        if not args:
            return f"usage: :{kind} PATH"
        path = Path(" ".join(args)).expanduser()
        try:
            data = path.read_bytes()
        except OSError as error:
            return f"cannot read {path}: {error.strerror or error}"
        if kind == "photo":
            await self.user.send_photo(data)
        else:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            await self.user.upload_document(data, path.name, mime=mime)
        return f"sent {path.name} ({len(data)} bytes)"

    async def pay(self, args: list[str]) -> str:
        """``:pay [message_id]``: pay the latest invoice, or the one with this id."""
        invoice = next((m for m in reversed(self.user.messages) if m.invoice
                        and (not args or str(m.message_id) == args[0])), None)
        if invoice is None:
            return f"{self.current} has no invoice to pay" + (
                f" numbered {args[0]}" if args else "")
        try:
            result = await self.user.pay(invoice, timeout=10)
        except TimeoutError:
            return "the bot did not answer the pre-checkout query within 10s"
        if result.ok:
            return f"paid #{invoice.message_id} (charge {result.charge_id})"
        return f"payment refused: {result.error}"

    def menu(self) -> str:
        """``:menu``."""
        person = self.user.person
        commands = self.server.menu_for(person.id, person.language_code)
        if not commands:
            return "(no command menu registered)"
        return "\n".join(f"  /{c['command']} - {c['description']}" for c in commands)

    async def handle(self, line: str) -> bool:
        """Act on one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("#"):
            line = ":press " + line[1:]
        if not line.startswith(":"):
            await self.user.send(line)
            return True
        parts = line[1:].split()
        if not parts:
            self.output("type :help for commands")
            return True
        name, *args = parts
        if name in ("quit", "q", "exit"):
            return False
        reply = await self._command(name.lower(), args)
        if reply:
            self.output(reply)
        return True

    async def _command(self, name: str, args: list[str]) -> str:
        """Run a chat command and return what to print."""
        if name in ("press", "p"):
            return await self.press(args)
        if name in ("user", "u", "users"):
            return self.switch(args)
        if name == "add":
            return await self.add(args)
        if name in ("file", "doc"):
            return await self.upload(args, "document")
        if name == "photo":
            return await self.upload(args, "photo")
        if name == "pay":
            return await self.pay(args)
        if name == "menu":
            return self.menu()
        if name in ("help", "h", "?"):
            return HELP
        return f"unknown command :{name}; type :help"


async def run_chat(
    server: SandboxServer,
    users: Sequence[ChatUser | SandboxUser] = DEFAULT_USERS,
    input_fn: InputFn | None = None,
    output_fn: OutputFn | None = None,
    *,
    state: SandboxState | None = None,
) -> None:
    """Run the terminal chat until ``:quit`` or the end of input (default: the terminal).

    With ``state`` (the sandbox database's), users added with ``:add`` are kept there.
    """
    if input_fn is None or output_fn is None:
        terminal = Terminal()
        input_fn = input_fn or terminal.input
        output_fn = output_fn or terminal.output
    chat = _Chat(server, as_chat_users(users), output_fn, state)
    output_fn("Sandbox chat. You play these users:\n" + chat.describe_users())
    output_fn("Type :help for commands.")
    watcher = asyncio.create_task(chat.watch())
    try:
        while True:
            try:
                line = await input_fn(f"{chat.current}> ")
            except (EOFError, KeyboardInterrupt):
                break
            if not await chat.handle(line):
                break
    finally:
        watcher.cancel()
        try:
            await watcher
        except asyncio.CancelledError:
            pass
        chat.print_news()
